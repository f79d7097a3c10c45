// The findings of a run: violations deduplicated by rule and location, each
// with its reproducer, plus what the run covered. Every report reads this.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "Module.h"
#include "Rules.h"

namespace vspc {

struct Finding {
    nlohmann::json violation;  // as ViolationJson/DeathViolation made it, plus stage
    std::vector<uint8_t> reproducer;
    std::string case_file;  // relative to the report dir
    uint64_t occurrences = 1;
    RuleId rule;
    Severity severity;
};

enum class RuleOutcome { Pass, Fail, Warn, Skipped, NotApplicable };

struct RunSummary {
    std::string command = "check";
    std::string tool_version;
    ModuleFile module;
    nlohmann::json hooks = nlohmann::json::object();  // what the worker found in the module
    Profile profile = Profile::Strict;
    uint64_t seed = 1;
    uint64_t fuzz_runs = 0;
    uint64_t sweep_cases = 0, sweep_skipped = 0, sweep_calls = 0;
    uint64_t fuzz_cases = 0, fuzz_calls = 0;
    uint32_t worker_restarts = 0;
    bool warnings_as_errors = false;
    double seconds = 0;
    std::vector<std::string> notes;  // things the reader must know (skipped rules, early stop)
    std::vector<Finding> findings;
    std::string error;       // set when the module could not be tested
    std::string report_dir;  // as given on the command line: replay commands name files in it

    bool HasRestore() const { return hooks.is_object() && hooks.value("restore", false); }
    bool HasPrepare() const { return hooks.is_object() && hooks.value("prepare", false); }
    RuleOutcome OutcomeOf(const Rule &rule) const;
    std::string Verdict() const;  // "pass", "fail", "error"
    int ExitCode() const;
    uint64_t Cases() const { return sweep_cases + fuzz_cases; }
    uint64_t Calls() const { return sweep_calls + fuzz_calls; }
};

class FindingSet {
public:
    // Adds a violation; returns false when it repeats a known finding.
    bool Add(nlohmann::json violation, const std::vector<uint8_t> &reproducer, const std::string &stage);
    void AddCounts(const std::map<std::string, uint64_t> &counts);
    std::vector<Finding> Take();

private:
    std::vector<Finding> findings_;
    std::map<std::string, size_t> index_;
};

std::string_view RuleOutcomeName(RuleOutcome o);

}  // namespace vspc
