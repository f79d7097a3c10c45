// The hostile suite (issue 11): adversarial modules (samples/hostile/, registered with
// vspc_hostile() in samples/CMakeLists.txt), each checked for the outcome vspconform must
// reach on it: the exact failing rules and exit code, in bounded time, with every report
// written, whole and unchanged after the tool has exited. Each run is wrapped in
// `timeout -s KILL 120 setsid` (some modules signal their process group or parent), from a
// scratch directory with a relative --report-dir (some change directory).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace {

using namespace vspc_test;

struct HostileSpec {
    const char *name;
    const char *path;
    const char *expect;  // "pass" or "SP11 ..."
    int exit_code;
    const char *args;
    bool needs_sandbox;
};

const std::vector<HostileSpec> &Hostiles() {
    static const std::vector<HostileSpec> all = {
#include "hostile_manifest.inc"
    };
    return all;
}

void PrintTo(const HostileSpec *h, std::ostream *os) { *os << h->name; }

class HostileTest : public ::testing::TestWithParam<const HostileSpec *> {};

// The forging routes of ordinary system calls (samples/hostile/forge_routes.c): the sandbox traps each.
const std::set<std::string> kForgedWithSystemCalls = {"forge_own_seccomp",  "forge_fork_relay",  "forge_reexec",
                                                      "forge_preload_self", "forge_patch_write", "forge_token_guess"};

constexpr double kRunBudgetSeconds = 90;

TEST_P(HostileTest, GetsItsDefinedOutcome) {
    const HostileSpec &h = *GetParam();
    if (h.needs_sandbox) GTEST_SKIP() << "needs the sandbox (branch sandbox): " << h.name << " reaches the supervisor";
    ScratchDir dir(std::string("hostile-") + h.name);
    const std::vector<std::string> extra = Words(h.args);
    // Relative report dir, resolved by vspconform in the scratch directory (the wrapper's cd).
    std::vector<std::string> argv = {"timeout",
                                     "-s",
                                     "KILL",
                                     "120",
                                     "setsid",
                                     "/bin/sh",
                                     "-c",
                                     "cd \"$0\" && exec \"$@\"",
                                     dir.path().string(),
                                     VSPCONFORM_BIN,
                                     "check",
                                     h.path,
                                     "--report-dir",
                                     "report"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    // Short runs unless the module's entry says otherwise.
    for (auto [flag, value] : {std::pair{"--runs", "20000"}, {"--max-time", "60"}, {"--jobs", "2"}})
        if (std::find(extra.begin(), extra.end(), flag) == extra.end()) argv.insert(argv.end(), {flag, value});
    auto started = std::chrono::steady_clock::now();
    ProcResult r = RunProc(argv, dir.path(), std::chrono::seconds(150));
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ASSERT_FALSE(r.timed_out) << r.Describe();
    ASSERT_EQ(r.signal, 0) << "vspconform itself died\n" << r.Describe();
    ASSERT_NE(r.exit_code, 137) << "vspconform was killed (timeout -s KILL, or by the module)\n" << r.Describe();
    EXPECT_LT(seconds, kRunBudgetSeconds) << r.Describe();
    const std::set<std::string> expected = RuleSet(h.expect);
    EXPECT_EQ(r.exit_code, h.exit_code) << r.Describe();

    const fs::path report_dir = dir / "report";
    const fs::path report_path = report_dir / "report.json";
    ASSERT_TRUE(fs::exists(report_path)) << "no report.json\n" << r.Describe();
    const std::string first = ReadFile(report_path);
    const nlohmann::json report = nlohmann::json::parse(first, nullptr, false);
    ASSERT_TRUE(report.is_object()) << first;
    EXPECT_EQ(report.value("verdict", "?"), expected.empty() ? "pass" : "fail") << r.Describe();
    EXPECT_EQ(Join(RulesIn(report.value("violations", nlohmann::json::array()))), Join(expected))
        << report.value("violations", nlohmann::json()).dump(2) << "\n"
        << r.Describe();
    EXPECT_EQ(report.value("exit_code", -1), h.exit_code);
    // Every report written, whole and valid against its schema (whatever text the module gave the
    // tester), with no temporary file left behind.
    ExpectReportsValid(report_dir, dir.path());
    for (const char *name : {"report.md", "report.html", "junit.xml"})
        EXPECT_GT(ReadFile(report_dir / name).size(), 100u) << name;
    for (const auto &e : fs::directory_iterator(report_dir))
        EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
    // ... and nothing rewrites them after the tool exited. (None of these modules leaves a process
    // that outlives the worker's PID namespace; the sandbox suite's daemon_rewrite waits longer.)
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(ReadFile(report_path), first) << "report.json changed after vspconform exited";

    // The death each module causes, by what it is (not by a side effect such as a SIGPIPE).
    // (dup2_devnull has none: its worker may exit before the pipe's end is seen, an exit
    // without done, or go on after it, a cut channel; SP11 either way.)
    const std::string name = h.name;
    std::string kind = name.rfind("garbage_", 0) == 0       ? "sandbox violation"  // its write on the pipe, trapped
                       : kForgedWithSystemCalls.count(name) ? "sandbox violation"
                       : name == "sigstop_thread"           ? "stopped the worker"
                       : name == "heartbeat_spoof"          ? "no progress"
                                                            : "";
    if (!kind.empty()) {  // of its SP11 findings (a planted defect beside the forgery has its own rules)
        std::set<std::string> kinds;
        for (const auto &v : report.value("violations", nlohmann::json::array()))
            if (v.value("rule", "") == "SP11") kinds.insert(v.value("kind", "?"));
        EXPECT_EQ(Join(kinds), kind) << report["violations"].dump(2);
    }
    if (name == "flood_stdout") {
        // Head and tail of each worker's output, with a note of what was dropped: not 100s of MiB.
        std::error_code ec;
        uint64_t size = fs::file_size(report_dir / "worker.log", ec);
        EXPECT_FALSE(ec);
        EXPECT_LE(size, uint64_t{20} << 20);
        std::string log = ReadFile(report_dir / "worker.log");
        EXPECT_NE(log.find("flood: the head of this worker's output"), std::string::npos);
        EXPECT_NE(log.find("of this worker's output were not kept"), std::string::npos);
    }
    if (name == "asan_strings") {
        EXPECT_EQ(report["module"].value("asan", true), false) << report["module"].dump();
        EXPECT_EQ(report["module"].value("coverage", true), false) << report["module"].dump();
    }
    if (name == "ftruncate_status") {
        std::string log = ReadFile(report_dir / "worker.log");
        EXPECT_NE(log.find("shrink refused, grow refused"), std::string::npos) << log.substr(0, 2000);
    }
    if (name == "dlsym_internals") {
        std::string log = ReadFile(report_dir / "worker.log");
        EXPECT_NE(log.find("the judge is not exported"), std::string::npos) << log.substr(0, 2000);
    }
}

std::vector<const HostileSpec *> AllHostiles() {
    std::vector<const HostileSpec *> out;
    for (const auto &h : Hostiles()) out.push_back(&h);
    return out;
}

std::string HostileName(const ::testing::TestParamInfo<const HostileSpec *> &info) {
    std::string name = info.param->name;
    for (char &c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return name;
}

INSTANTIATE_TEST_SUITE_P(Hostile, HostileTest, ::testing::ValuesIn(AllHostiles()), HostileName);

}  // namespace
