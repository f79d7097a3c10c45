// The sample conformance table: every sample module (samples/CMakeLists.txt)
// under both profiles, checked the way a user runs `vspconform check`, against
// the exact verdict the sample registers.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace {

using namespace vspc_test;

struct Param {
    const SampleSpec *sample;
    std::string profile;
};

// Shown by gtest and ctest next to the test name.
void PrintTo(const Param &p, std::ostream *os) { *os << p.sample->name << " --profile " << p.profile; }

std::string TestName(const std::string &sample, const std::string &profile) {
    std::string name = sample + "_" + profile;
    for (char &c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return name;
}

// The three reports the schemas cover, copied to VSPC_SAMPLE_REPORTS/<test>/ (replacing an older run's).
void KeepReportsForValidation(const fs::path &report_dir, const std::string &test) {
    const fs::path keep = fs::path(VSPC_SAMPLE_REPORTS) / test;
    std::error_code ec;
    fs::remove_all(keep, ec);
    fs::create_directories(keep, ec);
    ASSERT_FALSE(ec) << keep << ": " << ec.message();
    for (const char *name : {"report.json", "results.sarif", "junit.xml"}) {
        fs::copy_file(report_dir / name, keep / name, fs::copy_options::overwrite_existing, ec);
        EXPECT_FALSE(ec) << "cannot keep " << (report_dir / name) << ": " << ec.message();
    }
}

std::vector<Param> AllParams() {
    std::vector<Param> out;
    for (const auto &s : Samples())
        for (const char *p : {"strict", "kmcl"})
            if (!s.strict_only || std::string_view(p) == "strict") out.push_back({&s, p});
    return out;
}

class SampleTest : public ::testing::TestWithParam<Param> {};

TEST_P(SampleTest, VerdictMatchesExpectation) {
    const SampleSpec &s = *GetParam().sample;
    const std::string profile = GetParam().profile;
    const std::string expectation = profile == "strict" ? s.strict : s.kmcl;
    const std::set<std::string> expected_rules = RuleSet(expectation);
    const std::set<std::string> expected_warnings = RuleSet(s.warn);
    const bool untestable = s.exit_code != 0 && s.exit_code != 1;
    const int expected_exit = untestable ? s.exit_code : expected_rules.empty() ? 0 : 1;
    std::vector<std::string> extra = Words(s.args);
    // The smallest budget that still shows the verdict (the sample's RUNS; default: the sweep alone).
    if (std::string(s.runs) != "default" && std::find(extra.begin(), extra.end(), "--runs") == extra.end()) {
        extra.push_back("--runs");
        extra.push_back(s.runs);
    }

    ScratchDir dir(std::string(s.name) + "-" + profile);
    const fs::path report_dir = dir / "report";
    ProcResult r =
        RunProc(Cmd({"check", s.path, "--profile", profile, "--report-dir", report_dir.string()}, extra), dir.path());
    ASSERT_FALSE(r.timed_out) << r.Describe();
    ASSERT_EQ(r.signal, 0) << "vspconform itself died\n" << r.Describe();
    EXPECT_EQ(r.exit_code, expected_exit) << "expected " << (untestable ? "could not test" : expectation) << "\n"
                                          << r.Describe();

    const fs::path report_path = report_dir / "report.json";
    ASSERT_TRUE(fs::exists(report_path)) << "no report.json\n" << r.Describe();
    const nlohmann::json report = ReadJson(report_path);
    ASSERT_TRUE(report.is_object()) << "report.json does not parse:\n" << ReadFile(report_path);

    // Every report against its schema (report.json: docs/, results.sarif: SARIF 2.1.0, junit.xml:
    // Jenkins' JUnit XSD): kept for Reports.EverySampleReportMatchesItsSchema, which validates
    // the reports of all sample runs in one validator process after these tests.
    KeepReportsForValidation(report_dir, TestName(s.name, profile));

    const std::string verdict = report.value("verdict", "?");
    EXPECT_EQ(verdict, untestable ? "error" : expected_rules.empty() ? "pass" : "fail");

    const nlohmann::json violations = report.value("violations", nlohmann::json::array());
    const nlohmann::json warnings = report.value("warnings", nlohmann::json::array());
    const std::set<std::string> failing = RulesIn(violations);
    EXPECT_EQ(Join(failing), Join(expected_rules)) << "failing rules differ from the expectation for profile "
                                                   << profile << "\nviolations: " << violations.dump(2);
    // The rule table agrees with the violation list.
    EXPECT_EQ(Join(RulesWithOutcome(report, "fail")), Join(expected_rules))
        << report.value("rules", nlohmann::json()).dump();

    const std::set<std::string> warned = RulesIn(warnings);
    for (const auto &w : expected_warnings)
        EXPECT_TRUE(warned.count(w)) << "expected warning " << w << " is missing; warnings: " << warnings.dump(2);

    // One finding per rule and signature: two of the same would be one defect reported twice.
    std::set<std::string> keys;
    for (const auto *list : {&violations, &warnings})
        for (const auto &v : *list)
            EXPECT_TRUE(keys.insert(v.value("rule", "") + "|" + v.value("signature", "")).second)
                << "reported twice: " << v.dump(2);

    if (untestable) {
        EXPECT_TRUE(violations.empty()) << violations.dump(2);
        EXPECT_TRUE(report["error"].is_string()) << report.dump(2);
        // Nothing tested is never a pass, for the run or for any rule.
        EXPECT_EQ(Join(RulesWithOutcome(report, "pass")), "(none)") << report.value("rules", nlohmann::json()).dump();
        return;
    }
    // A rule that passed was exercised.
    for (const auto &r : report.value("rules", nlohmann::json::array()))
        if (r.value("outcome", "") == "pass") EXPECT_GT(r.value("exercised", 0), 0) << r.dump();

    // Every violation names a reproducer that exists.
    for (const auto &v : violations) {
        ASSERT_TRUE(v.contains("case_file") && v["case_file"].is_string()) << v.dump(2);
        const fs::path case_path = report_dir / v["case_file"].get<std::string>();
        EXPECT_TRUE(fs::is_regular_file(case_path)) << case_path << " is missing for " << v.dump(2);
        EXPECT_FALSE(v.value("message", "").empty()) << v.dump(2);
    }

    // Every sample is built with -g: every violation names its function, file and line, and
    // results.sarif puts it there (not at the module file).
    for (const auto &v : violations) {
        EXPECT_TRUE(v["source"].is_string()) << "no source line for " << v.dump(2);
        EXPECT_TRUE(v["code"].is_object() && v["code"]["line"].is_number_integer()) << v.dump(2);
    }
    const nlohmann::json sarif = ReadJson(report_dir / "results.sarif");
    for (const auto &res : sarif["runs"][0]["results"]) {
        std::string uri = res["locations"][0]["physicalLocation"]["artifactLocation"].value("uri", "");
        EXPECT_TRUE(uri.ends_with(".c") || uri.ends_with(".h")) << res.dump(2);
    }

    // The first violation replays with the command the report prints, run as printed from
    // another directory (only the first: keeps the suite fast).
    if (!violations.empty()) {
        const auto &v = violations[0];
        const std::string rule = v.value("rule", "?");
        ASSERT_TRUE(v["replay"].is_string()) << v.dump(2);
        ScratchDir elsewhere(std::string(s.name) + "-" + profile + "-replay");
        ProcResult rr = RunProc({"/bin/sh", "-c", v["replay"].get<std::string>()}, elsewhere.path());
        EXPECT_EQ(rr.exit_code, 1) << "replay for " << rule << ": " << v["replay"] << "\n" << rr.Describe();
        EXPECT_NE(rr.out.find(rule), std::string::npos) << "replay output does not mention " << rule << "\n"
                                                        << rr.Describe();
        // ... and says where in the source, as the reports do.
        if (v["source"].is_string())
            EXPECT_NE(rr.out.find("     at "), std::string::npos) << "replay names no source line\n" << rr.Describe();
    }
}

std::string ParamName(const ::testing::TestParamInfo<Param> &info) {
    return TestName(info.param.sample->name, info.param.profile);
}

INSTANTIATE_TEST_SUITE_P(Samples, SampleTest, ::testing::ValuesIn(AllParams()), ParamName);

// The table itself: every sample a target, names unique, expectations well formed.
TEST(SampleManifest, IsWellFormed) {
    ASSERT_FALSE(Samples().empty());
    std::set<std::string> names;
    for (const auto &s : Samples()) {
        EXPECT_TRUE(names.insert(s.name).second) << "duplicate sample " << s.name;
        EXPECT_TRUE(fs::is_regular_file(s.path)) << s.path;
        for (const char *e : {s.strict, s.kmcl, s.warn}) {
            for (const auto &w : Words(e)) {
                bool ok = w == "pass" || ((w.rfind("SP", 0) == 0 || w.rfind("RP", 0) == 0 || w.rfind("SW", 0) == 0) &&
                                          w.size() > 2 && std::isdigit(static_cast<unsigned char>(w[2])));
                EXPECT_TRUE(ok) << s.name << ": '" << w << "' is not a rule id";
            }
        }
    }
    EXPECT_TRUE(names.count("reference"));
    // How many sample runs keep reports (Reports.EverySampleReportMatchesItsSchema expects them all).
    std::error_code ec;
    fs::create_directories(VSPC_SAMPLE_REPORTS, ec);
    std::ofstream(fs::path(VSPC_SAMPLE_REPORTS) / "expected") << AllParams().size() << "\n";
}

}  // namespace
