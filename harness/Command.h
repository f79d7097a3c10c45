// What the commands (Check.cpp, Campaign.cpp) share: checking options, the report
// directory, the worker config every job starts from, minimizing the findings'
// reproducers, and the end of a run (reports and summary).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "Options.h"
#include "Pool.h"
#include "Protocol.h"
#include "Summary.h"

namespace vspc {

std::string ValidateOptions(const Options &o);
// The report directory, absolute, created and writable (an earlier run's reproducers removed).
std::string PrepareReportDir(const std::string &dir, std::filesystem::path &out);
ModuleOptions ModuleOptionsOf(const Options &o, const std::string &module);
unsigned JobsOf(const Options &o);
WorkerConfig BaseConfig(const Options &o, const std::string &module);
// A fresh, empty scratch directory for this process: under /dev/shm when there is one
// (libFuzzer writes every new input; a memory file system keeps that off the disk), else a
// hidden folder of the report dir.
std::filesystem::path ScratchDir(const std::filesystem::path &report_dir, const char *what);
// A run's summary before it runs: the command, the options it reports, the module's path.
RunSummary NewRunSummary(const Options &o, const std::string &command, const std::string &module);
// Reports, the summary on stdout; the exit code (2 when a report could not be written).
int FinishRun(RunSummary &r, std::chrono::steady_clock::time_point started);

// Shrinks every finding's reproducer (Minimize jobs over the pool, one per finding, under
// run.profile) and replaces it, with the finding as the smaller case shows it. Hangs and
// compat findings keep theirs. `work` is scratch space; `stop` (may be null) ends it early.
// Returns how many reproducers got smaller or plainer.
uint64_t MinimizeFindings(RunSummary &run, const Options &opt, const std::string &module_path,
                          const std::filesystem::path &work, Clock::time_point deadline,
                          const std::atomic<bool> *stop = nullptr);

}  // namespace vspc
