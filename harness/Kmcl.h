// The fake KMCL: channel and packet objects and the KMCL functions a module
// calls, exported from the tester so that a loaded module resolves them. It also
// watches restores: which packets a restore allocated and freed, and whether
// VmbPacketRestore got exactly the LibBuf the tester passed.
#pragma once

#include <cstdint>

namespace vspc {

using SaveFn = int32_t (*)(void *channel, void *packet, void *save_buf, uint32_t save_buf_size, uint32_t *bytes_needed);
using RestoreFn = int32_t (*)(void *channel, void *lib_buf, uint32_t lib_buf_size, void *save_buf,
                              uint32_t save_buf_size);

struct FakeChannel {
    uint32_t magic;
    void *context;
    SaveFn save;
    RestoreFn restore;
    int registrations;
};

struct FakePacket {
    uint32_t magic;
    uint32_t id;
    FakeChannel *channel;
    void *context;
    bool in_use;
    bool from_module;  // allocated by the module (VmbPacketAllocate)
};

constexpr int kPacketPoolSize = 64;

// What a single restore call did to packet objects.
struct RestoreWatch {
    bool active = false;
    const void *lib_buf = nullptr;
    uint32_t lib_buf_size = 0;
    FakePacket *allocated[8] = {};
    int allocations = 0;
    int frees_of_allocated = 0;
    int restore_calls = 0;
    FakePacket *bound = nullptr;    // the packet VmbPacketRestore was called on
    bool lib_buf_exact = true;      // every VmbPacketRestore got (lib_buf, lib_buf_size)
    bool restored_foreign = false;  // VmbPacketRestore on a packet the restore did not allocate
    int foreign_frees = 0;          // VmbPacketFree of packets the module does not own
};

class Kmcl {
public:
    static FakeChannel *NewChannel();
    static FakePacket *NewPacket(FakeChannel *channel);  // tester-owned packet
    static void FreePacket(FakePacket *packet);          // tester frees a packet object
    static RestoreWatch &Watch();
    static int PacketsInUse();
};

}  // namespace vspc
