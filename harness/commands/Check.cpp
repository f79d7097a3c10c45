// vspconform check: the CI gate. The plan: the contract first (the deterministic sweep in fixed
// chunks, a team's corpus cases, an archive's records), then the coverage-guided stage in fixed
// shards with what is left of --max-time. The same module gets the same verdict and counts
// whatever --jobs is.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "Archive.h"
#include "CaseFile.h"
#include "Command.h"
#include "CoverageMap.h"
#include "Files.h"
#include "Pipeline.h"
#include "Sweep.h"

namespace vspc {
namespace {

namespace fs = std::filesystem;

// The coverage note starts with what the table counts (the symbolizer's own note, if any, follows).
void SayWhatItCounts(CoverageSummary &c, const std::string &what) {
    c.note = c.note.empty() ? what : what + "; " + c.note;
}

// A corpus file is a libFuzzer unit (named by its SHA-1) or a case file; what the shards add is
// written back under the same name, so a CI cache carries it to the next run.
bool IsUnitName(const std::string &name) {
    return name.size() == 40 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

uint64_t WriteBackCorpus(const std::vector<fs::path> &from, const fs::path &to) {
    uint64_t added = 0;
    std::error_code ec;
    for (const fs::path &dir : from)
        for (const std::string &file : CorpusFiles(dir)) {
            std::string name = fs::path(file).filename().string();
            if (!IsUnitName(name) || fs::exists(to / name, ec)) continue;
            auto bytes = ReadFileCapped(file, kMaxCaseFileBytes);
            if (bytes && WriteFileAtomically((to / name).string(), *bytes)) ++added;
        }
    return added;
}

int Check(Run &run) {
    const Options &opt = run.options();
    RunSummary &summary = run.summary();
    if (!run.AddTarget(run.invocation().args.at(0))) return run.Finish();
    const Target &target = run.targets[0];

    RecordArchive corpus;
    if (!opt.restore_corpus.empty()) {
        if (std::string err = ReadArchive(opt.restore_corpus, corpus); !err.empty())
            return run.Fail(fmt::format("--restore-corpus: {}", err));
        CompatRun cr;
        cr.old_archive = fs::absolute(opt.restore_corpus).string();
        cr.old_sha256 = corpus.module_sha256;
        cr.forward_records = corpus.entries.size();
        summary.compat = cr;
        summary.migration = true;
    }
    std::vector<std::string> corpus_files;
    fs::path user_corpus;
    if (!opt.corpus.empty()) {
        std::error_code ec;
        user_corpus = fs::absolute(opt.corpus);
        fs::create_directories(user_corpus, ec);
        if (ec || access(user_corpus.c_str(), W_OK) != 0)
            return run.Fail(fmt::format("--corpus '{}' is not a directory vspconform can write into", opt.corpus));
        corpus_files = CorpusFiles(user_corpus);
    }

    WorkerConfig base;
    base.module = target.options;
    base.profile = *ProfileByName(opt.profile);
    base.seed = opt.seed;

    // 1. The contract: the sweep in fixed chunks, the corpus's cases, the archive's records.
    //    Ordinals put the sweep first: of two equal findings, the sweep's (simpler) reproducer is kept.
    const std::vector<uint64_t> bounds = SweepChunkBounds(SweepPlan(opt.seed), kSweepChunks);
    std::vector<Job> contract;
    for (uint64_t i = 0; i < kSweepChunks; ++i) {
        WorkerConfig c = base;
        c.mode = WorkerMode::Sweep;
        c.begin = bounds[i];
        c.end = bounds[i + 1];
        if (c.begin < c.end) contract.push_back(Job{c, static_cast<uint32_t>(i), 0});
    }
    if (!corpus_files.empty()) {
        WorkerConfig c = base;
        c.mode = WorkerMode::Cases;
        c.cases = corpus_files;
        c.header_profile = true;
        contract.push_back(Job{c, static_cast<uint32_t>(kSweepChunks + kFuzzShards + 1), 0});
    }
    if (summary.compat) {  // --restore-corpus: an older build's records, restored forward
        WorkerConfig c = base;
        c.mode = WorkerMode::Migrate;
        c.archive = summary.compat->old_archive;
        c.compat = true;
        c.direction = CompatDirection::Forward;
        c.old_sha256 = summary.compat->old_sha256;
        c.new_sha256 = target.file.sha256;
        c.begin = 0;
        c.end = corpus.entries.size();
        if (c.end > 0)
            contract.push_back(Job{c, static_cast<uint32_t>(kSweepChunks + kFuzzShards), 0});
        else
            summary.notes.push_back("the --restore-corpus archive holds no record: CP1 and CP2 were not reached");
    }
    Session sweep(run.SessionOptionsFor(summary.jobs));
    sweep.Run(contract);
    run.Fold(sweep);
    // What the sweep's cases reached (coverage builds): each chunk says so when it ends. Only whole:
    // a chunk that died took the coverage of its cases with it.
    std::optional<msg::Covered> sweep_covered;
    const uint64_t sweep_chunks = std::count_if(contract.begin(), contract.end(),
                                                [](const Job &j) { return j.config.mode == WorkerMode::Sweep; });
    if (target.file.coverage && sweep.covered_reports() == sweep_chunks && sweep.sweep().restarts == 0 &&
        !sweep.covered().pcs.empty())
        sweep_covered = sweep.covered();
    if (!summary.error.empty()) return run.Finish();
    if (sweep.time_cap_hit() && !StopSignals::requested()) {
        // The contract did not finish: no verdict can pass on it.
        const double seconds = std::chrono::duration<double>(Clock::now() - run.started()).count();
        const uint64_t planned = std::max<uint64_t>(summary.sweep.planned, 1);
        const uint64_t done = std::max<uint64_t>(summary.sweep.cases + summary.sweep.skipped, 1);
        summary.incomplete = fmt::format(
            "the contract sweep did not finish within --max-time {:g}: {} of {} cases ran; it needs about {:.0f} s "
            "here; raise --max-time",
            opt.max_time, summary.sweep.cases + summary.sweep.skipped, summary.sweep.planned,
            seconds * static_cast<double>(planned) / static_cast<double>(done) * 1.2 + 1);
        return run.Finish();
    }

    // 2. The coverage-guided stage, in fixed shards, with what is left of the time (a run
    //    interrupted or out of time plans it and notes it as not run).
    std::vector<Job> shards;
    std::vector<fs::path> shard_corpora;
    fs::path work = run.workspace().Scratch("shards");
    for (uint32_t s = 0; opt.runs > 0 && s < kFuzzShards; ++s) {
        WorkerConfig c = base;
        c.mode = WorkerMode::Fuzz;
        c.shard = s;
        c.runs = opt.runs * (s + 1) / kFuzzShards - opt.runs * s / kFuzzShards;
        c.plateau = opt.plateau;
        c.corpus = (work / fmt::format("shard-{}", s) / "corpus").string();
        if (!user_corpus.empty()) c.corpus_in = {user_corpus.string()};
        if (summary.compat) c.archive = summary.compat->old_archive;  // its records for the byte mutators
        shard_corpora.push_back(c.corpus);
        if (c.runs > 0) shards.push_back(Job{c, static_cast<uint32_t>(kSweepChunks + s), 0});
    }
    // Each shard of a coverage build reports what its executions reached when it ends.
    std::optional<CoverageSummary> run_coverage;
    if (!shards.empty()) {
        SessionOptions so = run.SessionOptionsFor(summary.jobs);
        so.contract_batch = kCheckContractBatch;
        Session explore(so);
        explore.Run(shards);
        run.Fold(explore);
        if (target.file.coverage && explore.covered_reports() == shards.size() && explore.fuzz().restarts == 0 &&
            !explore.time_cap_hit() && !explore.covered().pcs.empty()) {
            msg::Covered reached = explore.covered();
            const bool with_sweep = sweep_covered && UniteCovered(reached, *sweep_covered);
            run_coverage = SummarizeCoverage(reached, target.options.path, explore.hooks());
            SayWhatItCounts(
                *run_coverage,
                fmt::format(
                    "{}every execution of the coverage-guided stage ({}: the sweep's states{} and their mutations) and "
                    "the module's loading",
                    with_sweep ? fmt::format("every case of the contract sweep ({}), ", sweep_covered->inputs) : "",
                    explore.covered().inputs, user_corpus.empty() ? "" : ", the --corpus cases"));
        }
    } else if (sweep_covered) {  // --runs 0: the sweep's cases are all the run played
        run_coverage = SummarizeCoverage(*sweep_covered, target.options.path, sweep.hooks());
        SayWhatItCounts(*run_coverage, fmt::format("every case of the contract sweep ({}) and the module's loading",
                                                   sweep_covered->inputs));
    }
    if (!user_corpus.empty() && summary.error.empty()) {
        uint64_t added = WriteBackCorpus(shard_corpora, user_corpus);
        summary.notes.push_back(fmt::format("--corpus {}: {} case files played, {} new corpus files written back",
                                            user_corpus.string(), corpus_files.size(), added));
    }
    // 3. What the run reached of the module (coverage builds): what the sweep's chunks and the shards
    //    reported, or, when a shard could not say (it died, the time ran out), the exploration's
    //    corpus (its seeds are the sweep's states) and the team's cases, replayed; loading counts too.
    if (run_coverage && summary.error.empty()) {
        summary.coverage = std::move(run_coverage);
        std::fputs(CoverageText(*summary.coverage).c_str(), stdout);
    } else if (target.file.coverage && summary.error.empty() && !StopSignals::requested()) {
        std::vector<std::string> reached = corpus_files;
        for (const fs::path &dir : shard_corpora)
            for (std::string &f : CorpusFiles(dir)) reached.push_back(std::move(f));
        std::string load_error;
        if (auto c = MeasureCoverage(run, target, reached, true, &load_error)) {
            SayWhatItCounts(*c, fmt::format("replayed the exploration's corpus ({} inputs: the sweep's states and what "
                                            "the coverage-guided stage kept) and the module's loading",
                                            reached.size()));
            summary.coverage = std::move(*c);
        }
        if (summary.coverage) std::fputs(CoverageText(*summary.coverage).c_str(), stdout);
    } else if (!target.file.coverage) {
        std::string no_job;
        summary.coverage = MeasureCoverage(run, target, {}, true, &no_job);  // says how to get it
    }
    return run.Finish();
}

}  // namespace

const CommandSpec &CheckSpec() {
    static const CommandSpec spec{
        CommandId::Check,
        "the CI gate: the contract sweep, then a fixed coverage-guided stage; exit 0 conformant, 1 violations, "
        "2 could not test",
        {{"MODULE", "the VSP module (.so) built against include/kmcl"}},
        [](const Invocation &inv) { return RunPipeline(inv, true, Check); }};
    return spec;
}

}  // namespace vspc
