// The worker: the process that loads the module and plays cases, under the
// supervisor's eye. Every front-end binary can be its own worker: its main()
// hands control to RunWorkerIfRequested() first.
#pragma once

#include <cstddef>
#include <functional>

#include "Protocol.h"

namespace vspc {

// If argv asks for a worker ("__worker" CONFIG), runs it and returns its exit
// code; otherwise returns -1 and the front-end goes on.
int RunWorkerIfRequested(int argc, char **argv);

// replay --debug: plays config.cases (Replay mode) in this process, no fork, no
// supervisor; each message a worker would send goes to `sink`. Returns 0, or 3
// when the module did not load (a LoadError went to `sink`). A module call that
// crashes or exits ends the process (with a note on stdout, Fault.h); one that
// hangs is not timed out. Once per process.
int RunReplayInForeground(const WorkerConfig &config, std::function<void(const Message &)> sink);

// The coverage-guided stage promotes the states that reach new coverage (and 1
// in kPromotionSampling of the rest) to the full contract, at most
// kPromotionStart + executions / kPromotionPace of them, so that the contract
// jobs cannot crowd out the exploration.
constexpr unsigned kPromotionSampling = 4096;
constexpr unsigned kPromotionStart = 64;
constexpr unsigned kPromotionPace = 1024;
constexpr size_t kExploreSeedMax = 64;  // sweep states longer than this stay out of the fuzz corpus

}  // namespace vspc
