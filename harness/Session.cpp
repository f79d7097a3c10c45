#include "Session.h"

#include <fmt/format.h>

namespace vspc {

Session::Session(SessionOptions options)
    : options_(std::move(options)), policy_(options_.max_restarts), plan_(SweepPlan(options_.seed)) {}

Stage Session::StageOf(const Job &job) const {
    switch (job.config.mode) {
    case WorkerMode::Sweep: return Stage::Sweep;
    case WorkerMode::Fuzz:
    case WorkerMode::Contract: return Stage::Fuzz;
    case WorkerMode::Replay: return Stage::Replay;
    case WorkerMode::Records: return Stage::Sweep;
    case WorkerMode::Migrate: return Stage::Compat;
    }
    return Stage::Sweep;
}

StageStats &Session::StatsOf(const Job &job) {
    switch (job.config.mode) {
    case WorkerMode::Sweep: return sweep_;
    case WorkerMode::Records:
    case WorkerMode::Migrate: return compat_;
    default: return fuzz_;
    }
}

std::vector<ArchiveEntry> Session::Saved(uint32_t ordinal) const {
    std::vector<ArchiveEntry> out;
    if (auto it = saved_.find(ordinal); it != saved_.end())
        for (const auto &[state, e] : it->second) out.push_back(e);
    return out;
}

// A finding of a job that restores another build's records carries the two builds and,
// when the worker could not say (a death, a fuzz input), the record as the case restored it.
void Session::StampCompat(const WorkerConfig &c, Finding &f) const {
    if (!c.compat) return;
    if (!f.compat) f.compat = CompatInfo{c.direction, c.old_sha256, c.new_sha256, {}};
    if (f.compat->record.empty()) {
        Case cut = DecodeCase(f.reproducer);
        for (auto it = cut.ops.rbegin(); it != cut.ops.rend(); ++it)
            if (it->kind == OpKind::RestoreBytes) {
                f.compat->record = it->bytes;
                break;
            }
    }
}

std::optional<Job> Session::FlushPromoted(const Job &fuzz_job) {
    auto &files = promoted_[fuzz_job.config.shard];
    if (files.empty()) return std::nullopt;
    Job j;
    j.config = fuzz_job.config;
    j.config.mode = WorkerMode::Contract;
    j.config.cases = std::move(files);
    j.config.generation = 0;
    files.clear();
    // After every sweep and fuzz job, in an order fixed by shard and batch.
    j.ordinal = 1000 + fuzz_job.config.shard * 10000 + contract_batches_[fuzz_job.config.shard]++;
    return j;
}

std::vector<Job> Session::TakeNewJobs() { return std::move(new_jobs_); }

uint32_t Session::CallTimeoutMs(Callback cb) const {
    if (!hung_.count(cb)) return 0;
    return std::max<uint32_t>(50, options_.pool.call_timeout_ms / 20);
}

void Session::Run(std::vector<Job> jobs) {
    started_ = Clock::now();
    std::deque<Job> queue;
    for (auto &j : jobs) {
        if (j.config.mode == WorkerMode::Sweep) sweep_.planned += j.config.end - j.config.begin;
        if (j.config.mode == WorkerMode::Fuzz) fuzz_.planned += j.config.runs;
        if (j.config.mode == WorkerMode::Records || j.config.mode == WorkerMode::Migrate)
            compat_.planned += j.config.end - j.config.begin;
        queue.push_back(std::move(j));
    }
    WorkerPool pool(options_.pool);
    std::vector<Job> never = pool.Run(std::move(queue), *this);
    time_cap_hit_ = pool.deadline_hit();
    for (const Job &j : never) {
        NoteNotRun(j.config, j.config.begin);
        if (j.config.mode == WorkerMode::Contract) contract_not_run_ += j.config.cases.size();
    }
    for (auto &[shard, files] : promoted_) contract_not_run_ += files.size();
    if (time_cap_hit_) {
        std::string what;
        if (sweep_not_run_) what += fmt::format("{} of {} sweep cases were not run", sweep_not_run_, sweep_.planned);
        if (fuzz_not_run_)
            what += fmt::format("{}{} of {} coverage-guided executions were not run", what.empty() ? "" : "; ",
                                fuzz_not_run_, fuzz_.planned);
        if (compat_not_run_)
            what += fmt::format("{}{} of {} states or archived records were not run", what.empty() ? "" : "; ",
                                compat_not_run_, compat_.planned);
        if (contract_not_run_)
            what += fmt::format("{}{} promoted states did not get the full contract", what.empty() ? "" : "; ",
                                contract_not_run_);
        std::string families;
        for (CaseFamily f : {Contract, RoundTrip, Hostile, Interleave, Migration})
            if (cut_families_ & f) families += fmt::format("{}{}", families.empty() ? "" : ", ", FamilyName(f));
        std::string rules;
        for (const Rule &r : AllRules())
            if (r.families & cut_families_) rules += fmt::format("{}{}", rules.empty() ? "" : " ", r.name);
        notes_.push_back(fmt::format("the time cap of {:g} s was hit: {}{}{}", options_.max_time,
                                     what.empty() ? "the last cases were cut short" : what,
                                     families.empty() ? "" : fmt::format(" (cut: {})", families),
                                     rules.empty() ? "" : fmt::format("; not fully exercised: {}", rules)));
    }
}

void Session::NoteNotRun(const WorkerConfig &c, uint64_t from) {
    if (c.mode == WorkerMode::Sweep) {
        for (uint64_t i = from; i < c.end && i < plan_.size(); ++i) {
            cut_families_ |= plan_[i].family;
            ++sweep_not_run_;
        }
    } else if (c.mode == WorkerMode::Fuzz) {
        fuzz_not_run_ += c.runs;
    } else if (c.mode == WorkerMode::Records || c.mode == WorkerMode::Migrate) {
        if (from < c.end) {
            compat_not_run_ += c.end - std::max(from, c.begin);
            cut_families_ |= Migration;
        }
    }
}

void Session::OnMessage(const Job &job, const Message &m, uint64_t seq) {
    if (auto *l = std::get_if<msg::Loaded>(&m)) {
        if (!loaded_) hooks_ = l->hooks;
        loaded_ = true;
        sandbox_ = sandbox_ ? WeakerSandbox(*sandbox_, l->sandbox) : l->sandbox;
    } else if (auto *e = std::get_if<msg::LoadError>(&m)) {
        if (load_error_.empty()) load_error_ = e->message;
    } else if (auto *f = std::get_if<msg::Found>(&m)) {
        Finding finding = f->finding;
        StampCompat(job.config, finding);
        finding.found_after = std::chrono::duration<double>(Clock::now() - started_).count();
        findings_.Add(std::move(finding), FindingOrigin{job.ordinal, job.generation, seq});
    } else if (auto *d = std::get_if<msg::Done>(&m)) {
        for (const auto &[key, n] : d->repeats) findings_.AddOccurrences(key, n);
    } else if (auto *sv = std::get_if<msg::Saved>(&m)) {
        if (job.config.mode == WorkerMode::Records) saved_[job.ordinal][sv->state] = {sv->state, sv->seed, sv->record};
    } else if (auto *p = std::get_if<msg::Promoted>(&m)) {
        if (job.config.mode != WorkerMode::Fuzz) return;
        promoted_[job.config.shard].push_back(p->file);
        if (promoted_[job.config.shard].size() >= kContractBatch)
            if (auto contract = FlushPromoted(job)) new_jobs_.push_back(std::move(*contract));
    }
}

std::vector<Job> Session::OnEnd(const Job &job, const WorkerEnd &end) {
    StageStats &st = StatsOf(job);
    std::vector<Job> next;
    // A fuzz shard that ends hands its last promoted states to a contract job.
    auto flush = [&] {
        if (job.config.mode == WorkerMode::Fuzz)
            if (auto contract = FlushPromoted(job)) next.push_back(std::move(*contract));
    };
    const WorkerTotals &t = end.totals;
    st.cases += t.cases_run;
    st.skipped += t.cases_skipped;
    st.cut += t.cases_cut;
    st.calls += t.calls;
    st.execs += t.execs;
    st.promoted += t.promoted;
    state_saves_ += t.state_saves;
    for (size_t i = 0; i < evidence_.size(); ++i) evidence_[i] += t.evidence[i];
    for (size_t i = 0; i < bytes_needed_.size(); ++i) bytes_needed_[i] += t.bytes_needed[i];

    switch (end.how) {
    case EndHow::Done: flush(); return next;
    case EndHow::LoadError:
        if (load_error_.empty()) load_error_ = end.error;
        return {};
    case EndHow::SpawnFailed:
        if (load_error_.empty()) load_error_ = fmt::format("cannot start a worker process: {}", end.error);
        return {};
    case EndHow::Cut: {
        const WorkerConfig &c = job.config;
        if (c.mode == WorkerMode::Sweep) {
            uint64_t at = std::max(end.case_index, c.begin);
            if (at < c.end && at < plan_.size()) cut_families_ |= plan_[at].family;  // cut short mid-case
            NoteNotRun(c, at + 1);
        } else if (c.mode == WorkerMode::Fuzz) {
            fuzz_not_run_ += c.runs > t.execs ? c.runs - t.execs : 0;
        } else if (c.mode == WorkerMode::Contract) {
            contract_not_run_ += c.cases.size() - std::min<uint64_t>(c.cases.size(), end.case_index);
        } else if (c.mode == WorkerMode::Records || c.mode == WorkerMode::Migrate) {
            cut_families_ |= Migration;
            NoteNotRun(c, std::max(end.case_index, c.begin) + 1);
        }
        return {};
    }
    default: break;
    }
    if (!end.loaded) {
        // Died or hung while loading: the module cannot be tested.
        if (load_error_.empty())
            load_error_ =
                end.how == EndHow::Hung
                    ? "the module hung while loading (constructors or VspConformanceInitChannel)"
                    : fmt::format("the module {} while loading; read worker.log in the report directory for its output",
                                  end.how == EndHow::Crashed ? "crashed with " + SignalName(end.signo)
                                                             : fmt::format("exited with status {}", end.exit_code));
        return {};
    }
    Finding death = DeathFinding(end, options_.pool.call_timeout_ms, StageOf(job));
    StampCompat(job.config, death);
    death.found_after = std::chrono::duration<double>(Clock::now() - started_).count();
    ++st.restarts;
    if (job.config.mode == WorkerMode::Sweep || job.config.mode == WorkerMode::Migrate)
        ++st.cases;  // the case that killed the worker ran too
    bool repeat_hang = end.how == EndHow::Hung && end.in_call && hung_.count(end.call.callback);
    if (repeat_hang && findings_.Contains(death.Key()))
        findings_.AddOccurrences(death.Key(), 1);  // caught on the short timeout: counted, not represented
    else
        findings_.Add(death, FindingOrigin{job.ordinal, job.generation, UINT64_MAX});
    if (end.how == EndHow::Hung && end.in_call) hung_.insert(end.call.callback);
    std::string why_not;
    auto again = policy_.Continue(job, end, death, &why_not);
    if (!why_not.empty()) {
        notes_.push_back(why_not);
        if (job.config.mode == WorkerMode::Fuzz) fuzz_not_run_ += job.config.runs - std::min(job.config.runs, t.execs);
    }
    if (again) {
        next.insert(next.begin(), *again);
    } else {
        flush();
    }
    return next;
}

}  // namespace vspc
