// vspconform records MODULE DIR: the records a build saves for the sweep's states, archived (keep
// it with the release; gate later builds with compat or check --restore-corpus).
#include "Records.h"

#include <cstdio>
#include <filesystem>
#include <set>

#include "Report.h"
#include "Sweep.h"

namespace vspc {

namespace fs = std::filesystem;

SavedRecords SaveRecords(Run &run, const Target &target) {
    SessionOptions so = run.SessionOptionsFor(1, {&target});
    so.listeners.clear();
    WorkerConfig c;
    c.mode = WorkerMode::Records;
    c.module = target.options;
    c.profile = Profile::Kmcl;
    c.seed = run.options().seed;
    c.begin = 0;
    c.end = SweepSeeds(run.options().seed).size();
    Session session(so);
    session.Run({Job{c, 0, 0}});
    SavedRecords out;
    out.error = session.load_error();
    out.hooks = session.hooks();
    out.sandbox = session.sandbox();
    out.loaded = session.loaded();
    out.entries = session.Saved(0);
    out.findings = session.findings().Sorted();
    if (out.error.empty() && session.time_cap_hit())
        out.error = StopSignals::requested() ? "the run was interrupted while saving its records"
                                             : "the time cap (--max-time) was hit while saving its records";
    return out;
}

std::string RulesOf(const std::vector<Finding> &findings) {
    std::set<std::string> ids;
    for (const Finding &f : findings) ids.insert(std::string(RuleFor(f.rule).name));
    std::string s;
    for (const auto &id : ids) s += (s.empty() ? "" : " ") + id;
    return s;
}

RecordArchive ArchiveOf(const Run &run, const Target &target, const SavedRecords &records) {
    RecordArchive a;
    a.tool_version = kToolVersion;
    a.module_path = target.file.path;
    a.module_sha256 = target.file.sha256;
    a.seed = run.options().seed;
    a.entries = records.entries;
    return a;
}

namespace {

int Records(Run &run) {
    const std::string &module = run.invocation().args.at(0);
    const std::string &dir = run.invocation().args.at(1);
    if (!run.AddTarget(module)) return run.Finish();
    SavedRecords r = SaveRecords(run, run.targets[0]);
    if (!r.error.empty()) return run.Fail(r.error);
    if (r.entries.empty())
        return run.Fail(
            "the module saved no record for any of the sweep's states (no packet with state, or every save "
            "failed): nothing to archive; run vspconform check on it");
    RecordArchive a = ArchiveOf(run, run.targets[0], r);
    if (std::string err = WriteArchive(a, dir); !err.empty()) return run.Fail(err);
    std::printf("wrote %zu records of %s (SHA-256 %s) for seed %llu into %s\n", a.entries.size(), module.c_str(),
                a.module_sha256.c_str(), static_cast<unsigned long long>(a.seed), dir.c_str());
    if (!r.findings.empty())
        std::printf("warning: the module broke %s while saving them: run 'vspconform check %s' before archiving\n",
                    RulesOf(r.findings).c_str(), ShellQuote(module).c_str());
    return 0;
}

}  // namespace

const CommandSpec &RecordsSpec() {
    static const CommandSpec spec{
        CommandId::Records,
        "archive the records a build saves for the sweep's states (keep it with the release; gate later builds "
        "with compat or check --restore-corpus)",
        {{"MODULE", "the VSP module (.so)"},
         {"DIR", "the archive directory to write (manifest.json, records/, corpus/)"}},
        [](const Invocation &inv) {
            std::error_code ec;
            const std::string &dir = inv.args.at(1);
            fs::create_directories(dir, ec);
            if (ec || !fs::is_directory(dir, ec)) {
                std::fprintf(stderr, "vspconform: error: cannot create '%s': %s\n", dir.c_str(),
                             ec ? ec.message().c_str() : "not a directory");
                return 2;
            }
            return RunPipeline(inv, false, Records, dir);
        }};
    return spec;
}

}  // namespace vspc
