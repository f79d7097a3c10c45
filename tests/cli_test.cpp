// The command line as users and CI systems see it: exit codes, error
// messages, determinism, the report formats, deaths of the module, and the
// rule catalog in docs/rules.md.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace {

using namespace vspc_test;

std::string Lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// Exit 2 and one clear line on stderr that mentions `mention` (case-insensitive).
void ExpectCouldNotTest(const ProcResult &r, const std::string &mention) {
    EXPECT_EQ(r.signal, 0) << "vspconform died\n" << r.Describe();
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    const auto lines = Lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << "stderr must be a single line\n" << r.Describe();
    EXPECT_EQ(lines[0].rfind("vspconform: error: ", 0), 0u) << lines[0];
    EXPECT_GT(lines[0].size(), std::string("vspconform: error: ").size() + 10) << lines[0];
    EXPECT_NE(Lower(lines[0]).find(Lower(mention)), std::string::npos)
        << "the error line should mention '" << mention << "': " << lines[0];
}

void ExpectErrorReport(const fs::path &report_dir, const ProcResult &r) {
    const fs::path path = report_dir / "report.json";
    ASSERT_TRUE(fs::exists(path)) << "no report.json in " << report_dir << "\n" << r.Describe();
    const auto report = ReadJson(path);
    ASSERT_TRUE(report.is_object()) << ReadFile(path);
    EXPECT_EQ(report.value("verdict", "?"), "error") << report.dump(2);
    EXPECT_TRUE(report.value("violations", nlohmann::json::array()).empty()) << report.dump(2);
    EXPECT_TRUE(report.contains("error") && report["error"].is_string()) << report.dump(2);
}

// ---- could not test: exit 2 ---------------------------------------------------

TEST(CouldNotTest, NonexistentModule) {
    ScratchDir dir("missing");
    const std::string missing = (dir / "no-such-module.so").string();
    const fs::path report_dir = dir / "report";
    ProcResult r = RunProc(Cmd({"check", missing, "--report-dir", report_dir.string()}), dir.path());
    ExpectCouldNotTest(r, "no-such-module.so");
    // The module never got to be inspected: a report is optional, but if there
    // is one it must say "error".
    if (fs::exists(report_dir / "report.json")) ExpectErrorReport(report_dir, r);
}

TEST(CouldNotTest, TextFileAsModule) {
    ScratchDir dir("text");
    const fs::path text = dir / "module.so";
    std::ofstream(text) << "this is not a shared library\n";
    const fs::path report_dir = dir / "report";
    ProcResult r = RunProc(Cmd({"check", text.string(), "--report-dir", report_dir.string()}), dir.path());
    ExpectCouldNotTest(r, "ELF");
    if (fs::exists(report_dir / "report.json")) ExpectErrorReport(report_dir, r);
}

TEST(CouldNotTest, BadFlag) {
    ScratchDir dir("badflag");
    ProcResult r = RunProc(Cmd({"check", SamplePath("reference"), "--no-such-flag"}), dir.path());
    ExpectCouldNotTest(r, "--no-such-flag");
}

TEST(CouldNotTest, BogusProfile) {
    ScratchDir dir("profile");
    ProcResult r = RunProc(Cmd({"check", SamplePath("reference"), "--profile", "bogus", "--report-dir",
                                (dir / "report").string()}),
                           dir.path());
    ExpectCouldNotTest(r, "bogus");
}

TEST(CouldNotTest, NoSubcommand) {
    ScratchDir dir("nosub");
    ProcResult r = RunProc(Cmd({}), dir.path());
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
}

TEST(CouldNotTest, ModuleWithoutSaveCallback) {
    ScratchDir dir("nocallbacks");
    const fs::path report_dir = dir / "report";
    ProcResult r =
        RunProc(Cmd({"check", SamplePath("load_no_callbacks"), "--report-dir", report_dir.string()}), dir.path());
    ExpectCouldNotTest(r, "EvtVmbChannelSavePacket");
    ExpectErrorReport(report_dir, r);
}

TEST(CouldNotTest, InitHookFails) {
    ScratchDir dir("initfails");
    const fs::path report_dir = dir / "report";
    ProcResult r =
        RunProc(Cmd({"check", SamplePath("load_init_fails"), "--report-dir", report_dir.string()}), dir.path());
    ExpectCouldNotTest(r, "VspConformanceInitChannel");
    ExpectErrorReport(report_dir, r);
}

TEST(CouldNotTest, ReplayOfMissingCaseFile) {
    ScratchDir dir("replaymissing");
    ProcResult r = RunProc(Cmd({"replay", SamplePath("reference"), (dir / "nope.case").string()}), dir.path());
    ExpectCouldNotTest(r, "nope.case");
}

// ---- determinism -----------------------------------------------------------------

struct CheckRun {
    ProcResult proc;
    nlohmann::json report;
    fs::path dir;
};

CheckRun Check(const std::string &module, const fs::path &report_dir, const fs::path &scratch,
               const std::vector<std::string> &extra = {}) {
    CheckRun c;
    c.dir = report_dir;
    c.proc = RunProc(Cmd({"check", module, "--report-dir", report_dir.string()}, extra), scratch);
    c.report = ReadJson(report_dir / "report.json");
    return c;
}

// (rule, message, case_file, case bytes) of each violation, in report order.
std::vector<std::string> Fingerprint(const CheckRun &c, const char *list) {
    std::vector<std::string> out;
    for (const auto &v : c.report.value(list, nlohmann::json::array())) {
        std::string case_file = v.value("case_file", "");
        out.push_back(v.value("rule", "") + " | " + v.value("message", "") + " | " + case_file + " | " +
                      std::to_string(std::hash<std::string>{}(ReadFile(c.dir / case_file))));
    }
    return out;
}

// ---- the coverage-guided stage ------------------------------------------------------

TEST(CoverageGuidedStage, FindsAStateTheSweepNeverBuilds) {
    ScratchDir dir("rare");
    CheckRun sweep_only = Check(SamplePath("rare_long_payload_overrun"), dir / "sweep", dir.path(), {"--runs", "0"});
    ASSERT_TRUE(sweep_only.report.is_object()) << sweep_only.proc.Describe();
    EXPECT_EQ(sweep_only.proc.exit_code, 0) << "the sweep alone must miss this bug, or the test proves nothing";
    CheckRun full = Check(SamplePath("rare_long_payload_overrun"), dir / "full", dir.path());
    ASSERT_TRUE(full.report.is_object()) << full.proc.Describe();
    EXPECT_EQ(full.proc.exit_code, 1);
    auto violations = full.report.value("violations", nlohmann::json::array());
    ASSERT_EQ(violations.size(), 1u) << full.report.dump(2);
    EXPECT_EQ(violations[0].value("rule", ""), "SP5");
    EXPECT_EQ(violations[0].value("stage", ""), "fuzz");
    ASSERT_TRUE(violations[0]["location"].is_object()) << violations[0].dump(2);
    EXPECT_EQ(violations[0]["location"].value("direction", ""), "overrun");
}

// A PASS shows what it covered: a check of a coverage build reports the module's functions with
// their edges reached (the callbacks among them) in every report; a plain build says why not.
TEST(CoverageGuidedStage, ACheckShowsWhichCodeItReached) {
    ScratchDir dir("check-coverage");
    CheckRun c = Check(SamplePath("reference_coverage"), dir / "cov", dir.path(), {"--runs", "20000"});
    ASSERT_TRUE(c.report.is_object()) << c.proc.Describe();
    EXPECT_EQ(c.proc.exit_code, 0) << c.proc.Describe();
    const nlohmann::json &cov = c.report["coverage"];
    ASSERT_TRUE(cov.is_object()) << c.report.dump(2);
    EXPECT_GT(cov.value("reached", 0), 0);
    EXPECT_LE(cov.value("reached", 0), cov.value("edges", 0));
    std::set<std::string> entered;
    for (const auto &f : cov["functions"])
        if (f.value("reached", 0) > 0) entered.insert(f.value("name", ""));
    for (const char *name : {"EvtVmbChannelSavePacket", "EvtVmbChannelRestorePacket", "VspConformancePreparePacket"})
        EXPECT_TRUE(entered.count(name)) << name << " not entered:\n" << cov.dump(2);
    EXPECT_NE(c.proc.out.find("EvtVmbChannelSavePacket [save callback]"), std::string::npos) << c.proc.out;
    EXPECT_NE(ReadFile(c.dir / "report.md").find("## Coverage"), std::string::npos);
    // Every unreached edge of an entered function is listed by its line (the branches not taken).
    size_t branches = 0;
    for (const auto &f : cov["functions"]) {
        if (!f.value("entered", false)) continue;
        uint64_t listed = 0;
        for (const auto &b : f["unreached_branches"]) {
            listed += b.value("edges", 0);
            EXPECT_TRUE(b["file"].is_string()) << b.dump();
            ++branches;
        }
        EXPECT_EQ(listed, f.value("edges", 0) - f.value("reached", 0)) << f.dump(2);
    }
    EXPECT_GT(branches, 0u) << cov.dump(2);
    EXPECT_NE(ReadFile(c.dir / "report.md").find("### Unreached branches"), std::string::npos);
    EXPECT_NE(ReadFile(c.dir / "report.html").find("<ul id=\"branches\">"), std::string::npos);
    ExpectReportsValid(c.dir, dir.path());

    CheckRun plain = Check(SamplePath("reference"), dir / "plain", dir.path(), {"--runs", "0"});
    ASSERT_TRUE(plain.report.is_object()) << plain.proc.Describe();
    EXPECT_NE(plain.report["coverage"].value("note", "").find("not coverage-instrumented"), std::string::npos)
        << plain.report["coverage"].dump(2);
}

// The contract sweep's cases count in the coverage table: they are what enters a restore's
// older-version paths (its record-field stage lowers versions and sets lengths to boundaries),
// which the exploration alone may never reach. --runs 0 shows the sweep's own; with the stage,
// the table is the union (at least as much).
TEST(CoverageGuidedStage, TheSweepsCasesCountInTheCoverage) {
    ScratchDir dir("check-coverage-sweep");
    CheckRun sweep = Check(SamplePath("versioned_v2"), dir / "sweep", dir.path(), {"--runs", "0"});
    ASSERT_TRUE(sweep.report.is_object()) << sweep.proc.Describe();
    EXPECT_EQ(sweep.proc.exit_code, 0) << sweep.proc.Describe();
    const nlohmann::json &alone = sweep.report["coverage"];
    ASSERT_TRUE(alone.is_object()) << sweep.report.dump(2);
    EXPECT_NE(alone.value("note", "").find("every case of the contract sweep (252) and the module's loading"),
              std::string::npos)
        << alone.dump(2);
    EXPECT_TRUE(alone["low_restore_coverage"].is_null()) << alone.dump(2);
    bool restore_entered = false;
    for (const auto &f : alone["functions"])
        if (f.value("callback", nlohmann::json()).is_string() && f["callback"] == "restore")
            restore_entered = f.value("entered", false) && f.value("reached", 0) > 0;
    EXPECT_TRUE(restore_entered) << alone.dump(2);

    CheckRun both = Check(SamplePath("versioned_v2"), dir / "both", dir.path(), {"--runs", "20000"});
    ASSERT_TRUE(both.report.is_object()) << both.proc.Describe();
    const nlohmann::json &cov = both.report["coverage"];
    EXPECT_NE(cov.value("note", "")
                  .find("every case of the contract sweep (252), every execution of the "
                        "coverage-guided stage"),
              std::string::npos)
        << cov.dump(2);
    EXPECT_GE(cov.value("reached", 0), alone.value("reached", 0)) << cov.dump(2);
    ExpectReportsValid(both.dir, dir.path());
}

// The coverage-guided stage ends a shard that has stopped learning (--plateau executions in a row
// with no new edge or behaviour), says so in every report, and runs its whole budget without one.
TEST(Plateau, AShardThatStopsLearningEndsThereAndTheReportsSaySo) {
    ScratchDir dir("plateau");
    CheckRun early = Check(SamplePath("reference"), dir / "early", dir.path(), {"--plateau", "4096"});
    ASSERT_TRUE(early.report.is_object()) << early.proc.Describe();
    EXPECT_EQ(early.proc.exit_code, 0) << early.proc.Describe();
    const nlohmann::json &counts = early.report["counts"];
    EXPECT_EQ(counts.value("fuzz_plateaued_shards", 0), 2) << counts.dump(2);
    EXPECT_EQ(counts.value("fuzz_planned", 0), 1000000) << counts.dump(2);
    EXPECT_LT(counts.value("fuzz_runs", 0), 1000000) << counts.dump(2);
    EXPECT_EQ(counts.value("fuzz_runs", 0) + counts.value("fuzz_not_needed", 0), 1000000) << counts.dump(2);
    EXPECT_EQ(early.report["options"].value("plateau", 0), 4096);
    EXPECT_NE(early.report["notes"].dump().find("stopped where it stopped learning"), std::string::npos)
        << early.report["notes"].dump(2);
    EXPECT_NE(ReadFile(early.dir / "report.md").find("--plateau"), std::string::npos);
    ExpectReportsValid(early.dir, dir.path());

    CheckRun whole = Check(SamplePath("reference"), dir / "whole", dir.path(), {"--plateau", "0", "--runs", "60000"});
    ASSERT_TRUE(whole.report.is_object()) << whole.proc.Describe();
    EXPECT_EQ(whole.report["counts"].value("fuzz_runs", 0), 60000) << whole.report["counts"].dump(2);
    EXPECT_EQ(whole.report["counts"].value("fuzz_plateaued_shards", -1), 0);

    ProcResult bad = RunProc(Cmd({"check", SamplePath("reference"), "--plateau", "-1"}), dir.path());
    EXPECT_EQ(bad.exit_code, 2) << bad.Describe();
}

// States of a MiB: a case stops at the bytes one case keeps instead of exhausting the worker's memory,
// and an execution counts toward the plateau once per 64 KiB it kept, so such a module reaches its
// plateau in proportion to the bytes it moves (a check of it took 40-85 s, most of it in executions
// of a millisecond each, before; about 8 s now). Both are said in the notes.
TEST(Plateau, ExecutionsThatMoveManyBytesCountOncePerShareOfThem) {
    ScratchDir dir("plateau-bytes");
    CheckRun c = Check(SamplePath("big_states"), dir / "r", dir.path(), {"--plateau", "4096"});
    ASSERT_TRUE(c.report.is_object()) << c.proc.Describe();
    EXPECT_EQ(c.proc.exit_code, 0) << c.proc.Describe();
    const nlohmann::json &counts = c.report["counts"];
    EXPECT_EQ(counts.value("fuzz_plateaued_shards", 0), 2) << counts.dump(2);
    // Counted in executions alone, each of the two shards would run at least 4096.
    EXPECT_LT(counts.value("fuzz_runs", 0), 2 * 4096) << counts.dump(2);
    const std::string notes = c.report["notes"].dump();
    EXPECT_NE(notes.find("of records and counted once per 64 KiB"), std::string::npos) << notes;
    EXPECT_NE(notes.find("cases stopped before their last op: the bytes they saved and restored reached the 256 MiB"),
              std::string::npos)
        << notes;
    ExpectReportsValid(c.dir, dir.path());
}

// ---- a module without restore --------------------------------------------------------

TEST(WithoutRestore, EveryReportShowsTheRestoreRulesSkipped) {
    ScratchDir dir("save-only");
    CheckRun c = Check(SamplePath("save_only"), dir / "r", dir.path());
    ASSERT_TRUE(c.report.is_object()) << c.proc.Describe();
    EXPECT_EQ(c.proc.exit_code, 0);
    // The compat rules are skipped in any check without another build's records (--restore-corpus).
    const std::set<std::string> skipped = {"RP1", "RP2", "RP3", "RP4", "RP5", "CP1", "CP2", "CP3"};
    EXPECT_EQ(RulesWithOutcome(c.report, "skipped"), skipped);
    // It allocates with malloc, not the pool: the pool rule of the save side is not reached.
    EXPECT_EQ(RulesWithOutcome(c.report, "not reached"), std::set<std::string>{"SP14"});
    std::string junit = ReadFile(c.dir / "junit.xml"), md = ReadFile(c.dir / "report.md"),
                html = ReadFile(c.dir / "report.html");
    EXPECT_NE(junit.find("skipped=\"9\""), std::string::npos) << junit;
    auto sarif = ReadJson(c.dir / "results.sarif");
    std::set<std::string> noted;
    for (const auto &n : sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"])
        if (n.contains("associatedRule")) noted.insert(n["associatedRule"].value("id", ""));
    std::set<std::string> expected_notes = skipped;
    expected_notes.insert("SP14");
    EXPECT_EQ(noted, expected_notes);
    for (const auto &r : c.report["rules"])
        if (r.value("id", "").rfind("CP", 0) == 0)
            EXPECT_NE(r.value("reason", "").find("--restore-corpus"), std::string::npos) << r.dump();
    for (const char *rule : {"RP1", "RP2", "RP3", "RP4"}) {
        EXPECT_NE(md.find(std::string("| ") + rule + " |"), std::string::npos);
        EXPECT_NE(html.find(std::string("<td>") + rule + "</td>"), std::string::npos);
    }
    EXPECT_NE(md.find("skipped, not passed"), std::string::npos) << md;
    EXPECT_NE(c.proc.out.find("skipped, not passed"), std::string::npos) << c.proc.out;
}

class Determinism : public ::testing::TestWithParam<const char *> {};

// What a run did, as numbers: equal for two runs of one module with one seed.
std::string Counts(const CheckRun &c) {
    nlohmann::json counts = c.report.value("counts", nlohmann::json::object());
    counts.erase("violations");
    counts.erase("warnings");
    nlohmann::json exercised = nlohmann::json::object();
    for (const auto &r : c.report.value("rules", nlohmann::json::array()))
        exercised[r.value("id", "?")] = r.value("exercised", -1);
    return counts.dump() + " " + exercised.dump();
}

TEST_P(Determinism, TwoRunsAgree) {
    const std::string name = GetParam();
    ScratchDir dir("determinism-" + name);
    CheckRun a = Check(SamplePath(name), dir / "a", dir.path());
    CheckRun b = Check(SamplePath(name), dir / "b", dir.path());
    ASSERT_TRUE(a.report.is_object()) << a.proc.Describe();
    ASSERT_TRUE(b.report.is_object()) << b.proc.Describe();
    EXPECT_EQ(a.proc.exit_code, b.proc.exit_code);
    EXPECT_EQ(a.report.value("verdict", "a"), b.report.value("verdict", "b"));
    EXPECT_EQ(Fingerprint(a, "violations"), Fingerprint(b, "violations"));
    EXPECT_EQ(Fingerprint(a, "warnings"), Fingerprint(b, "warnings"));
    EXPECT_EQ(Counts(a), Counts(b)) << "two runs of " << name << " did different work";
    EXPECT_GT(a.report["counts"].value("fuzz_runs", 0), 0);
    if (name != std::string("reference")) {
        EXPECT_EQ(a.report.value("verdict", ""), "fail");
        EXPECT_FALSE(a.report.value("violations", nlohmann::json::array()).empty());
    }
}

INSTANTIATE_TEST_SUITE_P(Samples, Determinism,
                         ::testing::Values("reference", "sp5_nul_past_end", "sp9_reserved_not_written"),
                         [](const auto &info) { return std::string(info.param); });

// ---- the report formats ------------------------------------------------------------

class Reports : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new ScratchDir("reports");
        module_ = SamplePath("sp5_nul_past_end");
        // (Each test of the suite is its own process, so this check runs once per test: a small
        // coverage-guided stage, as the sweep finds the sample's defect.)
        run_ = new CheckRun(
            Check(module_, *dir_ / "report", dir_->path(), {"--source-root", VSPC_SOURCE_DIR, "--runs", "20000"}));
        ProcResult sum = RunProc({"/usr/bin/sha256sum", module_}, dir_->path());
        sha256_ = Words(sum.out).empty() ? "" : Words(sum.out)[0];
        ProcResult rules = RunProc(Cmd({"rules"}), dir_->path());
        for (const auto &line : Lines(rules.out))
            if (!Words(line).empty()) rule_ids_.push_back(Words(line)[0]);
    }
    static void TearDownTestSuite() {
        delete run_;
        delete dir_;
    }
    fs::path Report(const std::string &name) const { return run_->dir / name; }

    static ScratchDir *dir_;
    static CheckRun *run_;
    static std::string module_, sha256_;
    static std::vector<std::string> rule_ids_;
};
ScratchDir *Reports::dir_ = nullptr;
CheckRun *Reports::run_ = nullptr;
std::string Reports::module_, Reports::sha256_;
std::vector<std::string> Reports::rule_ids_;

TEST_F(Reports, JsonNamesTheModuleAndItsHash) {
    ASSERT_EQ(run_->proc.exit_code, 1) << run_->proc.Describe();
    ASSERT_EQ(sha256_.size(), 64u);
    const auto &r = run_->report;
    ASSERT_TRUE(r.is_object());
    EXPECT_EQ(r["module"].value("sha256", ""), sha256_);
    EXPECT_EQ(r["module"].value("path", ""), module_);
    EXPECT_EQ(r.value("verdict", ""), "fail");
    EXPECT_EQ(r.value("profile", ""), "strict");
    EXPECT_TRUE(r.contains("seed"));
    EXPECT_GT(r["counts"].value("cases", 0), 0);
    EXPECT_GT(r["counts"].value("calls", 0), 0);
    ASSERT_FALSE(r["violations"].empty());
    const auto &v = r["violations"][0];
    EXPECT_EQ(v.value("rule", ""), "SP5");
    ASSERT_TRUE(v["location"].is_object()) << "SP5 carries the exact offset: " << v.dump(2);
    EXPECT_EQ(v["location"].value("offset", -1), 8) << v.dump(2);
    EXPECT_EQ(v["location"].value("region", ""), "SaveBuf") << v.dump(2);
    EXPECT_TRUE(fs::is_regular_file(run_->dir / v.value("case_file", "-"))) << v.dump(2);
    // One outcome per rule of the catalog.
    std::vector<std::string> ids;
    for (const auto &x : r["rules"]) ids.push_back(x.value("id", ""));
    EXPECT_EQ(ids, rule_ids_);
}

TEST_F(Reports, SarifIsValid210) {
    const auto sarif = ReadJson(Report("results.sarif"));
    ASSERT_TRUE(sarif.is_object()) << ReadFile(Report("results.sarif"));
    EXPECT_EQ(sarif.value("version", ""), "2.1.0");
    ASSERT_TRUE(sarif["runs"].is_array());
    ASSERT_EQ(sarif["runs"].size(), 1u);
    const auto &run = sarif["runs"][0];
    const auto &rules = run["tool"]["driver"]["rules"];
    ASSERT_TRUE(rules.is_array());
    std::vector<std::string> ids;
    for (const auto &x : rules) ids.push_back(x.value("id", ""));
    EXPECT_EQ(ids, rule_ids_) << "one driver rule per catalog rule, in catalog order";
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());

    std::multiset<std::string> results, expected;
    for (const auto &res : run["results"]) {
        const std::string id = res.value("ruleId", "");
        results.insert(id);
        // ruleIndex, when present, points at the rule.
        if (res.contains("ruleIndex")) {
            const int idx = res["ruleIndex"].get<int>();
            ASSERT_GE(idx, 0);
            ASSERT_LT(static_cast<size_t>(idx), ids.size());
            EXPECT_EQ(ids[idx], id);
        }
        EXPECT_FALSE(res["message"].value("text", "").empty());
    }
    for (const char *list : {"violations", "warnings"})
        for (const auto &v : run_->report.value(list, nlohmann::json::array())) expected.insert(v.value("rule", ""));
    EXPECT_EQ(results, expected);
    EXPECT_NE(run.dump().find(sha256_), std::string::npos) << "the SARIF run names the module's SHA-256";
}

TEST_F(Reports, JunitHtmlMarkdownNameTheModule) {
    for (const char *name : {"junit.xml", "report.html", "report.md"}) {
        ASSERT_TRUE(fs::is_regular_file(Report(name))) << name;
        const std::string text = ReadFile(Report(name));
        EXPECT_NE(text.find(sha256_), std::string::npos) << name << " does not name the module SHA-256";
        EXPECT_NE(text.find(fs::path(module_).filename().string()), std::string::npos) << name;
    }
    const std::string junit = ReadFile(Report("junit.xml"));
    EXPECT_EQ(junit.rfind("<?xml", 0), 0u);
    EXPECT_NE(junit.find("<testsuites"), std::string::npos);
    EXPECT_NE(junit.find("type=\"SP5\""), std::string::npos) << junit;
    const std::string html = ReadFile(Report("report.html"));
    EXPECT_NE(Lower(html).find("<html"), std::string::npos);
    EXPECT_NE(html.find("SP5"), std::string::npos);
    const std::string md = ReadFile(Report("report.md"));
    EXPECT_NE(md.find("SP5"), std::string::npos);
}

// The line of `file` (1-based) that contains `text`, or 0.
uint32_t LineOf(const fs::path &file, const std::string &text) {
    uint32_t n = 0;
    for (const auto &line : Lines(ReadFile(file))) {
        ++n;
        if (line.find(text) != std::string::npos) return n;
    }
    return 0;
}

TEST_F(Reports, TheFindingIsAtItsSourceLineEverywhere) {
    const std::string source = "samples/defects/sp5_nul_past_end.c";
    const uint32_t line = LineOf(fs::path(VSPC_SOURCE_DIR) / source, "[SaveBufSize] = '\\0'");
    ASSERT_GT(line, 0u);
    const auto &v = run_->report["violations"][0];
    ASSERT_TRUE(v["code"].is_object()) << v.dump(2);
    EXPECT_EQ(v["code"].value("function", ""), "EvtVmbChannelSavePacket");
    EXPECT_EQ(v["code"].value("line", 0u), line);
    EXPECT_EQ(v["code"].value("where", ""), "fault");
    const std::string at = fmt::format("{}:{}", source, line);
    EXPECT_NE(v.value("source", "").find(at), std::string::npos) << v.dump(2);
    // SARIF: relative to SRCROOT (--source-root), at that line; the module file is only an artifact.
    const auto sarif = ReadJson(Report("results.sarif"));
    const auto &run = sarif["runs"][0];
    const auto &loc = run["results"][0]["locations"][0];
    EXPECT_EQ(loc["physicalLocation"]["artifactLocation"].value("uri", ""), source) << loc.dump(2);
    EXPECT_EQ(loc["physicalLocation"]["artifactLocation"].value("uriBaseId", ""), "SRCROOT");
    EXPECT_EQ(loc["physicalLocation"]["region"].value("startLine", 0u), line);
    EXPECT_EQ(loc["logicalLocations"][0].value("name", ""), "EvtVmbChannelSavePacket");
    EXPECT_EQ(run["originalUriBaseIds"]["SRCROOT"].value("uri", ""), "file://" + std::string(VSPC_SOURCE_DIR) + "/");
    EXPECT_EQ(run["automationDetails"].value("id", ""), "vspconform/libvsp_sp5_nul_past_end/strict/");
    EXPECT_EQ(run["results"][0]["partialFingerprints"].value("vspconformFindingHash/v1", "").size(), 32u);
    const auto &rule = run["tool"]["driver"]["rules"][4];
    EXPECT_EQ(rule.value("id", ""), "SP5");
    EXPECT_NE(rule.value("helpUri", "").find("docs/rules.md#sp5"), std::string::npos) << rule.dump(2);
    EXPECT_NE(rule["help"].value("markdown", "").find("```c"), std::string::npos);
    // The terminal, Markdown, HTML and JUnit show it too.
    for (const char *name : {"report.md", "report.html", "junit.xml"})
        EXPECT_NE(ReadFile(Report(name)).find(at), std::string::npos) << name;
    EXPECT_NE(run_->proc.out.find("at EvtVmbChannelSavePacket at " + at), std::string::npos) << run_->proc.out;
}

TEST_F(Reports, JunitSuiteIsNamedByModuleAndProfile) {
    const std::string junit = ReadFile(Report("junit.xml"));
    EXPECT_NE(junit.find("<testsuite name=\"vspconform.libvsp_sp5_nul_past_end.strict\""), std::string::npos) << junit;
    EXPECT_NE(junit.find("classname=\"vspconform.libvsp_sp5_nul_past_end.strict\""), std::string::npos);
    EXPECT_EQ(junit.find("<skipped message=\"\""), std::string::npos) << "a skip without a reason";
}

// A replay command runs as printed, from anywhere: here for a module in a directory whose name
// has a space, and a finding that needs both --save-symbol and --timeout-ms to reproduce.
TEST(ReplayCommand, RunsAsPrintedFromAnotherDirectory) {
    ScratchDir dir("replay-command");
    const fs::path module = dir / "my vsp" / "lib slow save.so";
    fs::create_directories(module.parent_path());
    fs::copy_file(SamplePath("sp11_slow_renamed_save"), module);
    CheckRun c = Check(module.string(), dir / "re port", dir.path(),
                       {"--save-symbol", "SerialSavePacket", "--timeout-ms", "300", "--runs", "2000", "--max-time",
                        "20", "--junit-suite-name", "serial vsp (ASan)"});
    ASSERT_EQ(c.proc.exit_code, 1) << c.proc.Describe();
    const auto &v = c.report["violations"][0];
    ASSERT_EQ(v.value("rule", ""), "SP11") << v.dump(2);
    const std::string cmd = v.value("replay", "");
    EXPECT_NE(cmd.find("--save-symbol SerialSavePacket"), std::string::npos) << cmd;
    EXPECT_NE(cmd.find("--timeout-ms 300"), std::string::npos) << cmd;
    EXPECT_NE(c.proc.out.find("replay: " + cmd + "\n"), std::string::npos) << "the terminal prints the same command\n"
                                                                           << c.proc.out;
    ScratchDir elsewhere("replay-command-elsewhere");
    ProcResult r = RunProc({"/bin/sh", "-c", cmd}, elsewhere.path());
    EXPECT_EQ(r.exit_code, 1) << cmd << "\n" << r.Describe();
    EXPECT_NE(r.out.find("SP11"), std::string::npos) << r.Describe();
    // Without --timeout-ms the same case passes: the option is part of the reproducer.
    const fs::path case_file = dir / "re port" / v.value("case_file", "");
    ProcResult slow = RunProc(Cmd({"replay", module.string(), case_file.string(), "--save-symbol", "SerialSavePacket"}),
                              elsewhere.path());
    EXPECT_EQ(slow.exit_code, 0) << slow.Describe();
    EXPECT_NE(ReadFile(dir / "re port" / "junit.xml").find("<testsuite name=\"serial vsp (ASan)\""), std::string::npos);
    // The SARIF names the module by a percent-encoded URI.
    EXPECT_NE(ReadFile(dir / "re port" / "results.sarif").find("my%20vsp/lib%20slow%20save.so"), std::string::npos);
}

// ASan sees what the guard pages cannot (the module's own heap): the finding says what access
// and where, from ASan's report, like a guard-page finding does.
TEST(Asan, AHeapOverflowSaysTheAccessAndTheSourceLine) {
    ScratchDir dir("asan-heap");
    CheckRun c = Check(SamplePath("sp11_heap_overflow_asan"), dir / "report", dir.path(), {"--runs", "1000"});
    ASSERT_EQ(c.proc.exit_code, 1) << c.proc.Describe();
    const auto &v = c.report["violations"][0];
    EXPECT_EQ(v.value("rule", ""), "SP11");
    EXPECT_NE(v.value("message", "").find("AddressSanitizer: heap-buffer-overflow (READ of size 1)"), std::string::npos)
        << v.dump(2);
    EXPECT_EQ(v.value("message", "").find(" pc 0x"), std::string::npos) << "registers are noise: " << v.dump(2);
    EXPECT_EQ(v["death"].value("sanitizer_access", ""), "read");
    EXPECT_EQ(v["death"].value("sanitizer_size", 0), 1);
    const std::string source = "samples/defects/sp11_heap_overflow_asan.c";
    EXPECT_EQ(v["code"].value("line", 0u), LineOf(fs::path(VSPC_SOURCE_DIR) / source, "Last = Scratch[")) << v.dump(2);
    EXPECT_TRUE(v["code"].value("file", "").ends_with(source)) << v.dump(2);
    // Replayed in the sandbox, the same death (ASan does not start a symbolizer there: a process
    // would be a sandbox violation).
    auto replay =
        RunProc(Cmd({"replay", SamplePath("sp11_heap_overflow_asan"), (c.dir / v.value("case_file", "")).string()}),
                dir.path());
    EXPECT_EQ(replay.exit_code, 1) << replay.Describe();
    EXPECT_NE(replay.out.find("=> SP11 error: crashed with SIGABRT in save; AddressSanitizer: heap-buffer-overflow"),
              std::string::npos)
        << replay.Describe();
    EXPECT_EQ(replay.out.find("sandbox violation"), std::string::npos) << replay.Describe();
}

// ---- the module dies: the tester survives and reports -------------------------------

struct DeathParam {
    const char *sample;
    std::vector<std::string> args;
};

void PrintTo(const DeathParam &p, std::ostream *os) {
    *os << p.sample;
    for (const auto &a : p.args) *os << " " << a;
}

class ModuleDeath : public ::testing::TestWithParam<DeathParam> {};

TEST_P(ModuleDeath, IsSp11WithAReport) {
    const DeathParam &p = GetParam();
    ScratchDir dir(p.sample);
    CheckRun c = Check(SamplePath(p.sample), dir / "report", dir.path(), p.args);
    EXPECT_EQ(c.proc.signal, 0) << c.proc.Describe();
    EXPECT_EQ(c.proc.exit_code, 1) << c.proc.Describe();
    ASSERT_TRUE(c.report.is_object()) << "report.json missing or broken\n" << c.proc.Describe();
    EXPECT_EQ(c.report.value("verdict", ""), "fail");
    const auto rules = RulesIn(c.report.value("violations", nlohmann::json::array()));
    EXPECT_TRUE(rules.count("SP11")) << c.report["violations"].dump(2);
    for (const auto &v : c.report["violations"])
        if (v.value("rule", "") == "SP11") {
            EXPECT_TRUE(fs::is_regular_file(c.dir / v.value("case_file", "-"))) << v.dump(2);
            EXPECT_FALSE(v.value("message", "").empty());
        }
    for (const char *name : {"report.md", "report.html", "junit.xml", "results.sarif"})
        EXPECT_TRUE(fs::is_regular_file(c.dir / name)) << name;
}

INSTANTIATE_TEST_SUITE_P(Samples, ModuleDeath,
                         // The sweep kills the worker of each but sp11_abort (an odd payload length the
                         // exploration makes): the default budget is not needed to see them die.
                         ::testing::Values(DeathParam{"sp11_null_deref", {"--runs", "0"}}, DeathParam{"sp11_abort", {}},
                                           DeathParam{"sp11_hang", {"--timeout-ms", "100", "--runs", "0"}},
                                           DeathParam{"sp11_exit", {"--runs", "0"}}),
                         [](const auto &info) { return std::string(info.param.sample); });

// ---- the split of the work does not depend on --jobs ----------------------------------

TEST(Jobs, OneWorkerOrTwoDoTheSameWork) {
    ScratchDir dir("jobs");
    CheckRun one =
        Check(SamplePath("sp9_reserved_not_written"), dir / "one", dir.path(), {"--jobs", "1", "--runs", "200000"});
    CheckRun two =
        Check(SamplePath("sp9_reserved_not_written"), dir / "two", dir.path(), {"--jobs", "2", "--runs", "200000"});
    ASSERT_TRUE(one.report.is_object()) << one.proc.Describe();
    ASSERT_TRUE(two.report.is_object()) << two.proc.Describe();
    EXPECT_EQ(Counts(one), Counts(two));
    EXPECT_EQ(Fingerprint(one, "violations"), Fingerprint(two, "violations"));
    EXPECT_EQ(one.report["options"].value("jobs", 0), 1);
    EXPECT_EQ(two.report["options"].value("jobs", 0), 2);
}

// ---- state-gated bugs: found by default check for every seed ---------------------------

struct GatedParam {
    const char *sample;
    int seed;
    const char *rule = "SP5";
};

void PrintTo(const GatedParam &p, std::ostream *os) { *os << p.sample << " --seed " << p.seed; }

class CheckStateGated : public ::testing::TestWithParam<GatedParam> {};

TEST_P(CheckStateGated, FoundByDefaultCheck) {
    const GatedParam &p = GetParam();
    ScratchDir dir(std::string(p.sample) + "-seed" + std::to_string(p.seed));
    CheckRun c = Check(SamplePath(p.sample), dir / "r", dir.path(), {"--seed", std::to_string(p.seed)});
    ASSERT_TRUE(c.report.is_object()) << c.proc.Describe();
    EXPECT_EQ(c.proc.exit_code, 1) << c.proc.Describe();
    EXPECT_EQ(Join(RulesIn(c.report.value("violations", nlohmann::json::array()))), p.rule) << c.report.dump(2);
}

INSTANTIATE_TEST_SUITE_P(
    Samples, CheckStateGated,
    ::testing::Values(
        GatedParam{"rare_passthrough_overrun", 1}, GatedParam{"rare_passthrough_overrun", 2},
        GatedParam{"rare_passthrough_overrun", 3}, GatedParam{"rare_passthrough_overrun", 4},
        GatedParam{"rare_passthrough_overrun", 5}, GatedParam{"rare_three_bytes_overrun", 1},
        GatedParam{"rare_three_bytes_overrun", 2}, GatedParam{"rare_three_bytes_overrun", 3},
        GatedParam{"rare_three_bytes_overrun", 4}, GatedParam{"rare_three_bytes_overrun", 5},
        // Behind a compare routine (memcmp, strcmp, RtlCompareMemory), in plain builds: the
        // hosts' interceptors (their coverage twins are the sample verdict tests).
        GatedParam{"rare_signature_restore_overrun", 1, "RP2"}, GatedParam{"rare_signature_restore_overrun", 2, "RP2"},
        GatedParam{"rare_signature_restore_overrun", 3, "RP2"}, GatedParam{"rare_signature_restore_overrun", 4, "RP2"},
        GatedParam{"rare_signature_restore_overrun", 5, "RP2"}, GatedParam{"rare_tag_save_overrun", 1},
        GatedParam{"rare_tag_save_overrun", 2}, GatedParam{"rare_tag_save_overrun", 3},
        GatedParam{"rare_tag_save_overrun", 4}, GatedParam{"rare_tag_save_overrun", 5},
        GatedParam{"rare_guid_restore_overrun", 1, "RP2"}, GatedParam{"rare_guid_restore_overrun", 2, "RP2"},
        GatedParam{"rare_guid_restore_overrun", 3, "RP2"}, GatedParam{"rare_guid_restore_overrun", 4, "RP2"},
        GatedParam{"rare_guid_restore_overrun", 5, "RP2"},
        // Behind three urgent packets in flight at once (issue 20): the exploration tier's
        // multi-packet inputs.
        GatedParam{"rare_three_packets_overrun", 1}, GatedParam{"rare_three_packets_overrun", 2},
        GatedParam{"rare_three_packets_overrun", 3}, GatedParam{"rare_three_packets_overrun", 4},
        GatedParam{"rare_three_packets_overrun", 5},
        // Behind an older record layout (version 1) whose reader trusts a nested length (issue 17),
        // in a plain build: the sweep's record-field stage (version lowered, length at a boundary).
        GatedParam{"rp2_old_layout_nested_length", 1, "RP2"}, GatedParam{"rp2_old_layout_nested_length", 2, "RP2"},
        GatedParam{"rp2_old_layout_nested_length", 3, "RP2"}, GatedParam{"rp2_old_layout_nested_length", 4, "RP2"},
        GatedParam{"rp2_old_layout_nested_length", 5, "RP2"}),
    [](const auto &info) { return std::string(info.param.sample) + "_seed" + std::to_string(info.param.seed); });

// ---- a bounded gate ------------------------------------------------------------------------

// The contract comes first: a --max-time the sweep cannot finish in is not a pass but exit 2 with
// the advice, and the reports are still written and say what ran. (A slow module that gets the
// time passes: the slow_states and slow_saves sample tests.)
TEST(TimeCap, ASweepThatCannotFinishIsNotAPassAndSaysWhatTimeItNeeds) {
    ScratchDir dir("slow");
    CheckRun c = Check(SamplePath("slow_states"), dir / "r", dir.path(), {"--max-time", "2"});
    ASSERT_TRUE(c.report.is_object()) << c.proc.Describe();
    EXPECT_EQ(c.proc.exit_code, 2) << c.proc.Describe();
    EXPECT_TRUE(c.report["time_cap"].value("hit", false)) << c.report.dump(2);
    EXPECT_LT(c.report.value("seconds", 1e9), 30.0) << "the cap did not bound the run";
    ASSERT_TRUE(c.report["incomplete"].is_string()) << c.report.dump(2);
    EXPECT_NE(c.report["incomplete"].get<std::string>().find("raise --max-time"), std::string::npos)
        << c.report.dump(2);
    std::string notes = c.report.value("notes", nlohmann::json::array()).dump();
    EXPECT_NE(notes.find("time cap of 2 s was hit"), std::string::npos) << notes;
    EXPECT_NE(notes.find("sweep cases were not run"), std::string::npos) << notes;
    EXPECT_NE(ReadFile(c.dir / "report.md").find("time cap of 2 s was hit"), std::string::npos);
    EXPECT_NE(c.proc.err.find("raise --max-time"), std::string::npos) << c.proc.Describe();
    EXPECT_EQ(c.report.value("verdict", ""), "error") << c.report.dump(2);
}

TEST(CouldNotTest, NegativeNumbersAreRefused) {
    ScratchDir dir("negative");
    for (const char *flag : {"--runs", "--seed", "--jobs", "--timeout-ms", "--max-time"}) {
        ProcResult r =
            RunProc(Cmd({"check", SamplePath("reference"), flag, "-1", "--report-dir", (dir / "r").string()}),
                    dir.path());
        ExpectCouldNotTest(r, flag);
    }
}

// A number too big for its field is refused, not saturated or wrapped (--runs 2^64 would never end,
// --jobs 99999999999 would wrap to a few workers).
TEST(CouldNotTest, OverflowingAndMalformedNumbersAreRefused) {
    ScratchDir dir("overflow");
    for (auto [flag, value] : {std::pair{"--runs", "18446744073709551616"},
                               {"--seed", "99999999999999999999999"},
                               {"--jobs", "99999999999"},
                               {"--timeout-ms", "4294967296"},
                               {"--runs", "1e3"},
                               {"--runs", "+5"},
                               {"--max-time", "inf"},
                               {"--max-time", "nan"}}) {
        ProcResult r =
            RunProc(Cmd({"check", SamplePath("reference"), flag, value, "--report-dir", (dir / "r").string()}),
                    dir.path());
        ExpectCouldNotTest(r, flag);
        EXPECT_FALSE(fs::exists(dir / "r" / "report.json")) << flag << " " << value << ": nothing was run";
    }
}

// A callback name that is not a function of the module (the C library's data or code, which
// dlsym also finds) is the user's mistake: exit 2 with one line, not SP11 blamed on the module.
TEST(CouldNotTest, CallbackNameOfAnotherObjectOrOfDataIsRefused) {
    ScratchDir dir("datasym");
    for (auto [flag, name] :
         {std::pair{"--save-symbol", "environ"}, {"--save-symbol", "printf"}, {"--restore-symbol", "stdout"}}) {
        ProcResult r = RunProc(Cmd({"check", SamplePath("reference"), flag, name, "--runs", "100", "--report-dir",
                                    (dir / "r").string()}),
                               dir.path());
        ExpectCouldNotTest(r, name);
        EXPECT_NE(r.err.find("not a function of the module"), std::string::npos) << r.Describe();
        ExpectErrorReport(dir / "r", r);
    }
}

// ---- the report directory: the user's files are the user's ------------------------------

// Files of the user in the report dir survive two runs, a cases/ folder included; only the
// reproducers the previous report lists are replaced.
TEST(ReportDir, TheUsersFilesSurviveRuns) {
    ScratchDir dir("userfiles");
    const fs::path r = dir / "r";
    fs::create_directories(r / "cases");
    for (const char *name : {"notes.txt", "cases/mine.txt", "cases/SP5-0123456789ab.case"})
        std::ofstream(r / name) << "the user's\n";
    for (int run = 0; run < 2; ++run) {
        ProcResult p =
            RunProc(Cmd({"check", SamplePath("sp5_nul_past_end"), "--runs", "1000", "--report-dir", r.string()}),
                    dir.path());
        ASSERT_EQ(p.exit_code, 1) << p.Describe();
        for (const char *name : {"notes.txt", "cases/mine.txt", "cases/SP5-0123456789ab.case"})
            EXPECT_EQ(ReadFile(r / name), "the user's\n") << name << " after run " << run;
    }
}

// A report file vspconform did not write is not replaced: exit 2 at once, before any worker.
TEST(ReportDir, AForeignReportFileStopsTheRun) {
    for (const char *name : {"report.md", "junit.xml", "worker.log"}) {
        ScratchDir dir("foreign");
        fs::create_directories(dir / "r");
        std::ofstream(dir / "r" / name) << "the user's\n";
        ProcResult p =
            RunProc(Cmd({"check", SamplePath("reference"), "--report-dir", (dir / "r").string()}), dir.path());
        ExpectCouldNotTest(p, name);
        EXPECT_EQ(ReadFile(dir / "r" / name), "the user's\n");
        EXPECT_FALSE(fs::exists(dir / "r" / "report.json"));
    }
}

// A report dir that cannot be created fails at once, with one line (not after the sweep).
TEST(ReportDir, AnUnusableDirFailsBeforeTheRun) {
    ScratchDir dir("unusable");
    std::ofstream(dir / "file") << "x";
    auto started = std::chrono::steady_clock::now();
    ProcResult p =
        RunProc(Cmd({"check", SamplePath("reference"), "--report-dir", (dir / "file" / "r").string()}), dir.path());
    ExpectCouldNotTest(p, "report directory");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

// `records` into a directory with a corpus/ of the user's refuses instead of replacing it.
TEST(ReportDir, RecordsDoNotReplaceAUsersCorpus) {
    ScratchDir dir("recordsdir");
    fs::create_directories(dir / "a" / "corpus");
    std::ofstream(dir / "a" / "corpus" / "mine") << "the user's\n";
    ProcResult p = RunProc(Cmd({"records", SamplePath("reference"), (dir / "a").string()}), dir.path());
    ExpectCouldNotTest(p, "corpus/");
    EXPECT_EQ(ReadFile(dir / "a" / "corpus" / "mine"), "the user's\n");
}

// ---- the rule catalog ---------------------------------------------------------------

TEST(Rules, MarkdownMatchesDocs) {
    ScratchDir dir("rules");
    ProcResult r = RunProc(Cmd({"rules", "--markdown"}), dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    const fs::path docs = fs::path(VSPC_SOURCE_DIR) / "docs" / "rules.md";
    ASSERT_TRUE(fs::is_regular_file(docs)) << docs << " is missing: generate it with `vspconform rules --markdown`";
    EXPECT_EQ(r.out, ReadFile(docs)) << docs
                                     << " is stale: regenerate it with `vspconform rules --markdown > "
                                        "docs/rules.md`";
}

TEST(Rules, ListNamesEveryRuleOfTheSpec) {
    ScratchDir dir("ruleslist");
    ProcResult r = RunProc(Cmd({"rules"}), dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    std::set<std::string> ids;
    for (const auto &line : Lines(r.out))
        if (!Words(line).empty()) ids.insert(Words(line)[0]);
    for (const char *id : {"SP1",  "SP2",  "SP3",  "SP4", "SP5", "SP6", "SP7", "SP8", "SP9", "SP10", "SP11",
                           "SP12", "SP13", "SP14", "RP1", "RP2", "RP3", "RP4", "RP5", "SW1", "SW2"})
        EXPECT_TRUE(ids.count(id)) << id << " missing from `vspconform rules`:\n" << r.out;
}

}  // namespace
