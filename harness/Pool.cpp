#include "Pool.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>

namespace vspc {

void WorkerTotals::Add(const WorkerTotals &o) {
    cases_run += o.cases_run;
    cases_skipped += o.cases_skipped;
    cases_cut += o.cases_cut;
    calls += o.calls;
    execs += o.execs;
    promoted += o.promoted;
    state_saves += o.state_saves;
    edges = std::max(edges, o.edges);
    for (size_t i = 0; i < evidence.size(); ++i) evidence[i] += o.evidence[i];
    for (size_t i = 0; i < bytes_needed.size(); ++i) bytes_needed[i] += o.bytes_needed[i];
}

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
    case EndHow::SpawnFailed: return "spawn failed";
    }
    return "?";
}

namespace {

constexpr size_t kLogHeadBytes = 1 << 20, kLogTailBytes = 1 << 20;
constexpr uint64_t kLogTotalBytes = 16 << 20;

// A worker's stdout and stderr as the supervisor keeps them: the first and the last MiB, and
// how much was dropped between (a module that floods its output costs memory, not disk).
struct OutputCapture {
    std::string head, tail;  // tail: the last kLogTailBytes, once head is full
    uint64_t total = 0;
    void Add(const std::string &chunk) {
        total += chunk.size();
        size_t to_head = std::min(chunk.size(), kLogHeadBytes - head.size());
        head.append(chunk, 0, to_head);
        if (to_head == chunk.size()) return;
        tail.append(chunk, to_head, std::string::npos);
        if (tail.size() > 2 * kLogTailBytes) tail.erase(0, tail.size() - kLogTailBytes);
    }
    uint64_t dropped() const { return total - head.size() - std::min<uint64_t>(tail.size(), kLogTailBytes); }
    std::string_view Tail() const {
        std::string_view t(tail);
        return t.size() > kLogTailBytes ? t.substr(t.size() - kLogTailBytes) : t;
    }
};

struct Slot {
    Job job;
    std::unique_ptr<WorkerProcess> proc;
    OutputCapture output;
    Clock::time_point started, last_progress, stop_at, last_case_progress, eof_at;
    uint64_t last_calls = 0, seq = 0, last_case = UINT64_MAX, last_cases_run = 0;
    uint64_t wait_at_progress = 0;  // the worker's run-queue wait (ns) when it last made progress
    bool loaded = false, done = false, stop_sent = false, eof = false;
    bool hung = false, stalled = false, bad = false, cut_kill = false, channel_lost = false, stopped = false;
    Hooks hooks;
    std::string error;
};

WorkerTotals TotalsOf(const SharedStatus &s) {
    const WorkerCounters &c = s.counters;
    WorkerTotals t;
    t.cases_run = c.cases_run.Get();
    t.cases_skipped = c.cases_skipped.Get();
    t.cases_cut = c.cases_cut.Get();
    t.calls = c.calls.Get();
    t.execs = c.execs.Get();
    t.promoted = c.promoted.Get();
    t.state_saves = c.state_saves.Get();
    t.edges = c.edges.Get();
    for (size_t i = 0; i < t.evidence.size(); ++i) t.evidence[i] = c.evidence[i].Get();
    for (size_t i = 0; i < t.bytes_needed.size(); ++i) t.bytes_needed[i] = c.bytes_needed[i].Get();
    return t;
}

// The sanitizer's report in a worker's output (its last one, from the ERROR line on, at most
// 64 KiB), if it reported: ASan reports when the worker dies, so it is in the tail when the
// output was long.
std::string SanitizerReportIn(const OutputCapture &output) {
    std::string found;
    bool inside = false;
    for (std::string_view text : {std::string_view(output.head), output.Tail()}) {
        size_t pos = 0;
        while (pos < text.size()) {
            size_t eol = text.find('\n', pos);
            if (eol == std::string_view::npos) eol = text.size();
            std::string_view line = text.substr(pos, eol - pos);
            pos = eol + 1;
            if (line.find("ERROR: AddressSanitizer") != std::string_view::npos ||
                line.find("ERROR: LeakSanitizer") != std::string_view::npos) {
                found.clear();
                inside = true;
            }
            if (inside && found.size() < (64u << 10)) found.append(line).append("\n");
        }
    }
    return found;
}

// Appends a worker's output to the run's log, keeping head and tail of a long one.
void MergeLog(const OutputCapture &output, const std::string &into, const Job &job, uint64_t &written) {
    if (output.total == 0 || into.empty()) return;
    std::ofstream out(into, std::ios::binary | std::ios::app);
    std::string header = fmt::format("==== worker for job {} (generation {}) ====\n", job.ordinal, job.generation);
    out << header;
    written += header.size();
    if (written >= kLogTotalBytes) {
        out << fmt::format("[{} bytes of output dropped: worker.log is full]\n", output.total);
        return;
    }
    out << output.head;
    if (output.dropped() > 0)
        out << fmt::format("\n[... {} bytes of this worker's output dropped ...]\n", output.dropped());
    out << output.Tail();
    written += output.head.size() + output.Tail().size();
}

// A message that decodes may still not be one this worker can send now: before `loaded` only
// `loaded` or `load_error`; `loaded` once; the messages the supervisor acts on only from the job
// that makes them (records from a Records job; promoted states from a Fuzz job, and only files
// in its own promoted/ folder, which a Contract job will read). "" when it is.
std::string UnexpectedMessage(const WorkerConfig &c, bool loaded, const Message &m) {
    if (std::holds_alternative<msg::LoadError>(m)) return {};
    if (std::holds_alternative<msg::Loaded>(m)) return loaded ? "a second loaded message" : "";
    if (!loaded) return "a message before the loaded message";
    if (std::holds_alternative<msg::Saved>(m) && c.mode != WorkerMode::Records)
        return "a saved record from a job that saves none";
    if (auto *p = std::get_if<msg::Promoted>(&m)) {
        if (c.mode != WorkerMode::Fuzz) return "a promoted state from a job that promotes none";
        std::string dir = PromotedDir(c) + "/";
        if (p->file.rfind(dir, 0) != 0 || p->file.find("/..") != std::string::npos ||
            p->file.find('/', dir.size()) != std::string::npos)
            return "a promoted state outside the shard's promoted/ folder";
    }
    return {};
}

// Whether a job that says it is done played what it was given: a sweep or records job plays each
// of its cases once (a done message and an exit 0 from the module, after a few, are not an end).
bool RanItsCases(const WorkerConfig &c, const WorkerTotals &t) {
    if (c.mode != WorkerMode::Sweep && c.mode != WorkerMode::Records) return true;
    return c.end <= c.begin || t.cases_run + t.cases_skipped >= c.end - c.begin;
}

// Takes what the worker wrote to stdout/stderr and is in the pipe now.
void DrainOutput(Slot &s) {
    for (;;) {
        std::string chunk;
        bool more = s.proc->ReadOutput(chunk);
        s.output.Add(chunk);
        if (!more || chunk.size() < (size_t{4} << 20)) return;
    }
}

// What the status block says is only what the worker (and the module in it) wrote there:
// values out of their ranges are dropped, never used as indices or enum values.
void Sanitize(WorkerEnd &e, const WorkerConfig &c) {
    auto callback_ok = [](Callback cb) { return static_cast<uint8_t>(cb) <= static_cast<uint8_t>(Callback::Release); };
    if (!callback_ok(e.call.callback)) {
        e.call.callback = Callback::None;
        e.in_call = false;
    }
    if (e.faulted) {
        FaultInfo &f = e.fault;
        if (static_cast<uint8_t>(f.region) > static_cast<uint8_t>(FaultRegion::RestoreLibBuf) ||
            static_cast<uint8_t>(f.access) > static_cast<uint8_t>(Access::Write) || !callback_ok(f.callback) ||
            f.code_where > kCodeCaller)
            e.faulted = false;
    }
    switch (c.mode) {
    case WorkerMode::Sweep:
    case WorkerMode::Records:
    case WorkerMode::Migrate:
        if (e.case_index < c.begin || e.case_index >= c.end) e.case_index = c.begin;
        break;
    case WorkerMode::Contract:
    case WorkerMode::Replay:
    case WorkerMode::Coverage:
        if (e.case_index >= c.cases.size()) e.case_index = 0;
        break;
    case WorkerMode::Fuzz:
    case WorkerMode::Minimize: break;  // an execution count; a candidate's number (any value)
    }
}

}  // namespace

std::vector<Job> WorkerPool::Run(std::deque<Job> queue, PoolListener &listener) {
    std::vector<std::unique_ptr<Slot>> slots;
    std::vector<Job> never_started;
    uint64_t log_written = 0;
    Clock::time_point last_live{};
    const auto call_timeout = std::chrono::milliseconds(options_.call_timeout_ms);
    const auto load_timeout = std::chrono::milliseconds(options_.load_timeout_ms);
    const auto stall_limit = std::max<Clock::duration>(std::chrono::seconds(20), 10 * call_timeout);
    // A case (or a coverage-guided execution) that makes no progress for this long is a death,
    // whatever the heartbeat and in-call flag say (a module can write them: they are only hints).
    const auto case_budget = std::max<Clock::duration>(std::chrono::seconds(10), 15 * call_timeout);
    // A worker whose message pipe ended has this long to exit.
    const auto eof_grace = std::chrono::milliseconds(500);
    const auto stop_grace = std::min<Clock::duration>(call_timeout, std::chrono::seconds(2)) + std::chrono::seconds(1);

    auto finish = [&](Slot &s, ExitStatus st) {
        WorkerEnd e;
        const SharedStatus &ss = s.proc->status();
        e.loaded = s.loaded;
        e.hooks = s.hooks;
        e.error = s.error;
        e.in_call = ss.in_call.load() != 0;
        e.call = ss.call;
        e.faulted = ss.faulted.load() != 0;
        e.fault = ss.fault;
        e.case_index = ss.case_index.load();
        uint32_t size = std::min(ss.case_size.load(), kSharedCaseCapacity);
        e.case_bytes.assign(ss.case_bytes, ss.case_bytes + size);
        e.totals = TotalsOf(ss);
        e.seconds = std::chrono::duration<double>(Clock::now() - s.started).count();
        e.signo = st.signo;
        e.exit_code = st.code;
        // A run ends well only with its done message and its exit with status 0, both.
        if (s.bad)
            e.how = EndHow::BadMessage;
        else if (s.stopped)
            e.how = EndHow::Stopped;
        else if (s.hung)
            e.how = EndHow::Hung;
        else if (s.stalled)
            e.how = EndHow::Stalled;
        else if (s.cut_kill)
            e.how = EndHow::Cut;
        else if (s.channel_lost)
            e.how = EndHow::ChannelLost;
        else if (!s.error.empty() && !s.loaded)
            e.how = EndHow::LoadError;
        else if (st.signaled)
            e.how = EndHow::Crashed;
        else if (s.proc->unterminated() > 0) {
            e.how = EndHow::BadMessage;  // its last message lacks its newline: not one we can read
            e.error = fmt::format("{} bytes without a newline at the end of the message pipe", s.proc->unterminated());
        } else if (!s.done || st.code != 0 || (!s.stop_sent && !RanItsCases(s.job.config, e.totals)))
            e.how = EndHow::Exited;  // a done message and exit 0 from a job that did not run its cases: forged
        else
            e.how = s.stop_sent && !ss.finished.load() ? EndHow::Cut : EndHow::Done;
        Sanitize(e, s.job.config);
        // What it wrote up to its end (it has been reaped: the pipe holds all of it).
        DrainOutput(s);
        if (e.how == EndHow::Crashed || e.how == EndHow::Exited) e.sanitizer = SanitizerReportIn(s.output);
        e.module_path = s.job.config.module.path;
        MergeLog(s.output, options_.log_path, s.job, log_written);
        std::vector<Job> next = listener.OnEnd(s.job, e);
        for (auto it = next.rbegin(); it != next.rend(); ++it) queue.push_front(*it);
    };

    for (;;) {
        for (Job &j : listener.TakeNewJobs()) queue.push_back(std::move(j));
        if (queue.empty() && slots.empty()) break;
        auto now = Clock::now();
        bool stop = options_.stop && options_.stop->load();
        if (((options_.deadline && now >= *options_.deadline) || stop) && !deadline_hit_) {
            deadline_hit_ = true;
            for (auto &s : slots) {
                s->proc->RequestStop();
                s->stop_sent = true;
                s->stop_at = now;
            }
        }
        if (listener.Abort()) queue.clear();
        if (deadline_hit_) {
            while (!queue.empty()) {
                never_started.push_back(queue.front());
                queue.pop_front();
            }
        }
        while (slots.size() < std::max(1u, options_.jobs) && !queue.empty()) {
            auto s = std::make_unique<Slot>();
            s->job = queue.front();
            queue.pop_front();
            ++spawned_;
            std::string error;
            s->proc =
                WorkerProcess::Spawn(s->job.config,
                                     SpawnOptions{"", options_.preload_asan, options_.asan_symbolize, options_.sandbox},
                                     &error);
            if (!s->proc) {
                WorkerEnd e;
                e.how = EndHow::SpawnFailed;
                e.error = error;
                std::vector<Job> next = listener.OnEnd(s->job, e);
                for (auto it = next.rbegin(); it != next.rend(); ++it) queue.push_front(*it);
                continue;
            }
            s->started = s->last_progress = s->last_case_progress = Clock::now();
            slots.push_back(std::move(s));
        }
        if (slots.empty()) continue;
        if (now - last_live >= std::chrono::milliseconds(200)) {
            last_live = now;
            WorkerTotals running;
            for (auto &s : slots) running.Add(TotalsOf(s->proc->status()));
            listener.OnLive(running, static_cast<unsigned>(slots.size()));
        }

        std::vector<pollfd> pfds;
        for (auto &s : slots) {
            pfds.push_back({s->proc->fd(), POLLIN, 0});
            pfds.push_back({s->proc->output_fd(), POLLIN, 0});
        }
        poll(pfds.data(), pfds.size(), 20);

        for (size_t i = 0; i < slots.size();) {
            Slot &s = *slots[i];
            // Its exit first, then what it wrote: an exit is the end even while something it
            // left behind holds the pipe open.
            ExitStatus st;
            bool exited = s.proc->TryWait(st);
            DrainOutput(s);
            std::vector<std::string> lines;
            bool too_long = false;
            bool open = s.proc->Read(lines, &too_long);
            for (const std::string &line : lines) {
                if (s.bad) break;
                auto decoded = DecodeMessage(line);
                if (auto *err = std::get_if<ProtocolError>(&decoded)) {
                    s.bad = true;
                    s.error = err->what;
                    s.proc->Kill();
                    break;
                }
                Message &m = std::get<Message>(decoded);
                std::string unexpected =
                    s.done ? "a message after the done message" : UnexpectedMessage(s.job.config, s.loaded, m);
                if (!unexpected.empty()) {
                    s.bad = true;
                    s.error = unexpected;
                    s.proc->Kill();
                    break;
                }
                if (auto *l = std::get_if<msg::Loaded>(&m)) {
                    s.loaded = true;
                    s.hooks = l->hooks;
                    l->sandbox = s.proc->Vouch(l->sandbox);  // only what this process can confirm
                } else if (auto *le = std::get_if<msg::LoadError>(&m)) {
                    s.error = le->message;
                } else if (std::holds_alternative<msg::Done>(m)) {
                    s.done = true;
                }
                s.last_progress = s.last_case_progress = Clock::now();
                listener.OnMessage(s.job, m, s.seq++);
            }
            if (too_long && !s.bad) {
                s.bad = true;
                s.error = fmt::format("a message line longer than {} bytes", kMaxMessageBytes);
                s.proc->Kill();
            }
            now = Clock::now();
            bool ended = false;
            if (!open && !s.eof) {
                s.eof = true;
                s.eof_at = now;
            }
            if (exited) {
                ended = true;
            } else if (s.proc->Stopped()) {
                s.stopped = true;
                s.error = "a stop signal or a tracer: waitpid or /proc/PID/stat says stopped";
                s.proc->Kill();
                st = s.proc->Wait();
                ended = true;
            } else if (!open || s.bad) {
                // End of file: the worker is ending. Give it a moment to exit, then make sure; a
                // worker that goes on without its pipe has lost its messages (a death).
                if (now - s.eof_at > (s.done ? std::chrono::seconds(2) : eof_grace) || s.bad) {
                    if (!s.bad && !s.done) {
                        s.channel_lost = true;
                        s.error = "end of the pipe, and the worker still running";
                    }
                    s.proc->Kill();
                    st = s.proc->Wait();
                    ended = true;
                }
            } else {
                const SharedStatus &ss = s.proc->status();
                uint64_t calls = ss.calls_started.load(std::memory_order_relaxed);
                bool in_call = ss.in_call.load(std::memory_order_relaxed);
                if (calls != s.last_calls) {
                    s.last_calls = calls;
                    s.last_progress = now;
                    s.wait_at_progress = s.proc->RunQueueWaitNs();
                }
                uint64_t case_now = ss.case_index.load(std::memory_order_relaxed);
                uint64_t cases_run = ss.counters.cases_run.Get() + ss.counters.cases_skipped.Get();
                if (case_now != s.last_case || cases_run != s.last_cases_run) {
                    s.last_case = case_now;
                    s.last_cases_run = cases_run;
                    s.last_case_progress = now;
                }
                auto limit = load_timeout;
                if (s.loaded) {
                    uint32_t ms = listener.CallTimeoutMs(ss.call.callback);
                    limit = ms ? std::chrono::milliseconds(ms) : call_timeout;
                }
                // A call's time is its wall time less what it spent waiting for a CPU, so a
                // loaded machine does not turn a slow call into a hang; a sleep or a blocked
                // call counts in full. Ten times the limit in wall time is a hang regardless.
                auto in_call_for = now - s.last_progress;
                bool over_limit = false;
                if (in_call && in_call_for > limit) {
                    uint64_t wait = s.proc->RunQueueWaitNs();
                    auto starved = std::chrono::nanoseconds(wait > s.wait_at_progress ? wait - s.wait_at_progress : 0);
                    over_limit = in_call_for - starved > limit || in_call_for > 10 * limit;
                }
                if (over_limit) {
                    s.hung = true;
                } else if (!s.loaded && s.error.empty() && now - s.started > load_timeout) {
                    s.hung = true;
                } else if (!in_call && s.loaded && now - s.last_progress > stall_limit) {
                    s.stalled = true;
                } else if (s.loaded && !s.stop_sent && now - s.last_case_progress > case_budget) {
                    s.stalled = true;
                } else if (s.stop_sent && now - s.stop_at > stop_grace) {
                    s.cut_kill = true;
                }
                if (s.hung || s.stalled || s.cut_kill) {
                    s.proc->Kill();
                    st = s.proc->Wait();
                    ended = true;
                }
            }
            if (ended) {
                finish(s, st);
                slots.erase(slots.begin() + static_cast<std::ptrdiff_t>(i));
                continue;
            }
            ++i;
        }
    }
    return never_started;
}

}  // namespace vspc
