// The summary of a run: what was tested, what was found, and what each rule's
// outcome is, from the evidence. Every report renders this one value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "Finding.h"
#include "Module.h"
#include "Options.h"
#include "Protocol.h"
#include "Rules.h"

namespace vspc {

enum class RuleOutcome { Pass, Fail, Warn, NotReached, Skipped, NotApplicable };

struct RuleResult {
    RuleOutcome outcome = RuleOutcome::NotReached;
    uint64_t exercised = 0;  // calls or comparisons that could have broken it
    std::string reason;      // why it is not reached, skipped or not applicable
};

// What one stage did (from the workers' status blocks, so deaths lose nothing).
struct StageStats {
    uint64_t planned = 0;  // sweep: cases; fuzz: executions
    uint64_t cases = 0, skipped = 0, cut = 0, calls = 0, execs = 0, promoted = 0;
    uint64_t capped = 0;  // cases stopped before their last op at kCaseLogBytes (states of many MiB)
    uint64_t heavy = 0;   // fuzz: executions that counted more than once toward the plateau
    uint64_t promoted_played = 0, promoted_cut = 0;  // promoted states given / not given their contract
    uint32_t restarts = 0;
    // fuzz: shards that ended at their plateau (--plateau), and the executions that saved
    uint32_t plateaued = 0;
    uint64_t not_needed = 0;
    void Add(const StageStats &o) {
        planned += o.planned;
        cases += o.cases;
        skipped += o.skipped;
        cut += o.cut;
        capped += o.capped;
        heavy += o.heavy;
        calls += o.calls;
        execs += o.execs;
        promoted += o.promoted;
        promoted_played += o.promoted_played;
        promoted_cut += o.promoted_cut;
        restarts += o.restarts;
        plateaued += o.plateaued;
        not_needed += o.not_needed;
    }
};

// compat (and check --restore-corpus): the other side of the migration.
struct CompatRun {
    ModuleFile old_module;          // the older build, when it is a module
    ModuleOptions old_options;      // its callback names (rollback replay commands use them)
    std::string old_archive;        // the older build's records, when it is an archive
    std::string old_sha256;         // the older build's SHA-256 (from its file, or the archive's manifest)
    bool rollback = false;          // the newer build's records went to the older build too
    std::string archive_dir;        // compat: where the records of this run were archived (report dir)
    uint64_t forward_records = 0;   // the older build's records given to the newer build
    uint64_t rollback_records = 0;  // the newer build's records given to the older build
};

// The module's edge coverage, per function (from a coverage-instrumented module's counters
// and PC table, over a corpus).
// Unreached edges of a function at one source line (each a branch the run never took).
struct UnreachedBranch {
    std::string function, file;  // the source function (an inlined helper by its own name)
    uint32_t line = 0;
    uint64_t edges = 0;
};
struct FunctionCoverage {
    std::string name;  // the function in the binary (static helpers are often inlined into their callers)
    std::string file;
    uint32_t line = 0;
    uint64_t edges = 0, reached = 0;
    bool entered = false;
    std::string callback;                   // "save" or "restore": the callback this function is
    std::vector<std::string> unreached;     // where unreached edges are ("file:line"), a few
    std::vector<UnreachedBranch> branches;  // every unreached edge by its line (the first 512 a function has)
};
// Below this share of its edges reached, the restore callback's coverage is called low.
constexpr double kLowRestoreCoverage = 0.5;

struct CoverageSummary {
    uint64_t inputs = 0;  // case files played
    uint64_t edges = 0, reached = 0;
    std::vector<FunctionCoverage> functions;            // the callbacks first, then by name
    std::vector<std::pair<double, uint64_t>> timeline;  // fuzz: (seconds, edges one worker reached)
    std::string note;                                   // why there are no names or no coverage
};

// What a campaign (vspconform fuzz) did, beyond a check's counts.
struct CampaignStats {
    double seconds = 0;
    uint64_t execs = 0, calls = 0;
    uint64_t corpus_files = 0;
    std::string corpus_dir, artifacts_dir;
    bool interrupted = false;  // SIGINT or SIGTERM
    uint64_t minimized = 0;    // findings whose case minimization made smaller
};

struct RunSummary {
    CommandId command = CommandId::Check;
    std::string tool_version;
    ModuleFile module;
    ModuleOptions module_options;  // the callback names used (replay commands repeat them)
    Hooks hooks;
    bool loaded = false;
    std::optional<SandboxState> sandbox;  // what the workers had in force (empty: none loaded the module)
    Profile profile = Profile::Strict;
    uint64_t seed = 1;
    uint32_t timeout_ms = 2000;
    unsigned jobs = 1;
    double max_time = 0;
    bool warnings_as_errors = false;
    uint32_t max_restarts = 16;
    uint64_t plateau = 0;  // --plateau (check, compat): 0 when the command has none
    StageStats sweep, fuzz;
    StageStats compat_stage;  // records and migration jobs
    bool migration = false;   // another build's records were restored (compat, --restore-corpus)
    std::optional<CompatRun> compat;
    uint64_t state_saves = 0;  // successful saves of a packet with state
    Evidence evidence{};
    Evidence explored{};                  // the part of `evidence` the coverage-guided shards gave
    BytesNeededHistogram bytes_needed{};  // see Shared.h
    bool time_cap_hit = false;
    bool interrupted = false;  // stopped by SIGINT or SIGTERM before it was done
    // Set: the run did not finish what a pass needs (the contract sweep was cut, the run was
    // interrupted): why, and what to do. The verdict is then "error" unless it found violations.
    std::string incomplete;
    uint8_t cut_families = 0;  // sweep families the run did not finish
    double seconds = 0;
    std::string started_at;          // UTC, ISO 8601
    std::vector<std::string> notes;  // things the reader must know (skipped rules, early stop, what was cut)
    std::vector<Finding> findings;
    std::string error;                        // set when the module could not be tested
    std::string report_dir;                   // absolute: replay commands name files in it
    std::string source_root;                  // --source-root: source files are named relative to it
    std::string source_revision;              // --source-revision: the source's revision, as the user names it
    std::string junit_suite_name;             // --junit-suite-name (empty: from the module and profile)
    std::optional<CoverageSummary> coverage;  // fuzz, coverage: the module's edges
    std::optional<CampaignStats> campaign;    // fuzz

    RuleResult ResultOf(const Rule &rule) const;
    std::string Verdict() const;  // "pass", "fail", "error"
    int ExitCode() const;
    // Why nothing was tested (no packet with state was ever saved), or empty.
    std::string NothingTested() const;
    // With coverage: the restore callback's own edges when the run reached fewer than
    // kLowRestoreCoverage of them ("reached 11 of 35 edges of EvtVmbChannelRestorePacket (31%)"),
    // said beside the verdict, since a PASS then says little about restore; else empty.
    std::string LowRestoreCoverage() const;
    uint64_t Cases() const { return sweep.cases + fuzz.cases + compat_stage.cases; }
    uint64_t Calls() const { return sweep.calls + fuzz.calls + compat_stage.calls; }
    uint64_t Skipped() const { return sweep.skipped + fuzz.skipped + compat_stage.skipped; }
};

std::string_view RuleOutcomeName(RuleOutcome o);

// "" when `revision` can name a source revision in the reports (printable, one line, at most 200
// bytes), else the one-line error for --source-revision.
std::string CheckSourceRevision(const std::string &revision);

}  // namespace vspc
