#include "Report.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "Sha256.h"

namespace vspc {

namespace fs = std::filesystem;

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

std::string MdCell(std::string_view s) {
    std::string out;
    for (char c : s) out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
    return out;
}

std::string ReplayCommand(const RunSummary &run, const Finding &f) {
    return ReplayCommand(run.module.path, (fs::path(run.report_dir) / f.case_file).string(), run.profile);
}

std::string Location(const Finding &f) {
    const auto &v = f.violation;
    if (!v.contains("offset")) return "";
    return fmt::format("{} offset {} ({}, {})", v.value("region", ""), v["offset"].get<int64_t>(),
                       v.value("direction", ""), v.value("access", ""));
}

}  // namespace

std::string ReplayCommand(const std::string &module, const std::string &case_file, Profile profile) {
    return fmt::format("vspconform replay {} {}{}", module, case_file,
                       profile == Profile::Kmcl ? " --profile kmcl" : "");
}

nlohmann::json JsonReport(const RunSummary &run) {
    nlohmann::json rules = nlohmann::json::array();
    for (const Rule &r : AllRules())
        rules.push_back({{"id", r.name},
                         {"title", r.title},
                         {"severity", SeverityName(r.severity)},
                         {"outcome", RuleOutcomeName(run.OutcomeOf(r))}});
    nlohmann::json violations = nlohmann::json::array(), warnings = nlohmann::json::array();
    for (const Finding &f : run.findings) {
        nlohmann::json v = f.violation;
        v["case_file"] = f.case_file;
        v["occurrences"] = f.occurrences;
        (f.severity == Severity::Error ? violations : warnings).push_back(std::move(v));
    }
    return {{"tool", {{"name", "vspconform"}, {"version", run.tool_version}}},
            {"command", run.command},
            {"verdict", run.Verdict()},
            {"exit_code", run.ExitCode()},
            {"error", run.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(run.error)},
            {"module",
             {{"path", run.module.path},
              {"sha256", run.module.sha256},
              {"size", run.module.size},
              {"asan", run.module.needs_asan},
              {"coverage", run.module.coverage},
              {"hooks", run.hooks.is_null() ? nlohmann::json::object() : run.hooks}}},
            {"profile", ProfileName(run.profile)},
            {"seed", run.seed},
            {"warnings_as_errors", run.warnings_as_errors},
            {"counts",
             {{"cases", run.Cases()},
              {"calls", run.Calls()},
              {"sweep_cases", run.sweep_cases},
              {"sweep_skipped", run.sweep_skipped},
              {"sweep_calls", run.sweep_calls},
              {"fuzz_runs", run.fuzz_runs},
              {"fuzz_cases", run.fuzz_cases},
              {"fuzz_calls", run.fuzz_calls},
              {"worker_restarts", run.worker_restarts},
              {"violations", violations.size()},
              {"warnings", warnings.size()}}},
            {"seconds", run.seconds},
            {"notes", run.notes},
            {"rules", rules},
            {"violations", violations},
            {"warnings", warnings}};
}

std::string MarkdownReport(const RunSummary &run) {
    std::string md = fmt::format("# vspconform {} report: {}\n\n", run.command, run.Verdict());
    md += "| | |\n|---|---|\n";
    md += fmt::format("| module | `{}` |\n| SHA-256 | `{}` |\n", run.module.path, run.module.sha256);
    md += fmt::format("| tool | vspconform {} |\n| profile | {} |\n| seed | {} |\n", run.tool_version,
                      ProfileName(run.profile), run.seed);
    md += fmt::format("| cases | {} ({} sweep, {} coverage-guided) |\n| calls | {} |\n", run.Cases(), run.sweep_cases,
                      run.fuzz_cases, run.Calls());
    md += fmt::format("| time | {:.1f} s |\n\n", run.seconds);
    if (!run.error.empty()) md += fmt::format("**Could not test:** {}\n\n", run.error);
    for (const auto &n : run.notes) md += fmt::format("> Note: {}\n\n", n);
    if (!run.findings.empty()) {
        md += "## Findings\n\n";
        for (const Finding &f : run.findings) {
            const Rule &r = RuleFor(f.rule);
            md += fmt::format("### {} ({}): {}\n\n", r.name, SeverityName(r.severity), r.title);
            md += fmt::format("{}\n\n", f.violation.value("message", ""));
            if (f.violation.contains("call"))
                md += fmt::format("- call: `{}`\n", f.violation["call"].value("text", ""));
            if (std::string loc = Location(f); !loc.empty()) md += fmt::format("- location: {}\n", loc);
            md +=
                fmt::format("- found by: {} stage, {} occurrence(s)\n", f.violation.value("stage", ""), f.occurrences);
            md += fmt::format("- reproduce: `{}`\n\n", ReplayCommand(run, f));
            md += fmt::format("Rule: {}\n\n", r.text);
        }
    }
    md += "## Rules\n\n| rule | title | outcome |\n|---|---|---|\n";
    for (const Rule &r : AllRules())
        md += fmt::format("| {} | {} | {} |\n", r.name, MdCell(r.title), RuleOutcomeName(run.OutcomeOf(r)));
    return md;
}

std::string JUnitReport(const RunSummary &run) {
    int failures = 0, skipped = 0;
    std::string cases;
    for (const Rule &r : AllRules()) {
        RuleOutcome o = run.OutcomeOf(r);
        cases += fmt::format("    <testcase classname=\"vspconform.{}\" name=\"{} {}\">\n", ProfileName(run.profile),
                             r.name, Escape(r.title, true));
        if (!run.error.empty()) {
            cases += fmt::format("      <error message=\"{}\"/>\n", Escape(run.error, true));
        } else if (o == RuleOutcome::Fail || (o == RuleOutcome::Warn && run.warnings_as_errors)) {
            ++failures;
            for (const Finding &f : run.findings)
                if (f.rule == r.id)
                    cases += fmt::format("      <failure message=\"{}\" type=\"{}\">{}\nreproduce: {}</failure>\n",
                                         Escape(f.violation.value("message", ""), true), r.name,
                                         Escape(f.violation.value("message", "")), Escape(ReplayCommand(run, f)));
        } else if (o == RuleOutcome::Skipped || o == RuleOutcome::NotApplicable) {
            ++skipped;
            cases += fmt::format("      <skipped message=\"{}\"/>\n", RuleOutcomeName(o));
        } else if (o == RuleOutcome::Warn) {
            for (const Finding &f : run.findings)
                if (f.rule == r.id)
                    cases += fmt::format("      <system-out>warning: {}</system-out>\n",
                                         Escape(f.violation.value("message", "")));
        }
        cases += "    </testcase>\n";
    }
    int errors = run.error.empty() ? 0 : static_cast<int>(AllRules().size());
    return fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites name=\"vspconform\" tests=\"{0}\" failures=\"{1}\" errors=\"{2}\" skipped=\"{3}\" "
        "time=\"{4:.3f}\">\n"
        "  <testsuite name=\"vspconform {5}\" tests=\"{0}\" failures=\"{1}\" errors=\"{2}\" skipped=\"{3}\" "
        "time=\"{4:.3f}\">\n"
        "    <properties>\n"
        "      <property name=\"module\" value=\"{6}\"/>\n"
        "      <property name=\"sha256\" value=\"{7}\"/>\n"
        "      <property name=\"tool_version\" value=\"{8}\"/>\n"
        "      <property name=\"profile\" value=\"{5}\"/>\n"
        "      <property name=\"seed\" value=\"{9}\"/>\n"
        "      <property name=\"cases\" value=\"{10}\"/>\n"
        "      <property name=\"calls\" value=\"{11}\"/>\n"
        "    </properties>\n{12}  </testsuite>\n</testsuites>\n",
        AllRules().size(), failures, errors, skipped, run.seconds, ProfileName(run.profile),
        Escape(run.module.path, true), run.module.sha256, run.tool_version, run.seed, run.Cases(), run.Calls(), cases);
}

nlohmann::json SarifReport(const RunSummary &run) {
    nlohmann::json rules = nlohmann::json::array();
    for (const Rule &r : AllRules())
        rules.push_back({{"id", r.name},
                         {"name", r.title},
                         {"shortDescription", {{"text", r.title}}},
                         {"fullDescription", {{"text", r.text}}},
                         {"help", {{"text", fmt::format("{}\nWrong: {}\nRight: {}", r.text, r.wrong, r.right)}}},
                         {"defaultConfiguration", {{"level", r.severity == Severity::Error ? "error" : "warning"}}}});
    // What was not tested shows here too: skipped rules are not passed rules.
    nlohmann::json notifications = nlohmann::json::array();
    if (!run.error.empty()) notifications.push_back({{"level", "error"}, {"message", {{"text", run.error}}}});
    for (const auto &note : run.notes) notifications.push_back({{"level", "note"}, {"message", {{"text", note}}}});
    for (const Rule &r : AllRules()) {
        RuleOutcome o = run.OutcomeOf(r);
        if (o == RuleOutcome::Skipped || o == RuleOutcome::NotApplicable)
            notifications.push_back({{"level", "note"},
                                     {"message", {{"text", fmt::format("{} {}", r.name, RuleOutcomeName(o))}}},
                                     {"associatedRule", {{"id", r.name}, {"index", static_cast<int>(r.id)}}}});
    }
    nlohmann::json results = nlohmann::json::array();
    for (const Finding &f : run.findings) {
        const Rule &r = RuleFor(f.rule);
        std::string message = f.violation.value("message", "");
        if (std::string loc = Location(f); !loc.empty()) message += fmt::format(" [{}]", loc);
        message += fmt::format(" Reproduce: {}", ReplayCommand(run, f));
        results.push_back({{"ruleId", r.name},
                           {"ruleIndex", static_cast<int>(r.id)},
                           {"level", r.severity == Severity::Error || run.warnings_as_errors ? "error" : "warning"},
                           {"message", {{"text", message}}},
                           {"locations",
                            {{{"physicalLocation",
                               {{"artifactLocation", {{"uri", run.module.path}}}, {"region", {{"startLine", 1}}}}}}}},
                           {"partialFingerprints",
                            {{"vspconform/v1", fmt::format("{}|{}", r.name, f.violation.value("signature", ""))}}},
                           {"properties", {{"case_file", f.case_file}, {"occurrences", f.occurrences}}}});
    }
    return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
            {"version", "2.1.0"},
            {"runs",
             {{{"tool",
                {{"driver",
                  {{"name", "vspconform"},
                   {"version", run.tool_version},
                   {"informationUri", "https://example.invalid/vspconform"},
                   {"rules", rules}}}}},
               {"artifacts",
                {{{"location", {{"uri", run.module.path}}}, {"hashes", {{"sha-256", run.module.sha256}}}}}},
               {"invocations",
                {{{"executionSuccessful", run.error.empty()},
                  {"toolExecutionNotifications", notifications},
                  {"properties",
                   {{"profile", ProfileName(run.profile)},
                    {"seed", run.seed},
                    {"cases", run.Cases()},
                    {"calls", run.Calls()}}}}}},
               {"results", results}}}}};
}

std::string HtmlReport(const RunSummary &run) {
    std::string verdict = run.Verdict();
    std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
    h += fmt::format("<title>vspconform: {}</title>\n", Escape(verdict));
    h += "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
         ".pass{color:#176f2c}.fail{color:#b00020}.error{color:#b00020}.warn{color:#8a6100}"
         ".skipped,.not{color:#666}code{background:#f4f4f4;padding:0 .2em}</style></head><body>\n";
    h += fmt::format("<h1>vspconform {} <span class=\"{}\">{}</span></h1>\n", Escape(run.command), verdict, verdict);
    h += "<table>\n";
    h += fmt::format("<tr><th>module</th><td><code>{}</code></td></tr>\n", Escape(run.module.path));
    h += fmt::format("<tr><th>SHA-256</th><td><code>{}</code></td></tr>\n", run.module.sha256);
    h += fmt::format("<tr><th>tool</th><td>vspconform {}</td></tr>\n", run.tool_version);
    h += fmt::format("<tr><th>profile / seed</th><td>{} / {}</td></tr>\n", ProfileName(run.profile), run.seed);
    h += fmt::format("<tr><th>cases / calls</th><td>{} / {}</td></tr>\n</table>\n", run.Cases(), run.Calls());
    if (!run.error.empty()) h += fmt::format("<p class=\"error\">Could not test: {}</p>\n", Escape(run.error));
    for (const auto &n : run.notes) h += fmt::format("<p><b>Note:</b> {}</p>\n", Escape(n));
    if (!run.findings.empty()) {
        h += "<h2>Findings</h2>\n<table><tr><th>rule</th><th>severity</th><th>what</th><th>reproduce</th></tr>\n";
        for (const Finding &f : run.findings) {
            const Rule &r = RuleFor(f.rule);
            h += fmt::format(
                "<tr><td>{}</td><td class=\"{}\">{}</td><td><b>{}</b><br>{}<br><code>{}</code></td>"
                "<td><code>{}</code></td></tr>\n",
                r.name, r.severity == Severity::Error ? "fail" : "warn", SeverityName(r.severity), Escape(r.title),
                Escape(f.violation.value("message", "")),
                f.violation.contains("call") ? Escape(f.violation["call"].value("text", "")) : "",
                Escape(ReplayCommand(run, f)));
        }
        h += "</table>\n";
    }
    h += "<h2>Rules</h2>\n<table><tr><th>rule</th><th>title</th><th>outcome</th></tr>\n";
    for (const Rule &r : AllRules()) {
        std::string o(RuleOutcomeName(run.OutcomeOf(r)));
        h += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>\n", r.name, Escape(r.title),
                         o.substr(0, o.find(' ')), o);
    }
    h += "</table>\n</body></html>\n";
    return h;
}

std::string RulesMarkdown() {
    std::string md =
        "# vspconform rules\n\n"
        "Generated from `harness/Rules.def` by `vspconform rules --markdown`; a test keeps this file "
        "in step with the table.\n\n"
        "Errors fail the verdict. Warnings fail it only with `--warnings-as-errors`. Rules marked "
        "*strict* are checked only under `--profile strict` (the default).\n\n";
    md += "| ID | severity | profiles | title |\n|---|---|---|---|\n";
    for (const Rule &r : AllRules())
        md += fmt::format("| [{}](#{}) | {} | {} | {} |\n", r.name, fmt::format("{}", r.name).c_str(),
                          SeverityName(r.severity), r.profiles == RuleProfiles::Both ? "strict, kmcl" : "strict",
                          MdCell(r.title));
    for (const Rule &r : AllRules()) {
        std::string id(r.name);
        for (auto &c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        md += fmt::format("\n## {}\n\n**{}** ({}{}). {}\n\nWrong:\n\n```c\n{}\n```\n\nRight:\n\n```c\n{}\n```\n",
                          r.name, r.title, SeverityName(r.severity),
                          r.profiles == RuleProfiles::StrictOnly ? ", strict profile only" : "", r.text, r.wrong,
                          r.right);
    }
    return md;
}

std::string WriteReports(RunSummary &run, const std::string &dir) {
    std::error_code ec;
    fs::create_directories(fs::path(dir) / "cases", ec);
    if (ec) return fmt::format("cannot create {}: {}", dir, ec.message());
    for (Finding &f : run.findings) {
        f.case_file = fmt::format("cases/{}-{}.case", RuleFor(f.rule).name,
                                  Sha256Hex(f.reproducer.data(), f.reproducer.size()).substr(0, 12));
        std::ofstream out(fs::path(dir) / f.case_file, std::ios::binary);
        out.write(reinterpret_cast<const char *>(f.reproducer.data()),
                  static_cast<std::streamsize>(f.reproducer.size()));
        if (!out) return fmt::format("cannot write {}", (fs::path(dir) / f.case_file).string());
    }
    auto write = [&](const char *name, const std::string &text) -> std::string {
        std::ofstream out(fs::path(dir) / name, std::ios::binary);
        out << text;
        out.close();
        return out ? "" : fmt::format("cannot write {}", (fs::path(dir) / name).string());
    };
    std::string err;
    for (auto [name, text] : {std::pair<const char *, std::string>{"report.json", JsonReport(run).dump(2) + "\n"},
                              {"report.md", MarkdownReport(run)},
                              {"report.html", HtmlReport(run)},
                              {"junit.xml", JUnitReport(run)},
                              {"results.sarif", SarifReport(run).dump(2) + "\n"}})
        if (std::string e = write(name, text); !e.empty() && err.empty()) err = e;
    return err;
}

void PrintSummary(const RunSummary &run, const std::string &dir, std::FILE *out) {
    std::string verdict = run.Verdict();
    fmt::print(out, "vspconform {} {} (profile {}, seed {})\n", run.tool_version, run.command, ProfileName(run.profile),
               run.seed);
    fmt::print(out, "module   {}\n         sha256 {}{}{}\n", run.module.path, run.module.sha256,
               run.module.coverage ? ", coverage-instrumented" : "", run.module.needs_asan ? ", ASan" : "");
    if (run.error.empty()) {
        fmt::print(out, "tested   {} cases, {} calls ({} sweep cases, {} coverage-guided runs) in {:.1f} s\n",
                   run.Cases(), run.Calls(), run.sweep_cases, run.fuzz_cases, run.seconds);
    }
    for (const auto &n : run.notes) fmt::print(out, "note     {}\n", n);
    for (const Finding &f : run.findings) {
        const Rule &r = RuleFor(f.rule);
        fmt::print(out, "{:<8} {} {}: {}\n", r.severity == Severity::Error ? "FAIL" : "warning", r.name, r.title,
                   f.violation.value("message", ""));
        fmt::print(out, "         replay: {}\n", ReplayCommand(run, f));
    }
    int errors = 0, warnings = 0;
    for (const Finding &f : run.findings) (f.severity == Severity::Error ? errors : warnings)++;
    if (verdict == "error")
        fmt::print(out, "verdict  ERROR: could not test: {}\n", run.error);
    else
        fmt::print(out, "verdict  {} ({} rule violation(s), {} warning(s))\n", verdict == "pass" ? "PASS" : "FAIL",
                   errors, warnings);
    fmt::print(out, "report   {}/report.md (also report.json, report.html, junit.xml, results.sarif)\n", dir);
}

}  // namespace vspc
