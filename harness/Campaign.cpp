// vspconform fuzz (a supervised campaign), minimize, coverage; and the
// minimization every command's reproducers get.
#include "Campaign.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "Check.h"
#include "Command.h"
#include "CoverageMap.h"
#include "Files.h"
#include "Minimize.h"
#include "Report.h"
#include "Session.h"
#include "Sha256.h"
#include "Symbolize.h"

namespace vspc {

namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> ReadFile(const fs::path &p) { return ReadFileBytes(p.string()); }
bool WriteFile(const fs::path &p, const std::vector<uint8_t> &bytes) { return WriteFileAtomically(p.string(), bytes); }

SessionOptions SessionOptionsOf(const Options &opt, const ModuleFile &file, const std::string &log_path,
                                unsigned jobs) {
    SessionOptions so;
    so.pool.jobs = jobs;
    so.pool.call_timeout_ms = opt.timeout_ms;
    so.pool.log_path = log_path;
    so.pool.preload_asan = file.needs_asan;
    so.pool.sandbox = SandboxOptionsOf(opt, false);  // no CPU limit by default: a campaign runs for hours
    so.max_restarts = opt.max_restarts;
    so.seed = opt.seed;
    return so;
}

bool Minimizable(const Finding &f) {
    if (f.reproducer.empty() || f.compat) return false;
    if (f.death && f.death->kind == DeathKind::Hang) return false;  // every candidate would cost a timeout
    return true;
}

// The case files of a corpus directory, oldest first (the order they were found in).
std::vector<std::string> CorpusFiles(const fs::path &dir) {
    std::vector<std::pair<fs::file_time_type, std::string>> files;
    std::error_code ec;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec) && it->path().extension() != ".tmp")
            files.emplace_back(it->last_write_time(ec), it->path().string());
    std::sort(files.begin(), files.end());
    std::vector<std::string> out;
    for (auto &f : files) out.push_back(std::move(f.second));
    return out;
}

// One Coverage job over `files`: the module's edges, per function.
std::optional<CoverageSummary> CoverageOf(const Options &opt, const ModuleFile &file, const std::string &module_path,
                                          const std::vector<std::string> &files, bool campaign_corpus,
                                          const std::string &log_path, const std::atomic<bool> *stop,
                                          std::string *load_error) {
    SessionOptions so = SessionOptionsOf(opt, file, log_path, 1);
    so.pool.stop = stop;
    WorkerConfig c = BaseConfig(opt, module_path);
    c.mode = WorkerMode::Coverage;
    c.cases = files;
    c.shared_corpus = campaign_corpus;
    Session session(so);
    session.Run({Job{c, 0, 0}});
    if (!session.load_error().empty()) {
        *load_error = session.load_error();
        return std::nullopt;
    }
    return SummarizeCoverage(session.covered(), module_path, session.hooks());
}

}  // namespace

uint64_t MinimizeFindings(RunSummary &run, const Options &opt, const std::string &module_path, const fs::path &work,
                          Clock::time_point deadline, const std::atomic<bool> *stop) {
    if (opt.minimize_budget == 0) return 0;
    std::vector<Job> jobs;
    std::vector<size_t> which;
    std::error_code ec;
    fs::create_directories(work, ec);
    for (size_t i = 0; i < run.findings.size(); ++i) {
        const Finding &f = run.findings[i];
        if (!Minimizable(f)) continue;
        WorkerConfig c = BaseConfig(opt, module_path);
        c.profile = f.profile;
        c.mode = WorkerMode::Minimize;
        fs::path in = work / fmt::format("finding-{}.case", i);
        if (!WriteFile(in, f.reproducer)) continue;
        c.cases = {in.string()};
        c.output = (work / fmt::format("finding-{}.min.case", i)).string();
        c.target = f.Key();
        c.target_death = f.death.has_value();
        c.runs = opt.minimize_budget;
        jobs.push_back(Job{c, static_cast<uint32_t>(jobs.size()), 0});
        which.push_back(i);
    }
    if (jobs.empty()) return 0;
    SessionOptions so =
        SessionOptionsOf(opt, run.module, (fs::path(run.report_dir) / "worker.log").string(), std::max(1u, run.jobs));
    so.pool.deadline = deadline;
    so.pool.stop = stop;
    Session session(so);
    session.Run(jobs);
    uint64_t smaller = 0;
    for (const auto &[ordinal, o] : session.minimized()) {
        Finding &f = run.findings[which.at(ordinal)];
        if (!o.reproduced || o.file.empty()) continue;
        std::vector<uint8_t> bytes = ReadFile(o.file);
        // The minimizer accepts only lighter cases, or as light and plainer (sizes, fills).
        if (bytes.empty() || o.accepted == 0 || bytes.size() > f.reproducer.size()) continue;
        if (o.finding && o.finding->Key() == f.Key()) {
            Finding g = *o.finding;
            g.stage = f.stage;
            g.profile = f.profile;
            g.occurrences = f.occurrences;
            g.found_after = f.found_after;
            f = std::move(g);
        }
        f.reproducer = std::move(bytes);
        ++smaller;
    }
    return smaller;
}

// ---- vspconform minimize -----------------------------------------------------

int RunMinimize(const Options &opt, const std::string &module, const std::string &case_file) {
    auto error = [](const std::string &m) {
        std::fprintf(stderr, "vspconform: error: %s\n", m.c_str());
        return 2;
    };
    if (std::string err = ValidateOptions(opt); !err.empty()) return error(err);
    if (opt.minimize_budget == 0) return error("--minimize-runs must be at least 1 for minimize");
    ModuleFile file;
    if (std::string err = InspectModuleFile(module, file); !err.empty()) return error(err);
    for (auto [name, flag] : {std::pair{opt.save_symbol, "--save-symbol"}, {opt.restore_symbol, "--restore-symbol"}})
        if (std::string err = CheckCallbackSymbol(file, name, flag); !err.empty()) return error(err);
    std::error_code ec;
    if (!fs::is_regular_file(case_file, ec))
        return error(fmt::format("CASE '{}' is not a file: give a case file (a report's cases/, a corpus)", case_file));
    std::vector<uint8_t> original = ReadFile(case_file);
    std::string output = opt.output.empty() ? fs::path(case_file).replace_extension(".min.case").string() : opt.output;
    std::string module_path = fs::absolute(module).string();
    Profile profile = *ProfileByName(opt.profile);

    // Which findings does the case show? One Replay job tells (deaths included).
    fs::path work = ScratchDir(fs::temp_directory_path(), "minimize");
    SessionOptions so = SessionOptionsOf(opt, file, (work / "worker.log").string(), 1);
    WorkerConfig c = BaseConfig(opt, module_path);
    c.mode = WorkerMode::Replay;
    c.cases = {fs::absolute(case_file).string()};
    Session replay(so);
    replay.Run({Job{c, 0, 0}});
    if (!replay.load_error().empty()) {
        fs::remove_all(work, ec);
        return error(replay.load_error());
    }
    RunSummary run;
    run.profile = profile;
    run.module = file;
    run.report_dir = work.string();
    run.jobs = 1;
    run.findings = replay.findings().Sorted();
    if (run.findings.empty()) {
        fs::remove_all(work, ec);
        std::printf("%s shows no finding under the %s profile: nothing to minimize\n", case_file.c_str(),
                    std::string(ProfileName(profile)).c_str());
        return 1;
    }
    // The case's most serious finding (errors before warnings, by rule).
    std::stable_sort(run.findings.begin(), run.findings.end(),
                     [](const Finding &a, const Finding &b) { return a.severity() > b.severity(); });
    run.findings.resize(1);
    run.findings[0].reproducer = original;
    std::string key = run.findings[0].Key();
    uint64_t smaller = MinimizeFindings(run, opt, module_path, work, Clock::now() + std::chrono::hours(1));
    const Finding &f = run.findings[0];
    bool written = WriteFile(output, f.reproducer);
    fs::remove_all(work, ec);
    if (!written) return error(fmt::format("cannot write '{}'", output));
    std::printf("finding  %s %s: %s\n", std::string(RuleFor(f.rule).name).c_str(),
                std::string(RuleFor(f.rule).title).c_str(), f.message.c_str());
    std::printf("%s  %zu -> %zu bytes (%s)\n", smaller ? "minimized" : "kept     ", original.size(),
                f.reproducer.size(), smaller ? "the same rule and signature" : "no smaller case shows it");
    std::printf("wrote    %s\n", output.c_str());
    std::printf("replay:  %s\n", ReplayCommand(ModuleOptions{module_path, opt.save_symbol, opt.restore_symbol},
                                               fs::absolute(output).string(), profile, opt.timeout_ms)
                                     .c_str());
    return 0;
}

// ---- vspconform coverage -------------------------------------------------------

int RunCoverage(const Options &opt, const std::string &module, const std::string &corpus) {
    auto error = [](const std::string &m) {
        std::fprintf(stderr, "vspconform: error: %s\n", m.c_str());
        return 2;
    };
    ModuleFile file;
    if (std::string err = InspectModuleFile(module, file); !err.empty()) return error(err);
    if (!file.coverage)
        return error(
            fmt::format("'{}' is not coverage-instrumented: build it with -fsanitize=fuzzer-no-link (the "
                        "samples' coverage variant) to see its edges",
                        module));
    std::error_code ec;
    std::vector<std::string> files;
    if (fs::is_directory(corpus, ec))
        files = CorpusFiles(fs::absolute(corpus));
    else if (fs::is_regular_file(corpus, ec))
        files = {fs::absolute(corpus).string()};
    else
        return error(fmt::format("CORPUS '{}' is neither a directory nor a case file", corpus));
    std::string load_error;
    fs::path work = ScratchDir(fs::temp_directory_path(), "coverage");
    auto cov = CoverageOf(opt, file, fs::absolute(module).string(), files, true, (work / "worker.log").string(),
                          nullptr, &load_error);
    fs::remove_all(work, ec);
    if (!cov) return error(load_error);
    std::fputs(CoverageText(*cov, SIZE_MAX).c_str(), stdout);
    return 0;
}

// ---- vspconform fuzz -------------------------------------------------------------

namespace {

std::atomic<bool> g_stop_campaign{false}, g_stop_all{false};

void OnStopSignal(int) {
    if (g_stop_campaign.load())
        g_stop_all.store(true);  // a second signal: skip minimization and coverage too
    else
        g_stop_campaign.store(true);
}

uint64_t CountFiles(const fs::path &dir) {
    uint64_t n = 0;
    std::error_code ec;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        n += it->path().extension() != ".tmp";
    return n;
}

std::string ArtifactName(const Finding &f) {
    std::string key = f.Key();
    return fmt::format("{}-{}.case", RuleFor(f.rule).name,
                       Sha256Hex(reinterpret_cast<const uint8_t *>(key.data()), key.size()).substr(0, 12));
}

}  // namespace

int RunFuzz(const Options &opt, const std::string &module) {
    auto started = std::chrono::steady_clock::now();
    RunSummary run = NewRunSummary(opt, "fuzz", module);
    auto error = [](const std::string &m) {
        std::fprintf(stderr, "vspconform: error: %s\n", m.c_str());
        return 2;
    };
    if (std::string err = ValidateOptions(opt); !err.empty()) return error(err);
    if (opt.time < 0) return error("--time must be 0 (until stopped) or a number of seconds");
    if (opt.max_len < 16 || opt.max_len > (1u << 20)) return error("--max-len must be from 16 to 1048576 bytes");
    fs::path report_dir;
    if (std::string err = PrepareReportDir(opt.report_dir, report_dir); !err.empty()) return error(err);
    run.report_dir = report_dir.string();
    if (!opt.source_root.empty()) run.source_root = fs::weakly_canonical(fs::absolute(opt.source_root)).string();
    if (std::string err = InspectModuleFile(module, run.module); !err.empty()) return error(err);
    for (auto [name, flag] : {std::pair{opt.save_symbol, "--save-symbol"}, {opt.restore_symbol, "--restore-symbol"}})
        if (std::string err = CheckCallbackSymbol(run.module, name, flag); !err.empty()) return error(err);
    std::error_code ec;
    fs::path corpus = fs::absolute(opt.corpus.empty() ? report_dir / "corpus" : fs::path(opt.corpus));
    fs::path artifacts = fs::absolute(opt.artifacts.empty() ? report_dir / "artifacts" : fs::path(opt.artifacts));
    for (const fs::path &d : {corpus, artifacts}) {
        fs::create_directories(d, ec);
        if (ec || access(d.c_str(), W_OK) != 0) return error(fmt::format("cannot write into '{}'", d.string()));
    }
    std::string module_path = fs::absolute(module).string();
    const uint64_t corpus_at_start = CountFiles(corpus);

    // Ctrl-C or SIGTERM: the campaign stops; a second one skips minimization and coverage.
    g_stop_campaign = false;
    g_stop_all = false;
    struct sigaction sa {};
    sa.sa_handler = OnStopSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    const bool tty = isatty(STDERR_FILENO);
    std::printf("vspconform %s fuzz %s (sha256 %s%s), %u worker(s), %s; corpus %s, artifacts %s\n", kToolVersion,
                module.c_str(), run.module.sha256.substr(0, 16).c_str(),
                run.module.coverage ? ", coverage-instrumented" : ", not coverage-instrumented: blind mutation",
                run.jobs, opt.time > 0 ? fmt::format("{:g} s", opt.time).c_str() : "until Ctrl-C", corpus.c_str(),
                artifacts.c_str());
    std::fflush(stdout);

    SessionOptions so = SessionOptionsOf(opt, run.module, (report_dir / "worker.log").string(), run.jobs);
    if (opt.time > 0)
        so.pool.deadline =
            Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.time));
    so.pool.stop = &g_stop_campaign;
    so.max_time = opt.time;
    CoverageSummary cov;
    LiveStats last;
    auto last_line = Clock::now();
    uint64_t findings_seen = 0;
    auto progress_line = [&](const LiveStats &l) {
        double t = std::chrono::duration<double>(Clock::now() - started).count();
        return fmt::format("#{:<10} {:>6.0f}s  exec/s {:<8.0f} corpus {:<6} edges {:<5} findings {:<3} restarts {}",
                           l.execs, t, t > 0 ? static_cast<double>(l.execs) / t : 0.0, CountFiles(corpus), l.edges,
                           l.findings, l.restarts);
    };
    so.live = [&](const LiveStats &l) {
        last = l;
        double t = std::chrono::duration<double>(Clock::now() - started).count();
        if (cov.timeline.empty() || cov.timeline.back().second != l.edges) cov.timeline.emplace_back(t, l.edges);
        auto now = Clock::now();
        if (opt.max_findings && l.findings >= opt.max_findings) g_stop_campaign = true;
        if (now - last_line < (tty ? std::chrono::seconds(1) : std::chrono::seconds(10))) return;
        last_line = now;
        if (tty)
            std::fprintf(stderr, "\r%s\033[K", progress_line(l).c_str());
        else
            std::fprintf(stderr, "%s\n", progress_line(l).c_str());
    };
    // A finding is on disk before it is printed: a campaign killed with SIGKILL loses none it showed.
    so.on_new_finding = [&](const Finding &f) {
        ++findings_seen;
        fs::path file = artifacts / ArtifactName(f);
        bool ok = !f.reproducer.empty() && WriteFile(file, f.reproducer);
        const Rule &r = RuleFor(f.rule);
        double t = std::chrono::duration<double>(Clock::now() - started).count();
        if (tty) std::fprintf(stderr, "\r\033[K");
        std::printf("%-8s %s %s after %.1f s: %s\n         case %s\n",
                    r.severity == Severity::Error ? "FOUND" : "warning", std::string(r.name).c_str(),
                    std::string(r.title).c_str(), t, f.message.c_str(),
                    ok ? file.c_str() : "(none: the finding has no case)");
        if (ok)
            std::printf("         replay: %s\n",
                        ReplayCommand(run.module_options, file.string(), f.profile, opt.timeout_ms).c_str());
        std::fflush(stdout);
        if (opt.max_findings && findings_seen >= opt.max_findings) g_stop_campaign = true;
    };

    // Scratch space: promoted states, minimization.
    fs::path work = ScratchDir(report_dir, "fuzz-work");
    WorkerConfig base = BaseConfig(opt, module_path);
    std::vector<Job> jobs;
    for (uint32_t s = 0; s < run.jobs; ++s) {
        WorkerConfig c = base;
        c.mode = WorkerMode::Fuzz;
        c.shard = s;
        c.runs = UINT64_MAX;
        c.corpus = corpus.string();
        c.shared_corpus = true;
        c.promoted = (work / fmt::format("promoted-{}", s)).string();
        c.max_len = opt.max_len;
        jobs.push_back(Job{c, s, 0});
    }
    Session session(so);
    session.Run(std::move(jobs));
    if (tty) std::fprintf(stderr, "\r%s\n", progress_line(last).c_str());
    const bool interrupted = g_stop_campaign.load() && !(opt.max_findings && findings_seen >= opt.max_findings);
    double campaign_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    if (!session.load_error().empty()) {
        run.error = session.load_error();
        std::fprintf(stderr, "vspconform: error: %s\n", run.error.c_str());
        fs::remove_all(work, ec);
        return FinishRun(run, started);
    }
    run.loaded = session.loaded();
    run.hooks = session.hooks();
    run.sandbox = session.sandbox();
    run.fuzz = session.fuzz();
    run.fuzz.planned = run.fuzz.execs;  // open-ended: what ran is what was planned
    run.evidence = session.evidence();
    run.bytes_needed = session.bytes_needed();
    run.state_saves = session.state_saves();
    // Open-ended: "the time cap was hit" and what was not run mean nothing here.
    for (const std::string &n : session.notes())
        if (n.rfind("the time cap", 0) != 0) run.notes.push_back(n);
    run.findings = session.findings().Sorted();

    // Minimized findings (their artifacts replaced), then the corpus's coverage.
    CampaignStats cs;
    if (!run.findings.empty() && !g_stop_all) {
        std::printf("minimizing %zu finding(s) (Ctrl-C again to skip)\n", run.findings.size());
        std::fflush(stdout);
        cs.minimized =
            MinimizeFindings(run, opt, module_path, work, Clock::now() + std::chrono::seconds(60), &g_stop_all);
        for (const Finding &f : run.findings)
            if (!f.reproducer.empty()) WriteFile(artifacts / ArtifactName(f), f.reproducer);
    }
    if (run.module.coverage && !g_stop_all) {
        std::string load_error;
        auto c = CoverageOf(opt, run.module, module_path, CorpusFiles(corpus), true,
                            (report_dir / "worker.log").string(), &g_stop_all, &load_error);
        if (c) {
            c->timeline = cov.timeline;
            run.coverage = std::move(*c);
        }
    } else if (!run.module.coverage) {
        cov.note = "no coverage: the module is not coverage-instrumented (build it with -fsanitize=fuzzer-no-link)";
        run.coverage = cov;
    }
    fs::remove_all(work, ec);
    if (std::string note = LocateFindings(run.module, run.module_options, run.hooks, run.findings);
        !note.empty() && !run.findings.empty())
        run.notes.push_back(note);
    cs.seconds = campaign_seconds;
    cs.execs = run.fuzz.execs;
    cs.calls = run.Calls();
    cs.corpus_files = CountFiles(corpus);
    cs.corpus_dir = corpus.string();
    cs.artifacts_dir = artifacts.string();
    cs.interrupted = interrupted;
    run.campaign = cs;
    if (interrupted) run.notes.push_back("the campaign was stopped by a signal (SIGINT or SIGTERM)");
    if (run.coverage) std::fputs(CoverageText(*run.coverage).c_str(), stdout);
    int rc = FinishRun(run, started);
    // libFuzzer's final statistics, for the tools that read them.
    rusage ru{};
    getrusage(RUSAGE_CHILDREN, &ru);
    std::printf("stat::number_of_executed_units: %llu\n", static_cast<unsigned long long>(cs.execs));
    std::printf("stat::average_exec_per_sec:     %.0f\n",
                cs.seconds > 0 ? static_cast<double>(cs.execs) / cs.seconds : 0.0);
    std::printf("stat::new_units_added:          %llu\n",
                static_cast<unsigned long long>(cs.corpus_files > corpus_at_start ? cs.corpus_files - corpus_at_start
                                                                                  : 0));
    std::printf("stat::peak_rss_mb:              %ld\n", ru.ru_maxrss / 1024);
    std::printf("stat::callback_calls:           %llu\n", static_cast<unsigned long long>(cs.calls));
    std::printf("stat::average_callback_calls_per_sec: %.0f\n",
                cs.seconds > 0 ? static_cast<double>(cs.calls) / cs.seconds : 0.0);
    std::printf("stat::findings:                 %zu\n", run.findings.size());
    std::printf("stat::restarts:                 %u\n", run.fuzz.restarts);
    std::printf("stat::edges:                    %llu\n",
                static_cast<unsigned long long>(run.coverage ? run.coverage->reached : session.edges()));
    std::fflush(stdout);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    return rc;
}

}  // namespace vspc
