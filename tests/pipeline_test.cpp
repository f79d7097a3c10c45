// The run pipeline as users meet it: every command checks its options the same way, case files
// and archives are read with a cap, a report directory is one run's at a time, a signal still
// leaves reports (and no scratch), the contract sweep comes before any verdict, the test hooks'
// faults are harness errors, compat findings are located and minimized on their own build, and
// check --corpus reads and extends a corpus.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace {

using namespace vspc_test;

// A vspconform run in the background (stdout and stderr to files), for signals and locks.
struct Background {
    pid_t pid = -1;
    Background(const std::vector<std::string> &args, const fs::path &dir) {
        std::vector<std::string> argv = {VSPCONFORM_BIN};
        argv.insert(argv.end(), args.begin(), args.end());
        pid = fork();
        if (pid == 0) {
            int out = open((dir / "bg.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int err = open((dir / "bg.err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(out, 1);
            dup2(err, 2);
            std::vector<char *> a;
            for (auto &s : argv) a.push_back(s.data());
            a.push_back(nullptr);
            execv(a[0], a.data());
            _exit(127);
        }
    }
    int Wait() {
        int status = 0;
        waitpid(pid, &status, 0);
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    ~Background() {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }
};

// Waits (a bounded number of short sleeps) until `file` exists: the run got that far.
bool AppearsSoon(const fs::path &file) {
    for (int i = 0; i < 600 && !fs::exists(file); ++i) usleep(50000);
    return fs::exists(file);
}

// The SHA-256 of a file, as sha256sum prints it.
std::string Sha256OfFile(const fs::path &file) {
    std::string cmd = "sha256sum '" + file.string() + "'";
    FILE *p = popen(cmd.c_str(), "r");
    if (!p) return {};
    char buf[65] = {};
    size_t n = fread(buf, 1, 64, p);
    pclose(p);
    return std::string(buf, n);
}

// ---- options ------------------------------------------------------------------------------

TEST(Options, EveryCommandRefusesTheSameBadValues) {
    ScratchDir dir("options");
    const std::string module = SamplePath("reference");
    fs::path a_case = dir / "a.case";
    std::ofstream(a_case, std::ios::binary).write("\0\0", 2);  // one packet, an empty seed, no ops
    const std::vector<std::vector<std::string>> commands = {
        {"check", module},
        {"replay", module, a_case.string()},
        {"minimize", module, a_case.string()},
        {"coverage", SamplePath("reference_coverage"), a_case.string()},
        {"records", module, (dir / "archive").string()},
        {"compat", module, module},
        {"fuzz", module},
    };
    for (const auto &bad : std::vector<std::vector<std::string>>{{"--sandbox", "bogus"},
                                                                 {"--file-size-limit-mb", "17592186044416"},
                                                                 {"--timeout-ms", "0"}}) {
        for (auto args : commands) {
            args.insert(args.end(), bad.begin(), bad.end());
            args.insert(args.end(), {"--report-dir", (dir / "r").string()});
            if (args[0] == "replay" || args[0] == "minimize" || args[0] == "coverage" || args[0] == "records")
                args.resize(args.size() - 2);  // they write no reports
            std::vector<std::string> cmd = {VSPCONFORM_BIN};
            cmd.insert(cmd.end(), args.begin(), args.end());
            ProcResult r = RunProc(cmd, dir.path());
            EXPECT_EQ(r.exit_code, 2) << r.Describe();
            EXPECT_EQ(Lines(r.err).size(), 1u) << r.Describe();
            EXPECT_NE(r.err.find(bad[0]), std::string::npos) << r.Describe();
        }
    }
    // Numbers are range-checked before any arithmetic (1e308 seconds once turned into "exports no
    // hook"), and records takes --max-time like the others.
    for (auto args :
         std::vector<std::vector<std::string>>{{"check", module, "--max-time", "1e308"},
                                               {"records", module, (dir / "arch").string(), "--max-time", "1e308"}}) {
        std::vector<std::string> cmd = {VSPCONFORM_BIN};
        cmd.insert(cmd.end(), args.begin(), args.end());
        ProcResult r = RunProc(cmd, dir.path());
        EXPECT_EQ(r.exit_code, 2) << r.Describe();
        EXPECT_NE(r.err.find("--max-time"), std::string::npos) << r.Describe();
    }
}

// ---- files the supervisor reads ------------------------------------------------------------

TEST(CaseFiles, WhatIsNotACaseIsRefusedWithOneLine) {
    ScratchDir dir("notacase");
    const std::string module = SamplePath("reference");
    fs::path empty = dir / "empty.case", random = dir / "random.case", cut = dir / "cut.case", huge = dir / "huge.case";
    std::ofstream(empty).close();
    {
        std::ofstream out(random, std::ios::binary);
        for (int i = 0; i < 4096; ++i) out.put(static_cast<char>((i * 2654435761u) >> 13));
    }
    {
        // A reproducer with its header, cut short.
        ScratchDir run("notacase-run");
        RunProc(Cmd({"check", SamplePath("sp5_nul_past_end"), "--runs", "0", "--report-dir", (run / "r").string()}),
                run.path());
        nlohmann::json report = ReadJson(run / "r" / "report.json");
        ASSERT_TRUE(report.is_object());
        std::string text = ReadFile(run / "r" / report["violations"][0]["case_file"].get<std::string>());
        ASSERT_EQ(text.rfind("VSPCONFORM-CASE 1\n", 0), 0u);
        std::ofstream(cut, std::ios::binary) << text.substr(0, text.size() - 2);
    }
    {
        // 3 GiB, sparse: a size check must refuse it before any read.
        std::ofstream out(huge, std::ios::binary);
        out.seekp((std::streamoff{3} << 30) - 1);
        out.put('x');
    }
    for (const fs::path &f : {empty, random, cut, huge}) {
        for (const char *command : {"replay", "minimize"}) {
            ProcResult r = RunProc(Cmd({command, module, f.string()}), dir.path());
            EXPECT_EQ(r.exit_code, 2) << f << "\n" << r.Describe();
            EXPECT_EQ(Lines(r.err).size(), 1u) << r.Describe();
            EXPECT_NE(r.err.find("not a vspconform case"), std::string::npos) << r.Describe();
        }
    }
    fs::remove(huge);
}

TEST(Archives, ARecordLinkedToDevZeroOrTooLargeIsRefused) {
    ScratchDir dir("badarchive");
    const std::string module = SamplePath("reference");
    fs::path archive = dir / "archive";
    ProcResult rec = RunProc(Cmd({"records", module, archive.string()}), dir.path());
    ASSERT_EQ(rec.exit_code, 0) << rec.Describe();
    fs::path record = archive / "records" / "00000.rec";
    ASSERT_TRUE(fs::exists(record));
    fs::remove(record);
    fs::create_symlink("/dev/zero", record);
    ProcResult r =
        RunProc(Cmd({"check", module, "--restore-corpus", archive.string(), "--report-dir", (dir / "r1").string()}),
                dir.path());
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.Describe();
    // A record far larger than the manifest says: refused by its size, not read whole.
    fs::remove(record);
    {
        std::ofstream out(record, std::ios::binary);
        out.seekp((std::streamoff{1536} << 20) - 1);
        out.put('x');
    }
    ProcResult big =
        RunProc(Cmd({"compat", archive.string(), module, "--report-dir", (dir / "r2").string()}), dir.path());
    EXPECT_EQ(big.exit_code, 2) << big.Describe();
    EXPECT_NE(big.err.find("more than"), std::string::npos) << big.Describe();
    fs::remove(record);
}

// ---- one run per report directory, signals -------------------------------------------------

TEST(ReportDir, ASecondRunOnTheSameDirectoryStopsAtOnce) {
    ScratchDir dir("lock");
    fs::path reports = dir / "reports";
    Background first({"check", SamplePath("slow_states"), "--report-dir", reports.string()}, dir.path());
    ASSERT_TRUE(AppearsSoon(reports / ".vspconform.lock"));
    usleep(300000);
    ProcResult second = RunProc(Cmd({"check", SamplePath("reference"), "--report-dir", reports.string()}), dir.path());
    EXPECT_EQ(second.exit_code, 2) << second.Describe();
    EXPECT_NE(second.err.find("in use by another vspconform run"), std::string::npos) << second.Describe();
}

TEST(Signals, SigtermToCheckLeavesReportsMarkedInterruptedAndNoScratch) {
    ScratchDir dir("sigterm");
    fs::path reports = dir / "reports";
    Background run({"check", SamplePath("slow_states"), "--report-dir", reports.string()}, dir.path());
    const pid_t pid = run.pid;
    ASSERT_TRUE(AppearsSoon(reports / ".vspconform.lock"));
    sleep(2);
    kill(pid, SIGTERM);
    int rc = run.Wait();
    EXPECT_EQ(rc, 2);
    nlohmann::json report = ReadJson(reports / "report.json");
    ASSERT_TRUE(report.is_object()) << ReadFile(dir / "bg.err");
    EXPECT_EQ(report["interrupted"], true);
    EXPECT_EQ(report["verdict"], "error");
    ExpectReportsValid(reports, dir.path());
    EXPECT_FALSE(fs::exists(fs::path("/dev/shm") / ("vspconform-run-" + std::to_string(pid))));
    std::error_code ec;
    for (auto it = fs::directory_iterator("/sys/fs/cgroup/pids", ec); !ec && it != fs::directory_iterator(); ++it)
        EXPECT_NE(it->path().filename().string().rfind("vspconform-" + std::to_string(pid) + "-", 0), 0u)
            << it->path() << " was left behind";
}

// ---- the contract before the verdict ---------------------------------------------------------

TEST(ContractFirst, ASweepThatCannotFinishIsNotAPassAndSaysWhatItNeeds) {
    ScratchDir dir("contract-first");
    ProcResult r =
        RunProc(Cmd({"check", SamplePath("slow_saves"), "--max-time", "2", "--report-dir", (dir / "r").string()}),
                dir.path());
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_NE(r.out.find("raise --max-time"), std::string::npos) << r.Describe();
    nlohmann::json report = ReadJson(dir / "r" / "report.json");
    ASSERT_TRUE(report.is_object());
    EXPECT_EQ(report["verdict"], "error");
    EXPECT_TRUE(report["incomplete"].is_string()) << report.dump(2);
    EXPECT_EQ(Join(RulesWithOutcome(report, "pass")), "(none)");
}

// ---- the bytes tested are the bytes hashed ------------------------------------------------------

// The module file is replaced (renamed over) while the run starts: whichever bytes the run read, the
// report's SHA-256 and its verdict are both of those bytes (SP5 for the defect, a pass for the
// reference), never the hash of one and the verdict of the other.
TEST(ModuleImage, ReplacingTheFileDuringARunCannotMixTwoBuilds) {
    ScratchDir dir("replaced");
    const fs::path defect = SamplePath("sp5_nul_past_end"), good = SamplePath("reference");
    int tested_defect = 0;
    for (int delay_ms : {0, 5, 20, 40, 80}) {
        const fs::path module = dir / fmt::format("libvsp_under_test_{}.so", delay_ms);
        const fs::path spare = dir / "spare.so";
        fs::copy_file(defect, module, fs::copy_options::overwrite_existing);
        fs::copy_file(good, spare, fs::copy_options::overwrite_existing);
        const fs::path reports = dir / fmt::format("r{}", delay_ms);
        Background run({"check", module.string(), "--runs", "0", "--report-dir", reports.string()}, dir.path());
        usleep(static_cast<useconds_t>(delay_ms) * 1000);
        fs::rename(spare, module);
        const int rc = run.Wait();
        nlohmann::json report = ReadJson(reports / "report.json");
        ASSERT_TRUE(report.is_object()) << ReadFile(dir / "bg.err");
        const std::string sha = report["module"].value("sha256", "");
        const std::string rules = Join(RulesIn(report.value("violations", nlohmann::json::array())));
        if (sha == Sha256OfFile(defect)) {
            ++tested_defect;
            EXPECT_EQ(rc, 1) << "delay " << delay_ms;
            EXPECT_EQ(rules, "SP5") << "delay " << delay_ms << ": the defect's hash with another verdict";
        } else {
            EXPECT_EQ(sha, Sha256OfFile(good)) << "delay " << delay_ms << ": a hash of neither build";
            EXPECT_EQ(rc, 0) << "delay " << delay_ms;
            EXPECT_EQ(rules, "(none)") << "delay " << delay_ms << ": the reference's hash with the defect's verdict";
        }
    }
    // Not asserted: how many runs read the file before it was replaced (that is the machine's timing).
    std::printf("%d of 5 runs read the defect before it was replaced\n", tested_defect);
}

// ---- the test hooks ----------------------------------------------------------------------------

TEST(Hooks, AFaultInATestHookIsAHarnessErrorThatNamesIt) {
    for (auto [sample, hook, what] : {std::tuple{"hook_prepare_hangs", "VspConformancePreparePacket", "did not return"},
                                      {"hook_prepare_crashes", "VspConformancePreparePacket", "crashed"},
                                      {"hook_leaks_packets", "VspConformancePreparePacket", "packet objects"}}) {
        ScratchDir dir(sample);
        const SampleSpec *s = FindSample(sample);
        ASSERT_NE(s, nullptr);
        ProcResult r =
            RunProc(Cmd({"check", s->path, "--runs", "0", "--report-dir", (dir / "r").string()}, Words(s->args)),
                    dir.path());
        EXPECT_EQ(r.exit_code, 2) << r.Describe();
        nlohmann::json report = ReadJson(dir / "r" / "report.json");
        ASSERT_TRUE(report.is_object()) << r.Describe();
        EXPECT_TRUE(report["violations"].empty()) << report.dump(2);
        std::string error = report.value("error", "");
        EXPECT_NE(error.find(hook), std::string::npos) << error;
        EXPECT_NE(error.find(what), std::string::npos) << error;
    }
}

// ---- compat, on each build ------------------------------------------------------------------

TEST(CompatFindings, AreLocatedAndMinimizedOnTheBuildThatRestoredAndReportsNameBothBuilds) {
    ScratchDir dir("compat-located");
    ProcResult r = RunProc(Cmd({"compat", SamplePath("versioned_v1"), SamplePath("rp2_v1_restore_trusts_length"),
                                "--report-dir", (dir / "r").string()}),
                           dir.path());
    ASSERT_EQ(r.exit_code, 1) << r.Describe();
    nlohmann::json report = ReadJson(dir / "r" / "report.json");
    ASSERT_TRUE(report.is_object());
    ASSERT_FALSE(report["violations"].empty());
    EXPECT_TRUE(report["started_at"].is_string());
    for (const auto &v : report["violations"]) {
        EXPECT_TRUE(v["source"].is_string()) << v.dump(2);
        EXPECT_LT(CaseBytes(dir / "r" / v["case_file"].get<std::string>()).size(), 200u)
            << "not minimized: " << v.dump(2);
    }
    const std::string old_sha = report["compat"]["old_sha256"];
    const std::string new_sha = report["module"]["sha256"];
    for (const char *file : {"report.json", "report.md", "report.html", "junit.xml", "results.sarif"}) {
        std::string text = ReadFile(dir / "r" / file);
        EXPECT_NE(text.find(old_sha), std::string::npos) << file << " does not name the older build's SHA-256";
        EXPECT_NE(text.find(new_sha), std::string::npos) << file << " does not name the newer build's SHA-256";
    }
    nlohmann::json sarif = ReadJson(dir / "r" / "results.sarif");
    for (const auto &res : sarif["runs"][0]["results"]) {
        std::string uri = res["locations"][0]["physicalLocation"]["artifactLocation"].value("uri", "");
        EXPECT_TRUE(uri.ends_with(".c") || uri.ends_with(".h")) << res.dump(2);
    }
}

// ---- check --corpus -------------------------------------------------------------------------

TEST(Corpus, CheckPlaysTheCorpusCasesAndWritesNewOnesBack) {
    ScratchDir dir("corpus");
    const std::string module = SamplePath("sp11_abort");  // only exploration makes its aborting state
    ProcResult found = RunProc(Cmd({"check", module, "--report-dir", (dir / "found").string()}), dir.path());
    ASSERT_EQ(found.exit_code, 1) << found.Describe();
    nlohmann::json report = ReadJson(dir / "found" / "report.json");
    fs::path reproducer = dir / "found" / report["violations"][0]["case_file"].get<std::string>();
    // The sweep alone does not find it; with the reproducer in the corpus, it does.
    fs::path corpus = dir / "corpus";
    fs::create_directories(corpus);
    ProcResult without =
        RunProc(Cmd({"check", module, "--runs", "0", "--report-dir", (dir / "r0").string()}), dir.path());
    EXPECT_EQ(without.exit_code, 0) << without.Describe();
    fs::copy_file(reproducer, corpus / "regression-sp11.case");
    ProcResult with = RunProc(Cmd({"check", module, "--runs", "0", "--corpus", corpus.string(), "--report-dir",
                                   (dir / "r1").string()}),
                              dir.path());
    EXPECT_EQ(with.exit_code, 1) << with.Describe();
    EXPECT_NE(with.out.find("FAIL     SP11"), std::string::npos) << with.Describe();
    // The exploration writes its new corpus files back (never removing one).
    ProcResult grow = RunProc(Cmd({"check", SamplePath("reference"), "--runs", "20000", "--corpus", corpus.string(),
                                   "--report-dir", (dir / "r2").string()}),
                              dir.path());
    EXPECT_EQ(grow.exit_code, 0) << grow.Describe();
    size_t files = 0;
    for (const auto &e : fs::directory_iterator(corpus)) files += e.is_regular_file();
    EXPECT_GT(files, 1u);
    EXPECT_TRUE(fs::exists(corpus / "regression-sp11.case"));
}

}  // namespace
