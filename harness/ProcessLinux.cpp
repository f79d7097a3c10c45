// Linux process supervision: fork/exec of the worker, a pipe for its messages
// and a memfd for the shared status block.
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "Process.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010  // Linux 5.1
#endif

#ifndef VSPC_ASAN_RUNTIME
#define VSPC_ASAN_RUNTIME ""
#endif

namespace vspc {

namespace {

// The runtime's own fault handling off (the tester's handler sees the faults
// first), abort on a report (a death with a signal the supervisor attributes).
// Frames name the module and the offset in it: the supervisor finds the module's
// frame there and symbolizes it (Attribution.cpp, Symbolize.cpp). ASan's own
// symbolization is optional (see SpawnOptions::asan_symbolize).
// The quarantine of freed blocks is ClusterFuzz's and OSS-Fuzz's 10 MB, not ASan's default
// 256 MB: a use after free is still seen thousands of calls later (samples/defects/
// sp11_use_after_free_asan.c), and a worker no longer walks a quarter of a gigabyte of fresh
// pages before it reuses one (a third of a default check's page faults, 17% of its time).
std::string WorkerAsanOptions(bool symbolize) {
    return fmt::format(
        "abort_on_error=1:detect_leaks=0:quarantine_size_mb=10:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:"
        "handle_sigill=0:allow_user_segv_handler=1:symbolize={}:stack_trace_format=\"{}\"",
        symbolize ? 1 : 0, symbolize ? "    #%n %p in %f %S (%m+%o)" : "    #%n %p (%m+%o)");
}
constexpr const char *kReexecMarker = "VSPCONFORM_ASAN_REEXEC";

// The worker's glibc malloc backs its large blocks with transparent huge pages where the kernel
// offers them on request (THP "madvise", Debian's default). libFuzzer's start allocates and zeroes
// about 20 MB (its corpus's per-feature tables, its mutation dispatcher): in 4 KiB pages that is
// some 5,000 page faults, a third of the CPU time of a worker that restarts after a death, and
// a share of every shard's start. Performance only: the module's arenas are the tester's own
// mappings, and an ASan module's malloc is ASan's. The user's own tunables are kept.
std::string WorkerMallocTunables() {
    constexpr std::string_view kHugePages = "glibc.malloc.hugetlb=1";
    const char *user = getenv("GLIBC_TUNABLES");
    if (!user || !*user) return std::string(kHugePages);
    if (std::string_view(user).find("glibc.malloc.hugetlb") != std::string_view::npos) return user;
    return fmt::format("{}:{}", user, kHugePages);
}

}  // namespace

std::string SelfExecutable() {
    char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
    if (n <= 0) return "vspconform";
    return std::string(path, static_cast<size_t>(n));
}

std::string EnsureAsanRuntime() {
    if (dlsym(RTLD_DEFAULT, "__asan_init")) return {};
    std::string runtime = VSPC_ASAN_RUNTIME;
    std::string by_hand =
        fmt::format("run it as LD_PRELOAD={} ASAN_OPTIONS={} vspconform replay ... --debug",
                    runtime.empty() ? "<libclang_rt.asan-x86_64.so>" : runtime, "'" + WorkerAsanOptions(true) + "'");
    if (runtime.empty() || access(runtime.c_str(), R_OK) != 0)
        return fmt::format("the module needs the ASan runtime and this vspconform does not know where it is; {}",
                           by_hand);
    if (getenv(kReexecMarker))
        return fmt::format("the module needs the ASan runtime, and preloading {} did not load it; {}", runtime,
                           by_hand);
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> args;
    for (size_t start = 0; start < text.size();) {
        size_t end = text.find('\0', start);
        if (end == std::string::npos) end = text.size();
        args.emplace_back(text, start, end - start);
        start = end + 1;
    }
    if (args.empty()) return "cannot read this process's arguments (/proc/self/cmdline) to re-execute it with ASan";
    std::vector<char *> argv;
    for (auto &a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const char *user = getenv("ASAN_OPTIONS");
    std::string options = WorkerAsanOptions(true);
    if (user && *user) options += fmt::format(":{}", user);
    const char *preload = getenv("LD_PRELOAD");
    std::string preloads = preload && *preload ? fmt::format("{}:{}", runtime, preload) : runtime;
    setenv("LD_PRELOAD", preloads.c_str(), 1);
    setenv("ASAN_OPTIONS", options.c_str(), 1);
    setenv(kReexecMarker, "1", 1);
    execv("/proc/self/exe", argv.data());
    return fmt::format("re-executing with the ASan runtime failed: {}; {}", std::strerror(errno), by_hand);
}

std::unique_ptr<WorkerProcess> WorkerProcess::Spawn(WorkerConfig config, const SpawnOptions &options,
                                                    std::string *error) {
    std::unique_ptr<WorkerProcess> w(new WorkerProcess);
    auto fail = [&](const char *what) {
        *error = fmt::format("{} failed: {}", what, std::strerror(errno));
        return nullptr;
    };
    w->shm_fd_ = memfd_create("vspconform-status", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (w->shm_fd_ < 0 || ftruncate(w->shm_fd_, sizeof(SharedStatus)) != 0) return fail("memfd_create");
    // The worker may neither shrink nor grow the block (a shrunk memfd would SIGBUS the supervisor).
    if (fcntl(w->shm_fd_, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
        return fail("sealing the status block (F_ADD_SEALS)");
    void *map = mmap(nullptr, sizeof(SharedStatus), PROT_READ | PROT_WRITE, MAP_SHARED, w->shm_fd_, 0);
    if (map == MAP_FAILED) return fail("mmap of the status block");
    w->status_ = static_cast<SharedStatus *>(map);
    // The control block: written here, sealed against every later writable mapping and write, so
    // the worker (and the module in it) can only read it.
    w->ctl_fd_ = memfd_create("vspconform-control", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (w->ctl_fd_ < 0 || ftruncate(w->ctl_fd_, kWorkerControlBytes) != 0) return fail("memfd_create");
    void *ctl = mmap(nullptr, kWorkerControlBytes, PROT_READ | PROT_WRITE, MAP_SHARED, w->ctl_fd_, 0);
    if (ctl == MAP_FAILED) return fail("mmap of the control block");
    w->control_ = static_cast<WorkerControl *>(ctl);
    if (fcntl(w->ctl_fd_, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) != 0)
        return fail("sealing the control block (F_SEAL_FUTURE_WRITE)");
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return fail("pipe");
    config.shm_fd = w->shm_fd_;
    config.ctl_fd = w->ctl_fd_;
    config.out_fd = fds[1];
    // What the worker writes, and nothing else, is writable in the sandbox: a check shard's
    // scratch directory (its corpus, promoted states and libFuzzer's artifacts beside each
    // other); a campaign's shared corpus (the user's, maybe) and its promoted states, but not
    // the corpus's parent; a minimization's output directory.
    SandboxLaunch launch;
    std::vector<std::string> scratch;
    if (config.mode == WorkerMode::Fuzz && config.shared_corpus) {
        scratch.push_back(config.corpus);
        scratch.push_back(PromotedDir(config));
    } else if (!config.corpus.empty()) {
        scratch.push_back(std::filesystem::path(config.corpus).parent_path().string());
    }
    if (config.mode == WorkerMode::Minimize && !config.output.empty())
        scratch.push_back(std::filesystem::path(config.output).parent_path().string());
    PrepareSandbox(options.sandbox, options.preload_asan, scratch, launch);
    config.sandbox = launch.enabled;
    if (launch.enabled) config.host_ns = NamespaceIds();
    std::string text = EncodeConfig(config);
    // stdout and stderr: a pipe the supervisor drains (it keeps the head and tail of a flood).
    int out_fds[2];
    if (pipe2(out_fds, O_CLOEXEC) != 0) {
        close(fds[0]);
        close(fds[1]);
        return fail("pipe");
    }
    fcntl(out_fds[0], F_SETPIPE_SZ, 1 << 20);
    int log_fd = out_fds[1];

    pid_t parent = getpid();
    std::string asan = WorkerAsanOptions(options.asan_symbolize);  // built before fork: no allocation after it
    std::string tunables = WorkerMallocTunables();
    pid_t pid = SandboxFork(launch);
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        close(log_fd);
        close(out_fds[0]);
        for (int fd : launch.status_pipe)
            if (fd >= 0) close(fd);
        return fail("fork");
    }
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        // Its parent: the supervisor, or the init of its PID namespace (pid 1 there).
        if (getppid() != ((launch.ns_flags & CLONE_NEWPID) ? 1 : parent)) _exit(72);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(log_fd, 1);
        dup2(log_fd, 2);
        // Nothing the supervisor inherited (a CI runner's or a shell's descriptors) reaches the
        // module: every descriptor above 2 closes at exec, but the two of the protocol.
        if (close_range(3, ~0u, CLOSE_RANGE_CLOEXEC) != 0)
            for (int fd = 3; fd < 4096; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
        fcntl(w->shm_fd_, F_SETFD, 0);
        for (int fd : ModuleImageFds()) fcntl(fd, F_SETFD, 0);  // the sealed module images it loads
        fcntl(w->ctl_fd_, F_SETFD, 0);
        fcntl(fds[1], F_SETFD, 0);
        // Address randomization stays on: a module must not find the tester's executable and its
        // arenas at known addresses. (libFuzzer's value profile keys comparisons by the low 12
        // bits of the caller's address, which randomization does not change.)
        if (options.preload_asan) {
            setenv("LD_PRELOAD", VSPC_ASAN_RUNTIME, 1);
            setenv("ASAN_OPTIONS", asan.c_str(), 1);
        }
        setenv("GLIBC_TUNABLES", tunables.c_str(), 1);
        SandboxBeforeExec(launch);
        const char *argv[] = {"vspconform-worker", "__worker", text.c_str(), nullptr};
        execv("/proc/self/exe", const_cast<char **>(argv));
        _exit(73);
    }
    close(fds[1]);
    close(log_fd);
    w->pid_ = pid;
    w->has_init_ = (launch.ns_flags & CLONE_NEWPID) != 0;
    w->sandboxed_ = launch.enabled;
    w->ns_flags_ = launch.ns_flags;
    w->cgroup_ = launch.cgroup;
    w->pids_max_ = launch.cgroup.empty() ? 0 : options.sandbox.max_processes;
    w->exit_fd_ = launch.status_pipe[0];
    w->pid_fd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));  // close-on-exec; Linux 5.3, else -1
    w->fd_ = fds[0];
    fcntl(w->fd_, F_SETFL, O_NONBLOCK);
    w->out_fd_ = out_fds[0];
    fcntl(w->out_fd_, F_SETFL, O_NONBLOCK);
    return w;
}

WorkerProcess::~WorkerProcess() {
    if (pid_ > 0 && !reaped_) {
        Kill();
        Wait();
    }
    if (fd_ >= 0) close(fd_);
    if (out_fd_ >= 0) close(out_fd_);
    if (exit_fd_ >= 0) close(exit_fd_);
    if (pid_fd_ >= 0) close(pid_fd_);
    if (status_) munmap(status_, sizeof(SharedStatus));
    if (shm_fd_ >= 0) close(shm_fd_);
    if (control_) munmap(control_, kWorkerControlBytes);
    if (ctl_fd_ >= 0) close(ctl_fd_);
}

bool WorkerProcess::Read(std::vector<std::string> &lines, bool *too_long) {
    *too_long = false;
    if (fd_ < 0) return false;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd_, chunk, sizeof(chunk));
        if (n > 0) {
            buffer_.append(chunk, static_cast<size_t>(n));
            size_t start = 0, pos;
            while ((pos = buffer_.find('\n', start)) != std::string::npos) {
                lines.emplace_back(buffer_, start, pos - start);
                start = pos + 1;
            }
            buffer_.erase(0, start);
            if (buffer_.size() > kMaxMessageBytes) {
                *too_long = true;
                return false;
            }
            continue;
        }
        if (n == 0) {
            close(fd_);
            fd_ = -1;
            return false;
        }
        if (errno == EINTR) continue;
        return true;  // EAGAIN: nothing more for now
    }
}

bool WorkerProcess::ReadOutput(std::string &out) {
    if (out_fd_ < 0) return false;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(out_fd_, chunk, sizeof(chunk));
        if (n > 0) {
            out.append(chunk, static_cast<size_t>(n));
            if (out.size() >= (size_t{4} << 20)) return true;  // the caller keeps what it wants, then reads on
            continue;
        }
        if (n == 0) {
            close(out_fd_);
            out_fd_ = -1;
            return false;
        }
        if (errno == EINTR) continue;
        return true;
    }
}

void WorkerProcess::Kill() {
    if (pid_ <= 0 || reaped_) return;
    // A worker that has ended already: its init is about to report how (a kill now would lose
    // that); give it a moment.
    if (has_init_) {
        pid_t w = worker_pid();
        std::string stat = w > 0 ? ReadProcFile(w, "stat") : std::string();
        size_t paren = stat.rfind(')');
        bool gone = w > 0 && (stat.empty() || (paren != std::string::npos && paren + 2 < stat.size() &&
                                               (stat[paren + 2] == 'Z' || stat[paren + 2] == 'X')));
        ExitStatus st;
        for (int i = 0; gone && i < 100; ++i) {
            if (TryWait(st)) return;
            usleep(2000);
        }
    }
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
}

namespace {

ExitStatus FromWaitStatus(int status) {
    ExitStatus e;
    if (WIFSIGNALED(status)) {
        e.signaled = true;
        e.signo = WTERMSIG(status);
    } else if (WIFEXITED(status)) {
        e.code = WEXITSTATUS(status);
    }
    return e;
}

}  // namespace

// The worker's end, from the status its init reports (when there is one and it reported: the
// init itself ends with exit 0, or killed by the supervisor), else from how `pid_` ended.
ExitStatus WorkerProcess::Reaped(int init_status) {
    kill(-pid_, SIGKILL);  // anything the module forked (without a PID namespace)
    reaped_ = true;
    int status = init_status;
    if (exit_fd_ >= 0) {
        int reported = 0;
        ssize_t n;
        while ((n = read(exit_fd_, &reported, sizeof(reported))) < 0 && errno == EINTR) {}
        if (n == static_cast<ssize_t>(sizeof(reported))) status = reported;
        close(exit_fd_);
        exit_fd_ = -1;
    }
    exit_ = FromWaitStatus(status);
    RemoveSandboxCgroup(cgroup_);
    cgroup_.clear();
    return exit_;
}

ExitStatus WorkerProcess::Wait() {
    if (reaped_ || pid_ <= 0) return exit_;
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
    return Reaped(status);
}

bool WorkerProcess::TryWait(ExitStatus &out) {
    if (reaped_) {
        out = exit_;
        return true;
    }
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG | WUNTRACED);
    if (r == pid_ && WIFSTOPPED(status)) {
        stopped_ = true;
        return false;
    }
    if (r != pid_ && has_init_ && exit_fd_ >= 0 && fd_ < 0) {
        // The message pipe has closed: the worker has ended, and its init reports how and leaves
        // within moments (rather than at the pool's next round).
        pollfd p{exit_fd_, POLLIN, 0};
        if (poll(&p, 1, 20) > 0)
            for (int i = 0; i < 50 && (r = waitpid(pid_, &status, WNOHANG)) != pid_; ++i) usleep(1000);
    }
    if (r != pid_) return false;
    out = Reaped(status);
    return true;
}

bool WorkerProcess::Stopped() const {
    if (stopped_) return true;
    if (pid_ <= 0 || reaped_) return false;
    pid_t worker = worker_pid();  // under an init, the worker is its child
    if (worker <= 0) return false;
    char path[64], text[512];
    std::snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(worker));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0) return false;
    text[n] = '\0';
    const char *paren = std::strrchr(text, ')');  // "PID (COMM) STATE ...": COMM may hold anything
    return paren && paren[1] == ' ' && (paren[2] == 'T' || paren[2] == 't');
}

pid_t WorkerProcess::worker_pid() const {
    if (!has_init_) return pid_;
    if (worker_pid_ > 0 || pid_ <= 0 || reaped_) return worker_pid_;
    char path[64], text[64];
    std::snprintf(path, sizeof(path), "/proc/%d/task/%d/children", static_cast<int>(pid_), static_cast<int>(pid_));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0) return -1;
    text[n] = '\0';
    int child = 0;
    if (std::sscanf(text, "%d", &child) == 1 && child > 0) worker_pid_ = child;
    return worker_pid_;
}

SandboxState WorkerProcess::Vouch(const SandboxState &claimed) const {
    return VouchSandbox(claimed, sandboxed_, ns_flags_, pids_max_, reaped_ ? -1 : worker_pid());
}

uint64_t WorkerProcess::RunQueueWaitNs() const {
    pid_t worker = worker_pid();
    if (worker <= 0) return 0;
    char path[64], text[128];
    std::snprintf(path, sizeof(path), "/proc/%d/schedstat", static_cast<int>(worker));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0) return 0;
    text[n] = '\0';
    unsigned long long on_cpu = 0, waiting = 0;  // "<on cpu ns> <waiting ns> <timeslices>"
    if (std::sscanf(text, "%llu %llu", &on_cpu, &waiting) != 2) return 0;
    return waiting;
}

namespace {

// Starts argv[0] (looked up in PATH) with `in` as its standard input (-1: /dev/null), `out` as its
// standard output and /dev/null as its standard error; its pid, or -1.
pid_t SpawnWithStdio(const std::vector<std::string> &argv, int in, int out) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (in >= 0)
        posix_spawn_file_actions_adddup2(&actions, in, 0);
    else
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out, 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char *> args;
    for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0 ? pid : -1;
}

}  // namespace

int RunAndCapture(const std::vector<std::string> &argv, std::string *out) {
    int fds[2];
    if (argv.empty() || pipe2(fds, O_CLOEXEC) != 0) return -1;
    const pid_t pid = SpawnWithStdio(argv, -1, fds[1]);
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return -1;
    }
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fds[0], chunk, sizeof(chunk));
        if (n > 0) {
            out->append(chunk, static_cast<size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::unique_ptr<LineCoprocess> LineCoprocess::Start(const std::vector<std::string> &argv) {
    // Its input is a socket: send() with MSG_NOSIGNAL to a program that has died is an error, not a
    // SIGPIPE that would end vspconform.
    int in[2], out[2];
    if (argv.empty() || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) return nullptr;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]);
        close(in[1]);
        return nullptr;
    }
    const pid_t pid = SpawnWithStdio(argv, in[0], out[1]);
    close(in[0]);
    close(out[1]);
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        return nullptr;
    }
    std::unique_ptr<LineCoprocess> p(new LineCoprocess);
    p->pid_ = pid;
    p->in_ = in[1];
    p->out_ = out[0];
    return p;
}

LineCoprocess::~LineCoprocess() {
    if (in_ >= 0) close(in_);  // the end of its input: it ends
    int status = 0;
    pid_t r = 0;
    for (int i = 0; i < 1000 && (r = waitpid(pid_, &status, WNOHANG)) == 0; ++i) usleep(1000);
    if (r == 0) {
        kill(pid_, SIGKILL);
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
    }
    if (out_ >= 0) close(out_);
}

bool LineCoprocess::Ask(const std::string &input, size_t lines, std::string *out, int idle_ms) {
    if (broken_) return false;
    size_t written = 0, got = 0;
    std::string text;
    // Both ways at once: a long question must not fill one pipe while the answer fills the other.
    while (got < lines) {
        pollfd fds[2] = {{out_, POLLIN, 0}, {in_, static_cast<short>(written < input.size() ? POLLOUT : 0), 0}};
        int n = poll(fds, written < input.size() ? 2 : 1, idle_ms);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // silent for idle_ms
        if (fds[1].revents & (POLLERR | POLLHUP)) break;
        if (fds[1].revents & POLLOUT) {
            ssize_t w = send(in_, input.data() + written, std::min<size_t>(input.size() - written, 65536),
                             MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w < 0 && errno != EINTR && errno != EAGAIN) break;
            if (w > 0) written += static_cast<size_t>(w);
        }
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            char chunk[65536];
            ssize_t r = read(out_, chunk, sizeof(chunk));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;  // it ended
            got += static_cast<size_t>(std::count(chunk, chunk + r, '\n'));
            text.append(chunk, static_cast<size_t>(r));
        }
    }
    if (got != lines) {  // short, or more than asked for: its answers no longer line up
        broken_ = true;
        return false;
    }
    *out = std::move(text);
    return true;
}

std::string FindProgram(const std::vector<std::string> &names) {
    const char *path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    for (const auto &name : names) {
        if (name.empty()) continue;
        if (name.find('/') != std::string::npos) {
            if (access(name.c_str(), X_OK) == 0) return name;
            continue;
        }
        size_t pos = 0;
        while (pos <= dirs.size()) {
            size_t colon = dirs.find(':', pos);
            if (colon == std::string::npos) colon = dirs.size();
            std::string dir = dirs.substr(pos, colon - pos);
            std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
            if (access(candidate.c_str(), X_OK) == 0) return candidate;
            pos = colon + 1;
        }
    }
    return "";
}

}  // namespace vspc
