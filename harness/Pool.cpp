#include "Pool.h"

#include <algorithm>
#include <memory>

#include <fmt/format.h>

namespace vspc {

namespace {

struct Slot {
    explicit Slot(Job j, const WatchLimits &limits, Clock::time_point now)
        : job(std::move(j)), watch(job.config, limits, now), started(now) {}
    Job job;
    std::unique_ptr<WorkerHandle> worker;
    WorkerWatch watch;
    OutputCapture output;
    Clock::time_point started;
    uint64_t seq = 0;
};

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

// Takes what the worker wrote to stdout/stderr and is in the pipe now.
void DrainOutput(Slot &s) {
    for (;;) {
        std::string chunk;
        bool more = s.worker->ReadOutput(chunk);
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
    switch (KindOf(c.mode).unit) {
    case JobUnit::Indices:
        if (e.case_index < c.begin || e.case_index >= c.end) e.case_index = c.begin;
        break;
    case JobUnit::Files:
        if (e.case_index >= c.cases.size()) e.case_index = 0;
        break;
    case JobUnit::Executions:
    case JobUnit::Candidates: break;  // an execution count; a candidate's number (any value)
    }
}

}  // namespace

WorkerPool::WorkerPool(PoolOptions options) : options_(std::move(options)) {
    if (options_.launcher) {
        launcher_ = options_.launcher;
    } else {
        own_launcher_ = std::make_unique<ProcessLauncher>(options_.spawn);
        launcher_ = own_launcher_.get();
    }
}

std::vector<Job> WorkerPool::Run(std::deque<Job> queue, PoolListener &listener) {
    std::vector<std::unique_ptr<Slot>> slots;
    std::vector<Job> never_started;
    Clock::time_point last_live{};
    const WatchLimits limits = WatchLimits::For(options_.call_timeout_ms, options_.load_timeout_ms);

    auto requeue = [&](std::vector<Job> next) {
        for (auto it = next.rbegin(); it != next.rend(); ++it) queue.push_front(std::move(*it));
    };
    // The worker has been reaped with `st`: how it ended, what its status block says, its output.
    auto finish = [&](Slot &s, const ExitStatus &st) {
        WorkerEnd e;
        const SharedStatus &ss = s.worker->status();
        e.totals = TotalsOf(ss);
        e.how = s.watch.End(st, s.worker->unterminated(), e.totals);
        e.loaded = s.watch.loaded();
        e.hooks = s.watch.hooks();
        e.error = s.watch.error();
        e.in_call = ss.in_call.load() != 0;
        e.call = ss.call;
        e.faulted = ss.faulted.load() != 0;
        e.fault = ss.fault;
        e.case_index = ss.case_index.load();
        uint32_t size = std::min(ss.case_size.load(), kSharedCaseCapacity);
        e.case_bytes.assign(ss.case_bytes, ss.case_bytes + size);
        e.seconds = std::chrono::duration<double>(launcher_->Now() - s.started).count();
        e.signo = st.signo;
        e.exit_code = st.code;
        Sanitize(e, s.job.config);
        // What it wrote up to its end (it has been reaped: the pipe holds all of it).
        DrainOutput(s);
        if (e.how == EndHow::Crashed || e.how == EndHow::Exited) e.sanitizer = SanitizerReportIn(s.output);
        // The name the module's frames carry in a sanitizer's stack: what the worker loaded.
        e.module_path = s.job.config.module.image.empty() ? s.job.config.module.path : s.job.config.module.image;
        if (options_.log)
            options_.log->Append(fmt::format("==== worker for job {} (generation {}) ====\n", s.job.ordinal,
                                             s.job.generation),
                                 s.output);
        requeue(listener.OnEnd(s.job, e));
    };

    for (;;) {
        for (Job &j : listener.TakeNewJobs()) queue.push_back(std::move(j));
        if (queue.empty() && slots.empty()) break;
        auto now = launcher_->Now();
        bool stop = options_.stop && options_.stop->load();
        if (((options_.deadline && now >= *options_.deadline) || stop) && !deadline_hit_) {
            deadline_hit_ = true;
            stopped_ = stop;
            for (auto &s : slots) {
                s->worker->RequestStop();
                s->watch.OnStopRequested(now);
            }
        }
        if (listener.Abort()) queue.clear();
        if (deadline_hit_) {
            while (!queue.empty()) {
                never_started.push_back(std::move(queue.front()));
                queue.pop_front();
            }
        }
        // --jobs workers at once, and one more for a kind that has its own slot (JobKinds.def).
        auto may_start = [&](const Job &j) {
            if (slots.size() < std::max(1u, options_.jobs)) return true;
            if (!KindOf(j.config.mode).own_slot()) return false;
            for (auto &s : slots)
                if (s->job.config.mode == j.config.mode) return false;
            return true;
        };
        while (!queue.empty() && may_start(queue.front())) {
            auto s = std::make_unique<Slot>(std::move(queue.front()), limits, launcher_->Now());
            queue.pop_front();
            std::string error;
            s->worker = launcher_->Launch(s->job.config, &error);
            if (!s->worker) {
                WorkerEnd e;
                e.how = EndHow::SpawnFailed;
                e.error = error;
                requeue(listener.OnEnd(s->job, e));
                continue;
            }
            slots.push_back(std::move(s));
        }
        if (slots.empty()) continue;
        if (now - last_live >= std::chrono::milliseconds(200)) {
            last_live = now;
            WorkerTotals running;
            for (auto &s : slots) running.Add(TotalsOf(s->worker->status()));
            listener.OnLive(running, static_cast<unsigned>(slots.size()));
        }

        std::vector<pollfd> pfds;
        for (auto &s : slots) {
            pfds.push_back({s->worker->fd(), POLLIN, 0});
            pfds.push_back({s->worker->output_fd(), POLLIN, 0});
            pfds.push_back({s->worker->ended_fd(), POLLIN, 0});
        }
        launcher_->WaitForInput(pfds, 20);

        for (size_t i = 0; i < slots.size();) {
            Slot &s = *slots[i];
            WorkerHandle &w = *s.worker;
            ExitStatus st;
            bool exited = w.TryWait(st);
            DrainOutput(s);
            std::vector<std::string> lines;
            bool too_long = false;
            bool open = w.Read(lines, &too_long);
            for (const std::string &line : lines) {
                std::optional<Message> m = s.watch.OnLine(line, launcher_->Now());
                if (!m) break;  // not the protocol: the worker is killed below
                if (auto *l = std::get_if<msg::Loaded>(&*m)) l->sandbox = w.Vouch(l->sandbox);
                listener.OnMessage(s.job, *m, s.seq++);
            }
            if (too_long) s.watch.OnTooLong();
            uint32_t ms = s.watch.loaded() ? listener.CallTimeoutMs(w.status().call.callback) : 0;
            Clock::duration call_limit =
                ms ? Clock::duration(std::chrono::milliseconds(ms)) : Clock::duration(limits.call_timeout);
            WorkerWatch::Action action = s.watch.OnTick(launcher_->Now(), w, exited, open, call_limit);
            if (action == WorkerWatch::Action::Kill) {
                w.Kill();
                st = w.Wait();
            }
            if (action != WorkerWatch::Action::None) {
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
