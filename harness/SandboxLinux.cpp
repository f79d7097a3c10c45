// The worker's sandbox on Linux (see Sandbox.h): namespaces and the file system, made by the
// spawn (SandboxFork, in the forked child, with system calls only); the resource limits before
// the exec; no_new_privs and the seccomp filter in the worker before it loads the module.
#include "Sandbox.h"

#include <dlfcn.h>
#include <elf.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "Arena.h"
#include "Fault.h"

namespace vspc {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// What was in force, in words.

std::vector<std::string> SandboxProtections(const SandboxState &s) {
    std::vector<std::string> out;
    if (!s.requested) return out;
    if (s.pid_ns) out.push_back("pid namespace");
    if (s.mount_ns) out.push_back("mount namespace");
    if (s.net_ns) out.push_back("network namespace");
    if (s.user_ns) out.push_back("user namespace");
    if (s.no_new_privs) out.push_back("no_new_privs");
    if (s.seccomp) out.push_back("seccomp");
    if (s.read_only_fs) out.push_back("read-only file system");
    if (s.rlimit_as_mb) out.push_back(fmt::format("rlimit as={}MB", s.rlimit_as_mb));
    if (s.rlimit_fsize_mb) out.push_back(fmt::format("rlimit fsize={}MB", s.rlimit_fsize_mb));
    if (s.rlimit_cpu_s) out.push_back(fmt::format("rlimit cpu={}s", s.rlimit_cpu_s));
    if (s.rlimit_nproc && s.nproc_enforced) out.push_back(fmt::format("rlimit nproc={}", s.rlimit_nproc));
    if (s.pids_max) out.push_back(fmt::format("pids cgroup max={}", s.pids_max));
    return out;
}

std::vector<std::string> SandboxMissing(const SandboxState &s) {
    std::vector<std::string> out;
    if (!s.requested) return {"sandbox off (--sandbox off)"};
    if (!s.pid_ns) out.push_back("pid namespace");
    if (!s.mount_ns) out.push_back("mount namespace");
    if (!s.net_ns) out.push_back("network namespace");
    if (!s.no_new_privs) out.push_back("no_new_privs");
    if (!s.seccomp) out.push_back("seccomp");
    if (!s.read_only_fs) out.push_back("read-only file system");
    if (!s.rlimit_as_mb) out.push_back(s.asan ? "rlimit as (not with ASan)" : "rlimit as");
    if (s.rlimit_nproc && !s.nproc_enforced && !s.pids_max)
        out.push_back("rlimit nproc (not applied to root; no pids cgroup)");
    return out;
}

std::string DescribeSandbox(const SandboxState &s) {
    if (!s.requested) return "off (--sandbox off): the module runs with the tester's own rights";
    std::vector<std::string> parts;
    std::vector<std::string> ns;
    if (s.pid_ns) ns.push_back("pid");
    if (s.mount_ns) ns.push_back("mount");
    if (s.net_ns) ns.push_back("net");
    if (s.user_ns) ns.push_back("user");
    if (!ns.empty()) parts.push_back(fmt::format("{} namespaces", fmt::join(ns, ",")));
    if (s.seccomp) parts.push_back("seccomp");
    if (s.no_new_privs) parts.push_back("no_new_privs");
    std::vector<std::string> limits;
    if (s.rlimit_as_mb) limits.push_back("as");
    if (s.rlimit_fsize_mb) limits.push_back("fsize");
    if (s.rlimit_cpu_s) limits.push_back("cpu");
    if (s.rlimit_nproc && s.nproc_enforced) limits.push_back("nproc");
    if (!limits.empty()) parts.push_back(fmt::format("rlimits {}", fmt::join(limits, ",")));
    if (s.pids_max) parts.push_back("pids cgroup");
    if (s.read_only_fs) parts.push_back("read-only fs");
    std::string text = parts.empty() ? "nothing applied" : fmt::format("{}", fmt::join(parts, "; "));
    if (auto missing = SandboxMissing(s); !missing.empty())
        text += fmt::format(" (unavailable: {})", fmt::join(missing, ", "));
    return text;
}

SandboxState WeakerSandbox(const SandboxState &a, const SandboxState &b) {
    SandboxState s;
    s.requested = a.requested && b.requested;
    s.pid_ns = a.pid_ns && b.pid_ns;
    s.mount_ns = a.mount_ns && b.mount_ns;
    s.net_ns = a.net_ns && b.net_ns;
    s.user_ns = a.user_ns && b.user_ns;
    s.no_new_privs = a.no_new_privs && b.no_new_privs;
    s.seccomp = a.seccomp && b.seccomp;
    s.read_only_fs = a.read_only_fs && b.read_only_fs;
    auto weaker = [](uint64_t x, uint64_t y) { return x == 0 || y == 0 ? 0 : std::max(x, y); };
    s.rlimit_as_mb = weaker(a.rlimit_as_mb, b.rlimit_as_mb);
    s.rlimit_fsize_mb = weaker(a.rlimit_fsize_mb, b.rlimit_fsize_mb);
    s.rlimit_cpu_s = weaker(a.rlimit_cpu_s, b.rlimit_cpu_s);
    s.rlimit_nproc = weaker(a.rlimit_nproc, b.rlimit_nproc);
    s.nproc_enforced = a.nproc_enforced && b.nproc_enforced;
    s.asan = a.asan || b.asan;
    s.pids_max = weaker(a.pids_max, b.pids_max);
    return s;
}

// ---------------------------------------------------------------------------------------------
// The supervisor's side.

namespace {

// A mount point of /proc/self/mountinfo (its 5th field, with \040-style escapes).
std::string Unescape(const std::string &s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            int v = 0;
            bool ok = true;
            for (size_t k = 1; k <= 3; ++k) {
                char c = s[i + k];
                if (c < '0' || c > '7') ok = false;
                v = v * 8 + (c - '0');
            }
            if (ok) {
                out.push_back(static_cast<char>(v));
                i += 3;
                continue;
            }
        }
        out.push_back(s[i]);
    }
    return out;
}

// The namespaces the host allowed at the last spawn (-1: not tried yet).
int g_host_flags = -1;

void WriteFile(const char *path, const std::string &text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t ignored = write(fd, text.data(), text.size());
    (void)ignored;
    close(fd);
}

unsigned long KeptFlags(unsigned long f) {
    unsigned long m = 0;
    if (f & ST_NOSUID) m |= MS_NOSUID;
    if (f & ST_NODEV) m |= MS_NODEV;
    if (f & ST_NOEXEC) m |= MS_NOEXEC;
    if (f & ST_NOATIME) m |= MS_NOATIME;
    if (f & ST_NODIRATIME) m |= MS_NODIRATIME;
    if (f & ST_RELATIME) m |= MS_RELATIME;
    return m;
}

// In the first process of the new mount namespace: everything read-only but the scratch
// directories, and a /proc of the new PID namespace (read-only: no /proc/self/mem writes). Every
// file stays visible: the worker reads the module, case files, archives and corpora wherever
// they are (/tmp included). System calls only.
void SetUpFileSystem(const SandboxLaunch &l, bool pid_ns) {
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return;
    for (const std::string &w : l.writable) mount(w.c_str(), w.c_str(), nullptr, MS_BIND | MS_REC, nullptr);
    for (const std::string &m : l.mount_points) {
        bool scratch = false;
        for (const std::string &w : l.writable) scratch = scratch || m == w;
        if (scratch) continue;
        struct statvfs sv;
        if (statvfs(m.c_str(), &sv) != 0) continue;
        mount(nullptr, m.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | KeptFlags(sv.f_flag), nullptr);
    }
    if (pid_ns) mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, nullptr);
}

// pid 1 of the worker's PID namespace: reaps whatever is orphaned there, and when the worker
// ends hands its wait status to the supervisor and leaves (the kernel then kills the rest of the
// namespace). A module cannot signal it (pid 1 takes no signal it has no handler for from inside
// its namespace), nor read its memory or files (not dumpable).
[[noreturn]] void RunInit(pid_t worker, int status_fd) {
    prctl(PR_SET_DUMPABLE, 0);
    prctl(PR_SET_NAME, "vspconform-init");
    int devnull = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; ++fd) dup2(devnull, fd);
    if (status_fd > 3) syscall(SYS_close_range, 3u, static_cast<unsigned>(status_fd - 1), 0u);
    syscall(SYS_close_range, static_cast<unsigned>(status_fd + 1), ~0u, 0u);
    for (;;) {
        int st = 0;
        pid_t p = waitpid(-1, &st, __WALL);
        if (p == worker) {
            ssize_t ignored = write(status_fd, &st, sizeof(st));
            (void)ignored;
            _exit(0);
        }
        if (p < 0 && errno != EINTR) _exit(0);
    }
}

}  // namespace

std::vector<uint64_t> NamespaceIds() {
    std::vector<uint64_t> ids;
    for (const char *ns : {"pid", "mnt", "net", "user"}) {
        struct stat st;
        ids.push_back(stat(fmt::format("/proc/self/ns/{}", ns).c_str(), &st) == 0 ? st.st_ino : 0);
    }
    return ids;
}

void PrepareSandbox(const SandboxOptions &options, bool asan, const std::vector<std::string> &writable,
                    SandboxLaunch &l) {
    l.enabled = options.enabled;
    l.asan = asan;
    l.options = options;
    std::error_code ec;
    for (const std::string &w : writable) {  // the worker's directories, sandbox or not
        if (w.empty()) continue;
        fs::create_directories(w, ec);
        fs::path canon = fs::weakly_canonical(w, ec);
        l.writable.push_back(ec ? w : canon.string());
    }
    if (!l.enabled) return;
    std::ifstream info("/proc/self/mountinfo");
    for (std::string line; std::getline(info, line);) {
        std::istringstream in(line);
        std::string id, parent, dev, root, point;
        if (in >> id >> parent >> dev >> root >> point) l.mount_points.push_back(Unescape(point));
    }
    // As root RLIMIT_NPROC does not bind: a pids cgroup of the worker's own instead (cgroup v1's
    // pids hierarchy, where there is one).
    static uint64_t cgroups = 0;
    const char *base = "/sys/fs/cgroup/pids";
    if (options.max_processes && geteuid() == 0 && access(fmt::format("{}/cgroup.procs", base).c_str(), W_OK) == 0) {
        std::string dir = fmt::format("{}/vspconform-{}-{}", base, getpid(), cgroups++);
        if (mkdir(dir.c_str(), 0755) == 0) {
            std::ofstream(dir + "/pids.max") << options.max_processes;
            l.cgroup = dir;
            l.cgroup_procs = dir + "/cgroup.procs";
        }
    }
    l.uid = getuid();
    l.gid = getgid();
    l.uid_map = fmt::format("{} {} 1\n", l.uid, l.uid);
    l.gid_map = fmt::format("{} {} 1\n", l.gid, l.gid);
    if (pipe2(l.status_pipe, O_CLOEXEC) != 0) l.status_pipe[0] = l.status_pipe[1] = -1;
}

pid_t SandboxFork(SandboxLaunch &l) {
    if (!l.enabled) return fork();
    const int base = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET;
    // As root no user namespace is needed (and one would take the rights the set-up needs).
    const int user = getuid() == 0 ? 0 : CLONE_NEWUSER;
    std::vector<int> tries;
    if (g_host_flags >= 0) tries.push_back(g_host_flags);
    for (int f : {base | user, base, CLONE_NEWPID | CLONE_NEWNS | user, CLONE_NEWPID | user, CLONE_NEWNS | user,
                  CLONE_NEWNET | user, 0})
        tries.push_back(f);
    // Without the status pipe an init could not say how the worker ended: no PID namespace then.
    if (l.status_pipe[0] < 0)
        for (int &f : tries) f &= ~CLONE_NEWPID;
    pid_t pid = -1;
    int flags = 0;
    for (int f : tries) {
        flags = f;
        if (f == 0) {
            pid = fork();
            break;
        }
        // A plain clone, like fork (the child runs on a copy of this stack).
        pid = static_cast<pid_t>(
            syscall(SYS_clone, static_cast<unsigned long>(f | SIGCHLD), nullptr, nullptr, nullptr, nullptr));
        if (pid >= 0) break;
        if (errno != EPERM && errno != EINVAL && errno != ENOSPC && errno != EUSERS && errno != EACCES) return -1;
    }
    if (pid < 0) return -1;
    if (pid > 0) {
        if (l.status_pipe[0] >= 0) g_host_flags = flags;  // what the host allows, for the next spawns
        l.ns_flags = flags;
        if (l.status_pipe[1] >= 0) close(l.status_pipe[1]);
        l.status_pipe[1] = -1;
        return pid;
    }
    l.ns_flags = flags;
    if (!l.cgroup_procs.empty()) WriteFile(l.cgroup_procs.c_str(), "0");  // before any fork of its own
    if (flags & CLONE_NEWUSER) {
        WriteFile("/proc/self/setgroups", "deny");
        WriteFile("/proc/self/uid_map", l.uid_map);
        WriteFile("/proc/self/gid_map", l.gid_map);
    }
    if (flags & CLONE_NEWNS) SetUpFileSystem(l, flags & CLONE_NEWPID);
    if (!(flags & CLONE_NEWPID)) return 0;  // no init: this process is the worker
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    pid_t worker = _Fork();
    if (worker < 0) _exit(74);
    if (worker == 0) {
        close(l.status_pipe[1]);
        return 0;
    }
    RunInit(worker, l.status_pipe[1]);
}

void SandboxBeforeExec(const SandboxLaunch &l) {
    if (!l.enabled) return;
    auto limit = [](int resource, uint64_t value) {
        struct rlimit r;
        r.rlim_cur = r.rlim_max = value;
        setrlimit(resource, &r);
    };
    const SandboxOptions &o = l.options;
    // ASan reserves terabytes of shadow memory: no address-space limit for its modules.
    if (o.memory_limit_mb && !l.asan) limit(RLIMIT_AS, (o.memory_limit_mb << 20) + kArenaWindowSize);
    if (o.file_size_limit_mb) limit(RLIMIT_FSIZE, o.file_size_limit_mb << 20);
    if (o.cpu_limit_s) limit(RLIMIT_CPU, o.cpu_limit_s);
    if (o.max_processes) limit(RLIMIT_NPROC, o.max_processes);
    limit(RLIMIT_CORE, 0);
}

// With read(2): a process that ends while it is read makes the read fail (ESRCH), which a
// std::ifstream turns into an exception.
std::string ReadProcFile(pid_t pid, const char *what) { return ReadRaw(fmt::format("/proc/{}/{}", pid, what)); }

std::string ReadRaw(const std::string &path) {
    std::string text;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return text;
    char chunk[4096];
    for (ssize_t n; (n = read(fd, chunk, sizeof(chunk))) > 0;) text.append(chunk, static_cast<size_t>(n));
    close(fd);
    return text;
}

namespace {

std::string ReadProc(pid_t pid, const char *what) { return ReadProcFile(pid, what); }

// The soft limit of a /proc/<pid>/limits line ("Max address space  unlimited  unlimited  bytes"),
// in `unit`s (0: unlimited or not found).
uint64_t ProcLimit(const std::string &limits, const char *name, uint64_t unit) {
    size_t at = limits.find(name);
    if (at == std::string::npos) return 0;
    unsigned long long v = 0;
    if (std::sscanf(limits.c_str() + at + std::strlen(name), " %llu", &v) != 1) return 0;
    return v / unit;
}

}  // namespace

SandboxState VouchSandbox(const SandboxState &claimed, bool requested, int ns_flags, uint64_t pids_max, pid_t worker) {
    if (!requested) return SandboxState{};
    SandboxState s = claimed;
    s.requested = true;
    s.pids_max = 0;  // only what this process made, and only when the worker is in it
    s.pid_ns = s.pid_ns && (ns_flags & CLONE_NEWPID);
    s.mount_ns = s.mount_ns && (ns_flags & CLONE_NEWNS);
    s.net_ns = s.net_ns && (ns_flags & CLONE_NEWNET);
    s.user_ns = s.user_ns && (ns_flags & CLONE_NEWUSER);
    // A worker that has ended (or ends while it is checked: a module that dies at its first call)
    // shows an empty /proc: its claims stay unconfirmed, never taken for a weaker sandbox.
    auto ended = [worker] {
        // /proc/PID/stat: "pid (comm) state ppid pgrp session tty tpgid flags ..."; PF_EXITING.
        std::string stat = ReadProc(worker, "stat");
        size_t paren = stat.rfind(')');
        if (paren == std::string::npos) return true;
        char state = 0;
        unsigned long long flags = 0;
        if (std::sscanf(stat.c_str() + paren + 1, " %c %*d %*d %*d %*d %*d %llu", &state, &flags) != 2) return true;
        constexpr unsigned long long kExiting = 0x4;
        return state == 'Z' || state == 'X' || (flags & kExiting) != 0;
    };
    // What the clone made, without what /proc would have confirmed.
    const auto unconfirmed = [base = s] {
        SandboxState u = base;
        u.confirmed = false;
        return u;
    };
    if (worker <= 0 || ended()) return unconfirmed();
    std::string status = ReadProc(worker, "status");
    // 2: a filter; 3 (SECCOMP_MODE_DEAD): a filter is ending the process (SECCOMP_RET_KILL_PROCESS).
    s.seccomp = s.seccomp && (status.find("\nSeccomp:\t2") != std::string::npos ||
                              status.find("\nSeccomp:\t3") != std::string::npos);
    s.no_new_privs = s.no_new_privs && status.find("\nNoNewPrivs:\t1") != std::string::npos;
    std::string limits = ReadProc(worker, "limits");
    if (!limits.empty()) {
        s.rlimit_as_mb = ProcLimit(limits, "Max address space", 1 << 20);
        s.rlimit_fsize_mb = ProcLimit(limits, "Max file size", 1 << 20);
        s.rlimit_cpu_s = ProcLimit(limits, "Max cpu time", 1);
        s.rlimit_nproc = ProcLimit(limits, "Max processes", 1);
        s.nproc_enforced = s.nproc_enforced && s.rlimit_nproc;
    }
    // The worker's root: the last mount on "/" in its view, with "ro" among its options.
    bool root_ro = false;
    std::istringstream mounts(ReadProc(worker, "mountinfo"));
    for (std::string line; std::getline(mounts, line);) {
        std::istringstream in(line);
        std::string id, parent, dev, root, point, options;
        if (!(in >> id >> parent >> dev >> root >> point >> options) || point != "/") continue;
        root_ro = ("," + options + ",").find(",ro,") != std::string::npos;
    }
    s.read_only_fs = s.read_only_fs && root_ro;
    if (pids_max && ReadProc(worker, "cgroup").find(":pids:/vspconform-") != std::string::npos) s.pids_max = pids_max;
    if (ended()) return unconfirmed();  // it ended while it was read: what was read may be of its exit
    return s;
}

void RemoveSandboxCgroup(const std::string &dir) {
    if (dir.empty()) return;
    for (int i = 0; i < 50; ++i) {
        if (rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
        // Left over (no PID namespace to end them): every process of the worker's, however forked.
        std::istringstream procs(ReadRaw(dir + "/cgroup.procs"));
        for (long pid; procs >> pid;)
            if (pid > 0) kill(static_cast<pid_t>(pid), SIGKILL);
        usleep(2000);
    }
}

// ---------------------------------------------------------------------------------------------
// The tester's own system call instruction. The filter lets only this instruction write the
// worker's message pipe or install a seccomp filter (it checks the instruction pointer), so a
// module that interposes, patches or calls libc's write cannot drop or add protocol lines that way.

#if defined(__x86_64__)
extern "C" long vspc_tester_syscall(long nr, long a1, long a2, long a3, long a4, long a5);
extern "C" const char vspc_tester_syscall_return[];
asm(R"(
    .text
    .globl vspc_tester_syscall
    .hidden vspc_tester_syscall
    .type vspc_tester_syscall, @function
vspc_tester_syscall:
    movq %rdi, %rax
    movq %rsi, %rdi
    movq %rdx, %rsi
    movq %rcx, %rdx
    movq %r8, %r10
    movq %r9, %r8
    syscall
    .globl vspc_tester_syscall_return
    .hidden vspc_tester_syscall_return
vspc_tester_syscall_return:
    ret
    .size vspc_tester_syscall, .-vspc_tester_syscall
)");
#endif

ssize_t TesterWrite(int fd, const void *data, size_t size) {
#if defined(__x86_64__)
    long r = vspc_tester_syscall(SYS_write, fd, reinterpret_cast<long>(data), static_cast<long>(size), 0, 0);
    if (r < 0) {
        errno = static_cast<int>(-r);
        return -1;
    }
    return r;
#else
    return write(fd, data, size);
#endif
}

std::string SyscallName(uint64_t nr) {
    char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, static_cast<int>(nr));
    std::string out = name ? name : fmt::format("system call {}", nr);
    free(name);
    return out;
}

// ---------------------------------------------------------------------------------------------
// The worker's side: the seccomp filter.

namespace {

// Longer mprotect/munmap/mremap/fixed mmap: refused. Far beyond any --memory-limit-mb a module
// can use (a single free of what it allocated is shorter), so frees of any size go through.
constexpr uint64_t kMaxMapLength = uint64_t{64} << 30;
static_assert(kArenaWindowSize - kArenaWindowArenas >= kMaxMapLength, "the window's padding covers a long call");

scmp_arg_cmp Arg(unsigned arg, scmp_compare op, uint64_t a, uint64_t b = 0) { return scmp_arg_cmp{arg, op, a, b}; }

struct Filter {
    scmp_filter_ctx ctx = nullptr;
    int failures = 0;
    void Deny(int sys, std::initializer_list<scmp_arg_cmp> args, uint32_t action = SCMP_ACT_ERRNO(EPERM)) {
        if (sys < 0) return;  // not a system call of this architecture
        std::vector<scmp_arg_cmp> a(args);
        if (seccomp_rule_add_array(ctx, action, sys, static_cast<unsigned>(a.size()), a.data()) != 0) ++failures;
    }
    // Calls whose address argument `arg` lies in [lo, hi): one rule per aligned block.
    void DenyRange(int sys, unsigned arg, uint64_t lo, uint64_t hi, std::initializer_list<scmp_arg_cmp> also = {}) {
        while (lo < hi) {
            uint64_t size = lo ? (lo & -lo) : (uint64_t{1} << 47);
            while (lo + size > hi) size >>= 1;
            std::vector<scmp_arg_cmp> a(also);
            a.push_back(scmp_arg_cmp{arg, SCMP_CMP_MASKED_EQ, ~(size - 1), lo});
            if (seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), sys, static_cast<unsigned>(a.size()), a.data()) != 0)
                ++failures;
            lo += size;
        }
    }
};

struct Range {
    uint64_t lo = 0, hi = 0;
};

// The executable's own mappings (code, data, relocations made read-only).
Range ExecutableRange() {
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) return {};
    self[n] = '\0';
    Range r;
    std::ifstream maps("/proc/self/maps");
    for (std::string line; std::getline(maps, line);) {
        size_t slash = line.find('/');
        if (slash == std::string::npos || line.compare(slash, std::string::npos, self) != 0) continue;
        unsigned long long lo = 0, hi = 0;
        if (std::sscanf(line.c_str(), "%llx-%llx", &lo, &hi) != 2) continue;
        if (!r.hi || lo < r.lo) r.lo = lo;
        if (hi > r.hi) r.hi = hi;
    }
    return r;
}

bool LoadFilter(pid_t self, bool pid_ns, const ArenaWindow &window, uint32_t token, Range status) {
    Filter f;
    f.ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!f.ctx) return false;
    // libseccomp's default layout: its binary tree (SCMP_FLTATR_CTL_OPTIMIZE 2) took some 20 ms
    // per worker to build, for nothing measurable per call (the hot path makes no system calls).
    // Other processes: no debugging, no reading or writing their memory, no taking their files.
    for (int sys : {SCMP_SYS(process_vm_writev), SCMP_SYS(process_vm_readv), SCMP_SYS(pidfd_getfd),
                    SCMP_SYS(pidfd_send_signal), SCMP_SYS(kcmp), SCMP_SYS(process_madvise)})
        f.Deny(sys, {});
    // What a kernel driver cannot do at all: start a process, run a program, trace one, change the
    // process's personality. Trapped (SIGSYS, the tester's handler names the call and the worker
    // ends): a sandbox violation, reported, never an error code the module could try again after.
    // (seccomp itself and prctl(PR_SET_SECCOMP): the second filter, which lets the tester's own
    // instruction through.)
    const uint32_t trap = SCMP_ACT_TRAP;
    for (int sys : {SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(ptrace)})
        f.Deny(sys, {}, trap);
    f.Deny(SCMP_SYS(clone), {SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)}, trap);   // threads only
    f.Deny(SCMP_SYS(personality), {SCMP_A0_32(SCMP_CMP_NE, 0xffffffffu, 0)}, trap);  // a query is fine
    // The trap's handler is the tester's: replacing it ends the process (a query passes).
    f.Deny(SCMP_SYS(rt_sigaction), {SCMP_A0_32(SCMP_CMP_EQ, SIGSYS, 0), SCMP_A1(SCMP_CMP_NE, 0, 0)},
           SCMP_ACT_KILL_PROCESS);
    // The sandbox itself: no mounts, no new namespaces, no raised limits, no kernel-wide state.
    for (int sys :
         {SCMP_SYS(mount),         SCMP_SYS(umount2),        SCMP_SYS(pivot_root),    SCMP_SYS(chroot),
          SCMP_SYS(unshare),       SCMP_SYS(setns),          SCMP_SYS(move_mount),    SCMP_SYS(open_tree),
          SCMP_SYS(fsopen),        SCMP_SYS(fsmount),        SCMP_SYS(fsconfig),      SCMP_SYS(fspick),
          SCMP_SYS(mount_setattr), SCMP_SYS(setrlimit),      SCMP_SYS(kexec_load),    SCMP_SYS(kexec_file_load),
          SCMP_SYS(init_module),   SCMP_SYS(finit_module),   SCMP_SYS(delete_module), SCMP_SYS(reboot),
          SCMP_SYS(swapon),        SCMP_SYS(swapoff),        SCMP_SYS(bpf),           SCMP_SYS(iopl),
          SCMP_SYS(ioperm),        SCMP_SYS(io_uring_setup), SCMP_SYS(userfaultfd),   SCMP_SYS(keyctl),
          SCMP_SYS(add_key),       SCMP_SYS(request_key),    SCMP_SYS(acct),          SCMP_SYS(settimeofday),
          SCMP_SYS(clock_settime), SCMP_SYS(clock_adjtime),  SCMP_SYS(adjtimex),      SCMP_SYS(sethostname),
          SCMP_SYS(setdomainname), SCMP_SYS(quotactl),       SCMP_SYS(shmat),         SCMP_SYS(remap_file_pages),
          SCMP_SYS(pkey_mprotect)})
        f.Deny(sys, {});
    f.Deny(SCMP_SYS(prlimit64), {Arg(2, SCMP_CMP_NE, 0)});
    for (uint64_t ns :
         {CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUSER, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWCGROUP})
        f.Deny(SCMP_SYS(clone), {SCMP_A0(SCMP_CMP_MASKED_EQ, ns, ns)});
    // clone3 takes its flags in memory, where a filter cannot look: "not implemented" makes the
    // C library fall back to clone.
    f.Deny(SCMP_SYS(clone3), {}, SCMP_ACT_ERRNO(ENOSYS));

    // Signals only to this process and its own. kill(pid) is allowed for 0, the worker's pid and
    // -pid (its process group, which it leads), and, in a PID namespace (which holds nothing but
    // the worker, its init and what the module forked), for any positive pid. Every other value is
    // refused by a rule that matches it on a bit or two (a filter compares bits, not sets).
    const uint32_t me = static_cast<uint32_t>(self), group = static_cast<uint32_t>(-self);
    const uint32_t sign = 0x80000000u;
    for (uint32_t i = 0; i < 31; ++i) {  // negative, and not -pid: differs from it somewhere
        uint32_t bit = 1u << i;
        f.Deny(SCMP_SYS(kill), {SCMP_A0_32(SCMP_CMP_MASKED_EQ, sign | bit, sign | (~group & bit))});
    }
    if (!pid_ns) {
        for (uint32_t i = 0; i < 31; ++i) {  // positive with a bit the pid has not
            uint32_t bit = 1u << i;
            if (!(me & bit)) f.Deny(SCMP_SYS(kill), {SCMP_A0_32(SCMP_CMP_MASKED_EQ, sign | bit, bit)});
        }
        for (uint32_t i = 0; i < 31; ++i)  // a non-empty proper part of the pid's bits
            for (uint32_t j = 0; j < 31; ++j)
                if (i != j && (me & (1u << i)) && (me & (1u << j)))
                    f.Deny(SCMP_SYS(kill), {SCMP_A0_32(SCMP_CMP_MASKED_EQ, sign | (1u << i) | (1u << j), 1u << i)});
        // Thread-directed signals: only to this process's threads (tgid == pid); tkill names no
        // process at all.
        for (uint32_t i = 0; i < 32; ++i) {
            uint32_t bit = 1u << i;
            for (int sys : {SCMP_SYS(tgkill), SCMP_SYS(rt_sigqueueinfo), SCMP_SYS(rt_tgsigqueueinfo)})
                f.Deny(sys, {SCMP_A0_32(SCMP_CMP_MASKED_EQ, bit, ~me & bit)});
        }
        f.Deny(SCMP_SYS(tkill), {});
    } else {
        for (uint32_t i = 0; i < 31; ++i) {
            uint32_t bit = 1u << i;
            for (int sys : {SCMP_SYS(tgkill), SCMP_SYS(rt_sigqueueinfo), SCMP_SYS(rt_tgsigqueueinfo)})
                f.Deny(sys, {SCMP_A0_32(SCMP_CMP_MASKED_EQ, sign | bit, sign | (~group & bit))});
        }
    }

    // The tester's memory. No call may change a mapping longer than kMaxMapLength, so one that
    // starts below a protected range must start within kMaxMapLength of it: the range is
    // protected from that far below.
    f.Deny(SCMP_SYS(mprotect), {Arg(1, SCMP_CMP_GT, kMaxMapLength)});
    f.Deny(SCMP_SYS(munmap), {Arg(1, SCMP_CMP_GT, kMaxMapLength)});
    f.Deny(SCMP_SYS(mremap), {Arg(1, SCMP_CMP_GT, kMaxMapLength)});
    f.Deny(SCMP_SYS(mremap), {Arg(2, SCMP_CMP_GT, kMaxMapLength)});
    f.Deny(SCMP_SYS(mremap), {SCMP_A3(SCMP_CMP_MASKED_EQ, MREMAP_FIXED, MREMAP_FIXED)});
    f.Deny(SCMP_SYS(mmap), {SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_FIXED, MAP_FIXED), Arg(1, SCMP_CMP_GT, kMaxMapLength)});
    // The executable (code, its read-only relocations, its data), from kMaxMapLength below it
    // (nothing else is mapped there: the kernel places mappings below the libraries); the status
    // block only as it is (the memory below it is where the module's own mappings go).
    Range exe = ExecutableRange();
    if (exe.hi) exe.lo = exe.lo > kMaxMapLength ? exe.lo - kMaxMapLength : 0;
    for (Range r : {exe, status}) {
        if (!r.hi) continue;
        for (int sys : {SCMP_SYS(mprotect), SCMP_SYS(munmap), SCMP_SYS(mremap)}) f.DenyRange(sys, 0, r.lo, r.hi);
        f.DenyRange(SCMP_SYS(mmap), 0, r.lo, r.hi, {SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_FIXED, MAP_FIXED)});
    }
    // The arena window (its padding included): only lengths with the token in their low bits.
    if (window.size) {
        const uint64_t mask = ~(uint64_t{window.size} - 1);
        // A wrong guess of the token is trapped: guessing costs the worker and is reported.
        f.Deny(SCMP_SYS(munmap), {SCMP_A0(SCMP_CMP_MASKED_EQ, mask, window.base)}, trap);
        f.Deny(SCMP_SYS(mremap), {SCMP_A0(SCMP_CMP_MASKED_EQ, mask, window.base)}, trap);
        for (uint64_t bit = 1; bit < PageSize(); bit <<= 1) {
            uint64_t wrong = ~uint64_t{token} & bit;
            f.Deny(SCMP_SYS(mprotect),
                   {SCMP_A0(SCMP_CMP_MASKED_EQ, mask, window.base), SCMP_A1(SCMP_CMP_MASKED_EQ, bit, wrong)}, trap);
            f.Deny(SCMP_SYS(mmap),
                   {SCMP_A0(SCMP_CMP_MASKED_EQ, mask, window.base), SCMP_A1(SCMP_CMP_MASKED_EQ, bit, wrong),
                    SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_FIXED, MAP_FIXED)},
                   trap);
        }
    }
    bool ok = f.failures == 0 && seccomp_load(f.ctx) == 0;
    if (f.failures) std::fprintf(stderr, "vspconform worker: %d seccomp rules could not be added\n", f.failures);
    seccomp_release(f.ctx);
    return ok;
}

// The second filter, in classic BPF (libseccomp compares arguments, not the instruction pointer):
// rules that depend on who makes the call.
//   - the message pipe: write-like calls on it only from the tester's own instruction; no copies;
//   - seccomp and prctl(PR_SET_SECCOMP) only from the tester's own instruction;
//   - executable memory (mmap, mprotect, pkey_mprotect with PROT_EXEC) only from the dynamic
//     loader's code (dlopen maps the module): a module cannot make code writable and executable
//     again, nor run code it wrote.
// Everything it refuses is trapped (SIGSYS, see Fault.h).
struct Bpf {
    std::vector<sock_filter> code;
    static constexpr uint32_t kAllow = SECCOMP_RET_ALLOW, kTrap = SECCOMP_RET_TRAP;
    static uint32_t ArgLo(unsigned i) { return offsetof(seccomp_data, args) + 8 * i; }
    static uint32_t IpLo() { return offsetof(seccomp_data, instruction_pointer); }
    static uint32_t IpHi() { return offsetof(seccomp_data, instruction_pointer) + 4; }
    static sock_filter Load(uint32_t at) { return BPF_STMT(BPF_LD | BPF_W | BPF_ABS, at); }
    static sock_filter Ret(uint32_t action) { return BPF_STMT(BPF_RET | BPF_K, action); }
    static sock_filter Jeq(uint32_t k, uint8_t t, uint8_t f) { return BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, t, f); }
    static sock_filter Jge(uint32_t k, uint8_t t, uint8_t f) { return BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, k, t, f); }
    static sock_filter Jset(uint32_t k, uint8_t t, uint8_t f) { return BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, k, t, f); }
    // Allowed when the call comes from [lo, hi) (one 4 GiB-aligned block), else trapped.
    static std::vector<sock_filter> CallerIn(uint64_t lo, uint64_t hi) {
        return {Load(IpHi()),
                Jeq(static_cast<uint32_t>(lo >> 32), 0, 3),
                Load(IpLo()),
                Jge(static_cast<uint32_t>(lo), 0, 1),
                Jge(static_cast<uint32_t>(hi), 0, 1),
                Ret(kTrap),
                Ret(kAllow)};
    }
    // For system call `nr`: `test`, then `then`. A test's instructions end by jumping one past
    // their end when the rule applies and falling through (to an allow) when it does not; an
    // empty test always applies.
    void Rule(int nr, std::vector<sock_filter> test, const std::vector<sock_filter> &then) {
        if (nr < 0) return;
        std::vector<sock_filter> body = std::move(test);
        // The tests' "does not apply" exits land on an allow placed right after them.
        if (!body.empty()) body.push_back(Ret(kAllow));
        body.insert(body.end(), then.begin(), then.end());
        code.push_back(Load(offsetof(seccomp_data, nr)));
        code.push_back(Jeq(static_cast<uint32_t>(nr), 0, static_cast<uint8_t>(body.size())));
        code.insert(code.end(), body.begin(), body.end());
    }
    // Tests: the low word of argument `i` equals `k` / has a bit of `mask` (else: past the test).
    static std::vector<sock_filter> ArgIs(unsigned i, uint32_t k) { return {Load(ArgLo(i)), Jeq(k, 1, 0)}; }
    static std::vector<sock_filter> ArgHas(unsigned i, uint32_t mask) { return {Load(ArgLo(i)), Jset(mask, 1, 0)}; }
};

// The executable part of the dynamic loader (the interpreter at AT_BASE).
Range LoaderCode() {
    struct Find {
        uintptr_t base;
        Range code;
    } find{getauxval(AT_BASE), {}};
    if (!find.base) return {};
    dl_iterate_phdr(
        [](dl_phdr_info *info, size_t, void *data) {
            auto *f = static_cast<Find *>(data);
            if (info->dlpi_addr != f->base) return 0;
            for (int i = 0; i < info->dlpi_phnum; ++i) {
                const ElfW(Phdr) &ph = info->dlpi_phdr[i];
                if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
                f->code.lo = info->dlpi_addr + ph.p_vaddr;
                f->code.hi = f->code.lo + ph.p_memsz;
            }
            return 1;
        },
        &find);
    return find.code;
}

bool LoadCallerFilter(int out_fd) {
#if defined(__x86_64__)
    const auto stub = reinterpret_cast<uintptr_t>(vspc_tester_syscall_return);
    const std::vector<sock_filter> tester = Bpf::CallerIn(stub, stub + 1);
    Bpf b;
    b.code.push_back(Bpf::Load(offsetof(seccomp_data, arch)));
    b.code.push_back(Bpf::Jeq(AUDIT_ARCH_X86_64, 1, 0));
    b.code.push_back(Bpf::Ret(Bpf::kAllow));
    // The pipe: written by the tester only, never copied (dup, F_DUPFD) for anyone else to write.
    const auto fd = static_cast<uint32_t>(out_fd);
    if (out_fd >= 0) {
        for (int nr : {SYS_write, SYS_writev, SYS_pwrite64, SYS_pwritev, SYS_pwritev2, SYS_sendto, SYS_sendmsg,
                       SYS_sendmmsg, SYS_vmsplice, SYS_sendfile, SYS_dup, SYS_dup2, SYS_dup3})
            b.Rule(nr, Bpf::ArgIs(0, fd), tester);
        b.Rule(SYS_splice, Bpf::ArgIs(2, fd), tester);
        b.Rule(SYS_tee, Bpf::ArgIs(1, fd), tester);
        b.Rule(SYS_copy_file_range, Bpf::ArgIs(2, fd), tester);
        std::vector<sock_filter> dupfd = {Bpf::Load(Bpf::ArgLo(0)), Bpf::Jeq(fd, 0, 3), Bpf::Load(Bpf::ArgLo(1)),
                                          Bpf::Jeq(F_DUPFD, 2, 0), Bpf::Jeq(F_DUPFD_CLOEXEC, 1, 0)};
        b.Rule(SYS_fcntl, dupfd, tester);
    }
    b.Rule(SYS_seccomp, {}, tester);
    b.Rule(SYS_prctl, Bpf::ArgIs(0, PR_SET_SECCOMP), tester);
    Range loader = LoaderCode();
    if (loader.hi > loader.lo && (loader.lo >> 32) == ((loader.hi - 1) >> 32) && (loader.hi & 0xffffffffu)) {
        const std::vector<sock_filter> by_loader = Bpf::CallerIn(loader.lo, loader.hi);
        b.Rule(SYS_mmap, Bpf::ArgHas(2, PROT_EXEC), by_loader);
        b.Rule(SYS_mprotect, Bpf::ArgHas(2, PROT_EXEC), by_loader);
        b.Rule(SYS_pkey_mprotect, Bpf::ArgHas(2, PROT_EXEC), by_loader);
    } else {
        std::fprintf(stderr,
                     "vspconform worker: the dynamic loader's code was not found: executable mappings not checked\n");
    }
    b.code.push_back(Bpf::Ret(Bpf::kAllow));
    sock_fprog prog{static_cast<unsigned short>(b.code.size()), b.code.data()};
    return vspc_tester_syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, reinterpret_cast<long>(&prog), 0, 0) == 0;
#else
    (void)out_fd;
    return true;
#endif
}

uint64_t LimitOf(int resource, uint64_t unit) {
    struct rlimit r;
    if (getrlimit(resource, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return 0;
    return r.rlim_cur / unit;
}

}  // namespace

SandboxState EnterWorkerSandbox(bool sandbox, const std::vector<uint64_t> &host_ns, int out_fd, int shm_fd,
                                const void *status_block, size_t status_size) {
    // Whatever the module starts (system("... &")) must not hold the pipe or the status block.
    if (out_fd >= 0) fcntl(out_fd, F_SETFD, FD_CLOEXEC);
    if (shm_fd >= 0) fcntl(shm_fd, F_SETFD, FD_CLOEXEC);
    SandboxState s;
    s.requested = sandbox;
    if (!sandbox) return s;
    std::vector<uint64_t> mine = NamespaceIds();
    auto differs = [&](size_t i) { return i < host_ns.size() && host_ns[i] && mine[i] && host_ns[i] != mine[i]; };
    s.pid_ns = differs(0);
    s.mount_ns = differs(1);
    s.net_ns = differs(2);
    s.user_ns = differs(3);
    struct statvfs root;
    s.read_only_fs = s.mount_ns && statvfs("/", &root) == 0 && (root.f_flag & ST_RDONLY);
    ReserveArenaWindow();
    uint32_t token = 0;
    while (token == 0) {
        uint32_t r = 0;
        if (getrandom(&r, sizeof(r), 0) != sizeof(r)) r = static_cast<uint32_t>(getpid()) * 2654435761u;
        token = r & static_cast<uint32_t>(PageSize() - 1);
    }
    SetArenaToken(token);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    Range status;
    if (status_block) {
        status.lo = reinterpret_cast<uintptr_t>(status_block) & ~(uint64_t{PageSize()} - 1);
        status.hi = reinterpret_cast<uintptr_t>(status_block) + status_size;
    }
    // The trap's handler first (the filters end the process when it is replaced); glibc's
    // backtrace() loads libgcc_s on its first use, while mappings may still be made executable.
    void *frames[1];
    backtrace(frames, 1);
    InstallSyscallTrap(static_cast<SharedStatus *>(const_cast<void *>(status_block)));
    bool filtered = LoadFilter(getpid(), s.pid_ns, CurrentArenaWindow(), token, status);
    // Second, from the tester's own instruction (the first filter lets seccomp through).
    filtered = LoadCallerFilter(out_fd) && filtered;
    s.no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
    s.seccomp = filtered && prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2;
    s.rlimit_as_mb = LimitOf(RLIMIT_AS, 1 << 20);
    s.rlimit_fsize_mb = LimitOf(RLIMIT_FSIZE, 1 << 20);
    s.rlimit_cpu_s = LimitOf(RLIMIT_CPU, 1);
    s.rlimit_nproc = LimitOf(RLIMIT_NPROC, 1);
    s.nproc_enforced = s.rlimit_nproc && getuid() != 0;
    s.asan = dlsym(RTLD_DEFAULT, "__asan_init") != nullptr;
    return s;
}

}  // namespace vspc
