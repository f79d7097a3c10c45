// vspconform compat OLD NEW: live migration across driver versions. The plan: a Records job per
// build (each build's records, archived in the report directory), then per direction a Migrate job
// on the restoring build (the other build's records, as they are and mutated) and a coverage-guided
// shard whose corpus is those records. OLD may be a record archive (then forward only).
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "Archive.h"
#include "Command.h"
#include "Pipeline.h"
#include "Records.h"

namespace vspc {
namespace {

namespace fs = std::filesystem;

int Compat(Run &run) {
    const Options &opt = run.options();
    RunSummary &summary = run.summary();
    const std::string &old_arg = run.invocation().args.at(0);
    const std::string &new_arg = run.invocation().args.at(1);
    summary.migration = true;
    std::error_code ec;
    if (fs::is_directory(new_arg, ec)) {
        summary.module.path = new_arg;
        return run.Fail(fmt::format(
            "NEW_MODULE '{}' is a directory: the newer build must be a module (.so), it is the one that restores; "
            "an archive of records can stand in for the older build only",
            new_arg));
    }
    if (!run.AddTarget(new_arg, "the newer build")) return run.Finish();
    CompatRun cr;
    RecordArchive old_archive;
    if (fs::is_directory(old_arg, ec)) {
        if (std::string err = ReadArchive(old_arg, old_archive); !err.empty())
            return run.Fail(fmt::format("the older build: {}", err));
        cr.old_archive = fs::absolute(old_arg).string();
        cr.old_sha256 = old_archive.module_sha256;
    } else {
        if (!run.AddTarget(old_arg, "the older build")) return run.Finish();
        cr.old_module = run.targets[1].file;
        cr.old_options = ModuleOptions{old_arg, {}, opt.save_symbol, opt.restore_symbol};
        cr.old_sha256 = cr.old_module.sha256;
        cr.rollback = true;
    }
    summary.compat = cr;  // the reports name the older build even when a later step fails

    // 1. The records each build saves for the sweep's states, archived in the report directory
    //    (the archive of this release, for gating the next one).
    const fs::path records = run.workspace().report_dir() / "records";
    auto archive = [&](const Target &t, const SavedRecords &r, const char *which, std::string &dir) {
        dir = (records / which).string();
        if (!r.findings.empty())
            summary.notes.push_back(
                fmt::format("the {} build broke {} while saving its records: run vspconform check on it", which,
                            RulesOf(r.findings)));
        return WriteArchive(ArchiveOf(run, t, r), dir);
    };
    SavedRecords new_records = SaveRecords(run, run.targets[0]);
    if (!new_records.error.empty()) return run.Fail(fmt::format("the newer build: {}", new_records.error));
    run.targets[0].hooks = new_records.hooks;
    summary.hooks = new_records.hooks;
    summary.sandbox = new_records.sandbox;
    summary.loaded = new_records.loaded;
    std::string new_dir, old_dir = cr.old_archive;
    if (std::string err = archive(run.targets[0], new_records, "new", new_dir); !err.empty()) return run.Fail(err);
    if (cr.rollback) {
        SavedRecords old_records = SaveRecords(run, run.targets[1]);
        if (!old_records.error.empty()) return run.Fail(fmt::format("the older build: {}", old_records.error));
        run.targets[1].hooks = old_records.hooks;
        if (old_records.sandbox)
            summary.sandbox =
                summary.sandbox ? WeakerSandbox(*summary.sandbox, *old_records.sandbox) : old_records.sandbox;
        if (std::string err = archive(run.targets[1], old_records, "old", old_dir); !err.empty()) return run.Fail(err);
        old_archive.entries = old_records.entries;
    } else {
        summary.notes.push_back(
            "the older build is a record archive: only the forward direction (CP1, CP2) was tested; rollback (CP3) "
            "needs the older module");
    }
    cr.archive_dir = records.string();
    cr.forward_records = old_archive.entries.size();
    cr.rollback_records = cr.rollback ? new_records.entries.size() : 0;
    summary.compat = cr;
    if (old_archive.entries.empty())
        summary.notes.push_back("the older build saved no record for any state: nothing to migrate forward");
    if (!summary.hooks.restore)
        summary.notes.push_back("the newer build has no restore callback: it cannot restore another build's records");

    // 2. Each build restores the other's records: as they are, mutated, and (with --runs) as the
    //    coverage-guided stage's starting corpus.
    struct Direction {
        CompatDirection direction;
        const Target *restorer;
        std::string archive;
        size_t entries;
    };
    std::vector<Direction> directions = {
        {CompatDirection::Forward, &run.targets[0], old_dir, old_archive.entries.size()}};
    if (cr.rollback)
        directions.push_back({CompatDirection::Rollback, &run.targets[1], new_dir, new_records.entries.size()});
    const fs::path work = run.workspace().Scratch("shards");
    const uint32_t shards = static_cast<uint32_t>(directions.size());
    std::vector<Job> migrate, explore;
    for (uint32_t k = 0; k < shards; ++k) {
        const Direction &d = directions[k];
        WorkerConfig c;
        c.module = d.restorer->options;
        c.profile = *ProfileByName(opt.profile);
        c.seed = opt.seed;
        c.archive = d.archive;
        c.compat = true;
        c.direction = d.direction;
        c.old_sha256 = cr.old_sha256;
        c.new_sha256 = run.targets[0].file.sha256;
        if (d.entries == 0) continue;
        WorkerConfig m = c;
        m.mode = WorkerMode::Migrate;
        m.begin = 0;
        m.end = d.entries;
        migrate.push_back(Job{m, k, 0});
        uint64_t runs = opt.runs * (k + 1) / shards - opt.runs * k / shards;
        if (runs == 0) continue;
        WorkerConfig f = c;
        f.mode = WorkerMode::Fuzz;
        f.shard = k;
        f.runs = runs;
        f.plateau = opt.plateau;
        f.corpus = (work / fmt::format("shard-{}", k) / "corpus").string();
        explore.push_back(Job{f, 10 + k, 0});
    }
    // The migration cases first (the contract of compat), then the exploration with what is left.
    Session session(run.SessionOptionsFor(summary.jobs));
    session.Run(migrate);
    run.Fold(session);
    if (summary.error.empty() && !explore.empty() && !session.time_cap_hit()) {
        Session shards_session(run.SessionOptionsFor(summary.jobs));
        shards_session.Run(explore);
        run.Fold(shards_session);
    }
    return run.Finish();
}

}  // namespace

const CommandSpec &CompatSpec() {
    static const CommandSpec spec{
        CommandId::Compat,
        "versions and hosts: records saved by each build restored by the other (live migration and rollback); "
        "exit 0 compatible, 1 violations, 2 could not test",
        {{"OLD_MODULE", "the older build (.so), or a record archive of it (vspconform records)"},
         {"NEW_MODULE", "the newer build (.so) of the same VSP"}},
        [](const Invocation &inv) { return RunPipeline(inv, true, Compat); }};
    return spec;
}

}  // namespace vspc
