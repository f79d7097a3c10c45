// The block of memory a worker shares with its supervisor. The worker writes
// it on the hot path with plain relaxed stores (no system calls); the supervisor
// reads it to watch for hangs and, when the worker dies, to learn which case and
// which call killed it and where a fault hit.
#pragma once

#include <atomic>
#include <cstdint>

#include "Case.h"

namespace vspc {

enum class Callback : uint8_t { None, Init, Prepare, Save, Restore, Release };

// Which buffer a faulting address belongs to.
enum class FaultRegion : uint8_t {
    None,         // not one of ours: a plain crash
    SaveBuf,      // the save buffer's arena (guards included)
    NullSaveBuf,  // a write through SaveBuf == NULL
    BytesNeeded,  // the *BytesNeeded slot's arena
    RestoreSaveBuf,
    RestoreLibBuf,
};

enum class Access : uint8_t { Unknown, Read, Write };

struct FaultInfo {
    int32_t signo;
    int32_t code;
    uint64_t addr;
    int64_t offset;  // from the start of the buffer in `region`
    uint32_t buffer_size;
    FaultRegion region;
    Access access;
    Callback callback;
};

// The call in progress, described for the supervisor.
struct CurrentCall {
    Callback callback;
    uint8_t packet;
    uint8_t null_buffer;
    uint8_t placement;
    uint8_t fill;
    uint32_t size;  // SaveBufSize, or restore's SaveBufSize
    uint32_t op_index;
};

constexpr uint32_t kSharedCaseCapacity = 1u << 20;

struct SharedStatus {
    std::atomic<uint64_t> calls_started;  // heartbeat: module calls started
    std::atomic<uint32_t> in_call;        // a module callback is running
    std::atomic<uint32_t> faulted;        // `fault` is valid
    std::atomic<uint64_t> case_index;     // sweep index, or fuzz execution number
    std::atomic<uint64_t> cases_run;
    std::atomic<uint64_t> cases_skipped;
    std::atomic<uint64_t> total_calls;
    CurrentCall call;
    FaultInfo fault;
    std::atomic<uint32_t> case_size;
    uint8_t case_bytes[kSharedCaseCapacity];
};

// The worker's pointer to the block (null outside a worker).
extern SharedStatus *g_shared;

}  // namespace vspc
