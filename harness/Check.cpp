#include "Check.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "Report.h"
#include "Session.h"
#include "Sweep.h"
#include "Symbolize.h"

namespace vspc {

const char *const kToolVersion = VSPC_VERSION;

namespace fs = std::filesystem;

namespace {

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

// The report directory, absolute, created and writable; the reproducers of an
// earlier run (cases/RULE-HASH.case) and its worker.log removed, nothing else.
std::string PrepareReportDir(const std::string &dir, fs::path &out) {
    std::error_code ec;
    out = fs::absolute(dir, ec);
    if (ec) return fmt::format("cannot use report directory '{}': {}", dir, ec.message());
    fs::create_directories(out, ec);
    if (ec) return fmt::format("cannot create report directory '{}': {}", dir, ec.message());
    fs::path probe = out / fmt::format(".vspconform-write-test-{}", getpid());
    {
        std::ofstream f(probe);
        if (!f) return fmt::format("cannot write into report directory '{}': check its permissions", dir);
    }
    fs::remove(probe, ec);
    fs::remove(out / "worker.log", ec);
    static const std::regex reproducer("(SP|RP|SW)[0-9]+-[0-9a-f]{12}\\.case");
    for (auto it = fs::directory_iterator(out / "cases", ec); !ec && it != fs::directory_iterator(); ++it)
        if (std::regex_match(it->path().filename().string(), reproducer)) fs::remove(it->path(), ec);
    return {};
}

ModuleOptions ModuleOptionsOf(const Options &o, const std::string &module) {
    return ModuleOptions{module, o.save_symbol, o.restore_symbol};
}

unsigned JobsOf(const Options &o) {
    if (o.jobs > 0) return o.jobs;
    unsigned n = std::thread::hardware_concurrency();
    return n ? n : 1;
}

std::string ValidateOptions(const Options &o) {
    if (!ProfileByName(o.profile)) return fmt::format("--profile must be strict or kmcl, not '{}'", o.profile);
    if (!(o.max_time > 0)) return "--max-time must be a number of seconds greater than 0";
    if (o.jobs > 256) return "--jobs must be at most 256";
    if (o.timeout_ms == 0) return "--timeout-ms must be greater than 0";
    if (o.max_restarts == 0) return "--max-restarts must be at least 1";
    return {};
}

WorkerConfig BaseConfig(const Options &o, const std::string &module) {
    WorkerConfig c;
    c.module = ModuleOptionsOf(o, module);
    c.profile = *ProfileByName(o.profile);
    c.seed = o.seed;
    return c;
}

}  // namespace

int RunCheck(const Options &opt, const std::string &module) {
    auto started = std::chrono::steady_clock::now();
    RunSummary run;
    run.started_at = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
    run.tool_version = kToolVersion;
    run.profile = ProfileByName(opt.profile).value_or(Profile::Strict);
    run.seed = opt.seed;
    run.timeout_ms = opt.timeout_ms;
    run.jobs = JobsOf(opt);
    run.max_time = opt.max_time;
    run.warnings_as_errors = opt.warnings_as_errors;
    run.max_restarts = opt.max_restarts;
    run.module.path = module;
    run.module_options = ModuleOptionsOf(opt, module);
    if (std::string err = ValidateOptions(opt); !err.empty()) {
        std::fprintf(stderr, "vspconform: error: %s\n", err.c_str());
        return 2;
    }
    fs::path report_dir;
    if (std::string err = PrepareReportDir(opt.report_dir, report_dir); !err.empty()) {
        std::fprintf(stderr, "vspconform: error: %s\n", err.c_str());
        return 2;
    }
    run.report_dir = report_dir.string();
    if (!opt.source_root.empty()) {
        std::error_code ec;
        fs::path root = fs::weakly_canonical(fs::absolute(opt.source_root), ec);
        if (ec || !fs::is_directory(root)) {
            std::fprintf(stderr, "vspconform: error: --source-root '%s' is not a directory\n", opt.source_root.c_str());
            return 2;
        }
        run.source_root = root.string();
    }
    run.junit_suite_name = opt.junit_suite_name;

    auto finish = [&](RunSummary &r) {
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::string werr = WriteReports(r, r.report_dir);
        PrintSummary(r, stdout);
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

    if (std::string err = InspectModuleFile(module, run.module); !err.empty()) return fail(err);
    for (auto [name, flag] : {std::pair{opt.save_symbol, "--save-symbol"}, {opt.restore_symbol, "--restore-symbol"}})
        if (std::string err = CheckCallbackSymbol(run.module, name, flag); !err.empty()) return fail(err);
    // Workers may chdir: every path they get is absolute.
    std::string module_path = fs::absolute(module).string();

    // Scratch space for the shards' corpora: libFuzzer writes every new input,
    // so a memory file system (when there is one) keeps that off the disk.
    std::error_code ec;
    fs::path work = fs::is_directory("/dev/shm", ec) && access("/dev/shm", W_OK) == 0
                        ? fs::path("/dev/shm") / fmt::format("vspconform-work-{}", getpid())
                        : report_dir / fmt::format(".vspconform-work-{}", getpid());
    fs::remove_all(work, ec);

    SessionOptions so;
    so.pool.jobs = run.jobs;
    so.pool.call_timeout_ms = opt.timeout_ms;
    so.pool.log_path = (report_dir / "worker.log").string();
    so.pool.preload_asan = run.module.needs_asan;
    so.pool.deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.max_time));
    so.max_restarts = opt.max_restarts;
    so.seed = opt.seed;
    so.max_time = opt.max_time;

    // The jobs: the sweep in fixed chunks and the coverage-guided stage in fixed
    // shards. The shards start first (they are the longest, and they find what
    // the sweep cannot), then the sweep. Ordinals put the sweep first: of two
    // equal findings, the sweep's (simpler) reproducer is kept.
    WorkerConfig base = BaseConfig(opt, module_path);
    const uint64_t sweep_size = SweepPlan(opt.seed).size();
    std::vector<Job> sweep_jobs, fuzz_jobs;
    for (uint64_t i = 0; i < kSweepChunks; ++i) {
        WorkerConfig c = base;
        c.mode = WorkerMode::Sweep;
        c.begin = sweep_size * i / kSweepChunks;
        c.end = sweep_size * (i + 1) / kSweepChunks;
        if (c.begin < c.end) sweep_jobs.push_back(Job{c, static_cast<uint32_t>(i), 0});
    }
    for (uint32_t s = 0; opt.runs > 0 && s < kFuzzShards; ++s) {
        WorkerConfig c = base;
        c.mode = WorkerMode::Fuzz;
        c.shard = s;
        c.runs = opt.runs * (s + 1) / kFuzzShards - opt.runs * s / kFuzzShards;
        c.corpus = (work / fmt::format("shard-{}", s) / "corpus").string();
        if (c.runs > 0) fuzz_jobs.push_back(Job{c, static_cast<uint32_t>(kSweepChunks + s), 0});
    }
    std::vector<Job> jobs = fuzz_jobs;
    jobs.insert(jobs.end(), sweep_jobs.begin(), sweep_jobs.end());

    Session session(so);
    session.Run(std::move(jobs));
    fs::remove_all(work, ec);

    if (!session.load_error().empty()) return fail(session.load_error());
    run.loaded = session.loaded();
    run.hooks = session.hooks();
    run.sweep = session.sweep();
    run.fuzz = session.fuzz();
    run.evidence = session.evidence();
    run.bytes_needed = session.bytes_needed();
    run.state_saves = session.state_saves();
    run.time_cap_hit = session.time_cap_hit();
    run.cut_families = session.cut_families();
    run.notes = session.notes();
    run.findings = session.findings().Sorted();
    if (std::string note = LocateFindings(run.module, run.module_options, run.hooks, run.findings);
        !note.empty() && !run.findings.empty())
        run.notes.push_back(note);
    if (!run.hooks.prepare)
        run.notes.push_back(
            "the module exports no VspConformancePreparePacket: only packets without state were "
            "tested, and the rules that need state were not reached");
    if (!run.hooks.restore) run.notes.push_back("the module has no restore callback: RP1-RP4 were skipped, not passed");
    if (run.sweep.skipped > 0)
        run.notes.push_back(fmt::format("{} sweep cases were skipped: VspConformancePreparePacket rejected their seed",
                                        run.sweep.skipped));
    if (std::string why = run.NothingTested(); !why.empty() && run.Verdict() == "error")
        std::fprintf(stderr, "vspconform: error: could not test: %s\n", why.c_str());
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

SweepRun RunSweepRange(const Options &opt, const std::string &module, uint64_t begin, uint64_t end) {
    SweepRun out;
    ModuleFile file;
    if (std::string err = InspectModuleFile(module, file); !err.empty()) {
        out.load_error = err;
        return out;
    }
    SessionOptions so;
    so.pool.jobs = 1;
    so.pool.call_timeout_ms = opt.timeout_ms;
    so.pool.preload_asan = file.needs_asan;
    so.max_restarts = opt.max_restarts;
    so.seed = opt.seed;
    WorkerConfig c = BaseConfig(opt, fs::absolute(module).string());
    c.mode = WorkerMode::Sweep;
    c.begin = begin;
    c.end = end;
    Session session(so);
    session.Run({Job{c, 0, 0}});
    out.load_error = session.load_error();
    out.findings = session.findings().Sorted();
    out.notes = session.notes();
    out.cases = session.sweep().cases;
    out.calls = session.sweep().calls;
    return out;
}

}  // namespace vspc
