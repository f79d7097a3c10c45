#include "Check.h"
#include "Command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "Archive.h"
#include "Report.h"
#include "Session.h"
#include "Sweep.h"
#include "Symbolize.h"

namespace vspc {

const char *const kToolVersion = VSPC_VERSION;

namespace fs = std::filesystem;

// (shared with Campaign.cpp: Command.h)

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

// The report directory, absolute, created and writable, before any worker starts (a module
// may chdir). Only what vspconform wrote there is ever replaced or removed: the reports of a
// previous run (its report.json says it is ours), the reproducers that report lists, and a
// worker.log that starts as ours; a report file of any other origin stops the run (exit 2),
// and every other file is left alone.
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
    nlohmann::json previous;
    if (std::ifstream in(out / "report.json"); in) previous = nlohmann::json::parse(in, nullptr, false);
    const bool ours = previous.is_object() && previous.contains("tool") && previous["tool"].is_object() &&
                      previous["tool"].value("name", "") == "vspconform";
    auto foreign = [&](const std::string &name) {
        return fmt::format(
            "report directory '{}' holds {}, which vspconform did not write: choose another --report-dir "
            "(vspconform replaces only its own files)",
            dir, name);
    };
    for (const char *name : {"report.json", "report.md", "report.html", "junit.xml", "results.sarif"})
        if (!ours && fs::exists(out / name, ec)) return foreign(name);
    if (fs::exists(out / "worker.log", ec)) {
        std::ifstream in(out / "worker.log");
        std::string first;
        std::getline(in, first);
        if (first.rfind("==== worker for job ", 0) != 0) return foreign("worker.log");
        fs::remove(out / "worker.log", ec);
    }
    static const std::regex reproducer("cases/(SP|RP|SW|CP)[0-9]+-[0-9a-f]{12}\\.case");
    if (ours)
        for (const char *list : {"violations", "warnings"})
            if (previous.contains(list) && previous[list].is_array())
                for (const auto &f : previous[list])
                    if (f.is_object() && f.contains("case_file") && f["case_file"].is_string())
                        if (std::string file = f["case_file"]; std::regex_match(file, reproducer))
                            fs::remove(out / file, ec);
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
    if (o.sandbox != "on" && o.sandbox != "off") return fmt::format("--sandbox must be on or off, not '{}'", o.sandbox);
    return {};
}

WorkerConfig BaseConfig(const Options &o, const std::string &module) {
    WorkerConfig c;
    c.module = ModuleOptionsOf(o, module);
    c.profile = *ProfileByName(o.profile);
    c.seed = o.seed;
    return c;
}

// (shared with Campaign.cpp: Command.h)

fs::path ScratchDir(const fs::path &report_dir, const char *what) {
    std::error_code ec;
    fs::path work = fs::is_directory("/dev/shm", ec) && access("/dev/shm", W_OK) == 0
                        ? fs::path("/dev/shm") / fmt::format("vspconform-{}-{}", what, getpid())
                        : report_dir / fmt::format(".vspconform-{}-{}", what, getpid());
    fs::remove_all(work, ec);
    fs::create_directories(work, ec);
    return work;
}

SandboxOptions SandboxOptionsOf(const Options &o, bool timed) {
    SandboxOptions s;
    s.enabled = o.sandbox != "off";
    s.memory_limit_mb = o.memory_limit_mb;
    s.file_size_limit_mb = o.file_size_limit_mb;
    s.cpu_limit_s = o.cpu_limit_s;
    if (s.cpu_limit_s == 0 && timed && o.max_time > 0) s.cpu_limit_s = static_cast<uint64_t>(o.max_time) + 61;
    s.max_processes = o.max_processes;
    return s;
}

// The end of a check or compat run: its time, every report, the summary on stdout; the exit code
// (2 when a report could not be written).
int FinishRun(RunSummary &r, std::chrono::steady_clock::time_point started) {
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::string werr = WriteReports(r, r.report_dir);
    PrintSummary(r, stdout);
    if (!werr.empty()) {
        std::fprintf(stderr, "vspconform: error: %s\n", werr.c_str());
        return 2;
    }
    return r.ExitCode();
}

RunSummary NewRunSummary(const Options &opt, const std::string &command, const std::string &module) {
    RunSummary run;
    run.command = command;
    run.started_at = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
    run.tool_version = kToolVersion;
    run.profile = ProfileByName(opt.profile).value_or(Profile::Strict);
    run.seed = opt.seed;
    run.timeout_ms = opt.timeout_ms;
    run.jobs = JobsOf(opt);
    run.max_time = command == "fuzz" ? opt.time : opt.max_time;
    run.warnings_as_errors = opt.warnings_as_errors;
    run.max_restarts = opt.max_restarts;
    run.module.path = module;
    run.module_options = ModuleOptionsOf(opt, module);
    return run;
}

int RunCheck(const Options &opt, const std::string &module) {
    auto started = std::chrono::steady_clock::now();
    RunSummary run = NewRunSummary(opt, "check", module);
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

    auto finish = [&](RunSummary &r) { return FinishRun(r, started); };
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
    RecordArchive corpus;
    if (!opt.restore_corpus.empty()) {
        if (std::string err = ReadArchive(opt.restore_corpus, corpus); !err.empty())
            return fail(fmt::format("--restore-corpus: {}", err));
        CompatRun cr;
        cr.old_archive = fs::absolute(opt.restore_corpus).string();
        cr.old_sha256 = corpus.module_sha256;
        cr.forward_records = corpus.entries.size();
        run.compat = cr;
        run.migration = true;
    }

    // Scratch space for the shards' corpora.
    std::error_code ec;
    fs::path work = ScratchDir(report_dir, "work");

    SessionOptions so;
    so.pool.jobs = run.jobs;
    so.pool.call_timeout_ms = opt.timeout_ms;
    so.pool.log_path = (report_dir / "worker.log").string();
    so.pool.preload_asan = run.module.needs_asan;
    so.pool.sandbox = SandboxOptionsOf(opt, true);
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
    // --restore-corpus: the archive's records restored (forward: from an older build), after
    // the sweep; the shards also start from them, for the byte mutators.
    std::vector<Job> migrate_jobs;
    if (run.compat) {
        for (Job &j : fuzz_jobs) j.config.archive = run.compat->old_archive;
        WorkerConfig c = base;
        c.mode = WorkerMode::Migrate;
        c.archive = run.compat->old_archive;
        c.compat = true;
        c.direction = CompatDirection::Forward;
        c.old_sha256 = run.compat->old_sha256;
        c.new_sha256 = run.module.sha256;
        c.begin = 0;
        c.end = corpus.entries.size();
        if (c.end > 0)
            migrate_jobs.push_back(Job{c, static_cast<uint32_t>(kSweepChunks + kFuzzShards), 0});
        else
            run.notes.push_back("the --restore-corpus archive holds no record: CP1 and CP2 were not reached");
    }
    std::vector<Job> jobs = fuzz_jobs;
    jobs.insert(jobs.end(), sweep_jobs.begin(), sweep_jobs.end());
    jobs.insert(jobs.end(), migrate_jobs.begin(), migrate_jobs.end());

    Session session(so);
    try {
        session.Run(std::move(jobs));
    } catch (const std::exception &e) {  // the tester's own failure: still "could not test", with reports
        fs::remove_all(work, ec);
        return fail(fmt::format("vspconform failed while running the workers: {}", e.what()));
    }
    fs::remove_all(work, ec);

    if (!session.load_error().empty()) return fail(session.load_error());
    run.loaded = session.loaded();
    run.hooks = session.hooks();
    run.sandbox = session.sandbox();
    run.sweep = session.sweep();
    run.fuzz = session.fuzz();
    run.compat_stage = session.compat();
    run.evidence = session.evidence();
    run.bytes_needed = session.bytes_needed();
    run.state_saves = session.state_saves();
    run.time_cap_hit = session.time_cap_hit();
    run.cut_families = session.cut_families();
    run.notes = session.notes();
    run.findings = session.findings().Sorted();
    // Reproducers worth reading: each shrunk to the smallest case that shows the same finding
    // (within what is left of --max-time).
    MinimizeFindings(run, opt, module_path, work / "minimize", *so.pool.deadline);
    fs::remove_all(work, ec);
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

namespace {

// The records a build saves for the sweep's states (one Records job in its own session,
// so that what goes wrong is said of the build it happened to).
struct RecordsRun {
    std::string error;
    Hooks hooks;
    bool loaded = false;
    std::optional<SandboxState> sandbox;
    std::vector<ArchiveEntry> entries;
    std::vector<Finding> findings;
    StageStats stats;
};

RecordsRun SaveRecords(const Options &opt, const std::string &module_path, const ModuleFile &file,
                       const std::string &log_path, Clock::time_point deadline) {
    SessionOptions so;
    so.pool.jobs = 1;
    so.pool.call_timeout_ms = opt.timeout_ms;
    so.pool.log_path = log_path;
    so.pool.preload_asan = file.needs_asan;
    so.pool.sandbox = SandboxOptionsOf(opt, true);
    so.pool.deadline = deadline;
    so.max_restarts = opt.max_restarts;
    so.seed = opt.seed;
    so.max_time = opt.max_time;
    WorkerConfig c = BaseConfig(opt, module_path);
    c.mode = WorkerMode::Records;
    c.profile = Profile::Kmcl;
    c.begin = 0;
    c.end = SweepSeeds(opt.seed).size();
    Session session(so);
    session.Run({Job{c, 0, 0}});
    RecordsRun out;
    out.error = session.load_error();
    out.hooks = session.hooks();
    out.sandbox = session.sandbox();
    out.loaded = session.loaded();
    out.entries = session.Saved(0);
    out.findings = session.findings().Sorted();
    out.stats = session.compat();
    if (out.error.empty() && session.time_cap_hit()) out.error = "the time cap was hit while saving its records";
    return out;
}

std::string RulesOf(const std::vector<Finding> &findings) {
    std::set<std::string> ids;
    for (const Finding &f : findings) ids.insert(std::string(RuleFor(f.rule).name));
    std::string s;
    for (const auto &id : ids) s += (s.empty() ? "" : " ") + id;
    return s;
}

Clock::time_point DeadlineOf(const Options &o) {
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.max_time));
}

}  // namespace

int RunRecords(const Options &opt, const std::string &module, const std::string &dir) {
    auto error = [](const std::string &m) {
        std::fprintf(stderr, "vspconform: error: %s\n", m.c_str());
        return 2;
    };
    if (std::string err = ValidateOptions(opt); !err.empty()) return error(err);
    ModuleFile file;
    if (std::string err = InspectModuleFile(module, file); !err.empty()) return error(err);
    for (auto [name, flag] : {std::pair{opt.save_symbol, "--save-symbol"}, {opt.restore_symbol, "--restore-symbol"}})
        if (std::string err = CheckCallbackSymbol(file, name, flag); !err.empty()) return error(err);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return error(fmt::format("cannot create '{}': {}", dir, ec.message()));
    fs::path log = fs::absolute(dir) / "worker.log";
    RecordsRun r = SaveRecords(opt, fs::absolute(module).string(), file, log.string(), DeadlineOf(opt));
    if (fs::file_size(log, ec) == 0 || ec) fs::remove(log, ec);
    if (!r.error.empty()) return error(r.error);
    if (r.entries.empty())
        return error(
            "the module saved no record for any of the sweep's states (no packet with state, or every save "
            "failed): nothing to archive; run vspconform check on it");
    RecordArchive a;
    a.tool_version = kToolVersion;
    a.module_path = file.path;
    a.module_sha256 = file.sha256;
    a.seed = opt.seed;
    a.entries = r.entries;
    if (std::string err = WriteArchive(a, dir); !err.empty()) return error(err);
    std::printf("wrote %zu records of %s (SHA-256 %s) for seed %llu into %s\n", a.entries.size(), module.c_str(),
                file.sha256.c_str(), static_cast<unsigned long long>(opt.seed), dir.c_str());
    if (!r.findings.empty())
        std::printf("warning: the module broke %s while saving them: run 'vspconform check %s' before archiving\n",
                    RulesOf(r.findings).c_str(), ShellQuote(module).c_str());
    return 0;
}

int RunCompat(const Options &opt, const std::string &old_module, const std::string &new_module) {
    auto started = std::chrono::steady_clock::now();
    RunSummary run;
    run.command = "compat";
    run.tool_version = kToolVersion;
    run.profile = ProfileByName(opt.profile).value_or(Profile::Strict);
    run.seed = opt.seed;
    run.timeout_ms = opt.timeout_ms;
    run.jobs = JobsOf(opt);
    run.max_time = opt.max_time;
    run.warnings_as_errors = opt.warnings_as_errors;
    run.module.path = new_module;
    run.module_options = ModuleOptionsOf(opt, new_module);
    run.migration = true;
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
    auto finish = [&](RunSummary &r) { return FinishRun(r, started); };
    auto fail = [&](const std::string &message) {
        run.error = message;
        std::fprintf(stderr, "vspconform: error: %s\n", message.c_str());
        return finish(run);
    };

    std::error_code ec;
    if (fs::is_directory(new_module, ec))
        return fail(fmt::format(
            "NEW_MODULE '{}' is a directory: the newer build must be a module (.so), it is the one that restores; "
            "an archive of records can stand in for the older build only",
            new_module));
    if (std::string err = InspectModuleFile(new_module, run.module); !err.empty())
        return fail(fmt::format("the newer build: {}", err));
    CompatRun cr;
    RecordArchive old_archive;
    const bool old_is_archive = fs::is_directory(old_module, ec);
    if (old_is_archive) {
        if (std::string err = ReadArchive(old_module, old_archive); !err.empty())
            return fail(fmt::format("the older build: {}", err));
        cr.old_archive = fs::absolute(old_module).string();
        cr.old_sha256 = old_archive.module_sha256;
    } else {
        if (std::string err = InspectModuleFile(old_module, cr.old_module); !err.empty())
            return fail(fmt::format("the older build: {}", err));
        cr.old_options = ModuleOptionsOf(opt, old_module);
        cr.old_sha256 = cr.old_module.sha256;
        cr.rollback = true;
    }
    for (const ModuleFile *m : {&run.module, cr.rollback ? &cr.old_module : nullptr})
        if (m)
            for (auto [name, flag] :
                 {std::pair{opt.save_symbol, "--save-symbol"}, {opt.restore_symbol, "--restore-symbol"}})
                if (std::string err = CheckCallbackSymbol(*m, name, flag); !err.empty())
                    return fail(fmt::format("{}: {}", m == &run.module ? "the newer build" : "the older build", err));
    const std::string new_path = fs::absolute(new_module).string();
    const std::string old_path = cr.rollback ? fs::absolute(old_module).string() : std::string();
    const std::string log_path = (report_dir / "worker.log").string();
    const Clock::time_point deadline = DeadlineOf(opt);

    // 1. The records each build saves for the sweep's states, archived in the report
    //    directory (the archive of this release, for gating the next one).
    fs::path records = report_dir / "records";
    RecordsRun new_records = SaveRecords(opt, new_path, run.module, log_path, deadline);
    if (!new_records.error.empty()) return fail(fmt::format("the newer build: {}", new_records.error));
    run.hooks = new_records.hooks;
    run.sandbox = new_records.sandbox;
    run.loaded = new_records.loaded;
    auto archive = [&](const ModuleFile &file, const RecordsRun &r, const char *which, std::string &dir) {
        RecordArchive a;
        a.tool_version = kToolVersion;
        a.module_path = file.path;
        a.module_sha256 = file.sha256;
        a.seed = opt.seed;
        a.entries = r.entries;
        dir = (records / which).string();
        if (!r.findings.empty())
            run.notes.push_back(
                fmt::format("the {} build broke {} while saving its records: run vspconform check "
                            "on it",
                            which, RulesOf(r.findings)));
        return WriteArchive(a, dir);
    };
    std::string new_dir;
    if (std::string err = archive(run.module, new_records, "new", new_dir); !err.empty()) return fail(err);
    std::string old_dir = cr.old_archive;
    if (cr.rollback) {
        RecordsRun old_records = SaveRecords(opt, old_path, cr.old_module, log_path, deadline);
        if (!old_records.error.empty()) return fail(fmt::format("the older build: {}", old_records.error));
        if (std::string err = archive(cr.old_module, old_records, "old", old_dir); !err.empty()) return fail(err);
        old_archive.entries = old_records.entries;
    } else {
        run.notes.push_back(
            "the older build is a record archive: only the forward direction (CP1, CP2) was tested; rollback (CP3) "
            "needs the older module");
    }
    cr.archive_dir = records.string();
    cr.forward_records = old_archive.entries.size();
    cr.rollback_records = cr.rollback ? new_records.entries.size() : 0;
    run.compat = cr;
    if (old_archive.entries.empty())
        run.notes.push_back("the older build saved no record for any state: nothing to migrate forward");
    if (!run.hooks.restore)
        run.notes.push_back("the newer build has no restore callback: it cannot restore another build's records");

    // 2. Each build restores the other's records: as they are, mutated, and (with --runs)
    //    as the coverage-guided stage's starting corpus.
    fs::path work = fs::is_directory("/dev/shm", ec) && access("/dev/shm", W_OK) == 0
                        ? fs::path("/dev/shm") / fmt::format("vspconform-work-{}", getpid())
                        : report_dir / fmt::format(".vspconform-work-{}", getpid());
    fs::remove_all(work, ec);
    std::vector<Job> fuzz_jobs, migrate_jobs;
    struct Direction {
        CompatDirection direction;
        std::string module, archive;
        size_t entries;
        bool asan;
    };
    std::vector<Direction> directions = {
        {CompatDirection::Forward, new_path, old_dir, old_archive.entries.size(), run.module.needs_asan}};
    if (cr.rollback)
        directions.push_back(
            {CompatDirection::Rollback, old_path, new_dir, new_records.entries.size(), cr.old_module.needs_asan});
    uint32_t shards = static_cast<uint32_t>(directions.size());
    for (uint32_t k = 0; k < directions.size(); ++k) {
        const Direction &d = directions[k];
        WorkerConfig c = BaseConfig(opt, d.module);
        c.archive = d.archive;
        c.compat = true;
        c.direction = d.direction;
        c.old_sha256 = cr.old_sha256;
        c.new_sha256 = run.module.sha256;
        if (d.entries > 0) {
            WorkerConfig m = c;
            m.mode = WorkerMode::Migrate;
            m.begin = 0;
            m.end = d.entries;
            migrate_jobs.push_back(Job{m, k, 0});
        }
        uint64_t runs = opt.runs * (k + 1) / shards - opt.runs * k / shards;
        if (runs > 0 && d.entries > 0) {
            WorkerConfig f = c;
            f.mode = WorkerMode::Fuzz;
            f.shard = k;
            f.runs = runs;
            f.corpus = (work / fmt::format("shard-{}", k) / "corpus").string();
            fuzz_jobs.push_back(Job{f, 10 + k, 0});
        }
    }
    SessionOptions so;
    so.pool.jobs = run.jobs;
    so.pool.call_timeout_ms = opt.timeout_ms;
    so.pool.log_path = log_path;
    so.pool.preload_asan = run.module.needs_asan || cr.old_module.needs_asan;
    so.pool.sandbox = SandboxOptionsOf(opt, true);
    so.pool.deadline = deadline;
    so.max_restarts = opt.max_restarts;
    so.seed = opt.seed;
    so.max_time = opt.max_time;
    std::vector<Job> jobs = fuzz_jobs;
    jobs.insert(jobs.end(), migrate_jobs.begin(), migrate_jobs.end());
    Session session(so);
    session.Run(std::move(jobs));
    fs::remove_all(work, ec);
    if (!session.load_error().empty()) return fail(session.load_error());
    run.fuzz = session.fuzz();
    run.compat_stage.Add(session.compat());
    if (const auto &sb = session.sandbox(); sb) run.sandbox = run.sandbox ? WeakerSandbox(*run.sandbox, *sb) : *sb;
    run.evidence = session.evidence();
    run.state_saves = session.state_saves();
    run.time_cap_hit = session.time_cap_hit();
    run.cut_families = session.cut_families();
    for (const auto &n : session.notes()) run.notes.push_back(n);
    run.findings = session.findings().Sorted();
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
    so.pool.sandbox = SandboxOptionsOf(opt, false);
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
