// Source lines for findings: every finding gets the place in the module's code it
// is about (the faulting instruction, the module's call that led to it, or the
// callback's entry point), and an existing symbolizer (LLVM's llvm-symbolizer)
// turns those addresses into function, file and line from the module's debug info.
#pragma once

#include <string>
#include <vector>

#include "Finding.h"
#include "Module.h"
#include "Protocol.h"

namespace vspc {

// The symbolizer: $VSPC_SYMBOLIZER, else llvm-symbolizer (or a versioned
// llvm-symbolizer-N) on PATH; "" when there is none.
std::string FindSymbolizer();

// Starts the symbolizer for the module file at `module_path` now, in the background, so that
// the first question about the file does not wait for it: llvm-symbolizer takes about 90 ms of
// CPU to start (loading LLVM), which otherwise comes at the very end of a run, after everything
// else. One process per file answers every question of the run (LocateFindings,
// SymbolizeOffsets); without a prestart, the first question starts it.
void PrestartSymbolizer(const std::string &module_path);

// Gives every finding without a code location its callback's entry point (from the
// module file's dynamic symbols), then symbolizes every location in one question to the
// symbolizer. Returns "" or a note for the reports saying why there are no source lines.
// `hooks` (from the worker) gives the entries of callbacks an init hook registered.
std::string LocateFindings(const ModuleFile &file, const ModuleOptions &names, const Hooks &hooks,
                           std::vector<Finding> &findings);

// A code address of the module as source: the innermost (inlined) frame's place, and the
// function that holds it in the binary (the outermost frame).
struct SourcePlace {
    std::string function, file;
    uint32_t line = 0;
    std::string outer_function;
};
// The symbolizer's answers for `offsets` (file addresses of the module), in one question. Empty, and
// *note says why, when there is no symbolizer or it failed.
std::vector<SourcePlace> SymbolizeOffsets(const std::string &module_path, const std::vector<uint64_t> &offsets,
                                          std::string *note);

// The symbolizer's JSON output (--output-style=JSON) applied to the locations, in order.
// Returns false when the text is not that output.
bool ApplySymbolizerJson(const std::string &json_text, std::vector<CodeLocation *> &locations);

}  // namespace vspc
