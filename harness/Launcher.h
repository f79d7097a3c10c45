// The execution seam under the pool: what the pool needs of a running worker (WorkerHandle) and
// of the machine that starts it (WorkerLauncher: a launch, a clock, a wait for input). On Linux
// a WorkerProcess and the ProcessLauncher; in tests, scripted fakes, so the pool's restarts,
// watchdogs and time cap run in milliseconds without a process.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "Protocol.h"
#include "Sandbox.h"
#include "Shared.h"

namespace vspc {

using Clock = std::chrono::steady_clock;

struct ExitStatus {
    bool signaled = false;
    int signo = 0;
    int code = 0;
};

class WorkerHandle {
public:
    virtual ~WorkerHandle() = default;
    virtual int fd() const = 0;         // the message pipe; -1 once it reached end of file
    virtual int output_fd() const = 0;  // its stdout and stderr; -1 once at end of file
    // Readable once the process has ended and until it is reaped, so the pool wakes at a death
    // instead of at its next tick; -1 when there is none (then the tick finds the death).
    virtual int ended_fd() const { return -1; }
    // Complete lines of the message pipe, appended; false at end of file, or when a line
    // exceeds kMaxMessageBytes (*too_long set).
    virtual bool Read(std::vector<std::string> &lines, bool *too_long) = 0;
    // Bytes after the last newline (at end of file: a message without its newline).
    virtual size_t unterminated() const = 0;
    // Appends what it wrote to stdout/stderr and is there now. False at end of file.
    virtual bool ReadOutput(std::string &out) = 0;
    // Its status block (Shared.h): written by the worker, read here.
    virtual const SharedStatus &status() const = 0;
    virtual void RequestStop() = 0;
    virtual void Kill() = 0;                    // the worker and whatever it started
    virtual ExitStatus Wait() = 0;              // blocks until it is reaped (once)
    virtual bool TryWait(ExitStatus &out) = 0;  // reaps it if it has ended
    virtual bool Stopped() const = 0;           // stopped by a signal or a tracer: it would never go on
    // Nanoseconds it spent runnable but waiting for a CPU (0 if unknown).
    virtual uint64_t RunQueueWaitNs() const = 0;
    // What it says it had in force, as far as the supervisor can confirm it (Sandbox.h).
    virtual SandboxState Vouch(const SandboxState &claimed) const = 0;
};

class WorkerLauncher {
public:
    virtual ~WorkerLauncher() = default;
    // Starts a worker for `config`; null and *error set when it cannot.
    virtual std::unique_ptr<WorkerHandle> Launch(const WorkerConfig &config, std::string *error) = 0;
    virtual Clock::time_point Now() { return Clock::now(); }
    // Until one of `fds` has input or `timeout_ms` passed.
    virtual void WaitForInput(std::vector<pollfd> &fds, int timeout_ms) { poll(fds.data(), fds.size(), timeout_ms); }
};

}  // namespace vspc
