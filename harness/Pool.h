// The worker pool: N supervised workers in one poll loop, running jobs from a
// queue. It watches each worker (a module call that does not return in time,
// a worker that makes no progress at all, the run's deadline), reads its
// messages, and when a worker ends tells the listener how, with what the
// status block says about where it was. What a death means and what runs next
// (the restart policy) is the listener's business, not the pool's.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "Process.h"
#include "Protocol.h"

namespace vspc {

using Clock = std::chrono::steady_clock;

struct PoolOptions {
    unsigned jobs = 1;
    uint32_t call_timeout_ms = 2000;   // a module call running longer is a hang
    uint32_t load_timeout_ms = 30000;  // loading the module, its init hook included
    std::string log_path;              // every worker's output is appended here (capped per worker)
    bool preload_asan = false;
    bool asan_symbolize = false;                // see SpawnOptions
    SandboxOptions sandbox;                     // see SpawnOptions
    std::optional<Clock::time_point> deadline;  // the run's time cap
    // Set (by a signal handler, say): stop as at the deadline.
    const std::atomic<bool> *stop = nullptr;
};

// What a worker had done, from its status block (it survives the worker's death).
struct WorkerTotals {
    uint64_t cases_run = 0, cases_skipped = 0, cases_cut = 0, calls = 0, execs = 0, promoted = 0, state_saves = 0;
    uint64_t edges = 0;  // the most any one worker reached (Add keeps the maximum)
    Evidence evidence{};
    BytesNeededHistogram bytes_needed{};
    void Add(const WorkerTotals &o);
};

enum class EndHow {
    Done,         // ran its job to the end (done message, exit 0)
    Cut,          // stopped early at the deadline, cleanly or killed
    LoadError,    // the module could not be loaded (load_error says why)
    Crashed,      // died of a signal
    Exited,       // exited without finishing its job
    Hung,         // a module call did not return in time (killed)
    Stalled,      // no progress at all, outside module calls (killed)
    BadMessage,   // sent something that is not the protocol (killed)
    ChannelLost,  // its message pipe ended before `done` while it still ran (killed)
    Stopped,      // stopped by a signal (SIGSTOP, or traced) (killed)
    SpawnFailed,
};

struct WorkerEnd {
    EndHow how = EndHow::Done;
    int signo = 0, exit_code = 0;
    bool loaded = false;
    Hooks hooks;
    std::string error;  // LoadError, BadMessage, SpawnFailed: what happened
    bool in_call = false;
    CurrentCall call{};
    bool faulted = false;
    FaultInfo fault{};
    uint64_t case_index = 0;
    std::vector<uint8_t> case_bytes;
    WorkerTotals totals;
    std::string sanitizer;    // the sanitizer's report (from its ERROR line on), if it is in the worker's output
    std::string module_path;  // the module the worker loaded (to find its frames in that report)
    double seconds = 0;
};

struct Job {
    WorkerConfig config;
    uint32_t ordinal = 0;     // the job's place in the run (findings are ordered by it)
    uint32_t generation = 0;  // restarts of this job so far
};

class PoolListener {
public:
    virtual ~PoolListener() = default;
    // `seq` numbers the messages of one worker.
    virtual void OnMessage(const Job &job, const Message &message, uint64_t seq) = 0;
    // The worker of `job` ended. Returns the jobs to run next, before the rest of the queue.
    virtual std::vector<Job> OnEnd(const Job &job, const WorkerEnd &end) = 0;
    // True: start no more jobs (e.g. the module cannot be loaded at all).
    virtual bool Abort() const { return false; }
    // Jobs the listener made while the pool ran (queued after the others).
    virtual std::vector<Job> TakeNewJobs() { return {}; }
    // How long a call of `callback` may run before it is a hang (0: the pool's default).
    virtual uint32_t CallTimeoutMs(Callback) const { return 0; }
    // About every 200 ms: what the running workers have done so far, and how many run.
    virtual void OnLive(const WorkerTotals & /*running*/, unsigned /*workers*/) {}
};

class WorkerPool {
public:
    explicit WorkerPool(PoolOptions options) : options_(std::move(options)) {}
    // Runs the queue to its end. Returns the jobs that never started (the deadline came first).
    std::vector<Job> Run(std::deque<Job> queue, PoolListener &listener);
    bool deadline_hit() const { return deadline_hit_; }

private:
    PoolOptions options_;
    bool deadline_hit_ = false;
    uint64_t spawned_ = 0;
};

std::string_view EndHowName(EndHow h);

}  // namespace vspc
