// Reports of a run: report.json, report.md, report.html, junit.xml,
// results.sarif and the reproducer case files, all from one RunSummary.
#pragma once

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "Findings.h"

namespace vspc {

// Writes every report into `dir` (and the reproducers into dir/cases/).
// Returns an empty string, or what could not be written.
std::string WriteReports(RunSummary &run, const std::string &dir);

nlohmann::json JsonReport(const RunSummary &run);
std::string MarkdownReport(const RunSummary &run);
std::string JUnitReport(const RunSummary &run);
nlohmann::json SarifReport(const RunSummary &run);
std::string HtmlReport(const RunSummary &run);

// The command that replays a case file (with --profile kmcl when the case was found under kmcl).
std::string ReplayCommand(const std::string &module, const std::string &case_file, Profile profile);

// The rule catalog as Markdown (docs/rules.md is this text).
std::string RulesMarkdown();

void PrintSummary(const RunSummary &run, const std::string &dir, std::FILE *out);

}  // namespace vspc
