// Linux signal handling for module faults (x86-64 reads the access kind from
// the page-fault error code) and the recovery of guard-zone faults.
#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "Arena.h"
#include "Fault.h"

namespace vspc {
namespace {

// The signal handler's only globals: the context of the call in progress (a
// trampoline: set around each module call) and the worker's status block.
FaultContext *g_active = nullptr;
const FaultContext *g_loaded = nullptr;
SharedStatus *g_status = nullptr;

constexpr int kMaxFaultsPerCall = 256;

// The death note (InstallDeathNote): only async-signal-safe work to write it.
char g_note[4096];
size_t g_note_len = 0;
bool g_note_installed = false;

void Put(const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = write(1, s, n);
        if (w <= 0) return;
        s += w;
        n -= static_cast<size_t>(w);
    }
}
void Put(const char *s) { Put(s, strlen(s)); }

const char *SignalLabel(int signo) {
    switch (signo) {
    case SIGSEGV: return " (SIGSEGV)";
    case SIGBUS: return " (SIGBUS)";
    case SIGFPE: return " (SIGFPE)";
    case SIGILL: return " (SIGILL)";
    case SIGABRT: return " (SIGABRT)";
    default: return "";
    }
}

// signo 0: exit().
void WriteDeathNote(int signo) {
    if (!g_note_installed || !g_status || !g_status->in_call.load(std::memory_order_relaxed)) return;
    Put(g_note, g_note_len);
    if (signo) {
        char digits[12];
        int n = 0;
        for (int v = signo; v > 0 && n < 11; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
        char number[12];
        for (int i = 0; i < n; ++i) number[i] = digits[n - 1 - i];
        number[n] = 0;
        Put("  => the module killed vspconform in this call: signal ");
        Put(number);
        Put(SignalLabel(signo));
    } else {
        Put("  => the module ended vspconform in this call: exit()");
    }
    Put("; --debug has no supervisor to attribute it (replay without --debug reports the finding)\n");
}

// A module's exit() in a call: the note, then a failing exit status whatever the module's (as replay's verdict would
// be).
void OnExitNote() {
    if (!g_note_installed || !g_status || !g_status->in_call.load(std::memory_order_relaxed)) return;
    WriteDeathNote(0);
    _exit(1);
}

// Where the interrupted code was: its instruction, stack and frame pointers (0 when unknown).
struct Registers {
    uintptr_t pc = 0, sp = 0, fp = 0;
};
Registers RegistersOf(const void *uctx) {
    Registers r;
    if (!uctx) return r;
    const auto *uc = static_cast<const ucontext_t *>(uctx);
#if defined(__x86_64__)
    r.pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
    r.sp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
    r.fp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RBP]);
#elif defined(__aarch64__)
    r.pc = uc->uc_mcontext.pc;
    r.sp = uc->uc_mcontext.sp;
    r.fp = uc->uc_mcontext.regs[29];
#endif
    return r;
}

void OnFault(int signo, siginfo_t *info, void *uctx) {
    uintptr_t addr = reinterpret_cast<uintptr_t>(info->si_addr);
    Access access = Access::Unknown;
#if defined(__x86_64__)
    if (uctx && signo == SIGSEGV)
        access = (static_cast<const ucontext_t *>(uctx)->uc_mcontext.gregs[REG_ERR] & 2) ? Access::Write : Access::Read;
#endif
    const auto [pc, sp, fp] = RegistersOf(uctx);
    bool caused = info->si_code > 0;  // a real fault, not a signal someone sent
    uint64_t code_offset = 0;
    uint8_t code_where = caused && g_active ? g_active->LocateCode(pc, sp, fp, &code_offset) : kCodeNone;
    if (caused && g_active && g_active->Recover(addr, access, signo, info->si_code, code_where, code_offset)) return;
    if (SharedStatus *s = g_status; s && !s->faulted.load(std::memory_order_relaxed)) {
        FaultInfo f{};
        f.signo = signo;
        f.code = info->si_code;
        f.addr = addr;
        f.access = access;
        f.callback = s->call.callback;
        f.code_where = code_where;
        f.code_offset = code_offset;
        s->fault = f;
        s->faulted.store(1, std::memory_order_release);
    }
    if (caused && g_status && !g_status->in_call.load(std::memory_order_relaxed)) {
        // Not in a module call: the tester's own code (or a module thread) crashed. Leave a trace.
        static const char msg[] = "vspconform worker: crashed outside any module call; backtrace:\n";
        ssize_t ignored = write(2, msg, sizeof(msg) - 1);
        (void)ignored;
        void *frames[32];
        backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
    }
    WriteDeathNote(signo);
    // Die of the same signal: the supervisor sees how the worker ended.
    signal(signo, SIG_DFL);
    if (!caused) raise(signo);  // sent, not caused: re-raise now; a fault re-faults on return
}

// A system call the worker's seccomp filter traps (SECCOMP_RET_TRAP: a process, a program, a
// filter, executable memory, the tester's pipe or arenas): what it was and where, into the status
// block, then the end of the worker by SIGSYS. The filter ends the process outright when SIGSYS's
// handler is replaced (SandboxLinux.cpp), which is how this handler leaves: a module cannot catch
// the signal instead, and a module that replaces the handler dies of that.
void OnForbiddenSyscall(int, siginfo_t *info, void *uctx) {
    const auto [pc, sp, fp] = RegistersOf(uctx);
    if (SharedStatus *s = g_status; s && !s->faulted.load(std::memory_order_relaxed)) {
        FaultInfo f{};
        f.signo = SIGSYS;
        f.code = info->si_code;
        f.addr = static_cast<uint64_t>(info->si_syscall);
        f.callback = s->in_call.load(std::memory_order_relaxed) ? s->call.callback : Callback::None;
        uint64_t offset = 0;
        const FaultContext *where = g_active ? g_active : g_loaded;
        f.code_where = where ? where->LocateCode(pc, sp, fp, &offset) : kCodeNone;
        f.code_offset = offset;
        s->fault = f;
        s->faulted.store(1, std::memory_order_release);
    }
    struct sigaction dfl;
    std::memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGSYS, &dfl, nullptr);  // the filter ends the process here
    raise(SIGSYS);                     // no filter (not reached in a sandboxed worker)
    _exit(128 + SIGSYS);
}

}  // namespace

void InstallSyscallTrap(SharedStatus *status) {
    g_status = status;
    struct sigaction sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = OnForbiddenSyscall;
    sa.sa_flags = SA_SIGINFO;
    sigfillset(&sa.sa_mask);
    sigaction(SIGSYS, &sa, nullptr);
}

void FaultContext::SetModuleCode(const ModuleCode &code) {
    code_ = code;
    g_loaded = this;  // what a trapped system call outside any call is located with
}

FaultContext::~FaultContext() {
    if (g_active == this) g_active = nullptr;
    if (g_loaded == this) g_loaded = nullptr;
}

void FaultContext::BeginCall(const GuardedRegion *regions, int count, bool null_save_buffer, SharedStatus *status) {
    count_ = count < kMaxRegions ? count : kMaxRegions;
    for (int i = 0; i < count_; ++i) regions_[i] = regions[i];
    null_save_buffer_ = null_save_buffer;
    status_ = status;
    record_ = FaultRecord{};
    unprotected_count_ = 0;
    active_ = true;
    g_active = this;
}

FaultRecord FaultContext::EndCall() {
    g_active = nullptr;
    active_ = false;
    const uintptr_t page = PageSize();
    for (int i = 0; i < unprotected_count_; ++i) {
        int k = filled_[i];
        if (k < 0 || k >= count_) continue;
        // The bytes of the page the recovered writes changed (it was filled with GuardFill).
        const GuardedRegion &r = regions_[k];
        const auto *bytes = reinterpret_cast<const uint8_t *>(unprotected_[i]);
        for (uintptr_t j = 0; j < page; ++j) {
            uintptr_t addr = unprotected_[i] + j;
            if (bytes[j] == GuardFill(addr)) continue;
            int64_t offset = static_cast<int64_t>(addr) - static_cast<int64_t>(r.buffer);
            bool overrun = offset >= static_cast<int64_t>(r.size);
            if (!overrun && offset >= 0) continue;  // not outside the buffer (cannot be: the page is a guard's)
            GuardStrays *g = nullptr;
            for (GuardStrays &e : record_.strays)
                if (!g && (e.bytes == 0 || (e.region == r.kind && e.overrun == overrun))) g = &e;
            if (!g) continue;  // a third buffer side: not measured
            bool nearer = g->bytes == 0 || (overrun ? offset < g->nearest : offset > g->nearest);
            bool farther = g->bytes == 0 || (overrun ? offset > g->farthest : offset < g->farthest);
            g->region = r.kind;
            g->overrun = overrun;
            g->buffer_size = r.size;
            if (nearer) g->nearest = offset;
            if (farther) g->farthest = offset;
            ++g->bytes;
        }
    }
    for (int i = 0; i < unprotected_count_; ++i)
        ArenaProtect(reinterpret_cast<void *>(unprotected_[i]), page, restore_prot_[i]);
    unprotected_count_ = 0;
    return record_;
}

uint8_t FaultContext::LocateCode(uintptr_t pc, uintptr_t sp, uintptr_t fp, uint64_t *offset) const {
    const ModuleCode &m = code_;
    if (m.end == 0) return kCodeNone;
    auto in_code = [&](uintptr_t a) { return a >= m.begin && a < m.end; };
    if (in_code(pc)) {
        *offset = pc - m.base;
        return kCodeFault;
    }
    // A fault in a callee outside the module (libc's memcpy): the module's call that led
    // there. A leaf callee leaves its return address at sp; others are found through the
    // frame pointers. Every read stays inside the thread's stack.
    auto on_stack = [&](uintptr_t a) { return a % sizeof(uintptr_t) == 0 && a >= sp && a + 16 <= m.stack_hi; };
    auto caller = [&](uintptr_t ret) {
        *offset = ret - 1 - m.base;  // inside the call instruction
        return kCodeCaller;
    };
    if (on_stack(sp))
        if (uintptr_t ret = *reinterpret_cast<const uintptr_t *>(sp); in_code(ret)) return caller(ret);
    for (int depth = 0; depth < 32 && on_stack(fp); ++depth) {
        const uintptr_t *frame = reinterpret_cast<const uintptr_t *>(fp);
        if (in_code(frame[1])) return caller(frame[1]);
        if (frame[0] <= fp) break;
        fp = frame[0];
    }
    return kCodeNone;
}

bool FaultContext::Recover(uintptr_t addr, Access access, int signo, int code, uint8_t code_where,
                           uint64_t code_offset) {
    if (!active_) return false;
    const uintptr_t page = PageSize();
    for (int i = 0; i < count_; ++i) {
        const GuardedRegion &r = regions_[i];
        if (addr < r.begin || addr >= r.end) continue;
        int64_t offset = static_cast<int64_t>(addr) - static_cast<int64_t>(r.buffer);
        if (!record_.found) {
            record_.found = true;
            record_.region = r.kind;
            record_.offset = offset;
            record_.buffer_size = r.size;
            record_.access = access;
            record_.code_where = code_where;
            record_.code_offset = code_offset;
        }
        ++record_.count;
        if (status_ && !status_->faulted.load(std::memory_order_relaxed)) {
            FaultInfo f{};
            f.signo = signo;
            f.code = code;
            f.addr = addr;
            f.offset = record_.offset;
            f.buffer_size = r.size;
            f.region = record_.region;
            f.access = record_.access;
            f.callback = status_->call.callback;
            f.code_where = code_where;
            f.code_offset = code_offset;
            status_->fault = f;
            status_->faulted.store(1, std::memory_order_release);
        }
        uintptr_t p = addr & ~(page - 1);
        bool inside = addr >= r.data_begin && addr < r.data_end;
        int prot_after = PROT_NONE;
        if (inside) {
            if (!r.read_only || access != Access::Write) return false;  // not a fault we can explain
            prot_after = PROT_READ;
        } else if (p == r.begin || p + page >= r.end) {
            return false;  // the outermost guard page: the access ran through the whole zone
        }
        if (record_.count > kMaxFaultsPerCall) return false;
        // A guard page a read opened (read-only) and a write now reaches: opened for writing.
        int slot = -1;
        for (int k = 0; k < unprotected_count_; ++k)
            if (unprotected_[k] == p) slot = k;
        if (slot < 0 && unprotected_count_ == kMaxUnprotected) return false;
        // A write into a guard page: the page is filled with GuardFill first, so that what the
        // write (and the rest of the call) changes in it can be measured after the call. A read
        // opens it read-only (it reads zeros), so a later write faults again and is measured.
        bool measure = !inside && access != Access::Read;
        if (ArenaProtect(reinterpret_cast<void *>(p), page, measure || inside ? PROT_READ | PROT_WRITE : PROT_READ) !=
            0)
            return false;
        if (measure) {
            auto *bytes = reinterpret_cast<uint8_t *>(p);
            for (uintptr_t j = 0; j < page; ++j) bytes[j] = GuardFill(p + j);
        }
        if (slot < 0) {
            slot = unprotected_count_++;
            unprotected_[slot] = p;
            restore_prot_[slot] = prot_after;
            filled_[slot] = -1;
        }
        if (measure) filled_[slot] = static_cast<int8_t>(i);
        return true;
    }
    if (null_save_buffer_ && addr < 65536 && status_ && !status_->faulted.load(std::memory_order_relaxed)) {
        FaultInfo f{};
        f.signo = signo;
        f.code = code;
        f.addr = addr;
        f.offset = static_cast<int64_t>(addr);
        f.region = FaultRegion::NullSaveBuf;
        f.access = access;
        f.callback = status_->call.callback;
        f.code_where = code_where;
        f.code_offset = code_offset;
        status_->fault = f;
        status_->faulted.store(1, std::memory_order_release);
    }
    return false;
}

ModuleCode ModuleCodeOf(void *handle) {
    ModuleCode code;
    link_map *lm = nullptr;
    if (!handle || dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm) return code;
    struct Search {
        uintptr_t base;
        ModuleCode *out;
    } search{static_cast<uintptr_t>(lm->l_addr), &code};
    dl_iterate_phdr(
        [](dl_phdr_info *info, size_t, void *data) {
            auto *s = static_cast<Search *>(data);
            if (info->dlpi_addr != s->base) return 0;
            for (int i = 0; i < info->dlpi_phnum; ++i) {
                const ElfW(Phdr) &ph = info->dlpi_phdr[i];
                if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
                s->out->base = s->base;
                s->out->begin = s->base + ph.p_vaddr;
                s->out->end = s->out->begin + ph.p_memsz;
                return 1;
            }
            return 0;
        },
        &search);
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *lo = nullptr;
        size_t size = 0;
        if (pthread_attr_getstack(&attr, &lo, &size) == 0) {
            code.stack_lo = reinterpret_cast<uintptr_t>(lo);
            code.stack_hi = code.stack_lo + size;
        }
        pthread_attr_destroy(&attr);
    }
    return code;
}

void InstallFaultHandlers(SharedStatus *status) {
    g_status = status;
    static bool installed = false;
    if (installed) return;
    installed = true;
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

void InstallDeathNote(SharedStatus *status) {
    InstallFaultHandlers(status);
    if (g_note_installed) return;
    g_note_installed = true;
    struct sigaction sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = OnFault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGABRT, &sa, nullptr);
    std::atexit(OnExitNote);
}

void SetDeathNote(std::string_view text) {
    size_t n = text.size() < sizeof(g_note) ? text.size() : sizeof(g_note);
    g_note_len = 0;  // a signal in between writes nothing rather than half a note
    std::memcpy(g_note, text.data(), n);
    g_note_len = n;
}

}  // namespace vspc
