// The fake KMCL: channel and packet objects and the KMCL functions a module
// calls, exported from the tester so that a loaded module resolves them. It also
// watches restores: which packets a restore allocated and freed, and whether
// VmbPacketRestore got exactly the LibBuf the tester passed.
//
// Each Kmcl object is one world of channels and packets; the exported C
// functions find the world through the handle they are given, so a worker can
// hold more than one module (each with its own world).
#pragma once

#include <cstdint>

namespace vspc {

class Kmcl;

using SaveFn = int32_t (*)(void *channel, void *packet, void *save_buf, uint32_t save_buf_size, uint32_t *bytes_needed);
using RestoreFn = int32_t (*)(void *channel, void *lib_buf, uint32_t lib_buf_size, void *save_buf,
                              uint32_t save_buf_size);

struct FakeChannel {
    uint32_t magic;
    Kmcl *owner;
    void *context;
    SaveFn save;
    RestoreFn restore;
    int registrations;
};

struct FakePacket {
    uint32_t magic;
    uint32_t id;
    Kmcl *owner;
    FakeChannel *channel;
    void *context;
    bool in_use;
    bool from_module;  // allocated by the module (VmbPacketAllocate)
};

constexpr int kPacketPoolSize = 64;
constexpr int kMaxWatchedAllocations = 8;

// What a single restore call did to packet objects.
struct RestoreWatch {
    bool active = false;
    const void *lib_buf = nullptr;
    uint32_t lib_buf_size = 0;
    FakePacket *allocated[kMaxWatchedAllocations] = {};
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
    Kmcl();
    ~Kmcl();
    Kmcl(const Kmcl &) = delete;
    Kmcl &operator=(const Kmcl &) = delete;

    FakeChannel *NewChannel();
    FakePacket *NewPacket(FakeChannel *channel);  // tester-owned packet
    void FreePacket(FakePacket *packet);          // tester frees a packet object
    RestoreWatch &Watch() { return watch_; }
    int PacketsInUse() const;
    // Packet objects the module allocated (VmbPacketAllocate) that are still in use.
    int ModulePacketsInUse() const;

    // The exported functions' side.
    static Kmcl *OwnerOf(const void *handle);
    FakePacket *AsPacket(const void *handle);
    FakePacket *Allocate(FakeChannel *channel, bool from_module);

private:
    FakeChannel channels_[4];
    int channel_count_ = 0;
    FakePacket pool_[kPacketPoolSize];
    uint32_t next_id_ = 1;
    RestoreWatch watch_;
};

}  // namespace vspc
