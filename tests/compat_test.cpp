// Versions and hosts: `vspconform compat OLD NEW` on the versioned sample's
// releases (samples/CMakeLists.txt, vspc_compat()) under both profiles, against
// the exact verdict each pair registers; record archives (`records`) standing in
// for a build that is gone (`compat ARCHIVE NEW`, `check --restore-corpus`); and
// the inputs that cannot be tested.
#include <cctype>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace {

using namespace vspc_test;

struct CompatSpec {
    const char *old_name, *new_name;
    const char *old_path, *new_path;
    const char *strict, *kmcl;  // "pass" or "CP1 RP2 ..."
};

const std::vector<CompatSpec> &Pairs() {
    static const std::vector<CompatSpec> pairs = {
#include "compat_manifest.inc"
    };
    return pairs;
}

std::string SamplePath(const std::string &name) {
    const SampleSpec *s = FindSample(name);
    if (!s) {
        ADD_FAILURE() << "sample " << name << " is not in the manifest";
        return "/nonexistent/" + name;
    }
    return s->path;
}

// Runs a command exactly as a report prints it (shell-quoted), with this build's vspconform first on PATH.
ProcResult RunPrinted(const std::string &command, const fs::path &scratch) {
    std::string bin_dir = fs::path(VSPCONFORM_BIN).parent_path().string();
    const char *path = std::getenv("PATH");
    return RunProc({"/usr/bin/env", "PATH=" + bin_dir + ":" + (path ? path : "/usr/bin:/bin"), "/bin/sh", "-c",
                    command},
                   scratch);
}

std::string Outcome(const nlohmann::json &report, const std::string &rule) {
    for (const auto &r : report.value("rules", nlohmann::json::array()))
        if (r.value("id", "") == rule) return r.value("outcome", "?");
    return "(missing)";
}

struct Param {
    const CompatSpec *pair;
    std::string profile;
};

void PrintTo(const Param &p, std::ostream *os) {
    *os << "compat " << p.pair->old_name << " " << p.pair->new_name << " --profile " << p.profile;
}

std::vector<Param> AllParams() {
    std::vector<Param> out;
    for (const auto &p : Pairs())
        for (const char *profile : {"strict", "kmcl"}) out.push_back({&p, profile});
    return out;
}

class CompatPair : public ::testing::TestWithParam<Param> {};

TEST_P(CompatPair, VerdictMatchesExpectation) {
    const CompatSpec &p = *GetParam().pair;
    const std::string profile = GetParam().profile;
    const std::set<std::string> expected = RuleSet(profile == "strict" ? p.strict : p.kmcl);
    ScratchDir dir(std::string("compat-") + p.old_name + "-" + p.new_name + "-" + profile);
    const fs::path report_dir = dir / "report";
    ProcResult r = RunProc(Cmd({"compat", p.old_path, p.new_path, "--profile", profile, "--runs", "2000",
                                "--report-dir", report_dir.string()}),
                           dir.path());
    ASSERT_FALSE(r.timed_out) << r.Describe();
    ASSERT_EQ(r.signal, 0) << r.Describe();
    EXPECT_EQ(r.exit_code, expected.empty() ? 0 : 1) << r.Describe();
    const nlohmann::json report = ReadJson(report_dir / "report.json");
    ASSERT_TRUE(report.is_object()) << r.Describe();
    EXPECT_EQ(report.value("command", ""), "compat");
    EXPECT_EQ(report.value("verdict", ""), expected.empty() ? "pass" : "fail");
    const nlohmann::json violations = report.value("violations", nlohmann::json::array());
    EXPECT_EQ(Join(RulesIn(violations)), Join(expected)) << violations.dump(2);
    EXPECT_EQ(Join(RulesWithOutcome(report, "fail")), Join(expected));

    // Both builds are named, and every rule that passed was exercised: forward and rollback both ran.
    const nlohmann::json &compat = report["compat"];
    ASSERT_TRUE(compat.is_object()) << report.dump(2);
    EXPECT_EQ(compat.value("new_sha256", ""), report["module"].value("sha256", "?"));
    EXPECT_EQ(compat.value("old_sha256", "").size(), 64u);
    EXPECT_EQ(compat["directions"].dump(), "[\"forward\",\"rollback\"]");
    for (const auto &rule : report["rules"])
        if (rule.value("outcome", "") == "pass") EXPECT_GT(rule.value("exercised", 0), 0) << rule.dump();
    for (const char *cp : {"CP1", "CP2", "CP3"})
        if (!expected.count(cp) && !(std::string(cp) == "CP2" && expected.count("CP1")))
            EXPECT_EQ(Outcome(report, cp), "pass") << cp << " was not exercised: " << report["rules"].dump();
    // compat checks restore across builds; the save contract is check's.
    EXPECT_EQ(Outcome(report, "SP5"), "not applicable");
    // This release's records are archived for the next one.
    EXPECT_TRUE(fs::is_regular_file(report_dir / "records" / "new" / "manifest.json"));
    EXPECT_TRUE(fs::is_regular_file(report_dir / "records" / "old" / "manifest.json"));

    for (const auto &v : violations) {
        const nlohmann::json &c = v["compat"];
        ASSERT_TRUE(c.is_object()) << v.dump(2);
        EXPECT_TRUE(c["direction"] == "forward" || c["direction"] == "rollback") << v.dump(2);
        EXPECT_EQ(c.value("old_sha256", ""), compat.value("old_sha256", "?"));
        EXPECT_EQ(c.value("new_sha256", ""), compat.value("new_sha256", "?"));
        EXPECT_FALSE(c.value("record", "").empty()) << v.dump(2);
        EXPECT_TRUE(fs::is_regular_file(report_dir / v.value("case_file", "?"))) << v.dump(2);
    }
    // The first violation replays with the command the report prints, as printed.
    if (!violations.empty()) {
        const auto &v = violations[0];
        const std::string command = v.value("replay", "");
        EXPECT_NE(command.find("--direction"), std::string::npos) << command;
        ProcResult rr = RunPrinted(command, dir.path());
        EXPECT_EQ(rr.exit_code, 1) << command << "\n" << rr.Describe();
        EXPECT_NE(rr.out.find(v.value("rule", "?")), std::string::npos) << command << "\n" << rr.Describe();
    }
}

std::string ParamName(const ::testing::TestParamInfo<Param> &info) {
    std::string name =
        std::string(info.param.pair->old_name) + "_to_" + info.param.pair->new_name + "_" + info.param.profile;
    for (char &c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return name;
}

INSTANTIATE_TEST_SUITE_P(Samples, CompatPair, ::testing::ValuesIn(AllParams()), ParamName);

// Every correct release is compatible with itself.
TEST(CompatManifest, EveryCorrectReleaseIsPairedWithItself) {
    std::set<std::string> self;
    for (const auto &p : Pairs())
        if (std::string(p.old_name) == p.new_name && RuleSet(p.strict).empty()) self.insert(p.old_name);
    for (const char *name : {"versioned_v1", "versioned_v2"}) EXPECT_TRUE(self.count(name)) << name;
}

// compat X X passes for every correct sample (the ones check passes, with their extra
// arguments), and the one without a restore callback cannot be tested by compat at all.
TEST(CompatSelf, EveryCorrectSamplePassesAgainstItself) {
    ScratchDir dir("compat-self");
    int tested = 0;
    for (const SampleSpec &s : Samples()) {
        if (std::string(s.strict) != "pass" || std::string(s.kmcl) != "pass" || s.exit_code != 0) continue;
        std::vector<std::string> extra;
        const std::vector<std::string> args = Words(s.args);
        for (size_t i = 0; i < args.size(); ++i)
            if (args[i] == "--runs")
                ++i;  // this test's --runs 0 instead
            else
                extra.push_back(args[i]);
        // Slow calls and 2 GiB allocations are the sample tests' business, not compat's.
        const std::string name = s.name;
        if (name.rfind("slow_", 0) == 0 || name.rfind("big_memory", 0) == 0) continue;
        ProcResult r = RunProc(Cmd({"compat", s.path, s.path, "--runs", "0", "--report-dir",
                                    (dir / (std::string(s.name) + "-report")).string()},
                                   extra),
                               dir.path());
        const int expected = std::string(s.name) == "save_only" ? 2 : 0;  // no restore: nothing crosses builds
        EXPECT_EQ(r.exit_code, expected) << "compat " << s.name << " " << s.name << "\n" << r.Describe();
        ++tested;
    }
    EXPECT_GT(tested, 10);
}

// ---- record archives ------------------------------------------------------------------

class Archives : public ::testing::Test {
protected:
    // The release 1 archive, written from a copy of the module that is then deleted: what
    // follows runs without the old build.
    static void SetUpTestSuite() {
        dir_ = new ScratchDir("archives");
        fs::path copy = *dir_ / "libvsp_release1.so";
        fs::copy_file(SamplePath("versioned_v1"), copy);
        records_ =
            new ProcResult(RunProc(Cmd({"records", copy.string(), (*dir_ / "release1").string()}), dir_->path()));
        fs::remove(copy);
    }
    static void TearDownTestSuite() {
        delete records_;
        delete dir_;
    }
    static fs::path Archive() { return *dir_ / "release1"; }
    static ScratchDir *dir_;
    static ProcResult *records_;
};
ScratchDir *Archives::dir_ = nullptr;
ProcResult *Archives::records_ = nullptr;

TEST_F(Archives, RecordsWritesAManifest) {
    ASSERT_EQ(records_->exit_code, 0) << records_->Describe();
    const nlohmann::json m = ReadJson(Archive() / "manifest.json");
    ASSERT_TRUE(m.is_object());
    EXPECT_EQ(m.value("format", ""), "vspconform-records");
    EXPECT_EQ(m["module"].value("sha256", "").size(), 64u);
    EXPECT_EQ(m.value("seed", 0), 1);
    ASSERT_GT(m["entries"].size(), 3u);
    for (const auto &e : m["entries"]) {
        EXPECT_TRUE(fs::is_regular_file(Archive() / e.value("record", "?"))) << e.dump();
        EXPECT_EQ(fs::file_size(Archive() / e.value("record", "?")), e.value("size", 0u)) << e.dump();
    }
    EXPECT_FALSE(fs::is_empty(Archive() / "corpus"));
}

TEST_F(Archives, RestoreCorpusFindsTheOldLayoutLengthBugWithoutTheOldBuild) {
    ASSERT_EQ(records_->exit_code, 0) << records_->Describe();
    ScratchDir dir("restore-corpus");
    // Without the archive, the sweep alone (--runs 0) reaches the version 1 path too: its record-field
    // stage lowers the version of this build's own records and sets a length to a boundary.
    ProcResult plain = RunProc(Cmd({"check", SamplePath("rp2_v1_restore_trusts_length"), "--runs", "0", "--report-dir",
                                    (dir / "plain").string()}),
                               dir.path());
    EXPECT_EQ(plain.exit_code, 1) << plain.Describe();
    EXPECT_EQ(Join(RulesIn(ReadJson(dir / "plain" / "report.json").value("violations", nlohmann::json::array()))),
              "RP2");
    ProcResult r = RunProc(Cmd({"check", SamplePath("rp2_v1_restore_trusts_length"), "--runs", "0", "--restore-corpus",
                                Archive().string(), "--report-dir", (dir / "r").string()}),
                           dir.path());
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    const nlohmann::json report = ReadJson(dir / "r" / "report.json");
    const nlohmann::json violations = report.value("violations", nlohmann::json::array());
    EXPECT_EQ(Join(RulesIn(violations)), "RP2") << violations.dump(2);
    // The archive's records reach it as well: a finding of its own, naming the older build.
    const nlohmann::json m = ReadJson(Archive() / "manifest.json");
    size_t from_archive = 0;
    for (const auto &v : violations) {
        if (v["compat"].is_null()) continue;  // the sweep's (record-field stage)
        ++from_archive;
        EXPECT_EQ(v["compat"].value("direction", ""), "forward") << v.dump(2);
        EXPECT_EQ(v["compat"].value("old_sha256", ""), m["module"].value("sha256", "?"));
    }
    EXPECT_EQ(from_archive, 1u) << violations.dump(2);
    EXPECT_EQ(Outcome(report, "CP3"), "skipped");
}

TEST_F(Archives, RestoreCorpusPassesTheCorrectReleaseAndExercisesCp1Cp2) {
    ASSERT_EQ(records_->exit_code, 0) << records_->Describe();
    ScratchDir dir("restore-corpus-pass");
    ProcResult r = RunProc(Cmd({"check", SamplePath("versioned_v2"), "--runs", "2000", "--restore-corpus",
                                Archive().string(), "--report-dir", (dir / "r").string()}),
                           dir.path());
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    const nlohmann::json report = ReadJson(dir / "r" / "report.json");
    EXPECT_EQ(Outcome(report, "CP1"), "pass");
    EXPECT_EQ(Outcome(report, "CP2"), "pass");
}

TEST_F(Archives, CompatTakesAnArchiveForTheOlderBuild) {
    ASSERT_EQ(records_->exit_code, 0) << records_->Describe();
    ScratchDir dir("compat-archive");
    ProcResult r = RunProc(Cmd({"compat", Archive().string(), SamplePath("versioned_v2_loses_tag"), "--runs", "0",
                                "--report-dir", (dir / "r").string()}),
                           dir.path());
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    const nlohmann::json report = ReadJson(dir / "r" / "report.json");
    EXPECT_EQ(Join(RulesIn(report["violations"])), "CP2") << report["violations"].dump(2);
    EXPECT_EQ(report["compat"]["directions"].dump(), "[\"forward\"]");
    EXPECT_NE(report["notes"].dump().find("rollback"), std::string::npos) << report["notes"].dump();
}

TEST_F(Archives, ATamperedArchiveCannotBeTested) {
    ASSERT_EQ(records_->exit_code, 0) << records_->Describe();
    ScratchDir dir("tampered");
    fs::copy(Archive(), dir / "a", fs::copy_options::recursive);
    const nlohmann::json m = ReadJson(dir / "a" / "manifest.json");
    { std::ofstream(dir / "a" / m["entries"][0].value("record", "?"), std::ios::binary | std::ios::app) << "x"; }
    for (auto args :
         {Cmd({"compat", (dir / "a").string(), SamplePath("versioned_v2"), "--report-dir", (dir / "r1").string()}),
          Cmd({"check", SamplePath("versioned_v2"), "--restore-corpus", (dir / "a").string(), "--report-dir",
               (dir / "r2").string()})}) {
        ProcResult r = RunProc(args, dir.path());
        EXPECT_EQ(r.exit_code, 2) << r.Describe();
        EXPECT_NE(r.err.find("not the size the manifest says"), std::string::npos) << r.Describe();
    }
}

// ---- could not test: one line, exit 2, never a pass ---------------------------------------

TEST(CompatCouldNotTest, BadInputs) {
    ScratchDir dir("compat-bad");
    fs::create_directories(dir / "empty");
    const std::string v1 = SamplePath("versioned_v1"), v2 = SamplePath("versioned_v2");
    struct Bad {
        std::vector<std::string> args;
        const char *mention;
    };
    std::vector<Bad> bad = {
        {Cmd({"compat", "/nonexistent/old.so", v2, "--report-dir", (dir / "r").string()}), "older build"},
        {Cmd({"compat", v1, (dir / "empty").string(), "--report-dir", (dir / "r").string()}), "must be a module"},
        {Cmd({"compat", (dir / "empty").string(), v2, "--report-dir", (dir / "r").string()}), "not a record archive"},
        {Cmd({"check", v2, "--restore-corpus", (dir / "empty").string(), "--report-dir", (dir / "r").string()}),
         "not a record archive"},
        {Cmd({"records", SamplePath("stateless_only"), (dir / "none").string()}), "no record"},
        {Cmd({"compat", v1}), "NEW_MODULE"},
        {Cmd({"replay", v2, (dir / "proc1.out").string(), "--direction", "sideways"}), "--direction"},
    };
    for (const Bad &b : bad) {
        ProcResult r = RunProc(b.args, dir.path());
        EXPECT_EQ(r.exit_code, 2) << r.Describe();
        EXPECT_NE(r.err.find(b.mention), std::string::npos) << "expected '" << b.mention << "'\n" << r.Describe();
        EXPECT_NE(r.err.find("vspconform: error:"), std::string::npos) << r.Describe();
    }
    EXPECT_FALSE(fs::exists(dir / "none" / "manifest.json"));
}

}  // namespace
