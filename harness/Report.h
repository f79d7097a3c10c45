// Reports of a run: report.json, report.md, report.html, junit.xml,
// results.sarif and the reproducer case files, all from one RunSummary.
#pragma once

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "Summary.h"

namespace vspc {

// Writes every report into `dir` (and the reproducers into dir/cases/), each
// file atomically. Returns an empty string, or what could not be written.
std::string WriteReports(RunSummary &run, const std::string &dir);

nlohmann::json JsonReport(const RunSummary &run);
std::string MarkdownReport(const RunSummary &run);
std::string JUnitReport(const RunSummary &run);
nlohmann::json SarifReport(const RunSummary &run);
std::string HtmlReport(const RunSummary &run);

// The command that replays a case file, runnable as printed: shell-quoted, with
// every option that changes what the case does.
std::string ReplayCommand(const ModuleOptions &module, const std::string &case_file, Profile profile,
                          uint32_t timeout_ms);
std::string ReplayCommand(const RunSummary &run, const Finding &f);
std::string ShellQuote(const std::string &s);
// How this binary is run: "vspconform" when PATH finds this binary under that name, else its path.
std::string ToolCommand();

// A path as a URI: percent-encoded (RFC 3986), absolute ones as file:// URIs.
std::string PercentEncodePath(const std::string &path);
std::string FileUri(const std::string &path);
// A finding's identity across rebuilds (rule, signature, function): SARIF's partialFingerprints.
std::string Fingerprint(const Finding &f);
// Where a rule is documented (docs/rules.md of this version).
std::string RuleHelpUri(const Rule &r);

// The rule catalog as Markdown (docs/rules.md is this text).
std::string RulesMarkdown();

void PrintSummary(const RunSummary &run, std::FILE *out);

// report.json's layout version (bumped when a consumer must change).
constexpr int kReportFormatVersion = 5;  // 5: interrupted, incomplete, promoted played/cut, explored evidence, location
                                         // extent, module build, source revision

}  // namespace vspc
