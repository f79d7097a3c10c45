#include "Pool.h"

#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>

namespace vspc {

namespace fs = std::filesystem;

void WorkerTotals::Add(const WorkerTotals &o) {
    cases_run += o.cases_run;
    cases_skipped += o.cases_skipped;
    cases_cut += o.cases_cut;
    calls += o.calls;
    execs += o.execs;
    promoted += o.promoted;
    state_saves += o.state_saves;
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
    case EndHow::SpawnFailed: return "spawn failed";
    }
    return "?";
}

namespace {

constexpr size_t kLogHeadBytes = 256 << 10, kLogTailBytes = 256 << 10;
constexpr uint64_t kLogTotalBytes = 16 << 20;

struct Slot {
    Job job;
    std::unique_ptr<WorkerProcess> proc;
    std::string log;
    Clock::time_point started, last_progress, stop_at;
    uint64_t last_calls = 0, seq = 0;
    uint64_t wait_at_progress = 0;  // the worker's run-queue wait (ns) when it last made progress
    bool loaded = false, done = false, stop_sent = false;
    bool hung = false, stalled = false, bad = false, cut_kill = false;
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
    for (size_t i = 0; i < t.evidence.size(); ++i) t.evidence[i] = c.evidence[i].Get();
    for (size_t i = 0; i < t.bytes_needed.size(); ++i) t.bytes_needed[i] = c.bytes_needed[i].Get();
    return t;
}

// The sanitizer's report in a worker's output (its last one, from the ERROR line on, at most
// 64 KiB), if it reported.
std::string SanitizerReportIn(const std::string &path) {
    std::ifstream in(path);
    std::string line, found;
    bool inside = false;
    while (std::getline(in, line)) {
        if (line.find("ERROR: AddressSanitizer") != std::string::npos ||
            line.find("ERROR: LeakSanitizer") != std::string::npos) {
            found.clear();
            inside = true;
        }
        if (inside && found.size() < (64u << 10)) found += line + "\n";
    }
    return found;
}

// Appends a worker's own log to the run's log, keeping head and tail of a long one.
void MergeLog(const std::string &from, const std::string &into, const Job &job, uint64_t &written) {
    std::error_code ec;
    uint64_t size = fs::exists(from, ec) ? fs::file_size(from, ec) : 0;
    if (size == 0 || into.empty()) {
        fs::remove(from, ec);
        return;
    }
    std::ofstream out(into, std::ios::binary | std::ios::app);
    std::ifstream in(from, std::ios::binary);
    std::string header = fmt::format("==== worker for job {} (generation {}) ====\n", job.ordinal, job.generation);
    out << header;
    if (written >= kLogTotalBytes) {
        out << fmt::format("[{} bytes of output dropped: worker.log is full]\n", size);
    } else if (size <= kLogHeadBytes + kLogTailBytes) {
        out << in.rdbuf();
        written += size;
    } else {
        std::string head(kLogHeadBytes, '\0'), tail(kLogTailBytes, '\0');
        in.read(head.data(), static_cast<std::streamsize>(head.size()));
        in.seekg(static_cast<std::streamoff>(size - kLogTailBytes));
        in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
        out << head
            << fmt::format("\n[... {} bytes of this worker's output dropped ...]\n",
                           size - kLogHeadBytes - kLogTailBytes)
            << tail;
        written += kLogHeadBytes + kLogTailBytes;
    }
    written += header.size();
    fs::remove(from, ec);
}

}  // namespace

std::vector<Job> WorkerPool::Run(std::deque<Job> queue, PoolListener &listener) {
    std::vector<std::unique_ptr<Slot>> slots;
    std::vector<Job> never_started;
    uint64_t log_written = 0;
    const auto call_timeout = std::chrono::milliseconds(options_.call_timeout_ms);
    const auto load_timeout = std::chrono::milliseconds(options_.load_timeout_ms);
    const auto stall_limit = std::max<Clock::duration>(std::chrono::seconds(20), 10 * call_timeout);
    const auto stop_grace = std::min<Clock::duration>(call_timeout, std::chrono::seconds(2)) + std::chrono::seconds(1);

    auto finish = [&](Slot &s, ExitStatus st) {
        WorkerEnd e;
        const SharedStatus &ss = s.proc->status();
        e.loaded = s.loaded;
        e.hooks = s.hooks;
        e.error = s.error;
        e.in_call = ss.in_call.load();
        e.call = ss.call;
        e.faulted = ss.faulted.load();
        e.fault = ss.fault;
        e.case_index = ss.case_index.load();
        uint32_t size = std::min(ss.case_size.load(), kSharedCaseCapacity);
        e.case_bytes.assign(ss.case_bytes, ss.case_bytes + size);
        e.totals = TotalsOf(ss);
        e.seconds = std::chrono::duration<double>(Clock::now() - s.started).count();
        e.signo = st.signo;
        e.exit_code = st.code;
        if (s.bad)
            e.how = EndHow::BadMessage;
        else if (s.hung)
            e.how = EndHow::Hung;
        else if (s.stalled)
            e.how = EndHow::Stalled;
        else if (s.cut_kill)
            e.how = EndHow::Cut;
        else if (!s.error.empty() && !s.loaded)
            e.how = EndHow::LoadError;
        else if (st.signaled)
            e.how = EndHow::Crashed;
        else if (!s.done || st.code != 0)
            e.how = EndHow::Exited;
        else
            e.how = s.stop_sent && !ss.finished.load() ? EndHow::Cut : EndHow::Done;
        if (e.how == EndHow::Crashed || e.how == EndHow::Exited) e.sanitizer = SanitizerReportIn(s.log);
        e.module_path = s.job.config.module.path;
        MergeLog(s.log, options_.log_path, s.job, log_written);
        std::vector<Job> next = listener.OnEnd(s.job, e);
        for (auto it = next.rbegin(); it != next.rend(); ++it) queue.push_front(*it);
    };

    for (;;) {
        for (Job &j : listener.TakeNewJobs()) queue.push_back(std::move(j));
        if (queue.empty() && slots.empty()) break;
        auto now = Clock::now();
        if (options_.deadline && now >= *options_.deadline && !deadline_hit_) {
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
            s->log = options_.log_path.empty() ? "" : fmt::format("{}.{}.part", options_.log_path, spawned_++);
            std::string error;
            s->proc = WorkerProcess::Spawn(s->job.config,
                                           SpawnOptions{s->log, options_.preload_asan, options_.asan_symbolize,
                                                        options_.sandbox},
                                           &error);
            if (!s->proc) {
                WorkerEnd e;
                e.how = EndHow::SpawnFailed;
                e.error = error;
                std::vector<Job> next = listener.OnEnd(s->job, e);
                for (auto it = next.rbegin(); it != next.rend(); ++it) queue.push_front(*it);
                continue;
            }
            s->started = s->last_progress = Clock::now();
            slots.push_back(std::move(s));
        }
        if (slots.empty()) continue;

        std::vector<pollfd> pfds;
        for (auto &s : slots) pfds.push_back({s->proc->fd(), POLLIN, 0});
        poll(pfds.data(), pfds.size(), 20);

        for (size_t i = 0; i < slots.size();) {
            Slot &s = *slots[i];
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
                if (auto *l = std::get_if<msg::Loaded>(&m)) {
                    s.loaded = true;
                    s.hooks = l->hooks;
                    l->sandbox = s.proc->Vouch(l->sandbox);  // only what this process can confirm
                } else if (auto *le = std::get_if<msg::LoadError>(&m)) {
                    s.error = le->message;
                } else if (std::holds_alternative<msg::Done>(m)) {
                    s.done = true;
                }
                s.last_progress = Clock::now();
                listener.OnMessage(s.job, m, s.seq++);
            }
            if (too_long && !s.bad) {
                s.bad = true;
                s.error = fmt::format("a message line longer than {} bytes", kMaxMessageBytes);
                s.proc->Kill();
            }
            now = Clock::now();
            ExitStatus st;
            bool ended = false;
            if (!open || s.bad) {
                // End of file: the worker is ending. Give it a moment to exit, then make sure.
                if (s.proc->TryWait(st)) {
                    ended = true;
                } else if (now - s.last_progress > std::chrono::seconds(2)) {
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
