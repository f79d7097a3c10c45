// The one run pipeline every command goes through:
//
//   ValidateOptions      the flags the command takes, range-checked before any arithmetic
//   Workspace::Open      the report directory (checked, locked), scratch space, worker.log
//   Run::AddTarget       each build: the module file inspected, hashed, its callback names checked
//   the command's plan   jobs over sessions (SessionOptionsFor), each folded into the summary (Fold)
//   Run::Finish          findings minimized and located in the source (per build), notes, the
//                        five reports, the summary line, the exit code
//
// with the tester's own exceptions caught once (RunPipeline) and SIGINT/SIGTERM handled the same
// way for every command (StopSignals). A command is then "plan the jobs, fold the results".
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "Command.h"
#include "Expected.h"
#include "Finding.h"
#include "Listener.h"
#include "Module.h"
#include "Options.h"
#include "Session.h"
#include "Summary.h"
#include "WorkerLog.h"

namespace vspc {

extern const char *const kToolVersion;

// How check splits its work: fixed numbers, so that results do not depend on --jobs. Two of each:
// check runs at most two workers at once in its coverage-guided stage, and every worker costs a
// process start (about 30 ms of CPU with the sandbox, measured): eight sweep chunks made the
// sweep of a correct module cost 0.33 s of CPU, two cost 0.12 s.
constexpr uint64_t kSweepChunks = 2;
constexpr uint32_t kFuzzShards = 2;
// The states a check shard promotes get the full contract in batches this large: a correct
// module's shard promotes 10-130 states in a default check, so each shard's are played by one
// worker when the shard ends, not by two or three (in an ASan build, each start is about 120 ms of
// CPU). A campaign keeps the session's smaller batches: its states get their contract sooner.
constexpr size_t kCheckContractBatch = 256;

// The flags `command` takes (Flags.def), checked the same way for every command: names from
// their sets, numbers within their ranges. A one-line reason when one is wrong.
Expected<void> ValidateOptions(const Options &o, CommandId command);

// One build under test.
struct Target {
    ModuleFile file;        // the file as the user named it (file.path), its SHA-256, how it was built
    ModuleOptions options;  // what every worker loads: the absolute path and the callback names
    Hooks hooks;            // what its workers found in it (once a session has loaded it)
};
// The module file inspected (a loadable shared object?), hashed, its callback names checked.
Expected<Target> PrepareTarget(const Options &o, const std::string &module);

// Where a run writes: its report directory (absolute, checked: only vspconform's own files are
// ever replaced; locked for the run, so a second run on it stops at once), scratch space (one
// folder per run, under /dev/shm when there is one; removed when the run ends, and a run whose
// process is gone has its scratch removed by the next), and worker.log.
class Workspace {
public:
    // With `report_dir`, the run writes its reports there and worker.log beside them; without,
    // only scratch space (worker.log in `log_dir` if given, else in the scratch space).
    static Expected<std::unique_ptr<Workspace>> Open(const std::string &report_dir, const std::string &log_dir = "");
    ~Workspace();
    Workspace(const Workspace &) = delete;
    Workspace &operator=(const Workspace &) = delete;

    const std::filesystem::path &report_dir() const { return report_dir_; }  // empty without reports
    // A fresh, empty folder of the run's scratch space.
    std::filesystem::path Scratch(const std::string &what);
    WorkerLog &log() { return *log_; }

private:
    Workspace() = default;
    std::filesystem::path report_dir_, scratch_;
    int lock_fd_ = -1;
    std::unique_ptr<WorkerLog> log_;
};

// SIGINT and SIGTERM while a command runs: the first stops the run as its time cap would (workers
// stop between calls, their counts survive; the reports say the run was interrupted), the second
// also skips what would come after (minimization, coverage).
class StopSignals {
public:
    StopSignals();   // installs the handlers
    ~StopSignals();  // restores the previous ones
    static const std::atomic<bool> &stop();
    // Set by the second signal: what runs after a stopped run (minimization, coverage) stops too.
    static const std::atomic<bool> &stop_twice();
    static bool requested();
    static bool twice();
    // Stops the run as a signal would (fuzz's --max-findings).
    static void Request();
};

// A run in progress: what every command shares.
class Run {
public:
    Run(const Invocation &invocation, std::unique_ptr<Workspace> workspace, bool reports);
    ~Run();

    const Options &options() const { return invocation_.options; }
    const Invocation &invocation() const { return invocation_; }
    RunSummary &summary() { return summary_; }
    const RunSummary &summary() const { return summary_; }
    Workspace &workspace() { return *workspace_; }
    Clock::time_point started() const { return started_; }
    std::optional<Clock::time_point> deadline() const { return deadline_; }

    // The builds under test: [0] the module (compat: the newer build), [1] compat's older one.
    std::vector<Target> targets;
    // Prepares a build and adds it (the first becomes the summary's module); false when it cannot
    // be tested (the summary's error says why, prefixed with `which` when given).
    bool AddTarget(const std::string &module, const std::string &which = "");

    std::vector<RunListener *> listeners;
    // Options for a session of jobs on `targets` (default: all of them): the pool, its sandbox and
    // limits, the run's deadline and stop flag, the listeners.
    SessionOptions SessionOptionsFor(unsigned jobs, const std::vector<const Target *> &on = {}) const;
    // What a session did, into the summary (findings, counts, evidence, notes, what was cut).
    void Fold(const Session &session);

    // Minimization of the findings' reproducers at the end (on by default, with --minimize-runs).
    bool minimize = true;
    std::optional<Clock::time_point> minimize_deadline;  // default: the run's deadline
    // Called by Finish after minimization and before the reports (fuzz: artifacts, coverage).
    std::function<void(RunSummary &)> before_reports;
    // The end of the run: reproducers minimized, findings located in their build's source, notes,
    // the reports and the summary on stdout (for commands with reports). Returns the exit code.
    int Finish();
    // The module could not be tested: `message` on stderr and in every report; exit 2.
    int Fail(const std::string &message);

    // Where a finding's case runs: the build that made it (compat: the build that restored).
    const Target &TargetOf(const Finding &f) const;

private:
    Invocation invocation_;
    std::unique_ptr<Workspace> workspace_;
    bool reports_;
    RunSummary summary_;
    Clock::time_point started_;
    std::optional<Clock::time_point> deadline_;
    std::string confirm_dir_;  // where sessions write the cases of hangs they confirm
};

// Runs a command's `body` over the pipeline: the options validated, the workspace opened (with
// reports when `reports`; worker.log in `log_dir` when given), the signals handled, the tester's
// own failures caught (reports are still written). `body` returns the exit code (usually
// run.Finish()).
int RunPipeline(const Invocation &invocation, bool reports, const std::function<int(Run &)> &body,
                const std::string &log_dir = "");

// One Coverage job over `files` on `target`: its edges, per function. `campaign_corpus`: the
// files are exploration inputs (played as the exploration tier plays them). A build without
// coverage instrumentation runs no job: its summary says so (kNotInstrumentedNote). Empty, and
// *error set, when the module could not be loaded.
std::optional<CoverageSummary> MeasureCoverage(Run &run, const Target &target, const std::vector<std::string> &files,
                                               bool campaign_corpus, std::string *error);

// Shrinks every finding's reproducer (Minimize jobs, one per finding, each on its own build and
// profile) and replaces it, with the finding as the smaller case shows it. Hangs keep theirs.
// Returns how many reproducers got smaller or plainer.
uint64_t MinimizeFindings(Run &run, Clock::time_point deadline);

// The case files of a corpus directory, oldest first (the order they were found in).
std::vector<std::string> CorpusFiles(const std::filesystem::path &dir);

// The sweep's cases [begin, end) alone, as the conformance suite runs them.
struct SweepRun {
    std::string load_error;  // set: the module could not be tested
    std::vector<Finding> findings;
    std::vector<std::string> notes;
    uint64_t cases = 0, calls = 0;
};
SweepRun RunSweepRange(const Options &options, const std::string &module, uint64_t begin, uint64_t end);

// The workers' sandbox from the flags (--sandbox, the limits); `timed`: a run with --max-time,
// which bounds the default CPU limit.
SandboxOptions SandboxOptionsOf(const Options &options, bool timed);

}  // namespace vspc
