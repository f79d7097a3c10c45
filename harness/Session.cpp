#include "Session.h"

#include <signal.h>

#include "CoverageMap.h"
#include "Files.h"

#include <fstream>

#include <fmt/format.h>

namespace vspc {

// The plan's families and case counts, not its ops (no entry built in full: the hostile restores
// are megabytes the session never reads, in every session of every command).
Session::Session(SessionOptions options)
    : options_(std::move(options)), policy_(options_.max_restarts), plan_(SweepPlan(options_.seed, 0, 0)) {}

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
    // The test hooks are test code, not the callbacks under test: a loaded machine must not turn
    // a slow one into a failure (and one that does hang is a harness error, not a finding).
    if (cb == Callback::Prepare || cb == Callback::Release) return options_.pool.call_timeout_ms * 10;
    if (!hung_.count(cb)) return 0;
    return std::max<uint32_t>(50, options_.pool.call_timeout_ms / 20);
}

void Session::OnLive(const WorkerTotals &running, unsigned workers) {
    if (options_.listeners.empty()) return;
    LiveStats l;
    for (const StageStats &st : stats_) {
        l.calls += st.calls;
        l.cases += st.cases;
        l.restarts += st.restarts;
        l.execs += st.execs;
    }
    l.execs += running.execs;
    l.calls += running.calls;
    l.cases += running.cases_run;
    l.edges = std::max(edges_, running.edges);
    l.findings = findings_.size();
    l.violations = violations_;
    l.workers = workers;
    for (RunListener *r : options_.listeners) r->OnProgress(l);
}

void Session::AddFinding(Finding f, FindingOrigin origin) {
    bool fresh = !findings_.Contains(f.Key());
    Finding copy = fresh && !options_.listeners.empty() ? f : Finding{};
    if (fresh && f.severity() == Severity::Error) ++violations_;
    findings_.Add(std::move(f), origin);
    if (fresh)
        for (RunListener *r : options_.listeners) r->OnFinding(copy);
}

void Session::Run(std::vector<Job> jobs) {
    started_ = Clock::now();
    std::deque<Job> queue;
    for (auto &j : jobs) {
        const JobKind &k = KindOf(j.config.mode);
        if (k.unit == JobUnit::Indices) StatsOf(j).planned += PlannedCases(j.config, j.config.begin);
        if (k.unit == JobUnit::Executions) StatsOf(j).planned += j.config.runs;
        queue.push_back(std::move(j));
    }
    WorkerPool pool(options_.pool);
    std::vector<Job> never = pool.Run(std::move(queue), *this);
    time_cap_hit_ = pool.deadline_hit();
    for (const Job &j : never) {
        NoteNotRun(j.config, j.config.begin);
        if (j.config.mode == WorkerMode::Contract) contract_not_run_ += j.config.cases.size();  // states unplayed
    }
    for (auto &[shard, files] : promoted_) contract_not_run_ += files.size();
    stats_[static_cast<size_t>(JobStats::Fuzz)].promoted_played = promoted_played_;
    stats_[static_cast<size_t>(JobStats::Fuzz)].promoted_cut = contract_not_run_;
    if (const StageStats &f = fuzz(); f.plateaued)
        notes_.push_back(fmt::format(
            "the coverage-guided stage stopped where it stopped learning: {} shard(s) ended once {} executions in a "
            "row reached no new edge and no new behaviour (--plateau{}); {} of the {} planned executions were not "
            "needed",
            f.plateaued, plateau_window_,
            f.heavy ? fmt::format("; {} executions kept more than {} KiB of records and counted once per {} KiB",
                                  f.heavy, kPlateauExecutionBytes >> 10, kPlateauExecutionBytes >> 10)
                    : "",
            f.not_needed, f.planned));
    if (!pending_hangs_.empty())
        notes_.push_back(fmt::format(
            "{} call(s) ran past --timeout-ms but could not be played again alone before the run ended: not counted "
            "as hangs",
            pending_hangs_.size()));
    if (time_cap_hit_) {
        std::string what;
        if (sweep_not_run_) what += fmt::format("{} of {} sweep cases were not run", sweep_not_run_, sweep().planned);
        if (fuzz_not_run_)
            what += fmt::format("{}{} of {} coverage-guided executions were not run", what.empty() ? "" : "; ",
                                fuzz_not_run_, fuzz().planned);
        if (compat_not_run_)
            what += fmt::format("{}{} of {} states or archived records were not run", what.empty() ? "" : "; ",
                                compat_not_run_, compat().planned);
        if (contract_not_run_)
            what += fmt::format("{}{} promoted states did not get the full contract", what.empty() ? "" : "; ",
                                contract_not_run_);
        std::string families;
        for (CaseFamily f : {Contract, RoundTrip, Hostile, Interleave, Migration})
            if (cut_families_ & f) families += fmt::format("{}{}", families.empty() ? "" : ", ", FamilyName(f));
        std::string rules;
        for (const Rule &r : AllRules())
            if (r.families & cut_families_) rules += fmt::format("{}{}", rules.empty() ? "" : " ", r.name);
        time_cap_note_ =
            (fmt::format("{}: {}{}{}",
                         pool.stopped() ? std::string("the run was stopped (SIGINT, SIGTERM or a stop request)")
                                        : fmt::format("the time cap of {:g} s was hit", options_.max_time),
                         what.empty() ? "the last cases were cut short" : what,
                         families.empty() ? "" : fmt::format(" (cut: {})", families),
                         rules.empty() ? "" : fmt::format("; not fully exercised: {}", rules)));
    }
}

uint64_t Session::PlannedCases(const WorkerConfig &c, uint64_t from) const {
    if (from >= c.end) return 0;
    if (KindOf(c.mode).cut != JobCut::Plan) return c.end - from;
    // A sweep entry the worker expands (Sweep.h Expand) plays several cases.
    uint64_t n = 0;
    for (uint64_t i = from; i < c.end; ++i) n += i < plan_.size() ? plan_[i].Cases() : 1;
    return n;
}

void Session::NoteNotRun(const WorkerConfig &c, uint64_t from) {
    const JobKind &k = KindOf(c.mode);
    if (k.unit == JobUnit::Executions) {
        fuzz_not_run_ += c.runs;
        return;
    }
    if (k.unit != JobUnit::Indices || from >= c.end) return;
    if (k.cut == JobCut::Plan) {
        for (uint64_t i = std::max(from, c.begin); i < c.end && i < plan_.size(); ++i) {
            cut_families_ |= plan_[i].family;
            sweep_not_run_ += plan_[i].Cases();
        }
    } else if (k.cut == JobCut::Migration) {
        compat_not_run_ += c.end - std::max(from, c.begin);
        cut_families_ |= Migration;
    }
}

void Session::OnMessage(const Job &job, const Message &m, uint64_t seq) {
    for (RunListener *r : options_.listeners) r->OnMessage(job, m);
    // The pool let through only what this kind of job may send (JobKinds.def).
    const bool minimizing = KindOf(job.config.mode).unit == JobUnit::Candidates;
    if (auto *l = std::get_if<msg::Loaded>(&m)) {
        if (!loaded_) hooks_ = l->hooks;
        loaded_ = true;
        // Unconfirmed claims (the worker ended before /proc could show them) count only when no
        // worker could be checked.
        if (!sandbox_ || (!sandbox_->confirmed && l->sandbox.confirmed))
            sandbox_ = l->sandbox;
        else if (l->sandbox.confirmed == sandbox_->confirmed)
            sandbox_ = WeakerSandbox(*sandbox_, l->sandbox);
    } else if (auto *e = std::get_if<msg::LoadError>(&m)) {
        if (load_error_.empty()) load_error_ = e->message;
    } else if (auto *mz = std::get_if<msg::Minimized>(&m)) {
        MinimizeOutcome &o = minimized_[job.ordinal];
        if (!mz->file.empty()) {
            o.file = mz->file;
            minimizing_[job.ordinal] = {mz->file, {}};  // a restart goes on from here
        }
        if (mz->final) {
            o.reproduced = mz->reproduced;
            o.finished = true;
        }
        o.tries += mz->tries;
        o.accepted += mz->accepted;
    } else if (auto *cv = std::get_if<msg::Covered>(&m)) {
        // Several workers' coverage (a check's shards): the union, when it is of the same counters.
        if (covered_reports_++ == 0 || covered_.pcs.empty())
            covered_ = *cv;
        else
            UniteCovered(covered_, *cv);
    } else if (auto *f = std::get_if<msg::Found>(&m)) {
        if (job.config.mode == WorkerMode::Confirm) return;  // a known case, played again for its timing
        if (minimizing) {  // the finding as the smallest case shows it: the minimization's result
            minimized_[job.ordinal].finding = f->finding;
            return;
        }
        Finding finding = f->finding;
        StampCompat(job.config, finding);
        finding.found_after = std::chrono::duration<double>(Clock::now() - started_).count();
        AddFinding(std::move(finding), FindingOrigin{job.ordinal, job.generation, seq});
    } else if (auto *d = std::get_if<msg::Done>(&m)) {
        for (const auto &[key, n] : d->repeats) findings_.AddOccurrences(key, n);
    } else if (auto *sv = std::get_if<msg::Saved>(&m)) {
        saved_[job.ordinal][sv->state] = {sv->state, sv->seed, sv->record};
    } else if (auto *p = std::get_if<msg::Promoted>(&m)) {
        promoted_[job.config.shard].push_back(p->file);
        if (promoted_[job.config.shard].size() >= options_.contract_batch)
            if (auto contract = FlushPromoted(job)) new_jobs_.push_back(std::move(*contract));
    }
}

namespace {
// The sandbox ended the worker (its filter trapped a system call, or the tester's SIGSYS handler
// was replaced): what the whole process did, whichever call was in progress.
bool SandboxViolation(const WorkerEnd &end) { return end.how == EndHow::Crashed && end.signo == SIGSYS; }
}  // namespace

std::vector<Job> Session::OnEnd(const Job &job, const WorkerEnd &end) {
    const JobKind &kind = KindOf(job.config.mode);
    StageStats &st = StatsOf(job);
    std::vector<Job> next;
    // A job that promotes states hands its last ones to a contract job when it ends.
    auto flush = [&] {
        if (kind.sends & kSendsPromoted)
            if (auto contract = FlushPromoted(job)) next.push_back(std::move(*contract));
    };
    const WorkerTotals &t = end.totals;
    st.cases += t.cases_run;
    st.skipped += t.cases_skipped;
    st.cut += t.cases_cut;
    st.capped += t.cases_capped;
    st.heavy += t.heavy_execs;
    st.calls += t.calls;
    st.execs += t.execs;
    st.promoted += t.promoted;
    // What the tools (replay, minimization, coverage) play is not the run's evidence.
    if (kind.stats != JobStats::Tools) {
        state_saves_ += t.state_saves;
        for (size_t i = 0; i < evidence_.size(); ++i) evidence_[i] += t.evidence[i];
        if (kind.sends & kSendsPromoted)  // the exploration's own share
            for (size_t i = 0; i < explored_.size(); ++i) explored_[i] += t.evidence[i];
        for (size_t i = 0; i < bytes_needed_.size(); ++i) bytes_needed_[i] += t.bytes_needed[i];
    }
    edges_ = std::max(edges_, t.edges);

    if (job.config.mode == WorkerMode::Contract) {  // promoted states that got their contract
        const uint64_t n = job.config.cases.size();
        promoted_played_ += end.how == EndHow::Done  ? n
                            : end.how == EndHow::Cut ? std::min<uint64_t>(n, end.case_index)
                            : IsDeath(end.how)       ? std::min<uint64_t>(n, end.case_index + 1)
                                                     : 0;
    }
    switch (end.how) {
    case EndHow::Done:
        // A shard that ended before its runs: it reached its plateau (--plateau).
        if (kind.unit == JobUnit::Executions && job.config.plateau > 0 && t.execs < job.config.runs) {
            ++st.plateaued;
            st.not_needed += job.config.runs - t.execs;
            plateau_window_ = job.config.plateau;
        }
        flush();
        return next;
    case EndHow::LoadError:
        if (load_error_.empty()) load_error_ = end.error;
        return {};
    case EndHow::SpawnFailed:
        if (load_error_.empty()) load_error_ = fmt::format("cannot start a worker process: {}", end.error);
        return {};
    case EndHow::Cut: {
        const WorkerConfig &c = job.config;
        switch (kind.unit) {
        case JobUnit::Indices: {
            uint64_t at = std::max(end.case_index, c.begin);
            if (at < c.end) {  // cut short mid-case
                if (kind.cut == JobCut::Plan && at < plan_.size()) cut_families_ |= plan_[at].family;
                if (kind.cut == JobCut::Migration) cut_families_ |= Migration;
            }
            NoteNotRun(c, at + 1);
            break;
        }
        case JobUnit::Executions: fuzz_not_run_ += c.runs > t.execs ? c.runs - t.execs : 0; break;
        case JobUnit::Files:
            if (c.mode == WorkerMode::Contract)
                contract_not_run_ += c.cases.size() - std::min<uint64_t>(c.cases.size(), end.case_index);
            break;
        case JobUnit::Candidates: break;
        }
        return {};
    }
    default: break;
    }
    if (!end.loaded && SandboxViolation(end)) {
        // A constructor (or the init hook) did what a driver cannot: the module's finding, and the
        // end of the run (every worker would do it again).
        if (!violated_while_loading_) {
            Finding f = DeathFinding(end, options_.pool.call_timeout_ms, kind.stage);
            f.message += " (while the module was loading: a constructor or the init hook)";
            f.found_after = std::chrono::duration<double>(Clock::now() - started_).count();
            AddFinding(std::move(f), FindingOrigin{job.ordinal, job.generation, UINT64_MAX});
            violated_while_loading_ = true;
        }
        return {};
    }
    if (!end.loaded) {
        // Died or hung while loading: the module cannot be tested.
        if (load_error_.empty())
            load_error_ =
                end.how == EndHow::Hung
                    ? "the module hung while loading (constructors or VspConformanceInitChannel)"
                    : fmt::format("the module {} while loading; read worker.log in the report directory for its output",
                                  end.how == EndHow::Crashed       ? "crashed with " + SignalName(end.signo)
                                  : end.how == EndHow::ChannelLost ? "cut the worker's messages (" + end.error + ")"
                                  : end.how == EndHow::Stopped     ? "stopped the worker (" + end.error + ")"
                                  : end.how == EndHow::BadMessage
                                      ? "corrupted the worker's messages (" + end.error + ")"
                                  : end.how == EndHow::Stalled ? std::string("made no progress")
                                                               : fmt::format("exited with status {}", end.exit_code));
        return {};
    }
    if (kind.unit == JobUnit::Candidates) return MinimizeAfterDeath(job, end);
    if (job.config.mode == WorkerMode::Confirm) {
        Confirmed(job, end);
        return {};
    }
    // The test hooks (VspConformancePreparePacket, VspConformanceReleasePacket) are the module
    // author's test code around the callbacks: one that crashes or hangs stops the run as a
    // harness error, never a finding against save or restore. What happens to the whole process
    // (its messages corrupted or cut, its state tampered with, the process stopped) is not the
    // hook's doing: a thread of the module can do it at any time, whatever call is in progress.
    if (end.in_call && (end.call.callback == Callback::Prepare || end.call.callback == Callback::Release) &&
        end.how != EndHow::BadMessage && end.how != EndHow::ChannelLost && end.how != EndHow::Tampered &&
        end.how != EndHow::Stopped && !SandboxViolation(end)) {
        if (load_error_.empty()) {
            const char *hook =
                end.call.callback == Callback::Prepare ? "VspConformancePreparePacket" : "VspConformanceReleasePacket";
            load_error_ = fmt::format(
                "the test hook {} {}: a harness error (the hooks are test code, not the callbacks under test); "
                "fix the hook and run again",
                hook,
                end.how == EndHow::Hung ? fmt::format("did not return within {} ms", CallTimeoutMs(end.call.callback))
                // The case made no progress for the watch's case budget while the hook ran: on a
                // very loaded machine this comes before the hook's own (CPU-time) limit.
                : end.how == EndHow::Stalled ? std::string("did not return (its case made no progress for a long time)")
                : end.how == EndHow::Crashed ? "crashed with " + SignalName(end.signo)
                : end.how == EndHow::Exited  ? fmt::format("exited the process (status {})", end.exit_code)
                                             : std::string(EndHowName(end.how)));
        }
        return {};
    }
    Finding death = DeathFinding(end, options_.pool.call_timeout_ms, kind.stage);
    // The exploration tier's cases are KMCL's calls: they replay under the kmcl profile.
    death.profile = kind.kmcl() ? Profile::Kmcl : job.config.profile;
    StampCompat(job.config, death);
    death.found_after = std::chrono::duration<double>(Clock::now() - started_).count();
    ++st.restarts;
    if (kind.unit == JobUnit::Indices) ++st.cases;  // the case that killed the worker ran too
    for (RunListener *r : options_.listeners) r->OnDeath(job, end, death);
    bool repeat_hang = end.how == EndHow::Hung && end.in_call && hung_.count(end.call.callback);
    if (repeat_hang && findings_.Contains(death.Key())) {
        findings_.AddOccurrences(death.Key(), 1);  // caught on the short timeout: counted, not represented
    } else if (end.how == EndHow::Hung && end.in_call && !options_.scratch.empty()) {
        // A call that ran past the timeout counts only when its case, played alone, does so again:
        // that replay runs next, before the rest of the queue.
        if (auto confirm = ConfirmHang(job, end, death)) next.push_back(std::move(*confirm));
    } else {
        AddFinding(death, FindingOrigin{job.ordinal, job.generation, UINT64_MAX});
        if (end.how == EndHow::Hung && end.in_call) hung_.insert(end.call.callback);
    }
    std::string why_not;
    auto again = policy_.Continue(job, end, death, &why_not);
    if (!why_not.empty()) {
        notes_.push_back(why_not);
        if (kind.unit == JobUnit::Executions) fuzz_not_run_ += job.config.runs - std::min(job.config.runs, t.execs);
    }
    if (again) {
        next.push_back(*again);  // after the confirmation of a hang, if there is one
    } else {
        flush();
    }
    return next;
}

// The case of a hang, written to scratch space, as the one file of a Confirm job. Hangs with one key
// are confirmed once (later ones wait for that verdict and are counted with it).
std::optional<Job> Session::ConfirmHang(const Job &job, const WorkerEnd &end, const Finding &death) {
    if (auto it = confirming_.find(death.Key()); it != confirming_.end()) {
        if (auto p = pending_hangs_.find(it->second); p != pending_hangs_.end())
            ++p->second.repeats;
        else
            findings_.AddOccurrences(death.Key(), 1);
        return std::nullopt;
    }
    const uint32_t ordinal = 50000 + confirm_jobs_++;
    std::string file = fmt::format("{}/hang-{}.case", options_.scratch, ordinal);
    if (!WriteFileAtomically(file, end.case_bytes)) {  // no room to confirm it: it counts as seen
        AddFinding(death, FindingOrigin{job.ordinal, job.generation, UINT64_MAX});
        return std::nullopt;
    }
    confirming_[death.Key()] = ordinal;
    pending_hangs_[ordinal] = PendingHang{death, FindingOrigin{job.ordinal, job.generation, UINT64_MAX}, 0};
    Job j;
    j.config = job.config;
    j.config.mode = WorkerMode::Confirm;
    j.config.profile = death.profile;
    j.config.cases = {file};
    j.config.generation = 0;
    j.ordinal = ordinal;
    return j;
}

// The Confirm job of a hang ended: a hang again is the finding; a case that returns in time when
// played alone was a loaded machine, not the module (a note, no finding).
void Session::Confirmed(const Job &job, const WorkerEnd &end) {
    auto it = pending_hangs_.find(job.ordinal);
    if (it == pending_hangs_.end()) return;
    PendingHang p = std::move(it->second);
    pending_hangs_.erase(it);
    if (end.how == EndHow::Hung) {
        Callback cb = p.death.call ? p.death.call->callback : Callback::None;
        p.death.occurrences += p.repeats;
        AddFinding(std::move(p.death), p.origin);
        if (cb != Callback::None) hung_.insert(cb);
    } else if (end.how == EndHow::Done) {
        notes_.push_back(fmt::format(
            "{} did not return within {} ms once, but returned in time when its case was played again alone: "
            "the machine was loaded; not counted as a hang",
            p.death.call ? CallbackName(p.death.call->callback) : std::string_view("a call"),
            options_.pool.call_timeout_ms));
    } else if (IsDeath(end.how) && end.loaded) {
        // Played alone, the case did something else that is a finding in its own right.
        Finding other = DeathFinding(end, options_.pool.call_timeout_ms, p.death.stage);
        other.profile = p.death.profile;
        AddFinding(std::move(other), p.origin);
    }
}

// A candidate killed the minimizing worker. If that is the finding being minimized,
// the candidate (from the status block) is the new smallest case; else it is taken as
// not showing it. Either way the job goes on from its smallest case, at most
// max_restarts times.
std::vector<Job> Session::MinimizeAfterDeath(const Job &job, const WorkerEnd &end) {
    MinimizeOutcome &o = minimized_[job.ordinal];
    MinimizeProgress &p = minimizing_[job.ordinal];
    if (p.input.empty()) p.input = job.config.cases.at(0);
    ++o.restarts;
    Finding death = DeathFinding(end, options_.pool.call_timeout_ms, Stage::Replay);
    death.profile = job.config.profile;
    if (death.Key() == job.config.target) {
        if (WriteFileAtomically(job.config.output, death.reproducer)) {
            o.file = p.input = job.config.output;
            ++o.accepted;
            p.reject.clear();
        }
    } else {
        p.reject.insert(end.case_index);
    }
    uint64_t used = std::max<uint64_t>(end.totals.execs, 1);
    if (o.restarts > options_.max_restarts || used >= job.config.runs) return {};
    Job next = job;
    ++next.generation;
    next.config.generation = next.generation;
    next.config.runs = job.config.runs - used;
    next.config.cases = {p.input};
    next.config.reject.assign(p.reject.begin(), p.reject.end());
    return {next};
}

}  // namespace vspc
