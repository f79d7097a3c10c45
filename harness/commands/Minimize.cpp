// vspconform minimize MODULE CASE: the smallest case that still shows the case's most serious
// finding. The plan: one Replay job says which findings the case shows; the pipeline's
// minimization shrinks it; the result is a case file with its header.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "CaseFile.h"
#include "Command.h"
#include "Files.h"
#include "Pipeline.h"
#include "Report.h"

namespace vspc {
namespace {

namespace fs = std::filesystem;

int Minimize(Run &run) {
    const Options &opt = run.options();
    const Invocation &inv = run.invocation();
    const std::string &case_path = inv.args.at(1);
    auto file = ReadCaseFile(case_path, opt.fuzzer_input);
    if (!file) return run.Fail(file.error());
    std::string output = opt.output.empty() ? fs::path(case_path).replace_extension(".min.case").string() : opt.output;
    std::error_code ec;
    if (fs::is_directory(output, ec))
        return run.Fail(
            fmt::format("--output '{}' is a directory: give the file to write the minimized case to", output));
    if (!run.AddTarget(inv.args.at(0))) return run.Finish();
    const Target &target = run.targets[0];
    Profile profile = *ProfileByName(opt.profile);
    if (!inv.Given("--profile") && file->info.profile) profile = *file->info.profile;

    // Which findings does the case show? One Replay job tells (deaths included).
    WorkerConfig c;
    c.mode = WorkerMode::Replay;
    c.module = target.options;
    c.profile = profile;
    c.seed = opt.seed;
    c.cases = {fs::absolute(case_path).string()};
    c.header_profile = !inv.Given("--profile");
    SessionOptions so = run.SessionOptionsFor(1);
    so.listeners.clear();
    Session replay(so);
    replay.Run({Job{c, 0, 0}});
    if (!replay.load_error().empty()) return run.Fail(replay.load_error());
    std::vector<Finding> shown = replay.findings().Sorted();
    if (shown.empty()) {
        std::printf("%s shows no finding under the %s profile: nothing to minimize\n", case_path.c_str(),
                    std::string(ProfileName(profile)).c_str());
        return 1;
    }
    // The case's most serious finding (errors before warnings, by rule).
    std::stable_sort(shown.begin(), shown.end(),
                     [](const Finding &a, const Finding &b) { return a.severity() > b.severity(); });
    RunSummary &summary = run.summary();
    summary.findings = {shown[0]};
    summary.findings[0].reproducer = file->bytes;
    uint64_t smaller = MinimizeFindings(run, Clock::now() + std::chrono::hours(1));
    const Finding &f = summary.findings[0];
    CaseFileInfo info = file->info;
    info.profile = f.profile;
    info.finding = f.Key();
    if (auto ok = WriteFileAtomically(output, EncodeCaseFile(f.reproducer, info)); !ok) return run.Fail(ok.error());
    std::printf("finding  %s %s: %s\n", std::string(RuleFor(f.rule).name).c_str(),
                std::string(RuleFor(f.rule).title).c_str(), f.message.c_str());
    std::printf("%s  %zu -> %zu bytes (%s)\n", smaller ? "minimized" : "kept     ", file->bytes.size(),
                f.reproducer.size(), smaller ? "the same rule and signature" : "no smaller case shows it");
    std::printf("wrote    %s\n", output.c_str());
    std::printf("replay:  %s\n",
                ReplayCommand(target.options, fs::absolute(output).string(), f.profile, opt.timeout_ms).c_str());
    return 0;
}

}  // namespace

const CommandSpec &MinimizeSpec() {
    static const CommandSpec spec{
        CommandId::Minimize,
        "shrink a case file to the smallest case that still breaks the same rule the same way (fewer ops, shorter "
        "seeds and records)",
        {{"MODULE", "the VSP module (.so)"}, {"CASE", "the case file (from a report's cases/, a corpus or a fuzzer)"}},
        [](const Invocation &inv) { return RunPipeline(inv, false, Minimize); }};
    return spec;
}

}  // namespace vspc
