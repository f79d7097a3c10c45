// vspconform fuzz: a campaign. The plan: one coverage-guided shard per worker on one shared corpus
// until --time, --max-findings rule violations, or Ctrl-C/SIGTERM; the listeners show progress and
// each finding as it comes (its artifact written first); at the end the findings are minimized,
// the artifacts replaced by the minimized cases, the corpus's coverage measured, and the same
// reports as check written, then libFuzzer-style stat:: lines.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "CaseFile.h"
#include "Command.h"
#include "CoverageMap.h"
#include "Files.h"
#include "Pipeline.h"
#include "Report.h"
#include "Sha256.h"

namespace vspc {
namespace {

namespace fs = std::filesystem;

uint64_t CountFiles(const fs::path &dir) { return CorpusFiles(dir).size(); }

std::string ArtifactName(const Finding &f) {
    std::string key = f.Key();
    return fmt::format("{}-{}.case", RuleFor(f.rule).name,
                       Sha256Hex(reinterpret_cast<const uint8_t *>(key.data()), key.size()).substr(0, 12));
}

// Each finding's case goes to the artifacts directory (with a header naming its profile and
// callbacks, so that `replay MODULE FILE` reproduces it as it is), before its line is printed: a
// campaign killed with SIGKILL loses none it showed.
class ArtifactWriter : public RunListener {
public:
    ArtifactWriter(const Run &run, fs::path dir, bool tty) : run_(run), dir_(std::move(dir)), tty_(tty) {}
    void OnFinding(const Finding &f) override {
        fs::path file = dir_ / ArtifactName(f);
        bool ok = !f.reproducer.empty() && Write(f, file);
        const Rule &r = RuleFor(f.rule);
        double t = std::chrono::duration<double>(Clock::now() - run_.started()).count();
        if (tty_) std::fprintf(stderr, "\r\033[K");
        std::printf("%-8s %s %s after %.1f s: %s\n         case %s\n",
                    r.severity == Severity::Error ? "FOUND" : "warning", std::string(r.name).c_str(),
                    std::string(r.title).c_str(), t, f.message.c_str(),
                    ok ? file.c_str() : "(none: the finding has no case)");
        if (ok)
            std::printf("         replay: %s\n", ReplayCommand(run_.summary().module_options, file.string(), f.profile,
                                                               run_.options().timeout_ms)
                                                     .c_str());
        std::fflush(stdout);
    }
    bool Write(const Finding &f, const fs::path &file) const {
        CaseFileInfo info;
        info.profile = f.profile;
        info.finding = f.Key();
        const ModuleOptions &m = run_.summary().module_options;
        if (m.save_symbol != ModuleOptions{}.save_symbol) info.save_symbol = m.save_symbol;
        if (m.restore_symbol != ModuleOptions{}.restore_symbol) info.restore_symbol = m.restore_symbol;
        return static_cast<bool>(WriteFileAtomically(file.string(), EncodeCaseFile(f.reproducer, info)));
    }

private:
    const Run &run_;
    fs::path dir_;
    bool tty_;
};

// The live progress line: rewritten in place on a terminal, a line every 10 s otherwise. It also
// keeps the edges-over-time line of the coverage report, and stops the campaign at --max-findings
// rule violations (warnings are reported, never a stopping point).
class ProgressLine : public RunListener {
public:
    ProgressLine(const Run &run, fs::path corpus, bool tty) : run_(run), corpus_(std::move(corpus)), tty_(tty) {}
    void OnProgress(const LiveStats &l) override {
        last_ = l;
        double t = Seconds();
        if (timeline.empty() || timeline.back().second != l.edges) timeline.emplace_back(t, l.edges);
        auto now = Clock::now();
        if (now - last_line_ < (tty_ ? std::chrono::seconds(1) : std::chrono::seconds(10))) return;
        last_line_ = now;
        if (tty_)
            std::fprintf(stderr, "\r%s\033[K", Line(l).c_str());
        else
            std::fprintf(stderr, "%s\n", Line(l).c_str());
    }
    void OnFinding(const Finding &f) override {
        if (f.severity() == Severity::Error) ++violations_;
        if (run_.options().max_findings && violations_ >= run_.options().max_findings) {
            max_findings_hit = true;
            StopSignals::Request();
        }
    }
    void Final() const {
        if (tty_) std::fprintf(stderr, "\r%s\n", Line(last_).c_str());
    }
    std::vector<std::pair<double, uint64_t>> timeline;
    bool max_findings_hit = false;

private:
    double Seconds() const { return std::chrono::duration<double>(Clock::now() - run_.started()).count(); }
    std::string Line(const LiveStats &l) const {
        double t = Seconds();
        return fmt::format("#{:<10} {:>6.0f}s  exec/s {:<8.0f} corpus {:<6} edges {:<5} findings {:<3} restarts {}",
                           l.execs, t, t > 0 ? static_cast<double>(l.execs) / t : 0.0, CountFiles(corpus_), l.edges,
                           l.findings, l.restarts);
    }
    const Run &run_;
    fs::path corpus_;
    bool tty_;
    LiveStats last_;
    Clock::time_point last_line_ = Clock::now();
    uint64_t violations_ = 0;
};

int Fuzz(Run &run) {
    const Options &opt = run.options();
    RunSummary &summary = run.summary();
    const std::string &module = run.invocation().args.at(0);
    if (!run.AddTarget(module)) return run.Finish();
    const Target &target = run.targets[0];
    std::error_code ec;
    const fs::path report_dir = run.workspace().report_dir();
    const fs::path corpus = fs::absolute(opt.corpus.empty() ? report_dir / "corpus" : fs::path(opt.corpus));
    const fs::path artifacts = fs::absolute(opt.artifacts.empty() ? report_dir / "artifacts" : fs::path(opt.artifacts));
    for (const fs::path &d : {corpus, artifacts}) {
        fs::create_directories(d, ec);
        if (ec || access(d.c_str(), W_OK) != 0) return run.Fail(fmt::format("cannot write into '{}'", d.string()));
    }
    const uint64_t corpus_at_start = CountFiles(corpus);
    const bool tty = isatty(STDERR_FILENO);
    std::printf("vspconform %s fuzz %s (sha256 %s%s), %u worker(s), %s; corpus %s, artifacts %s\n", kToolVersion,
                module.c_str(), target.file.sha256.substr(0, 16).c_str(),
                target.file.coverage ? ", coverage-instrumented" : ", not coverage-instrumented: blind mutation",
                summary.jobs, opt.time > 0 ? fmt::format("{:g} s", opt.time).c_str() : "until Ctrl-C", corpus.c_str(),
                artifacts.c_str());
    std::fflush(stdout);

    ArtifactWriter writer(run, artifacts, tty);
    ProgressLine progress(run, corpus, tty);
    run.listeners = {&progress, &writer};

    const fs::path work = run.workspace().Scratch("fuzz");
    std::vector<Job> jobs;
    for (uint32_t s = 0; s < summary.jobs; ++s) {
        WorkerConfig c;
        c.mode = WorkerMode::Fuzz;
        c.module = target.options;
        c.profile = *ProfileByName(opt.profile);
        c.seed = opt.seed;
        c.shard = s;
        c.runs = UINT64_MAX;  // until stopped
        c.corpus = corpus.string();
        c.shared_corpus = true;
        c.promoted = (work / fmt::format("promoted-{}", s)).string();
        c.max_len = opt.max_len;
        jobs.push_back(Job{c, s, 0});
    }
    Session session(run.SessionOptionsFor(summary.jobs));
    session.Run(std::move(jobs));
    progress.Final();
    const double campaign_seconds = std::chrono::duration<double>(Clock::now() - run.started()).count();
    run.listeners.clear();
    run.Fold(session);
    summary.fuzz.planned = summary.fuzz.execs;  // open-ended: what ran is what was planned

    CampaignStats cs;
    cs.interrupted = StopSignals::requested() && !progress.max_findings_hit;
    run.minimize_deadline = Clock::now() + std::chrono::seconds(60);
    if (!summary.findings.empty() && !StopSignals::twice())
        std::printf("minimizing %zu finding(s) (Ctrl-C again to skip)\n", summary.findings.size());
    std::fflush(stdout);
    run.before_reports = [&](RunSummary &r) {
        // The artifacts become the minimized cases.
        for (const Finding &f : r.findings)
            if (!f.reproducer.empty()) writer.Write(f, artifacts / ArtifactName(f));
        if (!target.file.coverage || !StopSignals::twice()) {
            std::string load_error;
            if (auto c = MeasureCoverage(run, target, CorpusFiles(corpus), true, &load_error)) {
                c->timeline = progress.timeline;
                r.coverage = std::move(*c);
            }
        }
        cs.seconds = campaign_seconds;
        cs.execs = r.fuzz.execs;
        cs.calls = r.Calls();
        cs.corpus_files = CountFiles(corpus);
        cs.corpus_dir = corpus.string();
        cs.artifacts_dir = artifacts.string();
        r.campaign = cs;
        if (cs.interrupted) r.notes.push_back("the campaign was stopped by a signal (SIGINT or SIGTERM)");
        if (r.coverage) std::fputs(CoverageText(*r.coverage).c_str(), stdout);
    };
    int rc = run.Finish();
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
    std::printf("stat::findings:                 %zu\n", summary.findings.size());
    std::printf("stat::restarts:                 %u\n", summary.fuzz.restarts);
    std::printf("stat::edges:                    %llu\n",
                static_cast<unsigned long long>(summary.coverage ? summary.coverage->reached : session.edges()));
    std::fflush(stdout);
    return rc;
}

}  // namespace

const CommandSpec &FuzzSpec() {
    static const CommandSpec spec{
        CommandId::Fuzz,
        "a fuzzing campaign: supervised coverage-guided workers sharing one corpus, until --time or Ctrl-C; "
        "findings kept as they come, minimized, and the reports of check",
        {{"MODULE", "the VSP module (.so); build it with -fsanitize=fuzzer-no-link for coverage"}},
        [](const Invocation &inv) { return RunPipeline(inv, true, Fuzz); }};
    return spec;
}

}  // namespace vspc
