#include "Report.h"

#include "CaseFile.h"
#include "Files.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "Process.h"
#include "Sha256.h"

#ifndef VSPC_VERSION
#define VSPC_VERSION "0"
#endif
#ifndef VSPC_HOMEPAGE
#define VSPC_HOMEPAGE "https://github.com/vspconform/vspconform"
#endif

namespace vspc {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char *kHomepage = VSPC_HOMEPAGE;

namespace {

std::string Escape(std::string_view s, bool attribute = false) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += attribute ? "&quot;" : "\""; break;
        default: out += c;
        }
    }
    return out;
}

// Text interpolated into Markdown: no table breaks, no code spans, no raw HTML.
std::string Md(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '|': out += "\\|"; break;
        case '`': out += "\\`"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '*': out += "\\*"; break;
        case '_': out += "\\_"; break;
        case '\n': out += ' '; break;
        default: out += c;
        }
    }
    return out;
}

// A code span that holds any text (Markdown: a fence longer than any backtick run inside).
std::string MdCode(std::string_view s) {
    size_t run = 0, longest = 0;
    for (char c : s) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    std::string fence(longest + 1, '`');
    std::string body;
    for (char c : s) body += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
    return fmt::format("{} {} {}", fence, body, fence);
}

std::string LocationText(const Finding &f) { return f.location ? DescribeLocation(*f.location) : ""; }

std::string CodeText(const RunSummary &run, const Finding &f) {
    return f.code ? DescribeCode(*f.code, run.source_root) : "";
}

// "libvsp_storage" for /x/libvsp_storage.so: what names this module in suite names and categories.
std::string ModuleStem(const RunSummary &run) {
    std::string stem = fs::path(run.module.path).stem().string();
    return stem.empty() ? "module" : stem;
}

std::string HexSha256(const std::string &text) {
    return Sha256Hex(reinterpret_cast<const uint8_t *>(text.data()), text.size());
}

std::string OutcomeText(const RuleResult &r) {
    std::string o(RuleOutcomeName(r.outcome));
    return r.reason.empty() ? o : fmt::format("{}: {}", o, r.reason);
}

json FindingReportJson(const RunSummary &run, const Finding &f) {
    json v = ToJson(f);
    v.erase("case");
    v["case_file"] = f.case_file.empty() ? json(nullptr) : json(f.case_file);
    v["replay"] = f.case_file.empty() ? json(nullptr) : json(ReplayCommand(run, f));
    v["source"] = f.code && !f.code->file.empty() ? json(CodeText(run, f)) : json(nullptr);
    v["fingerprint"] = Fingerprint(f);
    return v;
}

}  // namespace

std::string PercentEncodePath(const std::string &path) {
    std::string out;
    for (unsigned char c : path) {
        if (std::isalnum(c) || std::string_view("-._~/").find(static_cast<char>(c)) != std::string_view::npos)
            out += static_cast<char>(c);
        else
            out += fmt::format("%{:02X}", c);
    }
    return out;
}

std::string FileUri(const std::string &path) {
    std::string abs = fs::absolute(path).lexically_normal().string();
    return "file://" + PercentEncodePath(abs);
}

std::string Fingerprint(const Finding &f) {
    std::string function = f.code ? f.code->function : "";
    return HexSha256(fmt::format("{}|{}|{}", RuleFor(f.rule).name, f.Signature(), function)).substr(0, 32);
}

std::string RuleHelpUri(const Rule &r) {
    std::string anchor(r.name);
    for (char &c : anchor) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return fmt::format("{}/blob/v{}/docs/rules.md#{}", kHomepage, VSPC_VERSION, anchor);
}

std::string ToolCommand() {
    static const std::string command = [] {
        std::error_code ec;
        fs::path self = fs::read_symlink("/proc/self/exe", ec);
        if (ec) return std::string("vspconform");
        // The name alone when that is what PATH finds; otherwise the path of this binary.
        fs::path on_path = FindProgram({"vspconform"});
        if (!on_path.empty() && fs::equivalent(on_path, self, ec)) return std::string("vspconform");
        return self.string();
    }();
    return command;
}

std::string ShellQuote(const std::string &s) {
    bool plain = !s.empty();
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) ||
              std::string_view("-_./=:+,@%").find(c) != std::string_view::npos))
            plain = false;
    if (plain) return s;
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string ReplayCommand(const ModuleOptions &module, const std::string &case_file, Profile profile,
                          uint32_t timeout_ms) {
    std::string cmd =
        fmt::format("{} replay {} {}", ShellQuote(ToolCommand()),
                    ShellQuote(fs::absolute(module.path).lexically_normal().string()), ShellQuote(case_file));
    if (profile == Profile::Kmcl) cmd += " --profile kmcl";
    if (module.save_symbol != "EvtVmbChannelSavePacket") cmd += " --save-symbol " + ShellQuote(module.save_symbol);
    if (module.restore_symbol != "EvtVmbChannelRestorePacket")
        cmd += " --restore-symbol " + ShellQuote(module.restore_symbol);
    if (timeout_ms != 2000) cmd += fmt::format(" --timeout-ms {}", timeout_ms);
    return cmd;
}

std::string ReplayCommand(const RunSummary &run, const Finding &f) {
    std::string file = f.case_file.empty() ? "CASE" : (fs::path(run.report_dir) / f.case_file).string();
    if (!f.compat) return ReplayCommand(run.module_options, file, f.profile, run.timeout_ms);
    // A compat case replays on the build that restored the record, judged by the compat rules too.
    bool rollback = f.compat->direction == CompatDirection::Rollback && run.compat;
    return ReplayCommand(rollback ? run.compat->old_options : run.module_options, file, f.profile, run.timeout_ms) +
           fmt::format(" --direction {}", DirectionName(f.compat->direction));
}

static json BranchesJson(const FunctionCoverage &f) {
    json out = json::array();
    for (const UnreachedBranch &b : f.branches)
        out.push_back({{"function", b.function},
                       {"file", b.file.empty() ? json(nullptr) : json(b.file)},
                       {"line", b.line ? json(b.line) : json(nullptr)},
                       {"edges", b.edges}});
    return out;
}

// "file:line (function), N edges" for the Markdown and HTML lists.
static std::string BranchText(const UnreachedBranch &b) {
    std::string where = b.file.empty() ? "?" : b.line ? fmt::format("{}:{}", b.file, b.line) : b.file;
    return fmt::format("{} ({}){}", where, b.function, b.edges > 1 ? fmt::format(", {} edges", b.edges) : "");
}

// Beside the verdict: that the restore callback's coverage is low (RunSummary::LowRestoreCoverage).
static std::string LowRestoreCoverageText(const RunSummary &run, std::string_view lead) {
    const std::string low = run.LowRestoreCoverage();
    if (low.empty()) return {};
    return fmt::format("{}low restore coverage: {}, so the restore rules saw little of its code", lead, low);
}

static json CoverageJson(const RunSummary &run) {
    if (!run.coverage) return nullptr;
    const CoverageSummary &c = *run.coverage;
    json functions = json::array(), timeline = json::array();
    for (const FunctionCoverage &f : c.functions)
        functions.push_back({{"name", f.name},
                             {"file", f.file.empty() ? json(nullptr) : json(f.file)},
                             {"line", f.line ? json(f.line) : json(nullptr)},
                             {"edges", f.edges},
                             {"reached", f.reached},
                             {"entered", f.entered},
                             {"callback", f.callback.empty() ? json(nullptr) : json(f.callback)},
                             {"unreached_at", f.unreached},
                             {"unreached_branches", BranchesJson(f)}});
    for (auto [t, e] : c.timeline) timeline.push_back({{"seconds", t}, {"edges", e}});
    const std::string low = run.LowRestoreCoverage();
    return {{"inputs", c.inputs},
            {"edges", c.edges},
            {"reached", c.reached},
            {"functions", functions},
            {"timeline", timeline},
            {"note", c.note.empty() ? json(nullptr) : json(c.note)},
            {"low_restore_coverage", low.empty() ? json(nullptr) : json(low)}};
}

// What the workers had in force (null when no worker loaded the module).
json SandboxJson(const RunSummary &run) {
    if (!run.sandbox) return nullptr;
    const SandboxState &s = *run.sandbox;
    return {{"enabled", s.requested},
            {"summary", DescribeSandbox(s)},
            {"protections", SandboxProtections(s)},
            {"unavailable", SandboxMissing(s)},
            {"namespaces", {{"pid", s.pid_ns}, {"mount", s.mount_ns}, {"net", s.net_ns}, {"user", s.user_ns}}},
            {"seccomp", s.seccomp},
            {"no_new_privs", s.no_new_privs},
            {"read_only_fs", s.read_only_fs},
            {"rlimits",
             {{"as_mb", s.rlimit_as_mb ? json(s.rlimit_as_mb) : json(nullptr)},
              {"fsize_mb", s.rlimit_fsize_mb ? json(s.rlimit_fsize_mb) : json(nullptr)},
              {"cpu_s", s.rlimit_cpu_s ? json(s.rlimit_cpu_s) : json(nullptr)},
              {"nproc", s.rlimit_nproc && s.nproc_enforced ? json(s.rlimit_nproc) : json(nullptr)}}},
            {"pids_cgroup_max", s.pids_max ? json(s.pids_max) : json(nullptr)}};
}

json BuildJson(const ModuleBuild &b) {
    auto str_or_null = [](const std::string &v) { return v.empty() ? json(nullptr) : json(v); };
    return {{"flavour", b.flavour.empty() ? json(nullptr) : json(b.flavour)},
            {"compiler", str_or_null(b.compiler)},
            {"flags", str_or_null(b.flags)},
            {"producers", b.producers},
            {"note", str_or_null(b.note)}};
}

// "plain; Debian clang version 14.0.6; flags -g -O1 ..." for the tables and the terminal.
std::string BuildText(const ModuleBuild &b) {
    std::string text = b.flavour.empty() ? "unknown flavour" : b.flavour;
    text += "; " + (b.compiler.empty() ? std::string("compiler unknown") : b.compiler);
    text += b.flags.empty() ? std::string("; flags not recorded") : "; flags " + b.flags;
    return text;
}

std::string SandboxText(const RunSummary &run) {
    return run.sandbox ? DescribeSandbox(*run.sandbox) : std::string("unknown (no worker loaded the module)");
}

json JsonReport(const RunSummary &run) {
    json rules = json::array();
    for (const Rule &r : AllRules()) {
        RuleResult res = run.ResultOf(r);
        rules.push_back({{"id", r.name},
                         {"title", r.title},
                         {"severity", SeverityName(r.severity)},
                         {"outcome", RuleOutcomeName(res.outcome)},
                         {"exercised", res.exercised},
                         {"exercised_by_exploration", run.explored[r.Index()]},
                         {"reason", res.reason.empty() ? json(nullptr) : json(res.reason)}});
    }
    json violations = json::array(), warnings = json::array();
    for (const Finding &f : run.findings)
        (f.severity() == Severity::Error ? violations : warnings).push_back(FindingReportJson(run, f));
    std::string nothing = run.NothingTested();
    const Hooks &h = run.hooks;
    json histogram = json::array();
    for (size_t b = 1; b < run.bytes_needed.size(); ++b)
        if (run.bytes_needed[b])
            histogram.push_back(
                {{"min", uint64_t{1} << (b - 1)}, {"max", (uint64_t{1} << b) - 1}, {"states", run.bytes_needed[b]}});
    auto str_or_null = [](const std::string &s) { return s.empty() ? json(nullptr) : json(s); };
    return {{"format_version", kReportFormatVersion},
            {"tool", {{"name", "vspconform"}, {"version", run.tool_version}, {"homepage", kHomepage}}},
            {"command", CommandName(run.command)},
            {"source_revision", str_or_null(run.source_revision)},
            {"started_at", str_or_null(run.started_at)},
            {"verdict", run.Verdict()},
            {"exit_code", run.ExitCode()},
            {"interrupted", run.interrupted},
            {"incomplete", str_or_null(run.incomplete)},
            {"error", !run.error.empty() ? json(run.error)
                      : !nothing.empty() ? json(nothing)
                                         : json(nullptr)},
            {"module",
             {{"path", run.module.path},
              {"sha256", run.module.sha256.empty() ? json(nullptr) : json(run.module.sha256)},
              {"size", run.module.size},
              {"asan", run.module.needs_asan},
              {"coverage", run.module.coverage},
              {"build", BuildJson(run.module.build)},
              {"hooks", run.loaded ? json{{"save", h.save},
                                          {"restore", h.restore},
                                          {"prepare", h.prepare},
                                          {"release", h.release},
                                          {"init_hook", h.init_hook},
                                          {"coverage_counters", h.coverage_counters}}
                                   : json(nullptr)}}},
            {"options",
             {{"profile", ProfileName(run.profile)},
              {"seed", run.seed},
              {"runs", run.fuzz.planned},
              {"jobs", run.jobs},
              {"max_time", run.max_time},
              {"timeout_ms", run.timeout_ms},
              {"save_symbol", run.module_options.save_symbol},
              {"restore_symbol", run.module_options.restore_symbol},
              {"warnings_as_errors", run.warnings_as_errors},
              {"max_restarts", run.max_restarts},
              {"plateau", run.plateau},
              {"source_root", str_or_null(run.source_root)},
              {"junit_suite_name", str_or_null(run.junit_suite_name)}}},
            {"profile", ProfileName(run.profile)},
            {"seed", run.seed},
            {"warnings_as_errors", run.warnings_as_errors},
            {"counts",
             {{"cases", run.Cases()},
              {"calls", run.Calls()},
              {"sweep_planned", run.sweep.planned},
              {"sweep_cases", run.sweep.cases},
              {"sweep_skipped", run.sweep.skipped},
              {"sweep_calls", run.sweep.calls},
              {"fuzz_planned", run.fuzz.planned},
              {"fuzz_runs", run.fuzz.execs},
              {"fuzz_cases", run.fuzz.cases},
              {"fuzz_calls", run.fuzz.calls},
              {"fuzz_promoted", run.fuzz.promoted},
              {"fuzz_promoted_played", run.fuzz.promoted_played},
              {"fuzz_promoted_cut", run.fuzz.promoted_cut},
              {"fuzz_plateaued_shards", run.fuzz.plateaued},
              {"fuzz_not_needed", run.fuzz.not_needed},
              {"state_saves", run.state_saves},
              {"worker_restarts", run.sweep.restarts + run.fuzz.restarts},
              {"violations", violations.size()},
              {"warnings", warnings.size()}}},
            {"bytes_needed_histogram", histogram},
            {"sandbox", SandboxJson(run)},
            {"worker_log", "worker.log"},
            {"time_cap", {{"seconds", run.max_time}, {"hit", run.time_cap_hit}}},
            {"compat",
             run.compat
                 ? json{{"old_module",
                         run.compat->old_module.path.empty() ? json(nullptr) : json(run.compat->old_module.path)},
                        {"old_archive",
                         run.compat->old_archive.empty() ? json(nullptr) : json(run.compat->old_archive)},
                        {"old_sha256", run.compat->old_sha256},
                        {"new_sha256", run.module.sha256},
                        {"directions", run.compat->rollback ? json{"forward", "rollback"} : json{"forward"}},
                        {"records", run.compat->archive_dir.empty() ? json(nullptr) : json(run.compat->archive_dir)},
                        {"forward_records", run.compat->forward_records},
                        {"rollback_records", run.compat->rollback ? json(run.compat->rollback_records) : json(nullptr)},
                        {"cases", run.compat_stage.cases},
                        {"skipped", run.compat_stage.skipped},
                        {"calls", run.compat_stage.calls}}
                 : json(nullptr)},
            {"coverage", CoverageJson(run)},
            {"campaign",
             run.campaign ? json{{"seconds", run.campaign->seconds},
                                 {"executions", run.campaign->execs},
                                 {"exec_per_sec", run.campaign->seconds > 0
                                                      ? static_cast<double>(run.campaign->execs) / run.campaign->seconds
                                                      : 0.0},
                                 {"callback_calls", run.campaign->calls},
                                 {"corpus", run.campaign->corpus_dir},
                                 {"corpus_files", run.campaign->corpus_files},
                                 {"artifacts", run.campaign->artifacts_dir},
                                 {"interrupted", run.campaign->interrupted},
                                 {"minimized", run.campaign->minimized}}
                          : json(nullptr)},
            {"seconds", run.seconds},
            {"notes", run.notes},
            {"rules", rules},
            {"violations", violations},
            {"warnings", warnings}};
}

std::string MarkdownReport(const RunSummary &run) {
    std::string md = fmt::format("# vspconform {} report: {}\n\n", CommandName(run.command), run.Verdict());
    if (const std::string low = LowRestoreCoverageText(run, ""); !low.empty())
        md += fmt::format("> **{}**\n\n", Md(low));
    md += "| | |\n|---|---|\n";
    md += fmt::format("| module | {} |\n| SHA-256 | {} |\n", MdCode(run.module.path), MdCode(run.module.sha256));
    md += fmt::format("| build | {} |\n", Md(BuildText(run.module.build)));
    if (!run.module.build.note.empty()) md += fmt::format("| build note | {} |\n", Md(run.module.build.note));
    md += fmt::format("| source revision | {} |\n", run.source_revision.empty()
                                                        ? std::string("not given (--source-revision)")
                                                        : MdCode(run.source_revision));
    md += fmt::format("| tool | vspconform {} |\n| profile | {} |\n| seed | {} |\n", run.tool_version,
                      ProfileName(run.profile), run.seed);
    md += fmt::format("| cases | {} ({} sweep of {}, {} coverage-guided runs of {}) |\n| calls | {} |\n", run.Cases(),
                      run.sweep.cases, run.sweep.planned, run.fuzz.execs, run.fuzz.planned, run.Calls());
    if (run.compat) {
        const CompatRun &c = *run.compat;
        md += fmt::format("| older build | {} |\n| older SHA-256 | {} |\n| directions | {} |\n",
                          MdCode(c.old_module.path.empty() ? c.old_archive + " (record archive)" : c.old_module.path),
                          MdCode(c.old_sha256), c.rollback ? "forward, rollback" : "forward");
        md += fmt::format("| records migrated | {} forward, {} |\n| migration cases | {} ({} skipped) |\n",
                          c.forward_records,
                          c.rollback ? fmt::format("{} back", c.rollback_records) : std::string("no rollback"),
                          run.compat_stage.cases, run.compat_stage.skipped);
    }
    md +=
        fmt::format("| time | {:.1f} s (cap {:g} s{}) |\n", run.seconds, run.max_time, run.time_cap_hit ? ", hit" : "");
    md += fmt::format("| started | {} |\n", Md(run.started_at));
    md += fmt::format("| sandbox | {} |\n", Md(SandboxText(run)));
    md += "| module output | [worker.log](worker.log) |\n\n";
    if (!run.error.empty()) md += fmt::format("**Could not test:** {}\n\n", Md(run.error));
    if (std::string n = run.NothingTested(); !n.empty()) md += fmt::format("**Could not test:** {}\n\n", Md(n));
    for (const auto &n : run.notes) md += fmt::format("> Note: {}\n\n", Md(n));
    if (!run.findings.empty()) {
        md += "## Findings\n\n";
        for (const Finding &f : run.findings) {
            const Rule &r = RuleFor(f.rule);
            md += fmt::format("### {} ({}): {}\n\n", r.name, SeverityName(r.severity), Md(r.title));
            md += fmt::format("{}\n\n", Md(f.message));
            if (f.call) md += fmt::format("- call: {}\n", MdCode(f.call->text));
            if (f.location) md += fmt::format("- location: {}\n", Md(LocationText(f)));
            if (f.record && !f.record->field.empty())
                md += fmt::format("- record field: {} (offset {} of a {}-byte record)\n", MdCode(f.record->field),
                                  f.record->offset, f.record->size);
            if (f.code) md += fmt::format("- source: {}\n", MdCode(CodeText(run, f)));
            md += fmt::format("- found by: {} stage, {} occurrence(s)\n", StageName(f.stage), f.occurrences);
            if (f.compat)
                md += fmt::format("- {}: a record the {} build saved, restored by the {} build ({} bytes)\n",
                                  DirectionName(f.compat->direction),
                                  f.compat->direction == CompatDirection::Forward ? "older" : "newer",
                                  f.compat->direction == CompatDirection::Forward ? "newer" : "older",
                                  f.compat->record.size());
            md += fmt::format("- reproduce: {}\n\n", MdCode(ReplayCommand(run, f)));
            md += fmt::format("Rule: {}\n\n", Md(r.text));
        }
    }
    if (run.campaign)
        md += fmt::format(
            "## Campaign\n\n{} executions ({:.0f}/s), {} callback calls in {:.1f} s; corpus {} ({} files); "
            "findings as found in {}{}\n\n",
            run.campaign->execs,
            run.campaign->seconds > 0 ? static_cast<double>(run.campaign->execs) / run.campaign->seconds : 0.0,
            run.campaign->calls, run.campaign->seconds, MdCode(run.campaign->corpus_dir), run.campaign->corpus_files,
            MdCode(run.campaign->artifacts_dir), run.campaign->interrupted ? "; stopped by a signal" : "");
    if (run.coverage) {
        const CoverageSummary &c = *run.coverage;
        md += "## Coverage\n\n";
        if (c.edges == 0) {
            md += Md(c.note.empty() ? "no coverage" : c.note) + "\n\n";
        } else {
            md += fmt::format("{} of {} edges of the module reached by {} inputs.\n\n", c.reached, c.edges, c.inputs);
            md += "| function | callback | edges reached | entered | unreached at |\n|---|---|---|---|---|\n";
            for (const FunctionCoverage &f : c.functions)
                md += fmt::format("| {} | {} | {}/{} | {} | {} |\n", MdCode(f.name), f.callback, f.reached, f.edges,
                                  f.entered ? "yes" : "**never**", Md(fmt::format("{}", fmt::join(f.unreached, ", "))));
            md += "\n";
            bool any = false;
            for (const FunctionCoverage &f : c.functions) {
                if (f.branches.empty()) continue;
                if (!any) md += "### Unreached branches\n\nEvery edge the run never took, by its source line.\n\n";
                any = true;
                md += fmt::format("- {}:\n", MdCode(f.name));
                for (const UnreachedBranch &b : f.branches) md += fmt::format("  - {}\n", Md(BranchText(b)));
            }
            if (any) md += "\n";
        }
    }
    md += "## Rules\n\n| rule | title | outcome | exercised |\n|---|---|---|---|\n";
    for (const Rule &r : AllRules()) {
        RuleResult res = run.ResultOf(r);
        md += fmt::format("| {} | {} | {} | {} |\n", r.name, Md(r.title), Md(OutcomeText(res)), res.exercised);
    }
    return md;
}

std::string JUnitSuiteName(const RunSummary &run) {
    if (!run.junit_suite_name.empty()) return run.junit_suite_name;
    return fmt::format("vspconform.{}.{}", ModuleStem(run), ProfileName(run.profile));
}

namespace {

// compat: the older build (a module, or the archive that stands in for it) and its SHA-256.
std::string OlderBuildName(const RunSummary &run) {
    if (!run.compat) return {};
    return run.compat->old_module.path.empty() ? run.compat->old_archive + " (record archive)"
                                               : run.compat->old_module.path;
}

std::string OlderBuildProperties(const RunSummary &run) {
    if (!run.compat) return {};
    return fmt::format(
        "      <property name=\"older_build\" value=\"{}\"/>\n      <property name=\"older_sha256\" value=\"{}\"/>\n",
        Escape(OlderBuildName(run), true), Escape(run.compat->old_sha256, true));
}

}  // namespace

std::string JUnitReport(const RunSummary &run) {
    int failures = 0, skipped = 0;
    const std::string suite = JUnitSuiteName(run);
    std::string cases;
    for (const Rule &r : AllRules()) {
        RuleResult res = run.ResultOf(r);
        cases += fmt::format("    <testcase classname=\"{}\" name=\"{} {}\" time=\"0\">\n", Escape(suite, true), r.name,
                             Escape(r.title, true));
        bool failed = res.outcome == RuleOutcome::Fail || (res.outcome == RuleOutcome::Warn && run.warnings_as_errors);
        std::string nothing = run.NothingTested();
        if (!run.error.empty() || (!nothing.empty() && !failed)) {
            std::string why = run.error.empty() ? "could not test: " + nothing : run.error;
            cases += fmt::format("      <error message=\"{}\" type=\"could-not-test\">{}</error>\n", Escape(why, true),
                                 Escape(why));
        } else if (failed) {
            ++failures;
            for (const Finding &f : run.findings) {
                if (f.rule != r.id) continue;
                std::string body = f.message;
                if (f.code) body += "\nat: " + CodeText(run, f);
                if (f.call) body += "\ncall: " + f.call->text;
                body += "\nreproduce: " + ReplayCommand(run, f);
                cases += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                                     Escape(f.message, true), r.name, Escape(body));
            }
        } else if (res.outcome == RuleOutcome::Skipped || res.outcome == RuleOutcome::NotApplicable ||
                   res.outcome == RuleOutcome::NotReached) {
            ++skipped;
            std::string why = OutcomeText(res);
            cases += fmt::format("      <skipped message=\"{}\"/>\n", Escape(why, true));
        } else if (res.outcome == RuleOutcome::Warn) {
            for (const Finding &f : run.findings)
                if (f.rule == r.id)
                    cases += fmt::format("      <system-out>warning: {}</system-out>\n", Escape(f.message));
        } else {
            cases += fmt::format("      <system-out>exercised {} time(s)</system-out>\n", res.exercised);
        }
        cases += "    </testcase>\n";
    }
    int errors = 0;
    if (!run.error.empty() || !run.NothingTested().empty())
        for (const Rule &r : AllRules()) errors += run.ResultOf(r).outcome != RuleOutcome::Fail;
    return fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites name=\"vspconform\" tests=\"{0}\" failures=\"{1}\" errors=\"{2}\" time=\"{4:.3f}\">\n"
        "  <testsuite name=\"{5}\" tests=\"{0}\" failures=\"{1}\" errors=\"{2}\" skipped=\"{3}\" "
        "time=\"{4:.3f}\"{13}>\n"
        "    <properties>\n"
        "      <property name=\"module\" value=\"{6}\"/>\n"
        "      <property name=\"sha256\" value=\"{7}\"/>\n"
        "      <property name=\"tool_version\" value=\"{8}\"/>\n"
        "      <property name=\"profile\" value=\"{14}\"/>\n"
        "      <property name=\"seed\" value=\"{9}\"/>\n"
        "      <property name=\"cases\" value=\"{10}\"/>\n"
        "      <property name=\"calls\" value=\"{11}\"/>\n"
        "      <property name=\"sandbox\" value=\"{15}\"/>\n"
        "      <property name=\"flavour\" value=\"{16}\"/>\n"
        "      <property name=\"compiler\" value=\"{17}\"/>\n"
        "      <property name=\"flags\" value=\"{18}\"/>\n"
        "      <property name=\"source_revision\" value=\"{19}\"/>\n{20}"
        "    </properties>\n{12}  </testsuite>\n</testsuites>\n",
        AllRules().size(), failures, errors, skipped, run.seconds, Escape(suite, true), Escape(run.module.path, true),
        run.module.sha256, run.tool_version, run.seed, run.Cases(), run.Calls(), cases,
        run.started_at.empty() ? std::string() : fmt::format(" timestamp=\"{}\"", run.started_at.substr(0, 19)),
        ProfileName(run.profile), Escape(SandboxText(run), true), Escape(run.module.build.flavour, true),
        Escape(run.module.build.compiler.empty() ? "unknown" : run.module.build.compiler, true),
        Escape(run.module.build.flags.empty() ? "not recorded" : run.module.build.flags, true),
        Escape(run.source_revision.empty() ? "not given" : run.source_revision, true), OlderBuildProperties(run));
}

namespace {

std::string RuleHelpMarkdown(const Rule &r) {
    return fmt::format("**{}** ({}{})\n\n{}\n\nWrong:\n\n```c\n{}\n```\n\nRight:\n\n```c\n{}\n```\n", r.title,
                       SeverityName(r.severity), r.profiles == RuleProfiles::StrictOnly ? ", strict profile only" : "",
                       r.text, r.wrong, r.right);
}

// A source file as a SARIF artifactLocation: relative to SRCROOT when it is under --source-root.
json SourceArtifact(const RunSummary &run, const std::string &file) {
    if (!run.source_root.empty()) {
        std::string root = run.source_root.back() == '/' ? run.source_root : run.source_root + "/";
        if (file.rfind(root, 0) == 0)
            return {{"uri", PercentEncodePath(file.substr(root.size()))}, {"uriBaseId", "SRCROOT"}};
    }
    if (!file.empty() && file[0] == '/') return {{"uri", FileUri(file)}};
    return {{"uri", PercentEncodePath(file)}};
}

json SarifLocation(const RunSummary &run, const Finding &f) {
    json loc;
    if (f.code && !f.code->file.empty()) {
        json region = {{"startLine", std::max<uint32_t>(f.code->line, 1)}};
        if (f.code->column) region["startColumn"] = f.code->column;
        loc["physicalLocation"] = {{"artifactLocation", SourceArtifact(run, f.code->file)}, {"region", region}};
    } else {
        // No debug info: the module file is the only place to name.
        loc["physicalLocation"] = {{"artifactLocation", {{"uri", FileUri(run.module.path)}}},
                                   {"region", {{"startLine", 1}}}};
    }
    if (f.code && !f.code->function.empty())
        loc["logicalLocations"] = json::array({{{"name", f.code->function}, {"kind", "function"}}});
    return loc;
}

}  // namespace

namespace {

// The builds the run tested: the module, and compat's older build.
json SarifArtifacts(const RunSummary &run) {
    json out = {{{"location", {{"uri", FileUri(run.module.path)}}},
                 {"hashes", run.module.sha256.empty() ? json::object() : json{{"sha-256", run.module.sha256}}},
                 {"properties", {{"build", BuildJson(run.module.build)}}}}};
    if (run.compat) {
        const std::string path =
            run.compat->old_module.path.empty() ? run.compat->old_archive : run.compat->old_module.path;
        json older = {{"location", {{"uri", FileUri(path)}}},
                      {"description", {{"text", "the older build: " + OlderBuildName(run)}}}};
        if (!run.compat->old_sha256.empty()) older["hashes"] = {{"sha-256", run.compat->old_sha256}};
        out.push_back(older);
    }
    return out;
}

}  // namespace

json SarifReport(const RunSummary &run) {
    json rules = json::array();
    for (const Rule &r : AllRules())
        rules.push_back({{"id", r.name},
                         {"name", r.title},
                         {"shortDescription", {{"text", r.title}}},
                         {"fullDescription", {{"text", r.text}}},
                         {"helpUri", RuleHelpUri(r)},
                         {"help",
                          {{"text", fmt::format("{}\nWrong: {}\nRight: {}", r.text, r.wrong, r.right)},
                           {"markdown", RuleHelpMarkdown(r)}}},
                         {"defaultConfiguration", {{"level", r.severity == Severity::Error ? "error" : "warning"}}},
                         {"properties", {{"tags", {"vspconform", r.side == RuleSide::Save ? "save" : "restore"}}}}});
    // What was not tested shows here too: rules not reached or skipped are not passed rules.
    json notifications = json::array();
    if (!run.error.empty()) notifications.push_back({{"level", "error"}, {"message", {{"text", run.error}}}});
    if (std::string n = run.NothingTested(); !n.empty())
        notifications.push_back({{"level", "error"}, {"message", {{"text", "could not test: " + n}}}});
    for (const auto &note : run.notes) notifications.push_back({{"level", "note"}, {"message", {{"text", note}}}});
    for (const Rule &r : AllRules()) {
        RuleResult res = run.ResultOf(r);
        if (res.outcome == RuleOutcome::Skipped || res.outcome == RuleOutcome::NotApplicable ||
            res.outcome == RuleOutcome::NotReached)
            notifications.push_back({{"level", res.outcome == RuleOutcome::NotReached ? "warning" : "note"},
                                     {"message", {{"text", fmt::format("{} {}", r.name, OutcomeText(res))}}},
                                     {"associatedRule", {{"id", r.name}, {"index", static_cast<int>(r.id)}}}});
    }
    json results = json::array();
    for (const Finding &f : run.findings) {
        const Rule &r = RuleFor(f.rule);
        std::string message = f.message;
        if (f.code) message += fmt::format(" At {}.", CodeText(run, f));
        if (!f.case_file.empty()) message += fmt::format(" Reproduce: {}", ReplayCommand(run, f));
        results.push_back(
            {{"ruleId", r.name},
             {"ruleIndex", static_cast<int>(r.id)},
             {"level", r.severity == Severity::Error || run.warnings_as_errors ? "error" : "warning"},
             {"message", {{"text", message}}},
             {"locations", json::array({SarifLocation(run, f)})},
             {"partialFingerprints", {{"vspconformFindingHash/v1", Fingerprint(f)}}},
             {"properties",
              {{"signature", f.Signature()},
               {"case_file", f.case_file.empty() ? json(nullptr) : json(f.case_file)},
               {"replay", f.case_file.empty() ? json(nullptr) : json(ReplayCommand(run, f))},
               {"occurrences", f.occurrences},
               {"record_field", f.record && !f.record->field.empty() ? json(f.record->field) : json(nullptr)},
               {"stray", f.location
                             ? json{{"region", RegionName(f.location->region)},
                                    {"direction", DirectionOf(*f.location)},
                                    {"first_offset", f.location->offset},
                                    {"last_offset", f.location->extent ? json(f.location->last_offset) : json(nullptr)},
                                    {"extent", f.location->extent ? json(f.location->extent) : json(nullptr)}}
                             : json(nullptr)}}}});
    }
    json sarif_run = {{"tool",
                       {{"driver",
                         {{"name", "vspconform"},
                          {"version", run.tool_version},
                          {"semanticVersion", run.tool_version},
                          {"informationUri", kHomepage},
                          {"rules", rules}}}}},
                      {"automationDetails",
                       {{"id", fmt::format("vspconform/{}/{}/", ModuleStem(run), ProfileName(run.profile))}}},
                      {"artifacts", SarifArtifacts(run)},
                      {"invocations",
                       {{{"executionSuccessful", run.error.empty() && run.NothingTested().empty()},
                         {"toolExecutionNotifications", notifications},
                         {"properties",
                          {{"profile", ProfileName(run.profile)},
                           {"seed", run.seed},
                           {"cases", run.Cases()},
                           {"calls", run.Calls()},
                           {"source_revision", run.source_revision.empty() ? json(nullptr) : json(run.source_revision)},
                           {"sandbox", SandboxJson(run)}}}}}},
                      {"results", results}};
    if (!run.source_root.empty()) {
        std::string uri = FileUri(run.source_root);
        if (uri.back() != '/') uri += '/';
        sarif_run["originalUriBaseIds"] = {{"SRCROOT", {{"uri", uri}}}};
    }
    return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"}, {"version", "2.1.0"}, {"runs", {sarif_run}}};
}

namespace {

const char *OutcomeColour(RuleOutcome o) {
    switch (o) {
    case RuleOutcome::Pass: return "#176f2c";
    case RuleOutcome::Fail: return "#b00020";
    case RuleOutcome::Warn: return "#8a6100";
    case RuleOutcome::NotReached: return "#999999";
    case RuleOutcome::Skipped:
    case RuleOutcome::NotApplicable: return "#cccccc";
    }
    return "#999999";
}

// Each rule's exercise count (log scale) coloured by its outcome: what the verdict rests on.
std::string RuleChartSvg(const RunSummary &run) {
    const int row = 18, label = 60, width = 420, count_w = 130;
    const int height = static_cast<int>(AllRules().size()) * row + 10;
    double max_log = 1;
    for (const Rule &r : AllRules())
        max_log = std::max(max_log, std::log10(static_cast<double>(run.ResultOf(r).exercised) + 1));
    std::string svg = fmt::format(
        "<h2>Evidence per rule</h2>\n<svg id=\"rule-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" "
        "height=\"{}\" role=\"img\" aria-label=\"checks per rule, log scale, coloured by outcome\">\n",
        label + width + count_w, height);
    int y = 5;
    for (const Rule &r : AllRules()) {
        RuleResult res = run.ResultOf(r);
        double lg = std::log10(static_cast<double>(res.exercised) + 1);
        int w = res.exercised ? std::max(2, static_cast<int>(width * lg / max_log)) : 0;
        svg += fmt::format(
            "<g><title>{0}: {1}, exercised {2} time(s)</title><text x=\"0\" y=\"{3}\" font-size=\"12\">{0}</text>"
            "<rect x=\"{4}\" y=\"{5}\" width=\"{6}\" height=\"{7}\" fill=\"{8}\"/>"
            "<text x=\"{9}\" y=\"{3}\" font-size=\"11\">{2} ({10})</text></g>\n",
            r.name, Escape(OutcomeText(res), true), res.exercised, y + 12, label, y + 2, w, row - 4,
            OutcomeColour(res.outcome), label + w + 6, RuleOutcomeName(res.outcome));
        y += row;
    }
    return svg + "</svg>\n";
}

// How big the explored states' records are: BytesNeeded, in power-of-two buckets.
std::string BytesNeededChartSvg(const RunSummary &run) {
    size_t first = 0, last = 0;
    uint64_t peak = 0;
    for (size_t b = 1; b < run.bytes_needed.size(); ++b) {
        if (!run.bytes_needed[b]) continue;
        if (!first) first = b;
        last = b;
        peak = std::max(peak, run.bytes_needed[b]);
    }
    if (!first) return "<h2>BytesNeeded of the states probed</h2>\n<p>No probe reported a size.</p>\n";
    const int bar = 34, height = 160, base = height - 30;
    size_t n = last - first + 1;
    std::string svg = fmt::format(
        "<h2>BytesNeeded of the states probed</h2>\n<svg id=\"bytes-needed-chart\" "
        "xmlns=\"http://www.w3.org/2000/svg\" "
        "width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"states by BytesNeeded, power-of-two buckets\">\n",
        static_cast<int>(n) * bar + 10, height);
    auto human = [](uint64_t v) {
        return v >= (1u << 20) ? fmt::format("{}M", v >> 20)
               : v >= 1024     ? fmt::format("{}K", v >> 10)
                               : fmt::format("{}", v);
    };
    for (size_t b = first; b <= last; ++b) {
        uint64_t v = run.bytes_needed[b];
        int h = v ? std::max(1, static_cast<int>((base - 15) * std::log10(static_cast<double>(v) + 1) /
                                                 std::log10(static_cast<double>(peak) + 1)))
                  : 0;
        int x = 5 + static_cast<int>(b - first) * bar;
        uint64_t lo = uint64_t{1} << (b - 1), hi = (uint64_t{1} << b) - 1;
        svg += fmt::format(
            "<g><title>{0}..{1} bytes: {2} state(s)</title><rect x=\"{3}\" y=\"{4}\" width=\"{5}\" height=\"{6}\" "
            "fill=\"#3a6ea5\"/><text x=\"{3}\" y=\"{7}\" font-size=\"10\">{8}</text></g>\n",
            lo, hi, v, x, base - h, bar - 4, h, base + 14, human(lo));
    }
    return svg + fmt::format(
                     "<text x=\"5\" y=\"{}\" font-size=\"10\">bytes (bucket start); bar height: states, log "
                     "scale</text>\n</svg>\n",
                     height - 2);
}

// Coverage: the table per function and the edges reached over the campaign's time.
std::string CoverageHtml(const RunSummary &run) {
    if (!run.coverage) return "";
    const CoverageSummary &c = *run.coverage;
    std::string h = "<h2>Coverage</h2>\n";
    if (c.edges == 0) return h + fmt::format("<p>{}</p>\n", Escape(c.note.empty() ? "no coverage" : c.note));
    h += fmt::format("<p>{} of {} edges of the module reached by {} inputs.</p>\n", c.reached, c.edges, c.inputs);
    h += "<table id=\"coverage\"><tr><th>function</th><th>callback</th><th>edges reached</th><th>entered</th>"
         "<th>unreached at</th></tr>\n";
    for (const FunctionCoverage &f : c.functions)
        h += fmt::format(
            "<tr class=\"function\"><td><code>{}</code></td><td>{}</td><td>{}/{}</td><td class=\"{}\">{}</td>"
            "<td>{}</td></tr>\n",
            Escape(f.name), Escape(f.callback), f.reached, f.edges, f.entered ? "pass" : "fail",
            f.entered ? "yes" : "never", Escape(fmt::format("{}", fmt::join(f.unreached, ", "))));
    h += "</table>\n";
    bool any = false;
    for (const FunctionCoverage &f : c.functions) {
        if (f.branches.empty()) continue;
        if (!any)
            h += "<h3>Unreached branches</h3>\n<p>Every edge the run never took, by its source line.</p>\n<ul "
                 "id=\"branches\">\n";
        any = true;
        h += fmt::format("<li><code>{}</code><ul>\n", Escape(f.name));
        for (const UnreachedBranch &b : f.branches) h += fmt::format("<li>{}</li>\n", Escape(BranchText(b)));
        h += "</ul></li>\n";
    }
    if (any) h += "</ul>\n";
    if (c.timeline.size() >= 2) {
        const int width = 600, height = 160;
        double t_max = std::max(c.timeline.back().first, 1e-3);
        uint64_t e_max = std::max<uint64_t>(c.timeline.back().second, 1);
        std::string points;
        for (auto [t, e] : c.timeline)
            points += fmt::format("{:.1f},{:.1f} ", 40 + (width - 50) * t / t_max,
                                  height - 20 - (height - 30) * static_cast<double>(e) / static_cast<double>(e_max));
        h += fmt::format(
            "<svg id=\"coverage-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" role=\"img\" "
            "aria-label=\"edges reached over time\"><polyline fill=\"none\" stroke=\"#3a6ea5\" stroke-width=\"2\" "
            "points=\"{2}\"/><text x=\"0\" y=\"12\" font-size=\"10\">{3} edges</text><text x=\"{4}\" y=\"{5}\" "
            "font-size=\"10\">{6:.0f} s</text></svg>\n",
            width, height, points, e_max, width - 40, height - 4, t_max);
    }
    return h;
}

}  // namespace

std::string HtmlReport(const RunSummary &run) {
    std::string verdict = run.Verdict();
    std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
    h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    h += fmt::format("<title>vspconform: {}</title>\n", Escape(verdict));
    h += "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
         ".pass{color:#176f2c}.fail{color:#b00020}.error{color:#b00020}.warn{color:#8a6100}"
         ".skipped,.not{color:#666}code{background:#f4f4f4;padding:0 .2em}</style></head><body>\n";
    h += fmt::format("<h1>vspconform {} <span id=\"verdict\" class=\"{}\">{}</span></h1>\n",
                     Escape(std::string(CommandName(run.command))), verdict, verdict);
    if (const std::string low = LowRestoreCoverageText(run, ""); !low.empty())
        h += fmt::format("<p id=\"low-restore-coverage\" class=\"warn\"><b>{}</b></p>\n", Escape(low));
    h += "<table>\n";
    h += fmt::format("<tr><th>module</th><td><code>{}</code></td></tr>\n", Escape(run.module.path));
    h += fmt::format("<tr><th>SHA-256</th><td><code>{}</code></td></tr>\n", run.module.sha256);
    if (run.compat)
        h += fmt::format(
            "<tr><th>older build</th><td><code id=\"older-build\">{}</code></td></tr>\n"
            "<tr><th>older SHA-256</th><td><code id=\"older-sha256\">{}</code></td></tr>\n",
            Escape(OlderBuildName(run)), Escape(run.compat->old_sha256));
    h += fmt::format("<tr><th>build</th><td id=\"build\">{}{}</td></tr>\n", Escape(BuildText(run.module.build)),
                     run.module.build.note.empty() ? "" : "<br>" + Escape(run.module.build.note));
    h += fmt::format("<tr><th>source revision</th><td id=\"source-revision\">{}</td></tr>\n",
                     run.source_revision.empty() ? std::string("not given (--source-revision)")
                                                 : "<code>" + Escape(run.source_revision) + "</code>");
    h += fmt::format("<tr><th>tool</th><td>vspconform {}</td></tr>\n", run.tool_version);
    h += fmt::format("<tr><th>profile / seed</th><td>{} / {}</td></tr>\n", ProfileName(run.profile), run.seed);
    h += fmt::format("<tr><th>cases / calls</th><td>{} / {}</td></tr>\n", run.Cases(), run.Calls());
    h += fmt::format("<tr><th>time</th><td>{:.1f} s (cap {:g} s{})</td></tr>\n", run.seconds, run.max_time,
                     run.time_cap_hit ? ", hit" : "");
    h += fmt::format("<tr><th>started</th><td><time id=\"started\">{}</time></td></tr>\n", Escape(run.started_at));
    h += fmt::format("<tr><th>sandbox</th><td id=\"sandbox\">{}</td></tr>\n</table>\n", Escape(SandboxText(run)));
    h += "<p>Module output: <a href=\"worker.log\">worker.log</a></p>\n";
    if (!run.error.empty()) h += fmt::format("<p class=\"error\">Could not test: {}</p>\n", Escape(run.error));
    if (std::string n = run.NothingTested(); !n.empty())
        h += fmt::format("<p class=\"error\">Could not test: {}</p>\n", Escape(n));
    for (const auto &n : run.notes) h += fmt::format("<p><b>Note:</b> {}</p>\n", Escape(n));
    if (!run.findings.empty()) {
        h += "<h2>Findings</h2>\n<table><tr><th>rule</th><th>severity</th><th>what</th><th>reproduce</th></tr>\n";
        for (const Finding &f : run.findings) {
            const Rule &r = RuleFor(f.rule);
            h += fmt::format(
                "<tr class=\"finding\" data-rule=\"{0}\"><td>{0}</td><td class=\"{1}\">{2}</td><td><b>{3}</b><br>{4}"
                "<br>call: <code>{5}</code><br>source: <code class=\"source\">{6}</code></td>"
                "<td><code class=\"replay\">{7}</code></td></tr>\n",
                r.name, r.severity == Severity::Error ? "fail" : "warn", SeverityName(r.severity), Escape(r.title),
                Escape(f.message), f.call ? Escape(f.call->text) : "", Escape(f.code ? CodeText(run, f) : "unknown"),
                Escape(ReplayCommand(run, f)));
        }
        h += "</table>\n";
    }
    h += "<h2>Rules</h2>\n<table><tr><th>rule</th><th>title</th><th>outcome</th><th>exercised</th></tr>\n";
    for (const Rule &r : AllRules()) {
        RuleResult res = run.ResultOf(r);
        std::string o(RuleOutcomeName(res.outcome));
        h += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>\n", r.name,
                         Escape(r.title), o.substr(0, o.find(' ')), Escape(OutcomeText(res)), res.exercised);
    }
    h += "</table>\n";
    h += RuleChartSvg(run);
    h += BytesNeededChartSvg(run);
    h += CoverageHtml(run);
    h += "</body></html>\n";
    return h;
}

std::string RulesMarkdown() {
    std::string md =
        "# vspconform rules\n\n"
        "Generated from `harness/Rules.def` by `vspconform rules --markdown`; a test keeps this file "
        "in step with the table.\n\n"
        "Errors fail the verdict. Warnings fail it only with `--warnings-as-errors`. Rules marked "
        "*strict* are checked only under `--profile strict` (the default). A rule passes only when "
        "the run exercised it; otherwise its outcome is *not reached*, with the reason.\n\n";
    md += "| ID | severity | profiles | needs | title |\n|---|---|---|---|---|\n";
    for (const Rule &r : AllRules())
        md += fmt::format("| [{}](#{}) | {} | {} | {} | {} |\n", r.name, fmt::format("{}", r.name).c_str(),
                          SeverityName(r.severity), r.profiles == RuleProfiles::Both ? "strict, kmcl" : "strict",
                          r.needs == RuleNeeds::State ? "a packet with state" : "any packet", Md(r.title));
    for (const Rule &r : AllRules()) {
        md += fmt::format("\n## {}\n\n**{}** ({}{}). {}\n\nWrong:\n\n```c\n{}\n```\n\nRight:\n\n```c\n{}\n```\n",
                          r.name, r.title, SeverityName(r.severity),
                          r.profiles == RuleProfiles::StrictOnly ? ", strict profile only" : "", r.text, r.wrong,
                          r.right);
    }
    return md;
}

std::string WriteReports(RunSummary &run, const std::string &dir) {
    std::error_code ec;
    fs::create_directories(fs::path(dir), ec);
    if (ec) return fmt::format("cannot create {}: {}", dir, ec.message());
    if (!run.findings.empty()) {
        fs::create_directories(fs::path(dir) / "cases", ec);
        if (ec) return fmt::format("cannot create {}: {}", (fs::path(dir) / "cases").string(), ec.message());
    }
    for (Finding &f : run.findings) {
        f.case_file = fmt::format("cases/{}-{}.case", RuleFor(f.rule).name,
                                  Sha256Hex(f.reproducer.data(), f.reproducer.size()).substr(0, 12));
        // The file says what it needs (profile, callback names, direction): replay needs no flags.
        CaseFileInfo info;
        info.profile = f.profile;
        info.finding = f.Key();
        if (f.compat) info.direction = f.compat->direction;
        const ModuleOptions &names = f.compat && f.compat->direction == CompatDirection::Rollback && run.compat
                                         ? run.compat->old_options
                                         : run.module_options;
        if (names.save_symbol != ModuleOptions{}.save_symbol) info.save_symbol = names.save_symbol;
        if (names.restore_symbol != ModuleOptions{}.restore_symbol) info.restore_symbol = names.restore_symbol;
        if (auto ok = WriteFileAtomically((fs::path(dir) / f.case_file).string(), EncodeCaseFile(f.reproducer, info));
            !ok)
            return ok.error();
    }
    std::string err;
    // Text from the module (its output, its names) is in the reports: invalid UTF-8 is replaced,
    // never a reason to write no report at all.
    constexpr auto replace = json::error_handler_t::replace;
    for (auto [name, text] :
         {std::pair<const char *, std::string>{"report.json", JsonReport(run).dump(2, ' ', false, replace) + "\n"},
          {"report.md", MarkdownReport(run)},
          {"report.html", HtmlReport(run)},
          {"junit.xml", JUnitReport(run)},
          {"results.sarif", SarifReport(run).dump(2, ' ', false, replace) + "\n"}})
        if (auto ok = WriteFileAtomically((fs::path(dir) / name).string(), text); !ok && err.empty()) err = ok.error();
    return err;
}

namespace {

// Promoted states: how many got their contract, how many were cut.
std::string PromotedText(const RunSummary &run) {
    return fmt::format("{} played{}", run.fuzz.promoted_played,
                       run.fuzz.promoted_cut ? fmt::format(", {} cut by the end of the run", run.fuzz.promoted_cut)
                                             : "");
}

}  // namespace

void PrintSummary(const RunSummary &run, std::FILE *out) {
    std::string verdict = run.Verdict();
    fmt::print(out, "vspconform {} {} (profile {}, seed {})\n", run.tool_version, CommandName(run.command),
               ProfileName(run.profile), run.seed);
    fmt::print(out, "module   {}\n         sha256 {}{}{}\n", run.module.path, run.module.sha256,
               run.module.coverage ? ", coverage-instrumented" : "", run.module.needs_asan ? ", ASan" : "");
    fmt::print(out, "build    {}\n", BuildText(run.module.build));
    if (!run.source_revision.empty()) fmt::print(out, "revision {}\n", run.source_revision);
    if (run.sandbox) fmt::print(out, "sandbox  {}\n", DescribeSandbox(*run.sandbox));
    if (run.compat)
        fmt::print(out, "older    {}\n         sha256 {}\n",
                   run.compat->old_module.path.empty() ? run.compat->old_archive + " (record archive)"
                                                       : run.compat->old_module.path,
                   run.compat->old_sha256);
    if (run.error.empty() && run.compat)
        fmt::print(out,
                   "migrated {} records of the older build forward, {} ({} cases, {} skipped: the restoring "
                   "build rejected their seed)\n",
                   run.compat->forward_records,
                   run.compat->rollback ? fmt::format("{} of the newer build back", run.compat->rollback_records)
                                        : std::string("none back (the older build is an archive)"),
                   run.compat_stage.cases, run.compat_stage.skipped);
    if (run.error.empty() && run.campaign)
        fmt::print(out,
                   "tested   {} executions ({:.0f}/s), {} callback calls in {:.1f} s on {} worker(s); {} states "
                   "promoted to the full contract ({}); corpus {} files\n",
                   run.campaign->execs,
                   run.campaign->seconds > 0 ? static_cast<double>(run.campaign->execs) / run.campaign->seconds : 0.0,
                   run.campaign->calls, run.campaign->seconds, run.jobs, run.fuzz.promoted, PromotedText(run),
                   run.campaign->corpus_files);
    else if (run.error.empty() && run.command == CommandId::Compat)
        fmt::print(out, "tested   {} cases, {} calls ({} of {} coverage-guided runs) in {:.1f} s on {} worker(s)\n",
                   run.Cases(), run.Calls(), run.fuzz.execs, run.fuzz.planned, run.seconds, run.jobs);
    else if (run.error.empty())
        fmt::print(out,
                   "tested   {} cases, {} calls ({} of {} sweep cases, {} of {} coverage-guided runs, {} states "
                   "promoted to the full contract: {}) in {:.1f} s on {} worker(s)\n",
                   run.Cases(), run.Calls(), run.sweep.cases, run.sweep.planned, run.fuzz.execs, run.fuzz.planned,
                   run.fuzz.promoted, PromotedText(run), run.seconds, run.jobs);
    if (run.error.empty()) {
        int passed = 0, not_reached = 0;
        std::string missing;
        for (const Rule &r : AllRules()) {
            RuleResult res = run.ResultOf(r);
            passed += res.outcome == RuleOutcome::Pass;
            if (res.outcome == RuleOutcome::NotReached) {
                ++not_reached;
                missing += fmt::format("{}{} ({})", missing.empty() ? "" : ", ", r.name, res.reason);
            }
        }
        fmt::print(out, "rules    {} passed, {} not reached{}\n", passed, not_reached,
                   missing.empty() ? "" : ": " + missing);
        // A campaign: which rules the contract (sweep-like cases on promoted states) exercised,
        // and which only the exploration's own executions did.
        if (run.campaign) {
            std::string contract, exploration;
            for (const Rule &r : AllRules()) {
                const uint64_t all = run.evidence[r.Index()], explored = run.explored[r.Index()];
                if (all > explored)
                    contract += fmt::format("{}{}", contract.empty() ? "" : " ", r.name);
                else if (explored > 0)
                    exploration += fmt::format("{}{}", exploration.empty() ? "" : " ", r.name);
            }
            fmt::print(out, "         exercised by the contract: {}; by exploration only: {}\n",
                       contract.empty() ? "none" : contract, exploration.empty() ? "none" : exploration);
        }
    }
    for (const auto &n : run.notes) fmt::print(out, "note     {}\n", n);
    for (const Finding &f : run.findings) {
        const Rule &r = RuleFor(f.rule);
        fmt::print(out, "{:<8} {} {}: {}\n", r.severity == Severity::Error ? "FAIL" : "warning", r.name, r.title,
                   f.message);
        if (f.code) fmt::print(out, "         at {}\n", DescribeCode(*f.code, run.source_root));
        fmt::print(out, "         replay: {}\n", ReplayCommand(run, f));
    }
    int errors = 0, warnings = 0;
    for (const Finding &f : run.findings) (f.severity() == Severity::Error ? errors : warnings)++;
    if (verdict == "error")
        fmt::print(out, "verdict  ERROR: could not test: {}\n", run.error.empty() ? run.NothingTested() : run.error);
    else
        fmt::print(out, "verdict  {} ({} rule violation(s), {} warning(s)){}\n", verdict == "pass" ? "PASS" : "FAIL",
                   errors, warnings, LowRestoreCoverageText(run, "; "));
    fmt::print(out, "report   {}/report.md (also report.json, report.html, junit.xml, results.sarif)\n",
               run.report_dir);
}

}  // namespace vspc
