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

// What a call did outside its buffers, as the fault handler saw it.
struct FaultRecord {
    bool found = false;
    FaultRegion region = FaultRegion::None;
    int64_t offset = 0;  // of the first fault, from the start of the buffer
    uint32_t buffer_size = 0;
    Access access = Access::Unknown;
    uint32_t count = 0;  // faults recovered in the call
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
    // After it: protects every recovered page again and says what happened.
    FaultRecord EndCall();

    // The signal handler's side (FaultLinux.cpp): true when the fault was recovered.
    bool Recover(uintptr_t addr, Access access, int signo, int code);

private:
    GuardedRegion regions_[kMaxRegions];
    int count_ = 0;
    bool null_save_buffer_ = false;
    bool active_ = false;
    SharedStatus *status_ = nullptr;
    FaultRecord record_;
    uintptr_t unprotected_[kMaxUnprotected];
    int restore_prot_[kMaxUnprotected];
    int unprotected_count_ = 0;
};

// Installs the SIGSEGV/SIGBUS/SIGFPE/SIGILL handler once per process. `status`
// (may be null) receives the fault that kills the worker.
void InstallFaultHandlers(SharedStatus *status);

// The foreground replay (replay --debug, no supervisor to attribute a death):
// a line or two written to stdout when the process dies in a module call, by a
// fault the handler does not recover, abort() (ASan's abort_on_error too) or
// exit() (then the exit status is 1). SetDeathNote replaces the text (copied, cut at 4 KiB) before each call.
void InstallDeathNote(SharedStatus *status);
void SetDeathNote(std::string_view text);

}  // namespace vspc
