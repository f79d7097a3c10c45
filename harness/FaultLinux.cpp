// Linux signal handling for module faults (x86-64 reads the access kind from
// the page-fault error code).
#include "Fault.h"

#include <signal.h>
#include <ucontext.h>

#include <cstring>

namespace vspc {

SharedStatus *g_shared = nullptr;
CallRegions g_regions;

namespace {

void OnFault(int signo, siginfo_t *info, void *uctx) {
    SharedStatus *s = g_shared;
    if (s) {
        FaultInfo f{};
        f.signo = signo;
        f.code = info->si_code;
        uintptr_t addr = reinterpret_cast<uintptr_t>(info->si_addr);
        f.addr = addr;
        f.callback = s->call.callback;
        f.access = Access::Unknown;
#if defined(__x86_64__)
        if (signo == SIGSEGV && uctx) {
            auto *uc = static_cast<ucontext_t *>(uctx);
            f.access = (uc->uc_mcontext.gregs[REG_ERR] & 2) ? Access::Write : Access::Read;
        }
#else
        (void)uctx;
#endif
        if (s->in_call.load(std::memory_order_relaxed)) {
            for (int i = 0; i < g_regions.count; ++i) {
                const GuardedRegion &r = g_regions.regions[i];
                if (addr >= r.begin && addr < r.end) {
                    f.region = r.kind;
                    f.offset = static_cast<int64_t>(addr) - static_cast<int64_t>(r.buffer);
                    f.buffer_size = r.size;
                }
            }
            if (f.region == FaultRegion::None && g_regions.null_save_buffer && addr < 65536) {
                f.region = FaultRegion::NullSaveBuf;
                f.offset = static_cast<int64_t>(addr);
            }
        }
        s->fault = f;
        s->faulted.store(1, std::memory_order_release);
    }
    // Die of the same signal: the supervisor sees how the worker ended.
    signal(signo, SIG_DFL);
    if (info->si_code <= 0) raise(signo);  // sent, not caused: re-raise now
}

}  // namespace

void InstallFaultHandlers() {
    static char alt_stack[1 << 16];
    stack_t ss{};
    ss.ss_sp = alt_stack;
    ss.ss_size = sizeof(alt_stack);
    sigaltstack(&ss, nullptr);
    struct sigaction sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = OnFault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) sigaction(sig, &sa, nullptr);
}

}  // namespace vspc
