// The worker pool: N supervised workers in one poll loop, running jobs from a queue. Each worker
// is watched by a WorkerWatch (Watch.h: its messages, its watchdogs, how it ended); the pool
// starts workers through a WorkerLauncher (Launcher.h), feeds the watches, enforces the run's
// deadline and stop flag, and tells the listener about every message and every end. What a
// death means and what runs next (the restart policy) is the listener's business, not the pool's.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "Launcher.h"
#include "Process.h"
#include "Protocol.h"
#include "Watch.h"
#include "WorkerLog.h"

namespace vspc {

struct PoolOptions {
    unsigned jobs = 1;
    uint32_t call_timeout_ms = 2000;   // a module call running longer is a hang
    uint32_t load_timeout_ms = 30000;  // loading the module, its init hook included
    WorkerLog *log = nullptr;          // where the workers' output goes (null: nowhere)
    SpawnOptions spawn;                // how the default launcher starts workers
    // Starts the workers (null: processes, with `spawn`). Tests give a scripted one.
    WorkerLauncher *launcher = nullptr;
    std::optional<Clock::time_point> deadline;  // the run's time cap
    // Set (by a signal handler, say): stop as at the deadline.
    const std::atomic<bool> *stop = nullptr;
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
    explicit WorkerPool(PoolOptions options);
    // Runs the queue to its end. Returns the jobs that never started (the deadline came first).
    std::vector<Job> Run(std::deque<Job> queue, PoolListener &listener);
    // The run was cut: by its deadline or its stop flag; stopped(): by the flag.
    bool deadline_hit() const { return deadline_hit_; }
    bool stopped() const { return stopped_; }

private:
    PoolOptions options_;
    std::unique_ptr<WorkerLauncher> own_launcher_;
    WorkerLauncher *launcher_;
    bool deadline_hit_ = false;
    bool stopped_ = false;
};

}  // namespace vspc
