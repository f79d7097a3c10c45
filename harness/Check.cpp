#include "Check.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/color.h>
#include <fmt/format.h>

#include "Report.h"
#include "Supervisor.h"
#include "Sweep.h"

namespace vspc {

const char *const kToolVersion = "0.1.0";

namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> ReproducerFromDeath(const WorkerOutcome &o) {
    Case c = DecodeCase(o.case_bytes);
    return ReproducerFor(c, o.call.op_index);
}

// One file per case, sweep-NNNNN.case, in dir (created if needed).
std::string WriteCaseFiles(const fs::path &dir, const std::vector<Case> &cases) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return fmt::format("cannot create '{}': {}", dir.string(), ec.message());
    for (size_t i = 0; i < cases.size(); ++i) {
        auto bytes = EncodeCase(cases[i]);
        std::ofstream out(dir / fmt::format("sweep-{:05}.case", i), std::ios::binary);
        out.write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        if (!out) return fmt::format("cannot write case files into '{}'", dir.string());
    }
    return {};
}

std::string WorkerLogPath(const std::string &report_dir) { return (fs::path(report_dir) / "worker.log").string(); }

}  // namespace

SweepRun RunSweep(WorkerConfig cfg, const SupervisorOptions &sup, uint64_t begin, uint64_t end, uint32_t max_restarts,
                  FindingSet &found) {
    SweepRun run;
    constexpr uint32_t kMaxHangs = 4;
    uint32_t hangs = 0;
    uint64_t start = begin;
    cfg.mode = WorkerMode::Sweep;
    cfg.end = end;
    while (start < end) {
        cfg.start = start;
        WorkerOutcome o = RunWorker(cfg, sup, [&](const nlohmann::json &m) {
            if (m.value("t", "") == "violation") found.Add(m, HexDecode(m.value("case", "")), "sweep");
        });
        if (!o.loaded) {
            if (!o.load_error.empty())
                run.load_error = o.load_error;
            else if (o.ending == Ending::Hung)
                run.load_error = "the module hung while loading (constructors or VspConformanceInitChannel)";
            else
                run.load_error =
                    fmt::format("the module {} while loading; read {} for its output",
                                o.ending == Ending::Crashed ? "crashed with " + SignalName(o.signo)
                                                            : fmt::format("exited with status {}", o.exit_code),
                                sup.log_path);
            return run;
        }
        run.hooks = o.module_info;
        run.cases += o.cases_run;
        run.skipped += o.cases_skipped;
        run.calls += o.calls;
        found.AddCounts(o.counts);
        if (o.ending == Ending::Done) break;
        found.Add(DeathViolation(o, sup.call_timeout_ms), ReproducerFromDeath(o), "sweep");
        ++run.cases;  // the case that killed the worker ran too
        start = o.case_index + 1;
        ++run.restarts;
        hangs += o.ending == Ending::Hung;
        // Each hang costs the whole time limit: a module that keeps hanging has
        // made its point sooner than one that keeps crashing.
        bool too_many_hangs = hangs >= kMaxHangs;
        if ((run.restarts >= max_restarts || too_many_hangs) && start < end) {
            run.stopped_early = fmt::format(
                "the sweep stopped early: the module {} {} times; {} of {} sweep cases "
                "were not run",
                too_many_hangs ? "hung" : "died", too_many_hangs ? hangs : run.restarts, end - start, end - begin);
            break;
        }
    }
    return run;
}

int RunCheck(const CheckOptions &opt) {
    auto started = std::chrono::steady_clock::now();
    RunSummary run;
    run.tool_version = kToolVersion;
    run.profile = opt.profile;
    run.seed = opt.seed;
    run.fuzz_runs = opt.runs;
    run.warnings_as_errors = opt.warnings_as_errors;
    run.module.path = opt.module.path;
    run.report_dir = opt.report_dir;

    std::error_code ec;
    fs::create_directories(opt.report_dir, ec);
    if (ec) {
        std::fprintf(stderr, "vspconform: error: cannot create report directory '%s': %s\n", opt.report_dir.c_str(),
                     ec.message().c_str());
        return 2;
    }
    fs::remove(WorkerLogPath(opt.report_dir), ec);
    fs::remove_all(fs::path(opt.report_dir) / "cases", ec);  // reproducers of an earlier run

    auto finish = [&](RunSummary &r) {
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::string werr = WriteReports(r, opt.report_dir);
        PrintSummary(r, opt.report_dir, stdout);
        if (!werr.empty()) {
            std::fprintf(stderr, "vspconform: error: %s\n", werr.c_str());
            return 2;
        }
        return r.ExitCode();
    };
    auto fail = [&](const std::string &message) {
        run.error = message;
        std::fprintf(stderr, "vspconform: error: %s\n", message.c_str());
        return finish(run);
    };

    if (std::string err = InspectModuleFile(opt.module.path, run.module); !err.empty()) return fail(err);

    SupervisorOptions sup;
    sup.call_timeout_ms = opt.timeout_ms;
    sup.needs_asan = run.module.needs_asan;
    sup.log_path = WorkerLogPath(opt.report_dir);

    FindingSet found;
    WorkerConfig cfg;
    cfg.module = opt.module;
    cfg.profile = opt.profile;
    cfg.seed = opt.seed;

    // Stage 1: the deterministic sweep, restarted after each death.
    const auto sweep = SweepCases(opt.seed);
    SweepRun sr = RunSweep(cfg, sup, 0, sweep.size(), opt.max_restarts, found);
    if (!sr.load_error.empty()) return fail(sr.load_error);
    run.hooks = sr.hooks;
    run.sweep_cases = sr.cases;
    run.sweep_skipped = sr.skipped;
    run.sweep_calls = sr.calls;
    run.worker_restarts = sr.restarts;
    if (!sr.stopped_early.empty()) run.notes.push_back(sr.stopped_early);

    // Stage 2: coverage-guided, fixed seed and run count, seeded with the sweep.
    if (opt.runs > 0) {
        fs::path corpus = fs::path(opt.report_dir) / ".fuzz-corpus";
        fs::remove_all(corpus, ec);
        if (std::string err = WriteCaseFiles(corpus, sweep); !err.empty()) return fail(err);
        cfg.mode = WorkerMode::Fuzz;
        cfg.runs = opt.runs;
        cfg.corpus = {corpus.string()};
        WorkerOutcome o = RunWorker(cfg, sup, [&](const nlohmann::json &m) {
            if (m.value("t", "") == "violation") found.Add(m, HexDecode(m.value("case", "")), "fuzz");
        });
        run.fuzz_cases = o.cases_run;
        run.fuzz_calls = o.calls;
        found.AddCounts(o.counts);
        if (o.ending != Ending::Done && o.loaded) {
            found.Add(DeathViolation(o, opt.timeout_ms), ReproducerFromDeath(o), "fuzz");
            run.notes.push_back("the coverage-guided stage ended at the module's first death");
        }
        fs::remove_all(corpus, ec);
    }

    if (!run.HasPrepare())
        run.notes.push_back(
            "the module exports no VspConformancePreparePacket: only packets without state were "
            "tested, and the rules that need state were skipped");
    if (!run.HasRestore()) run.notes.push_back("the module has no restore callback: RP1-RP4 were skipped, not passed");
    if (run.sweep_skipped > 0)
        run.notes.push_back(fmt::format("{} sweep cases were skipped: VspConformancePreparePacket rejected their seed",
                                        run.sweep_skipped));
    run.findings = found.Take();
    return finish(run);
}

int WriteSeedCorpus(const std::string &dir, uint64_t seed) {
    const auto cases = SweepCases(seed);
    if (std::string err = WriteCaseFiles(dir, cases); !err.empty()) {
        std::fprintf(stderr, "vspconform: error: %s\n", err.c_str());
        return 2;
    }
    std::printf("wrote %zu sweep cases into %s\n", cases.size(), dir.c_str());
    return 0;
}

int RunReplay(const ReplayOptions &opt) {
    ModuleFile mf;
    if (std::string err = InspectModuleFile(opt.module.path, mf); !err.empty()) {
        std::fprintf(stderr, "vspconform: error: %s\n", err.c_str());
        return 2;
    }
    for (const auto &c : opt.cases) {
        if (!fs::is_regular_file(c)) {
            std::fprintf(stderr, "vspconform: error: case file '%s' does not exist\n", c.c_str());
            return 2;
        }
    }
    SupervisorOptions sup;
    sup.call_timeout_ms = opt.timeout_ms;
    sup.needs_asan = mf.needs_asan;
    char log_template[] = "/tmp/vspconform-replay-XXXXXX";
    int fd = mkstemp(log_template);
    if (fd >= 0) close(fd);
    sup.log_path = log_template;

    WorkerConfig cfg;
    cfg.mode = WorkerMode::Replay;
    cfg.module = opt.module;
    cfg.profile = opt.profile;
    int violations = 0;
    size_t next = 0;
    while (next < opt.cases.size()) {
        cfg.cases.assign(opt.cases.begin() + static_cast<std::ptrdiff_t>(next), opt.cases.end());
        size_t base = next;
        WorkerOutcome o = RunWorker(cfg, sup, [&](const nlohmann::json &m) {
            std::string t = m.value("t", "");
            if (t == "case_begin")
                std::printf("case %s (profile %s)\n", m.value("file", "").c_str(),
                            std::string(ProfileName(opt.profile)).c_str());
            else if (t == "call")
                std::printf("  %s\n", m.value("text", "").c_str());
            else if (t == "violation") {
                violations += m.value("severity", "") == "error";
                std::printf("  => %s %s: %s\n", m.value("rule", "").c_str(), m.value("severity", "").c_str(),
                            m.value("message", "").c_str());
            } else if (t == "case_end") {
                if (m.value("skipped", false)) std::printf("  => skipped: %s\n", m.value("reason", "").c_str());
                if (m.value("restore_ops_skipped", 0) > 0)
                    std::printf("  => %d restore op(s) skipped: the module has no restore callback\n",
                                m.value("restore_ops_skipped", 0));
            }
        });
        if (!o.loaded) {
            std::fprintf(stderr, "vspconform: error: %s\n",
                         o.load_error.empty() ? "the module died while loading" : o.load_error.c_str());
            unlink(log_template);
            return 2;
        }
        if (o.ending == Ending::Done) break;
        auto v = DeathViolation(o, opt.timeout_ms);
        std::printf("  %s -> did not return\n", v["call"].value("text", "").c_str());
        std::printf("  => %s error: %s\n", v.value("rule", "").c_str(), v.value("message", "").c_str());
        ++violations;
        next = base + o.case_index + 1;
    }
    // Module output (stdout/stderr) goes to the log; show it when there is any.
    std::ifstream log(log_template);
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    if (!text.empty()) std::printf("module output:\n%s", text.c_str());
    unlink(log_template);
    std::printf("verdict: %s\n", violations ? "fail" : "pass");
    return violations ? 1 : 0;
}

}  // namespace vspc
