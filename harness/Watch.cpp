#include "Watch.h"

#include <algorithm>

#include <fmt/format.h>

namespace vspc {

std::string_view EndHowName(EndHow h) {
    switch (h) {
    case EndHow::Done: return "done";
    case EndHow::Cut: return "cut";
    case EndHow::LoadError: return "load error";
    case EndHow::Crashed: return "crashed";
    case EndHow::Exited: return "exited";
    case EndHow::Hung: return "hung";
    case EndHow::Stalled: return "stalled";
    case EndHow::BadMessage: return "bad message";
    case EndHow::ChannelLost: return "channel lost";
    case EndHow::Stopped: return "stopped";
    case EndHow::Tampered: return "tampered";
    case EndHow::SpawnFailed: return "spawn failed";
    }
    return "?";
}

void WorkerTotals::Add(const WorkerTotals &o) {
    cases_run += o.cases_run;
    cases_skipped += o.cases_skipped;
    cases_cut += o.cases_cut;
    cases_capped += o.cases_capped;
    heavy_execs += o.heavy_execs;
    calls += o.calls;
    execs += o.execs;
    promoted += o.promoted;
    state_saves += o.state_saves;
    edges = std::max(edges, o.edges);
    for (size_t i = 0; i < evidence.size(); ++i) evidence[i] += o.evidence[i];
    for (size_t i = 0; i < bytes_needed.size(); ++i) bytes_needed[i] += o.bytes_needed[i];
}

WorkerTotals TotalsOf(const SharedStatus &s) {
    const WorkerCounters &c = s.counters;
    WorkerTotals t;
    t.cases_run = c.cases_run.Get();
    t.cases_skipped = c.cases_skipped.Get();
    t.cases_cut = c.cases_cut.Get();
    t.cases_capped = c.cases_capped.Get();
    t.heavy_execs = c.heavy_execs.Get();
    t.calls = c.calls.Get();
    t.execs = c.execs.Get();
    t.promoted = c.promoted.Get();
    t.state_saves = c.state_saves.Get();
    t.edges = c.edges.Get();
    for (size_t i = 0; i < t.evidence.size(); ++i) t.evidence[i] = c.evidence[i].Get();
    for (size_t i = 0; i < t.bytes_needed.size(); ++i) t.bytes_needed[i] = c.bytes_needed[i].Get();
    return t;
}

WatchLimits WatchLimits::For(uint32_t call_timeout_ms, uint32_t load_timeout_ms) {
    WatchLimits l;
    l.call_timeout = std::chrono::milliseconds(call_timeout_ms);
    l.load_timeout = std::chrono::milliseconds(load_timeout_ms);
    l.stall_limit = std::max<Clock::duration>(std::chrono::seconds(20), 10 * l.call_timeout);
    // A case (or a coverage-guided execution) that makes no progress for this long is a death,
    // whatever the heartbeat and in-call flag say (a module can write them: they are only hints).
    l.case_budget = std::max<Clock::duration>(std::chrono::seconds(10), 15 * l.call_timeout);
    l.stop_grace = std::min<Clock::duration>(l.call_timeout, std::chrono::seconds(2)) + std::chrono::seconds(1);
    return l;
}

namespace {

// A message that decodes may still not be one this worker can send now: before `loaded` only
// `loaded` or `load_error`; `loaded` once; the messages the supervisor acts on only from the kind
// of job that makes them (JobKinds.def), and promoted states only as files in the shard's own
// promoted/ folder, which a Contract job will read. "" when it is.
std::string UnexpectedMessage(const WorkerConfig &c, bool loaded, const Message &m) {
    if (std::holds_alternative<msg::LoadError>(m)) return {};
    if (std::holds_alternative<msg::Loaded>(m)) return loaded ? "a second loaded message" : "";
    if (!loaded) return "a message before the loaded message";
    const uint8_t sends = KindOf(c.mode).sends;
    if (std::holds_alternative<msg::Saved>(m) && !(sends & kSendsSaved))
        return "a saved record from a job that saves none";
    if (std::holds_alternative<msg::Minimized>(m) && !(sends & kSendsMinimized))
        return "a minimization result from a job that minimizes nothing";
    if (std::holds_alternative<msg::Covered>(m) && !(sends & kSendsCovered))
        return "coverage from a job that measures none";
    if (auto *p = std::get_if<msg::Promoted>(&m)) {
        if (!(sends & kSendsPromoted)) return "a promoted state from a job that promotes none";
        std::string dir = PromotedDir(c) + "/";
        if (p->file.rfind(dir, 0) != 0 || p->file.find("/..") != std::string::npos ||
            p->file.find('/', dir.size()) != std::string::npos)
            return "a promoted state outside the shard's promoted/ folder";
    }
    return {};
}

}  // namespace

void WorkerWatch::Kill(EndHow why, std::string error) {
    if (kill_) return;
    kill_ = why;
    if (!error.empty()) error_ = std::move(error);
}

std::optional<Message> WorkerWatch::OnLine(std::string_view line, Clock::time_point now) {
    if (kill_) return std::nullopt;
    auto decoded = DecodeMessage(line);
    if (auto *err = std::get_if<ProtocolError>(&decoded)) {
        Kill(EndHow::BadMessage, err->what);
        return std::nullopt;
    }
    Message &m = std::get<Message>(decoded);
    std::string unexpected =
        phase_ == Phase::Finished ? "a message after the done message" : UnexpectedMessage(config_, loaded(), m);
    if (!unexpected.empty()) {
        Kill(EndHow::BadMessage, unexpected);
        return std::nullopt;
    }
    if (auto *l = std::get_if<msg::Loaded>(&m)) {
        phase_ = Phase::Running;
        hooks_ = l->hooks;
    } else if (auto *le = std::get_if<msg::LoadError>(&m)) {
        error_ = le->message;
    } else if (auto *d = std::get_if<msg::Done>(&m)) {
        phase_ = Phase::Finished;
        done_ = *d;
    }
    last_progress_ = last_case_progress_ = now;
    return std::move(m);
}

void WorkerWatch::OnTooLong() {
    Kill(EndHow::BadMessage, fmt::format("a message line longer than {} bytes", kMaxMessageBytes));
}

void WorkerWatch::OnStopRequested(Clock::time_point now) {
    if (!stop_at_) stop_at_ = now;
}

WorkerWatch::Action WorkerWatch::OnTick(Clock::time_point now, const WorkerHandle &worker, bool exited, bool open,
                                        Clock::duration call_limit) {
    if (!open && !eof_at_) eof_at_ = now;
    // Its exit first: an exit is the end even while something it left behind holds the pipe open.
    if (exited) return Action::Reap;
    if (worker.Stopped()) {
        Kill(EndHow::Stopped, "a stop signal or a tracer: waitpid or /proc/PID/stat says stopped");
        return Action::Kill;
    }
    if (kill_) return Action::Kill;
    if (eof_at_) {
        // End of file: the worker is ending. Give it a moment to exit, then make sure; a worker
        // that goes on without its pipe has lost its messages (a death).
        if (now - *eof_at_ <= (phase_ == Phase::Finished ? limits_.done_grace : limits_.eof_grace)) return Action::None;
        if (phase_ != Phase::Finished) Kill(EndHow::ChannelLost, "end of the pipe, and the worker still running");
        return Action::Kill;
    }
    const SharedStatus &ss = worker.status();
    uint64_t calls = ss.calls_started.load(std::memory_order_relaxed);
    bool in_call = ss.in_call.load(std::memory_order_relaxed);
    if (calls != last_calls_) {
        last_calls_ = calls;
        last_progress_ = now;
        wait_at_progress_ = worker.RunQueueWaitNs();
    }
    uint64_t case_now = ss.case_index.load(std::memory_order_relaxed);
    uint64_t cases_run = ss.counters.cases_run.Get() + ss.counters.cases_skipped.Get();
    if (case_now != last_case_ || cases_run != last_cases_run_) {
        last_case_ = case_now;
        last_cases_run_ = cases_run;
        last_case_progress_ = now;
    }
    const Clock::duration limit = loaded() ? call_limit : limits_.load_timeout;
    // A call's time is its wall time less what it spent waiting for a CPU, so a loaded machine
    // does not turn a slow call into a hang; a sleep or a blocked call counts in full. Ten times
    // the limit in wall time is a hang regardless.
    const Clock::duration in_call_for = now - last_progress_;
    bool over_limit = false;
    if (in_call && in_call_for > limit) {
        uint64_t wait = worker.RunQueueWaitNs();
        auto starved = std::chrono::nanoseconds(wait > wait_at_progress_ ? wait - wait_at_progress_ : 0);
        over_limit = in_call_for - starved > limit || in_call_for > 10 * limit;
    }
    if (over_limit)
        Kill(EndHow::Hung, "");
    else if (!loaded() && error_.empty() && now - started_ > limits_.load_timeout)
        Kill(EndHow::Hung, "");
    else if (!in_call && loaded() && now - last_progress_ > limits_.stall_limit)
        Kill(EndHow::Stalled, "");
    else if (loaded() && !stop_at_ && now - last_case_progress_ > limits_.case_budget)
        Kill(EndHow::Stalled, "");
    else if (stop_at_ && now - *stop_at_ > limits_.stop_grace)
        Kill(EndHow::Cut, "");
    return kill_ ? Action::Kill : Action::None;
}

bool WorkerWatch::PlayedItsCases(const msg::Done &d) const {
    if (!KindOf(config_.mode).plays_all()) return true;
    return config_.end <= config_.begin || d.cases_run + d.cases_skipped >= config_.end - config_.begin;
}

// What the status block says against what the worker counted in its own memory and sent in its
// done message (which only the tester's code writes): they are the same counters, kept side by
// side, so any difference was written by someone else. "" when they agree.
std::string WorkerWatch::Tampering(const WorkerTotals &status) const {
    const msg::Done &d = *done_;
    if (!d.finished && !stop_at_)
        return "the worker stopped its job early although the supervisor never asked it to (its stop request was "
               "forged)";
    for (auto [name, block, counted] : {std::tuple{"cases played", status.cases_run, d.cases_run},
                                        {"cases skipped", status.cases_skipped, d.cases_skipped},
                                        {"module calls", status.calls, d.calls},
                                        {"coverage-guided executions", status.execs, d.execs},
                                        {"saves of packets with state", status.state_saves, d.state_saves}})
        if (block != counted)
            return fmt::format("the status block says {} {}, the worker counted {}", block, name, counted);
    for (const Rule &r : AllRules())
        if (status.evidence[r.Index()] != d.evidence[r.Index()])
            return fmt::format("the status block says rule {} was checked {} times, the worker counted {}", r.name,
                               status.evidence[r.Index()], d.evidence[r.Index()]);
    return {};
}

EndHow WorkerWatch::End(const ExitStatus &st, size_t unterminated, WorkerTotals &totals) {
    if (kill_) return *kill_;
    // A load error, or after loading a harness error (the worker says why it cannot go on).
    if (!error_.empty()) return EndHow::LoadError;
    // It said it was done, and (unless it was asked to stop) it played every case it was given:
    // what its process does after that (destructors, atexit handlers, a module's thread) is its
    // teardown, which is not under test. A done message after too few cases is not an end: the
    // module forged it or cut the job short.
    if (phase_ == Phase::Finished && unterminated == 0) {
        std::string why = Tampering(totals);
        // The worker's own counts, not what the status block says.
        totals.cases_run = done_->cases_run;
        totals.cases_skipped = done_->cases_skipped;
        totals.calls = done_->calls;
        totals.execs = done_->execs;
        totals.state_saves = done_->state_saves;
        totals.evidence = done_->evidence;
        if (!why.empty()) {
            error_ = why;
            return EndHow::Tampered;
        }
        if (stop_at_ || PlayedItsCases(*done_)) return stop_at_ && !done_->finished ? EndHow::Cut : EndHow::Done;
    }
    if (st.signaled) return EndHow::Crashed;
    if (unterminated > 0) {
        error_ = fmt::format("{} bytes without a newline at the end of the message pipe", unterminated);
        return EndHow::BadMessage;
    }
    return EndHow::Exited;
}

}  // namespace vspc
