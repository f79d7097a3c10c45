// vspconform fuzz, minimize and coverage, driven as a team would: campaigns that
// find state-gated bugs and leave minimized, replayable cases; signals that stop a
// campaign without losing anything; coverage that names the callbacks and shows
// what was never reached.
#include <regex>

#include "test_util.h"

namespace {

using namespace vspc_test;

// A campaign in the background, its output in files (for the signal tests).
class Background {
public:
    Background(const std::vector<std::string> &argv, const fs::path &dir) : out_(dir / "bg.out"), err_(dir / "bg.err") {
        std::vector<char *> args;
        for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
        args.push_back(nullptr);
        pid_ = fork();
        if (pid_ == 0) {
            int out = open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int err = open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int in = open("/dev/null", O_RDONLY);
            dup2(in, 0);
            dup2(out, 1);
            dup2(err, 2);
            execv(args[0], args.data());
            _exit(127);
        }
    }
    ~Background() {
        if (pid_ > 0 && !reaped_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    // Waits (at most `limit`) until stdout (or stderr) matches `pattern`.
    bool WaitForOutput(const std::string &pattern, std::chrono::seconds limit, bool on_stderr = false) {
        std::regex re(pattern);
        auto end = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < end) {
            if (std::regex_search(ReadFile(on_stderr ? err_ : out_), re)) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }
    void Signal(int signo) { kill(pid_, signo); }
    // The exit code (-1: killed by a signal, or still running after `limit`, then killed).
    int Wait(std::chrono::seconds limit) {
        auto end = std::chrono::steady_clock::now() + limit;
        int status = 0;
        while (waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > end) {
                kill(pid_, SIGKILL);
                waitpid(pid_, &status, 0);
                reaped_ = true;
                return -1;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::string Out() const { return ReadFile(out_); }
    std::string Err() const { return ReadFile(err_); }

private:
    fs::path out_, err_;
    pid_t pid_ = -1;
    bool reaped_ = false;
};

// Processes whose command line mentions `text` (the workers carry the corpus path in theirs).
int ProcessesMentioning(const std::string &text) {
    int n = 0;
    std::error_code ec;
    for (auto it = fs::directory_iterator("/proc", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
        std::string cmdline = ReadFile(it->path() / "cmdline");
        if (cmdline.find(text) != std::string::npos) ++n;
    }
    return n;
}

// ---- state-gated bugs: found, minimized, replayed, for seeds 1 to 5 -----------------

struct GatedCase {
    const char *sample;
    size_t max_case_bytes;  // the smallest state that opens the gate, plus the case's few bytes of ops
};

class FuzzStateGated : public ::testing::TestWithParam<std::tuple<GatedCase, int>> {};

TEST_P(FuzzStateGated, FindsMinimizesAndReplays) {
    auto [gated, seed] = GetParam();
    ScratchDir dir(std::string("gated-") + gated.sample);
    std::string module = SamplePath(gated.sample);
    auto r = RunProc(Cmd({"fuzz", module, "--time", "60", "--max-findings", "1", "--jobs", "2", "--seed",
                          std::to_string(seed), "--report-dir", (dir / "report").string()}),
                     dir.path());
    ASSERT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_NE(r.out.find("FOUND    SP5"), std::string::npos) << r.Describe();
    nlohmann::json report = ReadJson(dir / "report" / "report.json");
    ASSERT_TRUE(report.is_object()) << r.Describe();
    EXPECT_EQ(report["command"], "fuzz");
    ASSERT_EQ(RulesIn(report["violations"]), std::set<std::string>{"SP5"}) << report.dump(2);
    // Minimized: the fuzzer's case may already be small (its seeds are short), so the test is the
    // size of what is kept against the smallest state that opens the gate.
    const auto &v = report["violations"][0];
    fs::path case_file = dir / "report" / v["case_file"].get<std::string>();
    ASSERT_TRUE(fs::exists(case_file));
    EXPECT_LE(CaseBytes(case_file).size(), gated.max_case_bytes) << "not minimized";
    // The artifact written when it was found is replaced by the minimized case.
    bool artifact_minimized = false;
    for (const auto &e : fs::directory_iterator(dir / "report" / "artifacts"))
        artifact_minimized |= ReadFile(e.path()) == ReadFile(case_file);
    EXPECT_TRUE(artifact_minimized);
    // Replayed as the report says: under the profile its case was judged under (the exploration
    // tier's cases are KMCL's calls).
    std::string profile = v["profile"];
    EXPECT_NE(v["replay"].get<std::string>().find(profile == "kmcl" ? " --profile kmcl" : ""), std::string::npos);
    auto replay = RunProc(Cmd({"replay", module, case_file.string(), "--profile", profile}), dir.path());
    EXPECT_EQ(replay.exit_code, 1) << replay.Describe();
    EXPECT_NE(replay.out.find("=> SP5 "), std::string::npos) << replay.Describe();
    // Every artifact says what it needs: replayed with no flags at all, it shows its finding.
    for (const auto &e : fs::directory_iterator(dir / "report" / "artifacts")) {
        auto bare = RunProc(Cmd({"replay", module, e.path().string()}), dir.path());
        EXPECT_EQ(bare.exit_code, 1) << bare.Describe();
        EXPECT_NE(bare.out.find("(profile " + profile + ")"), std::string::npos) << bare.Describe();
    }
    // The fuzz target reproduces the same file (libFuzzer runs a file given as an argument once):
    // the overrun hits the guard page, a deadly signal to it, in the module's save.
    setenv("VSPCONFORM_MODULE", module.c_str(), 1);
    setenv("VSPCONFORM_PROFILE", profile.c_str(), 1);
    auto target = RunProc({VSPCONFORM_FUZZER_BIN, case_file.string()}, dir.path());
    unsetenv("VSPCONFORM_MODULE");
    unsetenv("VSPCONFORM_PROFILE");
    EXPECT_NE(target.exit_code, 0) << target.Describe();
    EXPECT_TRUE(target.err.find("vspconform: SP5 ") != std::string::npos ||
                target.err.find("in EvtVmbChannelSavePacket") != std::string::npos)
        << target.Describe();
}

INSTANTIATE_TEST_SUITE_P(Campaign, FuzzStateGated,
                         ::testing::Combine(::testing::Values(GatedCase{"rare_passthrough_overrun", 24},
                                                              GatedCase{"rare_three_bytes_overrun", 40},
                                                              // three packets in flight, 8 bytes each (issue 20)
                                                              GatedCase{"rare_three_packets_overrun", 40},
                                                              GatedCase{"rare_three_packets_overrun_coverage", 40}),
                                            ::testing::Range(1, 6)),
                         [](const auto &info) {
                             return std::string(std::get<0>(info.param).sample) + "_seed" +
                                    std::to_string(std::get<1>(info.param));
                         });

// ---- stopping a campaign ------------------------------------------------------------

class Stopped : public ::testing::TestWithParam<int> {};

TEST_P(Stopped, KeepsCorpusReportsAndPrintsTheSummary) {
    int signo = GetParam();
    ScratchDir dir("stopped");
    Background bg(Cmd({"fuzz", SamplePath("reference_coverage"), "--jobs", "2", "--report-dir",
                       (dir / "report").string(), "--corpus", (dir / "corpus").string()}),
                  dir.path());
    // The campaign is under way once its corpus has a file (in half a second here; the progress
    // line comes only every 10 s off a terminal); then it runs a moment more.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    std::error_code ec;
    while (std::chrono::steady_clock::now() < give_up &&
           (!fs::exists(dir / "corpus", ec) || fs::is_empty(dir / "corpus", ec)))
        usleep(100000);
    ASSERT_TRUE(fs::exists(dir / "corpus", ec) && !fs::is_empty(dir / "corpus", ec)) << bg.Out() << bg.Err();
    usleep(500000);
    bg.Signal(signo);
    int rc = bg.Wait(std::chrono::seconds(120));
    ASSERT_EQ(rc, 0) << "stdout:\n" << bg.Out() << "\nstderr:\n" << bg.Err();
    std::string out = bg.Out();
    for (const char *line : {"verdict  PASS", "stat::number_of_executed_units:", "stat::average_exec_per_sec:",
                             "stat::callback_calls:", "coverage: "})
        EXPECT_NE(out.find(line), std::string::npos) << line << " missing in:\n" << out;
    nlohmann::json report = ReadJson(dir / "report" / "report.json");
    ASSERT_TRUE(report.is_object());
    EXPECT_EQ(report["campaign"]["interrupted"], true);
    EXPECT_GT(report["campaign"]["executions"].get<uint64_t>(), 0u);
    for (const char *f : {"report.md", "report.html", "junit.xml", "results.sarif"})
        EXPECT_TRUE(fs::exists(dir / "report" / f)) << f;
    EXPECT_FALSE(fs::is_empty(dir / "corpus"));
    EXPECT_EQ(ProcessesMentioning((dir / "corpus").string()), 0) << "a worker outlived the campaign";
}

INSTANTIATE_TEST_SUITE_P(Campaign, Stopped, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto &info) { return info.param == SIGINT ? "Sigint" : "Sigterm"; });

TEST(Campaign, KilledLosesNoFindingItPrinted) {
    ScratchDir dir("killed");
    std::string module = SamplePath("sp5_rp2_save_and_restore");
    Background bg(Cmd({"fuzz", module, "--jobs", "2", "--report-dir", (dir / "report").string()}), dir.path());
    ASSERT_TRUE(bg.WaitForOutput("FOUND[^\\n]*\\n *case [^\\n]*\\n", std::chrono::seconds(60))) << bg.Out();
    bg.Signal(SIGKILL);
    bg.Wait(std::chrono::seconds(30));
    std::string out = bg.Out();
    std::regex found("(FOUND|warning)  +([A-Z]+[0-9]+) [^\\n]*\\n +case ([^\\n]+)\\n");
    int checked = 0;
    for (auto it = std::sregex_iterator(out.begin(), out.end(), found); it != std::sregex_iterator(); ++it) {
        std::string rule = (*it)[2], file = (*it)[3];
        ASSERT_TRUE(fs::exists(file)) << file << " was printed but is not on disk";
        // A campaign's findings come from the exploration tier (kmcl) or a contract job (strict).
        auto kmcl = RunProc(Cmd({"replay", module, file, "--profile", "kmcl"}), dir.path());
        auto strict = RunProc(Cmd({"replay", module, file}), dir.path());
        EXPECT_TRUE(kmcl.out.find("=> " + rule + " ") != std::string::npos ||
                    strict.out.find("=> " + rule + " ") != std::string::npos)
            << kmcl.Describe() << strict.Describe();
        ++checked;
    }
    EXPECT_GE(checked, 1) << out;
    std::this_thread::sleep_for(std::chrono::seconds(1));
    EXPECT_EQ(ProcessesMentioning((dir / "report" / "corpus").string()), 0) << "a worker outlived the campaign";
}

// ---- coverage ---------------------------------------------------------------------------

TEST(Coverage, ReferenceSampleNamesItsCallbacksWithEdgeCounts) {
    ScratchDir dir("coverage-ref");
    auto r = RunProc(Cmd({"fuzz", SamplePath("reference_coverage"), "--time", "3", "--jobs", "1", "--report-dir",
                          (dir / "report").string()}),
                     dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    std::smatch m;
    for (const char *cb : {"EvtVmbChannelSavePacket \\[save callback\\]",
                           "EvtVmbChannelRestorePacket \\[restore "
                           "callback\\]"}) {
        ASSERT_TRUE(std::regex_search(r.out, m, std::regex(std::string(cb) + " +([0-9]+)/([0-9]+) +edges")))
            << cb << " missing in:\n"
            << r.out;
        EXPECT_GT(std::stoi(m[1]), 0);
        EXPECT_LE(std::stoi(m[1]), std::stoi(m[2]));
    }
    nlohmann::json report = ReadJson(dir / "report" / "report.json");
    ASSERT_TRUE(report["coverage"].is_object()) << report.dump(2);
    // The campaign's reports are the ones check writes, valid against the same schemas.
    ExpectReportsValid(dir / "report", dir.path());
    EXPECT_TRUE(report["sandbox"].is_object()) << "the campaign's workers' protections are not reported";
    std::set<std::string> callbacks;
    for (const auto &f : report["coverage"]["functions"])
        if (f["callback"].is_string()) {
            callbacks.insert(f["callback"].get<std::string>());
            EXPECT_GT(f["edges"].get<int>(), 0);
        }
    EXPECT_EQ(callbacks, (std::set<std::string>{"restore", "save"}));
    EXPECT_GE(report["coverage"]["timeline"].size(), 1u);
}

// The version 1 restore path of rp2_v1_restore_trusts_length: this build never writes a
// version 1 record, so the sweep's cases leave most of it unreached, and the summary says
// where (VrecParseV1 is inlined into VrecParse, the function that holds it).
TEST(Coverage, UnreachedRestoreBranchIsShownInTheFunctionThatHoldsIt) {
    ScratchDir dir("coverage-v1");
    auto seeds = RunProc(Cmd({"seeds", (dir / "seeds").string()}), dir.path());
    ASSERT_EQ(seeds.exit_code, 0) << seeds.Describe();
    auto r =
        RunProc(Cmd({"coverage", SamplePath("rp2_v1_restore_trusts_length"), (dir / "seeds").string()}), dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m,
                                  std::regex("\\n  (VrecParse[A-Za-z0-9]*) +([0-9]+)/([0-9]+) +edges +([0-9]+) "
                                             "unreached[^\\n]*VrecParseV1 x([0-9]+) at versioned_vsp.c:")))
        << r.out;
    EXPECT_LT(std::stoi(m[2]), std::stoi(m[3]));
    EXPECT_GE(std::stoi(m[5]), 1);
    // Without coverage instrumentation there is nothing to show: exit 2, one line.
    auto plain = RunProc(Cmd({"coverage", SamplePath("reference"), (dir / "seeds").string()}), dir.path());
    EXPECT_EQ(plain.exit_code, 2);
    EXPECT_NE(plain.err.find("not coverage-instrumented"), std::string::npos) << plain.Describe();
}

// ---- minimize ---------------------------------------------------------------------------

TEST(MinimizeCommand, CommandShrinksACaseAndKeepsItsFinding) {
    ScratchDir dir("minimize");
    std::string module = SamplePath("sp13_channel_global_request");
    // check's own reproducers are minimized; with --minimize-runs 0 they are the raw cases.
    auto raw = RunProc(Cmd({"check", module, "--minimize-runs", "0", "--runs", "2000", "--report-dir",
                            (dir / "raw").string()}),
                       dir.path());
    ASSERT_EQ(raw.exit_code, 1) << raw.Describe();
    auto small = RunProc(Cmd({"check", module, "--runs", "2000", "--report-dir", (dir / "min").string()}), dir.path());
    ASSERT_EQ(small.exit_code, 1) << small.Describe();
    nlohmann::json raw_report = ReadJson(dir / "raw" / "report.json"),
                   min_report = ReadJson(dir / "min" / "report.json");
    EXPECT_EQ(RulesIn(raw_report["violations"]), RulesIn(min_report["violations"]));
    fs::path raw_case = dir / "raw" / raw_report["violations"][0]["case_file"].get<std::string>();
    fs::path min_case = dir / "min" / min_report["violations"][0]["case_file"].get<std::string>();
    EXPECT_LT(CaseBytes(min_case).size(), CaseBytes(raw_case).size());

    fs::path out = dir / "out.case";
    auto m = RunProc(Cmd({"minimize", module, raw_case.string(), "--output", out.string()}), dir.path());
    ASSERT_EQ(m.exit_code, 0) << m.Describe();
    EXPECT_NE(m.out.find("minimized"), std::string::npos) << m.Describe();
    ASSERT_TRUE(fs::exists(out));
    EXPECT_LT(CaseBytes(out).size(), CaseBytes(raw_case).size());
    std::string rule = raw_report["violations"][0]["rule"];
    auto replay = RunProc(Cmd({"replay", module, out.string()}), dir.path());
    EXPECT_EQ(replay.exit_code, 1);
    EXPECT_NE(replay.out.find("=> " + rule + " "), std::string::npos) << replay.Describe();

    // A case that shows nothing: exit 1; a case that is not there: exit 2.
    auto clean = RunProc(Cmd({"minimize", SamplePath("reference"), out.string()}), dir.path());
    EXPECT_EQ(clean.exit_code, 1) << clean.Describe();
    auto missing = RunProc(Cmd({"minimize", module, (dir / "nope.case").string()}), dir.path());
    EXPECT_EQ(missing.exit_code, 2) << missing.Describe();
    EXPECT_EQ(Lines(missing.err).size(), 1u) << missing.Describe();
}

// A crash is a death of the worker: each smaller case that still crashes ends a worker, and
// the supervisor resumes minimization from it.
TEST(MinimizeCommand, CrashingCaseIsMinimizedAcrossWorkerDeaths) {
    ScratchDir dir("minimize-crash");
    std::string module = SamplePath("sp11_null_deref");
    auto raw =
        RunProc(Cmd({"check", module, "--minimize-runs", "0", "--runs", "0", "--report-dir", (dir / "raw").string()}),
                dir.path());
    ASSERT_EQ(raw.exit_code, 1) << raw.Describe();
    nlohmann::json report = ReadJson(dir / "raw" / "report.json");
    fs::path raw_case;
    for (const auto &v : report["violations"])
        if (v["rule"] == "SP11") raw_case = dir / "raw" / v["case_file"].get<std::string>();
    ASSERT_FALSE(raw_case.empty()) << report.dump(2);
    fs::path out = dir / "out.case";
    auto m = RunProc(Cmd({"minimize", module, raw_case.string(), "--output", out.string()}), dir.path());
    ASSERT_EQ(m.exit_code, 0) << m.Describe();
    EXPECT_LT(CaseBytes(out).size(), CaseBytes(raw_case).size());
    auto replay = RunProc(Cmd({"replay", module, out.string()}), dir.path());
    EXPECT_NE(replay.out.find("=> SP11 "), std::string::npos) << replay.Describe();
}

// ---- bad input ---------------------------------------------------------------------------

// --max-findings counts rule violations: a warning (SW1, at the first probe) is reported and the
// hunt goes on to the overrun behind a memcmp-gated payload (SP5), never a PASS.
TEST(Campaign, AWarningIsNotAStoppingPoint) {
    ScratchDir dir("max-findings-warning");
    auto r = RunProc(Cmd({"fuzz", SamplePath("probe_unsuccessful_rare_overrun"), "--max-findings", "1", "--time", "60",
                          "--jobs", "2", "--report-dir", (dir / "r").string()}),
                     dir.path());
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    const nlohmann::json report = ReadJson(dir / "r" / "report.json");
    ASSERT_TRUE(report.is_object()) << r.Describe();
    EXPECT_EQ(report.value("verdict", ""), "fail");
    EXPECT_EQ(Join(RulesIn(report.value("violations", nlohmann::json::array()))), "SP5") << r.Describe();
    EXPECT_EQ(Join(RulesIn(report.value("warnings", nlohmann::json::array()))), "SW1") << r.Describe();
}

// Without the sandbox (for debugging, and to measure its cost) a campaign runs the same: its
// workers' directories exist whether or not a sandbox bind-mounts them.
TEST(Campaign, RunsWithoutTheSandbox) {
    ScratchDir dir("no-sandbox");
    auto r = RunProc(Cmd({"fuzz", SamplePath("reference"), "--jobs", "1", "--time", "2", "--sandbox", "off",
                          "--report-dir", (dir / "r").string()}),
                     dir.path());
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    const nlohmann::json report = ReadJson(dir / "r" / "report.json");
    ASSERT_TRUE(report.is_object()) << r.Describe();
    EXPECT_GT(report["campaign"].value("executions", 0), 1000) << r.Describe();
}

// On a terminal (script(1) gives it one) the progress line is rewritten in place every second,
// with the execution count, rate, corpus, edges, findings and restarts.
TEST(Campaign, OnATerminalTheProgressLineIsRewrittenEverySecond) {
    ScratchDir dir("progress");
    const std::string command = std::string(VSPCONFORM_BIN) + " fuzz " + SamplePath("reference") +
                                " --jobs 1 --time 2 --report-dir " + (dir / "r").string();
    ProcResult r = RunProc({"script", "-qec", command, "/dev/null"}, dir.path());
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    std::regex line("\r#[1-9][0-9]* +[0-9]+s  exec/s [0-9]+ +corpus [0-9]+ +edges [0-9]+ +findings 0 +restarts 0");
    EXPECT_GE(std::distance(std::sregex_iterator(r.out.begin(), r.out.end(), line), std::sregex_iterator()), 2)
        << r.Describe();
}

TEST(Campaign, BadArgumentsAreOneLineAndExit2) {
    ScratchDir dir("fuzz-args");
    for (auto args : std::vector<std::vector<std::string>>{
             {"fuzz", "/nonexistent/libvsp.so", "--time", "1"},
             {"fuzz", SamplePath("reference"), "--time", "-1"},
             {"fuzz", SamplePath("reference"), "--max-len", "2"},
             {"coverage", SamplePath("reference_coverage"), (dir / "none").string()},
         }) {
        args.insert(args.end(), {"--report-dir", (dir / "r").string()});
        if (args[0] == "coverage") args.resize(3);
        auto r = RunProc(Cmd({}, args), dir.path());
        EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[1] << "\n" << r.Describe();
        EXPECT_EQ(Lines(r.err).size(), 1u) << r.Describe();
    }
}

}  // namespace
