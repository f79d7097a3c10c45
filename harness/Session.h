// A session: the jobs of one run played over the worker pool under the one
// restart policy, and everything they produce — findings (deduplicated, each
// death attributed), the hooks the module has, and what each stage did. Every
// command is one or more sessions with different jobs (JobKinds.def); what each
// kind counts and how it goes on after a death comes from that table.
#pragma once

#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "Archive.h"
#include "Attribution.h"
#include "Finding.h"
#include "Listener.h"
#include "Pool.h"
#include "Summary.h"
#include "Sweep.h"

namespace vspc {

// What a Minimize job made of its case.
struct MinimizeOutcome {
    bool reproduced = true;  // the case showed the finding when minimization began
    bool finished = false;   // ran to its end (not cut by the deadline or the restart cap)
    std::string file;        // the smallest case found (the case itself if nothing smaller showed it)
    uint64_t tries = 0, accepted = 0;
    uint32_t restarts = 0;           // workers the candidates killed
    std::optional<Finding> finding;  // the finding as the smallest case shows it (not for deaths)
};

struct SessionOptions {
    PoolOptions pool;
    uint32_t max_restarts = 64;            // per stage and signature (RestartPolicy)
    uint64_t seed = 1;                     // the sweep's families, for what a cut run did not do
    double max_time = 0;                   // seconds, for the notes (the deadline itself is in `pool`)
    std::vector<RunListener *> listeners;  // told what happens as it happens
    // Where the session may write the cases it replays to confirm a hang (empty: a hang counts at
    // once, unconfirmed).
    std::string scratch;
    // Promoted states are given the full contract in batches of this many (a batch is a worker
    // start, 30-150 ms of CPU; the rest of a shard's states are played when the shard ends).
    size_t contract_batch = 64;
};

class Session : public PoolListener {
public:
    explicit Session(SessionOptions options);

    // Runs the jobs, in the order given, to the end (or the deadline). Each job's
    // ordinal decides which of two equal findings represents both (the lower).
    void Run(std::vector<Job> jobs);

    const FindingSet &findings() const { return findings_; }
    bool loaded() const { return loaded_; }
    const Hooks &hooks() const { return hooks_; }
    // What every worker that loaded the module had in force (the weakest; empty: none loaded).
    const std::optional<SandboxState> &sandbox() const { return sandbox_; }
    const std::string &load_error() const { return load_error_; }
    const StageStats &sweep() const { return Stats(JobStats::Sweep); }
    const StageStats &fuzz() const { return Stats(JobStats::Fuzz); }
    const StageStats &compat() const { return Stats(JobStats::Compat); }  // Records and Migrate jobs
    const StageStats &tools() const { return Stats(JobStats::Tools); }    // Replay, Minimize and Coverage jobs
    const StageStats &Stats(JobStats s) const { return stats_[static_cast<size_t>(s)]; }
    // Records jobs: the records each saved (by the job's ordinal), in the order of the states.
    std::vector<ArchiveEntry> Saved(uint32_t ordinal) const;
    const Evidence &evidence() const { return evidence_; }
    const Evidence &explored() const { return explored_; }  // the coverage-guided shards' share
    const BytesNeededHistogram &bytes_needed() const { return bytes_needed_; }
    uint64_t state_saves() const { return state_saves_; }
    uint64_t edges() const { return edges_; }  // the most module edges one fuzz worker reached
    bool time_cap_hit() const { return time_cap_hit_; }
    uint8_t cut_families() const { return cut_families_; }
    // What the reader must know (restart caps, ...); the time cap's own note is apart.
    const std::vector<std::string> &notes() const { return notes_; }
    // When the time cap was hit: what it left undone (empty otherwise).
    const std::string &time_cap_note() const { return time_cap_note_; }
    // Minimize jobs, by ordinal.
    const std::map<uint32_t, MinimizeOutcome> &minimized() const { return minimized_; }
    // Coverage jobs: the last one's map (empty pcs: none, or the module is not instrumented).
    // The coverage the session's workers reported (of several, their union), and how many did.
    const msg::Covered &covered() const { return covered_; }
    uint64_t covered_reports() const { return covered_reports_; }

    void OnMessage(const Job &job, const Message &m, uint64_t seq) override;
    std::vector<Job> OnEnd(const Job &job, const WorkerEnd &end) override;
    bool Abort() const override { return !load_error_.empty() || violated_while_loading_; }
    std::vector<Job> TakeNewJobs() override;
    // Once a callback has hung, later calls of it that run past a twentieth of
    // the timeout are taken for the same hang (counted, never reported anew), so
    // that a module that hangs often cannot spend the run waiting.
    uint32_t CallTimeoutMs(Callback cb) const override;
    void OnLive(const WorkerTotals &running, unsigned workers) override;

private:
    StageStats &StatsOf(const Job &job) { return stats_[static_cast<size_t>(KindOf(job.config.mode).stats)]; }
    void StampCompat(const WorkerConfig &c, Finding &f) const;
    void NoteNotRun(const WorkerConfig &c, uint64_t from);
    // The cases an Indices job plays from index `from` on.
    uint64_t PlannedCases(const WorkerConfig &c, uint64_t from) const;
    std::optional<Job> FlushPromoted(const Job &fuzz_job);
    std::vector<Job> MinimizeAfterDeath(const Job &job, const WorkerEnd &end);
    std::optional<Job> ConfirmHang(const Job &job, const WorkerEnd &end, const Finding &death);
    void Confirmed(const Job &job, const WorkerEnd &end);
    void AddFinding(Finding f, FindingOrigin origin);

    SessionOptions options_;
    RestartPolicy policy_;
    Clock::time_point started_;
    std::vector<PlannedCase> plan_;  // the sweep's entries: family and Cases() only, no ops
    FindingSet findings_;
    bool loaded_ = false;
    Hooks hooks_;
    std::optional<SandboxState> sandbox_;
    std::string load_error_;
    bool violated_while_loading_ = false;  // a sandbox violation before the module was loaded
    std::array<StageStats, kJobStatsCount> stats_{};
    std::map<uint32_t, MinimizeOutcome> minimized_;
    struct MinimizeProgress {
        std::string input;  // where the job goes on from
        std::set<uint64_t> reject;
    };
    std::map<uint32_t, MinimizeProgress> minimizing_;
    msg::Covered covered_;
    uint64_t covered_reports_ = 0;
    std::map<uint32_t, std::map<uint64_t, ArchiveEntry>> saved_;
    Evidence evidence_{}, explored_{};
    uint64_t promoted_played_ = 0;
    BytesNeededHistogram bytes_needed_{};
    uint64_t state_saves_ = 0;
    uint64_t edges_ = 0;
    uint64_t violations_ = 0;  // distinct findings of error rules
    bool time_cap_hit_ = false;
    uint8_t cut_families_ = 0;
    uint64_t plateau_window_ = 0;  // --plateau, as the shards that reached it had it
    uint64_t fuzz_not_run_ = 0, sweep_not_run_ = 0, contract_not_run_ = 0, compat_not_run_ = 0;
    std::map<uint32_t, std::vector<std::string>> promoted_;  // per fuzz shard, not yet in a contract job
    std::map<uint32_t, uint32_t> contract_batches_;
    std::vector<Job> new_jobs_;
    std::set<Callback> hung_;
    struct PendingHang {
        Finding death;
        FindingOrigin origin;
        uint64_t repeats = 0;
    };
    std::map<uint32_t, PendingHang> pending_hangs_;  // by the ordinal of the Confirm job
    std::map<std::string, uint32_t> confirming_;     // finding key -> the Confirm job's ordinal
    uint32_t confirm_jobs_ = 0;
    std::vector<std::string> notes_;
    std::string time_cap_note_;
};

}  // namespace vspc
