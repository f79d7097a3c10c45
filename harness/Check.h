// The front-end commands over the engine: check (the CI gate) and replay.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "Findings.h"
#include "Module.h"
#include "Rules.h"
#include "Supervisor.h"

namespace vspc {

struct CheckOptions {
    ModuleOptions module;
    Profile profile = Profile::Strict;
    std::string report_dir = "vspconform-report";
    uint64_t runs = 20000;  // coverage-guided stage; 0 skips it
    uint64_t seed = 1;
    uint32_t timeout_ms = 2000;
    uint32_t max_restarts = 64;
    bool warnings_as_errors = false;
    bool quiet = false;
};

int RunCheck(const CheckOptions &options);

// The deterministic sweep's cases [begin, end), each death a finding and a
// restart from the next case: the stage `check` and the conformance suite share.
struct SweepRun {
    std::string load_error;  // set: the module could not be tested
    nlohmann::json hooks = nlohmann::json::object();
    uint64_t cases = 0, skipped = 0, calls = 0;
    uint32_t restarts = 0;
    std::string stopped_early;  // set: why not every case ran
};
SweepRun RunSweep(WorkerConfig cfg, const SupervisorOptions &sup, uint64_t begin, uint64_t end, uint32_t max_restarts,
                  FindingSet &found);

struct ReplayOptions {
    ModuleOptions module;
    Profile profile = Profile::Strict;
    std::vector<std::string> cases;
    uint32_t timeout_ms = 2000;
};

int RunReplay(const ReplayOptions &options);

// Writes the sweep's cases, one file each, into dir (created if needed).
int WriteSeedCorpus(const std::string &dir, uint64_t seed);

extern const char *const kToolVersion;

}  // namespace vspc
