// The module's coverage as a reader wants it: per function, its edges and how many
// a corpus reached, the callbacks named, the functions never entered, and where
// the unreached edges are (from a Coverage job's map and the symbolizer).
#pragma once

#include <string>

#include "Protocol.h"
#include "Summary.h"

namespace vspc {

// `map` from a Coverage job; `hooks` tells which functions are the save and restore callbacks.
// The note of a module without coverage instrumentation (and how to get it).
inline constexpr const char *kNotInstrumentedNote =
    "no coverage: the module is not coverage-instrumented (build it with -fsanitize=fuzzer-no-link)";
CoverageSummary SummarizeCoverage(const msg::Covered &map, const std::string &module_path, const Hooks &hooks);

// Adds what `from` reached (its hit flags, its inputs) to `into` when both map the same counters;
// false, and `into` as it was, when they do not (the union of several workers' coverage).
bool UniteCovered(msg::Covered &into, const msg::Covered &from);

// The summary as text lines (the terminal and report.md): totals, then one line per function.
std::string CoverageText(const CoverageSummary &c, size_t max_functions = 40);

}  // namespace vspc
