// A worker process (Linux): the same binary re-executed as `__worker CONFIG`,
// with a pipe for its messages and a memfd for its status block. This layer
// spawns, reads, kills and reaps; it knows nothing of rules or jobs.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "Launcher.h"
#include "Protocol.h"
#include "Sandbox.h"
#include "Shared.h"

namespace vspc {

struct SpawnOptions {
    std::string log_path;       // unused: the worker's stdout and stderr go to a pipe (output_fd())
    bool preload_asan = false;  // an ASan-instrumented module needs the runtime in the worker
    // ASan symbolizes its own reports (readable worker.log, but about 0.3 s per report: a module
    // that crashes on every state would spend the run symbolizing). Off, the reports still get
    // their source lines: the supervisor symbolizes the module's frames once per run.
    bool asan_symbolize = false;
    SandboxOptions sandbox;  // namespaces, file system, limits, seccomp (Sandbox.h)
};

class WorkerProcess final : public WorkerHandle {
public:
    // Starts a worker for `config` (its fds are filled in here). Null and *error set on failure.
    static std::unique_ptr<WorkerProcess> Spawn(WorkerConfig config, const SpawnOptions &options, std::string *error);
    ~WorkerProcess() override;
    WorkerProcess(const WorkerProcess &) = delete;
    WorkerProcess &operator=(const WorkerProcess &) = delete;

    int fd() const override { return fd_; }  // the message pipe; -1 once it reached end of file
    // The worker's stdout and stderr (one pipe; -1 once it reached end of file). The supervisor
    // alone decides what of it reaches worker.log (a flood must not fill the disk).
    int output_fd() const override { return out_fd_; }
    // A pidfd of the process waited for (pid()), until it is reaped; -1 without pidfd_open.
    int ended_fd() const override { return reaped_ ? -1 : pid_fd_; }
    // Appends what the worker wrote to stdout/stderr and is there now. False at end of file.
    bool ReadOutput(std::string &out) override;
    const SharedStatus &status() const override { return *status_; }
    void RequestStop() override { control_->stop_requested.store(1, std::memory_order_relaxed); }

    // Reads what is there: complete lines are appended to `lines`. Returns false
    // at end of file, or when a line exceeds kMaxMessageBytes (*too_long set).
    bool Read(std::vector<std::string> &lines, bool *too_long) override;
    // Bytes after the last newline (at end of file: a message without its newline).
    size_t unterminated() const override { return buffer_.size(); }

    void Kill() override;                    // the worker and its process group
    ExitStatus Wait() override;              // blocks until it is reaped (once)
    bool TryWait(ExitStatus &out) override;  // reaps it if it has ended (and notes whether it is stopped)
    // The worker is stopped (waitpid's WUNTRACED, or 'T'/'t' in /proc/PID/stat): a stop signal
    // or a tracer. It would never go on by itself.
    bool Stopped() const override;
    // Nanoseconds the worker has spent runnable but waiting for a CPU (0 if unknown): time a
    // loaded machine took from it, which must not count towards a call's time limit.
    uint64_t RunQueueWaitNs() const override;
    // The process waited for: in a sandbox with a PID namespace its init (whose end ends every
    // process of the namespace), else the worker itself.
    pid_t pid() const { return pid_; }
    // The worker process itself, as this process sees it (its init's child in a PID namespace;
    // -1 while it is not found).
    pid_t worker_pid() const;
    // What the worker says it had in force, as far as this process can confirm it (Sandbox.h).
    SandboxState Vouch(const SandboxState &claimed) const override;

private:
    WorkerProcess() = default;
    ExitStatus Reaped(int init_status);
    pid_t pid_ = -1;
    bool has_init_ = false;
    bool sandboxed_ = false;
    int ns_flags_ = 0;
    std::string cgroup_;  // the worker's pids cgroup, removed once it has ended
    uint64_t pids_max_ = 0;
    int exit_fd_ = -1;  // the init's report of the worker's wait status
    int pid_fd_ = -1;   // pidfd_open(pid_): readable once it has ended
    mutable pid_t worker_pid_ = -1;
    int fd_ = -1;
    int shm_fd_ = -1;
    int ctl_fd_ = -1;
    WorkerControl *control_ = nullptr;
    int out_fd_ = -1;
    bool stopped_ = false;
    SharedStatus *status_ = nullptr;
    std::string buffer_;
    bool reaped_ = false;
    ExitStatus exit_;
};

// Starts workers as processes (WorkerProcess::Spawn) with the same options each time.
class ProcessLauncher final : public WorkerLauncher {
public:
    explicit ProcessLauncher(SpawnOptions options) : options_(std::move(options)) {}
    std::unique_ptr<WorkerHandle> Launch(const WorkerConfig &config, std::string *error) override {
        return WorkerProcess::Spawn(config, options_, error);
    }

private:
    SpawnOptions options_;
};

// Runs a helper program (argv[0] looked up on PATH) to its end and returns its exit
// status (-1: it could not run); its standard output goes into *out, its errors to /dev/null.
int RunAndCapture(const std::vector<std::string> &argv, std::string *out);
// A helper program that answers its input line by line (llvm-symbolizer reading addresses):
// started once, asked many times, so that its start is paid once and can be paid early. Its
// standard error goes to /dev/null; its pipes are close-on-exec (workers never inherit them).
class LineCoprocess {
public:
    // argv[0] looked up on PATH; nullptr when it cannot start.
    static std::unique_ptr<LineCoprocess> Start(const std::vector<std::string> &argv);
    ~LineCoprocess();  // closes its input and waits for it to end (killed after a second)
    LineCoprocess(const LineCoprocess &) = delete;
    LineCoprocess &operator=(const LineCoprocess &) = delete;

    // Writes `input` and reads until `lines` lines have come back, into *out. False when the
    // program ended or said nothing for `idle_ms` first; it is not asked again after that.
    bool Ask(const std::string &input, size_t lines, std::string *out, int idle_ms);

private:
    LineCoprocess() = default;
    int pid_ = -1;
    int in_ = -1;   // its standard input (ours to write)
    int out_ = -1;  // its standard output (ours to read)
    bool broken_ = false;
};

// The first of `names` that is an executable on PATH (or an absolute path), or "".
std::string FindProgram(const std::vector<std::string> &names);
// This program's own path (for the commands replay prints).
std::string SelfExecutable();

// replay --debug of an ASan-instrumented module needs the ASan runtime in this
// process from its start, as the supervisor gives it to a worker (LD_PRELOAD,
// with the worker's ASAN_OPTIONS before the user's). Returns "" when it is
// there; otherwise re-executes this program, same arguments, with it preloaded
// (and does not return), or returns a one-line reason with the command to run.
std::string EnsureAsanRuntime();

}  // namespace vspc
