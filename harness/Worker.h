// The worker: the process that loads the module and plays cases, under the
// supervisor's eye. Every front-end binary can be its own worker: its main()
// hands control to RunWorkerIfRequested() first.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "Judge.h"
#include "Module.h"
#include "Rules.h"

namespace vspc {

enum class WorkerMode { Sweep, Fuzz, Replay };

struct WorkerConfig {
    WorkerMode mode = WorkerMode::Sweep;
    ModuleOptions module;
    Profile profile = Profile::Strict;
    uint64_t seed = 1;
    uint64_t start = 0;               // Sweep: first case index
    uint64_t end = UINT64_MAX;        // Sweep: one past the last case index
    uint64_t runs = 0;                // Fuzz: libFuzzer -runs
    std::vector<std::string> corpus;  // Fuzz: corpus directories (the first one is written to)
    std::vector<std::string> cases;   // Replay: case files
    int shm_fd = -1;
    int out_fd = -1;
};

nlohmann::json ToJson(const WorkerConfig &c);
WorkerConfig WorkerConfigFromJson(const nlohmann::json &j);

// If argv asks for a worker ("__worker" CONFIG), runs it and returns its exit
// code; otherwise returns -1 and the front-end goes on.
int RunWorkerIfRequested(int argc, char **argv);

// A violation as the reports carry it (without the case, which the caller adds).
nlohmann::json ViolationJson(const Violation &v, const CaseLog *log);

// The reproducer for a violation: the case cut after the op that showed it.
std::vector<uint8_t> ReproducerFor(const Case &c, uint32_t op_index);

std::string HexEncode(const std::vector<uint8_t> &bytes);
std::vector<uint8_t> HexDecode(const std::string &hex);

}  // namespace vspc
