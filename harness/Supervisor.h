// The supervisor: runs a worker process, watches it for hangs, and turns its
// death into a finding with the case and call that caused it. The tester
// survives anything the module does.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "Shared.h"
#include "Worker.h"

namespace vspc {

struct SupervisorOptions {
    uint32_t call_timeout_ms = 2000;  // a module call running longer is a hang
    uint32_t load_timeout_ms = 30000;
    bool needs_asan = false;  // preload the ASan runtime into the worker
    std::string log_path;     // worker's stdout and stderr (module output, libFuzzer)
};

enum class Ending { Done, LoadError, Crashed, Exited, Hung };

struct WorkerOutcome {
    Ending ending = Ending::Done;
    bool loaded = false;
    nlohmann::json module_info;
    std::string load_error;
    int signo = 0;
    int exit_code = 0;
    bool in_call = false;  // the death happened inside a module call
    CurrentCall call{};
    bool faulted = false;
    FaultInfo fault{};
    uint64_t case_index = 0;
    std::vector<uint8_t> case_bytes;
    uint64_t cases_run = 0, cases_skipped = 0, calls = 0;
    std::map<std::string, uint64_t> counts;
    std::string sanitizer_report;  // first line of a sanitizer's report in the log, if any
};

WorkerOutcome RunWorker(WorkerConfig config, const SupervisorOptions &options,
                        const std::function<void(const nlohmann::json &)> &on_message);

// The finding a worker's death stands for (rule chosen by where it died).
nlohmann::json DeathViolation(const WorkerOutcome &o, uint32_t call_timeout_ms);

std::string SignalName(int signo);

}  // namespace vspc
