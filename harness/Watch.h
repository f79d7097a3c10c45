// One worker as its supervisor sees it: a small state machine. Lines of its message pipe go in
// (OnLine), ticks of the clock with what its handle shows go in (OnTick), and out comes what the
// pool must do (nothing, kill it, reap it) and, once it has ended, how (End). It makes no system
// call of its own, so its rules (the watchdogs, the grace periods, what a message may say when)
// are unit-tested with a fake handle and a fake clock.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "Launcher.h"
#include "Protocol.h"

namespace vspc {

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
    Tampered,     // its done message and its status block disagree: the tester's state was written
    SpawnFailed,
};
std::string_view EndHowName(EndHow h);

// What a worker had done, from its status block (it survives the worker's death).
struct WorkerTotals {
    uint64_t cases_run = 0, cases_skipped = 0, cases_cut = 0, cases_capped = 0, heavy_execs = 0, calls = 0, execs = 0,
             promoted = 0, state_saves = 0;
    uint64_t edges = 0;  // the most any one worker reached (Add keeps the maximum)
    Evidence evidence{};
    BytesNeededHistogram bytes_needed{};
    void Add(const WorkerTotals &o);
};
WorkerTotals TotalsOf(const SharedStatus &s);

struct WatchLimits {
    Clock::duration call_timeout = std::chrono::milliseconds(2000);  // a module call running longer is a hang
    Clock::duration load_timeout = std::chrono::milliseconds(30000);
    Clock::duration stall_limit;  // no call started, outside calls, for this long: a stall
    Clock::duration case_budget;  // a case (or an execution) that does not move for this long: a stall
    Clock::duration eof_grace = std::chrono::milliseconds(500);  // its pipe ended: time to exit
    Clock::duration done_grace = std::chrono::seconds(2);        // its done message came: time to exit
    Clock::duration stop_grace;                                  // asked to stop: time to stop
    static WatchLimits For(uint32_t call_timeout_ms, uint32_t load_timeout_ms);
};

class WorkerWatch {
public:
    enum class Phase : uint8_t {
        Loading,   // started; no `loaded` message yet
        Running,   // loaded the module, playing its job
        Finished,  // sent its done message
    };
    enum class Action : uint8_t { None, Kill, Reap };

    WorkerWatch(const WorkerConfig &config, const WatchLimits &limits, Clock::time_point started)
        : config_(config), limits_(limits), started_(started), last_progress_(started), last_case_progress_(started) {}

    // A line of its message pipe: the message to act on, or nothing when the line is not one this
    // worker may send now (it is then to be killed: ToKill()).
    std::optional<Message> OnLine(std::string_view line, Clock::time_point now);
    void OnTooLong();
    // The run's time cap: it was asked to stop.
    void OnStopRequested(Clock::time_point now);
    // A tick: `exited` when it has been reaped, `open` while its message pipe is, `call_limit`
    // the time the call in progress may take (the listener may shorten it).
    Action OnTick(Clock::time_point now, const WorkerHandle &worker, bool exited, bool open,
                  Clock::duration call_limit);
    // How it ended, once it has been reaped with `status`; `totals` from its status block. A job
    // that ended well has its totals replaced by the counts of its done message.
    EndHow End(const ExitStatus &status, size_t unterminated, WorkerTotals &totals);

    Phase phase() const { return phase_; }
    bool loaded() const { return phase_ != Phase::Loading; }
    bool stop_requested() const { return stop_at_.has_value(); }
    bool ToKill() const { return kill_.has_value(); }
    const Hooks &hooks() const { return hooks_; }
    const std::string &error() const { return error_; }

private:
    void Kill(EndHow why, std::string error);
    bool PlayedItsCases(const msg::Done &d) const;
    std::string Tampering(const WorkerTotals &status) const;

    const WorkerConfig &config_;
    WatchLimits limits_;
    Phase phase_ = Phase::Loading;
    Hooks hooks_;
    std::string error_;
    std::optional<EndHow> kill_;  // why it is being killed: the first reason wins
    std::optional<msg::Done> done_;
    Clock::time_point started_, last_progress_, last_case_progress_;
    std::optional<Clock::time_point> stop_at_, eof_at_;
    uint64_t last_calls_ = 0, last_case_ = UINT64_MAX, last_cases_run_ = 0;
    uint64_t wait_at_progress_ = 0;  // its run-queue wait (ns) when it last made progress
};

}  // namespace vspc
