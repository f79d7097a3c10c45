// The commands beyond the gate: a supervised fuzzing campaign, minimizing a case,
// and the module's coverage over a corpus.
#pragma once

#include <string>

#include "Options.h"

namespace vspc {

// vspconform fuzz: coverage-guided workers sharing one corpus until --time or a signal;
// findings written to the artifacts dir as they come, minimized at the end; the same
// reports as check, the coverage summary and libFuzzer-style stat:: lines. Exit code as check's.
int RunFuzz(const Options &options, const std::string &module);

// vspconform minimize: the smallest case that still shows the case's (most serious) finding.
// 0: written; 1: the case shows no finding; 2: could not run.
int RunMinimize(const Options &options, const std::string &module, const std::string &case_file);

// vspconform coverage: the module's edges the corpus (a directory or one case file) reaches, per function.
int RunCoverage(const Options &options, const std::string &module, const std::string &corpus);

}  // namespace vspc
