// The block of memory a worker shares with its supervisor. The worker writes
// it on the hot path with plain relaxed stores (no system calls); the supervisor
// reads it to watch for hangs and, when the worker dies, to learn which case and
// which call killed it, where a fault hit, and what the worker had done so far
// (counts and evidence survive a death because they live here, not in messages).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "Case.h"
#include "Rules.h"

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

// Where a fault's instruction is: not in the module's code; the faulting instruction;
// a call in the module that led to a fault in a callee outside it (memcpy, say).
enum : uint8_t { kCodeNone = 0, kCodeFault = 1, kCodeCaller = 2 };

struct FaultInfo {
    int32_t signo;
    int32_t code;
    uint64_t addr;
    int64_t offset;  // from the start of the buffer in `region`
    uint32_t buffer_size;
    FaultRegion region;
    Access access;
    Callback callback;
    uint8_t code_where;    // kCode*
    uint64_t code_offset;  // in the module's ELF file (its virtual address)
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
    int32_t call_index;  // in the case's call log (-1: a release, not logged)
    uint8_t arbitrary;   // restore: of the case's own bytes, not a saved record
};

constexpr uint32_t kSharedCaseCapacity = 1u << 20;

// The distribution of BytesNeeded over the states probed: bucket b holds N with
// BitWidth(N) == b, i.e. [2^(b-1), 2^b).
constexpr size_t kBytesNeededBuckets = 33;
using BytesNeededHistogram = std::array<uint64_t, kBytesNeededBuckets>;

// A counter only the worker writes: relaxed load + store, no atomic read-modify-write.
struct Counter {
    std::atomic<uint64_t> value;
    void Add(uint64_t n) { value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    uint64_t Get() const { return value.load(std::memory_order_relaxed); }
};

struct WorkerCounters {
    Counter cases_run, cases_skipped, cases_cut;
    Counter calls;         // module calls that returned
    Counter execs;         // coverage-guided executions
    Counter promoted;      // explored states given the full contract
    Counter cases_capped;  // cases stopped before their last op at kCaseLogBytes (Runner.h)
    Counter heavy_execs;   // executions that counted more than once toward the plateau (Protocol.h)
    Counter state_saves;   // successful saves of a packet with state
    Counter evidence[kRuleCount];
    Counter bytes_needed[kBytesNeededBuckets];  // first probes of packets with state, by BitWidth(N)
    Counter edges;  // fuzz: the module's edges this worker's executions reached so far (stored, not added)
};

// What the worker reports in its status block is hints (the watchdog's heartbeat, where it died,
// counts that survive a death): the module can write it. What the verdict rests on travels in the
// done message, checked against this block (Watch.h), and what the supervisor tells the worker is
// in the control block below, which the worker can only read.
struct SharedStatus {
    std::atomic<uint64_t> calls_started;  // heartbeat: module calls started
    std::atomic<uint32_t> in_call;        // a module callback is running
    std::atomic<uint32_t> faulted;        // `fault` is valid (first fault of the current call)
    std::atomic<uint64_t> case_index;     // sweep index, or execution number
    WorkerCounters counters;
    CurrentCall call;
    FaultInfo fault;
    std::atomic<uint32_t> case_size;
    uint8_t case_bytes[kSharedCaseCapacity];
};

// samples/hostile/forge_counters.c writes these two counters by offset, as a module would.
static_assert(offsetof(SharedStatus, counters) + offsetof(WorkerCounters, cases_run) == 24);
static_assert(offsetof(SharedStatus, counters) + offsetof(WorkerCounters, execs) == 56);

// Supervisor -> worker, in a memfd the supervisor seals against writes (F_SEAL_FUTURE_WRITE) before
// the worker maps it read-only: a module cannot stop its own job early by writing the stop flag.
struct WorkerControl {
    std::atomic<uint32_t> stop_requested;  // finish now (the time cap, a signal)
};
constexpr size_t kWorkerControlBytes = 4096;

// In the worker: where its control block is mapped (null: no supervisor, nothing is ever stopped).
void SetWorkerControl(const WorkerControl *control);
bool StopRequested();

}  // namespace vspc
