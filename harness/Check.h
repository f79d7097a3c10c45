// The front-end commands over the engine: check (the CI gate), replay, seeds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "Finding.h"
#include "Options.h"
#include "Sandbox.h"
#include "Summary.h"

namespace vspc {

// The CI gate: the deterministic sweep and the coverage-guided stage over the
// worker pool; reports in options.report_dir. Returns the exit code.
int RunCheck(const Options &options, const std::string &module);

// vspconform records: the records the module saves for the sweep's states, written
// into dir as a record archive (Archive.h). Returns the exit code.
int RunRecords(const Options &options, const std::string &module, const std::string &dir);

// vspconform compat: OLD's records restored by NEW (forward) and NEW's by OLD
// (rollback; OLD may be a record archive instead, then forward only), as they are and
// mutated; reports in options.report_dir. Returns the exit code.
int RunCompat(const Options &options, const std::string &old_module, const std::string &new_module);

// Re-runs case files, printing every call and the verdict. Returns the exit code.
int RunReplay(const Options &options, const std::string &module, const std::vector<std::string> &cases);

// Writes the sweep's cases, one file each, into dir (created if needed).
int WriteSeedCorpus(const std::string &dir, uint64_t seed);

// The sweep's cases [begin, end) alone, as the conformance suite runs them.
struct SweepRun {
    std::string load_error;  // set: the module could not be tested
    std::vector<Finding> findings;
    std::vector<std::string> notes;
    uint64_t cases = 0, calls = 0;
};
SweepRun RunSweepRange(const Options &options, const std::string &module, uint64_t begin, uint64_t end);

// How the sweep and the coverage-guided stage are split into jobs: fixed
// numbers, so that results do not depend on --jobs.
constexpr uint64_t kSweepChunks = 8;
constexpr uint32_t kFuzzShards = 2;

// The workers' sandbox from the flags (--sandbox, the limits). `timed`: a run with --max-time
// (check, compat), which bounds the default CPU limit.
SandboxOptions SandboxOptionsOf(const Options &options, bool timed);

extern const char *const kToolVersion;

}  // namespace vspc
