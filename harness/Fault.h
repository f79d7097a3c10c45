// Faults inside a module call. Every buffer the tester hands a module sits in
// an arena between guard zones (Arena.h). The signal handler looks the faulting
// address up among the regions of the call in progress and records region,
// offset and access (read/write). A fault in a guard zone is then *recovered*:
// the page is made accessible and the instruction retried, so the module's call
// runs to its end and the stray access becomes an observation of that call, not
// a dead worker. After the call the pages are protected again. Faults that
// cannot be recovered (a NULL SaveBuf, the outermost guard page, anywhere else)
// are left to kill the worker; the supervisor attributes the death.
#pragma once

#include <cstdint>
#include <string_view>

#include "Shared.h"

namespace vspc {

struct GuardedRegion {
    uintptr_t begin = 0, end = 0;            // the whole reservation, guard zones included
    uintptr_t data_begin = 0, data_end = 0;  // the accessible part
    uintptr_t buffer = 0;                    // what the module was given
    uint32_t size = 0;
    FaultRegion kind = FaultRegion::None;
    bool read_only = false;  // the data is read-only input (restore): a write into it is recoverable
};

// Where the module's code is mapped, so that a faulting instruction can be named
// as an address of the module's file (which a symbolizer turns into a source line).
struct ModuleCode {
    uintptr_t base = 0;                    // load bias: file address = runtime address - base
    uintptr_t begin = 0, end = 0;          // the executable segment
    uintptr_t stack_lo = 0, stack_hi = 0;  // the calling thread's stack (frame walks stay inside)
};

// The bytes a call wrote on one side of one buffer, in the guard zone pages its write faults opened
// (each is filled with GuardFill before the write goes on; after the call the bytes that differ are
// the ones the write reached). Offsets from the buffer's start.
struct GuardStrays {
    FaultRegion region = FaultRegion::None;
    bool overrun = false;  // past the end (else before the start)
    uint32_t buffer_size = 0;
    uint32_t bytes = 0;   // bytes that differ (0: none seen; the entry is free)
    int64_t nearest = 0;  // the stray byte nearest to the buffer
    int64_t farthest = 0;
};

// What a call did outside its buffers, as the fault handler saw it.
struct FaultRecord {
    bool found = false;
    FaultRegion region = FaultRegion::None;
    int64_t offset = 0;  // of the first fault, from the start of the buffer
    uint32_t buffer_size = 0;
    Access access = Access::Unknown;
    uint32_t count = 0;              // faults recovered in the call
    uint8_t code_where = kCodeNone;  // of the first fault
    uint64_t code_offset = 0;
    // What the call's recovered writes reached, per buffer and side (the first two of them: a call
    // has two buffers, and a write rarely strays on both sides of both).
    static constexpr int kMeasuredSides = 2;
    GuardStrays strays[kMeasuredSides];

    // The guard-zone bytes written past (overrun) or before (underrun) `region`'s buffer, or null.
    const GuardStrays *Strays(FaultRegion region, bool overrun) const {
        for (const GuardStrays &g : strays)
            if (g.bytes && g.region == region && g.overrun == overrun) return &g;
        return nullptr;
    }
};

class FaultContext {
public:
    static constexpr int kMaxRegions = 4;
    static constexpr int kMaxUnprotected = 64;

    FaultContext() = default;
    FaultContext(const FaultContext &) = delete;
    FaultContext &operator=(const FaultContext &) = delete;
    ~FaultContext();

    // Before a call: the buffers it gets (and whether SaveBuf is NULL).
    void BeginCall(const GuardedRegion *regions, int count, bool null_save_buffer, SharedStatus *status);
    // The module's code (set once after loading; without it faults carry no code address).
    void SetModuleCode(const ModuleCode &code);
    // The signal handler's side: the module address for a fault at pc, with sp and fp.
    uint8_t LocateCode(uintptr_t pc, uintptr_t sp, uintptr_t fp, uint64_t *offset) const;
    // After it: measures what the recovered writes reached, protects every recovered page
    // again and says what happened.
    FaultRecord EndCall();

    // The signal handler's side (FaultLinux.cpp): true when the fault was recovered.
    bool Recover(uintptr_t addr, Access access, int signo, int code, uint8_t code_where, uint64_t code_offset);

private:
    GuardedRegion regions_[kMaxRegions];
    int count_ = 0;
    bool null_save_buffer_ = false;
    bool active_ = false;
    SharedStatus *status_ = nullptr;
    ModuleCode code_;
    FaultRecord record_;
    uintptr_t unprotected_[kMaxUnprotected];
    int restore_prot_[kMaxUnprotected];
    int8_t filled_[kMaxUnprotected];  // the region index whose write opened (and filled) the page, or -1
    int unprotected_count_ = 0;
};

// Where the module `handle` (from dlopen) has its code, and the calling thread's stack.
// Empty (end == 0) when it cannot be told.
ModuleCode ModuleCodeOf(void *handle);

// Installs the SIGSEGV/SIGBUS/SIGFPE/SIGILL handler once per process. `status`
// (may be null) receives the fault that kills the worker.
void InstallFaultHandlers(SharedStatus *status);
// The handler of the system calls the sandbox's filter traps (SIGSYS): it records the call and its
// place in the module in the status block, then ends the worker by SIGSYS. Installed before the
// filter that ends the process when the module replaces it.
void InstallSyscallTrap(SharedStatus *status);

// The foreground replay (replay --debug, no supervisor to attribute a death):
// a line or two written to stdout when the process dies in a module call, by a
// fault the handler does not recover, abort() (ASan's abort_on_error too) or
// exit() (then the exit status is 1). SetDeathNote replaces the text (copied, cut at 4 KiB) before each call.
void InstallDeathNote(SharedStatus *status);
void SetDeathNote(std::string_view text);

}  // namespace vspc
