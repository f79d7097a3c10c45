// vspconform coverage MODULE CORPUS: the module's edges a corpus reaches, per function, with the
// functions never entered. The plan: one Coverage job.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "Command.h"
#include "CoverageMap.h"
#include "Pipeline.h"

namespace vspc {
namespace {

namespace fs = std::filesystem;

int Coverage(Run &run) {
    const Invocation &inv = run.invocation();
    const std::string &module = inv.args.at(0), &corpus = inv.args.at(1);
    if (!run.AddTarget(module)) return run.Finish();
    if (!run.targets[0].file.coverage)
        return run.Fail(fmt::format(
            "'{}' is not coverage-instrumented: build it with -fsanitize=fuzzer-no-link (the samples' coverage "
            "variant) to see its edges",
            module));
    std::error_code ec;
    std::vector<std::string> files;
    if (fs::is_directory(corpus, ec))
        files = CorpusFiles(fs::absolute(corpus));
    else if (fs::is_regular_file(corpus, ec))
        files = {fs::absolute(corpus).string()};
    else
        return run.Fail(fmt::format("CORPUS '{}' is neither a directory nor a case file", corpus));
    std::string load_error;
    auto cov = MeasureCoverage(run, run.targets[0], files, true, &load_error);
    if (!cov) return run.Fail(load_error);
    std::fputs(CoverageText(*cov, SIZE_MAX).c_str(), stdout);
    return 0;
}

}  // namespace

const CommandSpec &CoverageSpec() {
    static const CommandSpec spec{
        CommandId::Coverage,
        "the module's edges a corpus reaches, per function, with the functions never entered (needs a "
        "-fsanitize=fuzzer-no-link build)",
        {{"MODULE", "the coverage-instrumented VSP module (.so)"},
         {"CORPUS", "a corpus directory (vspconform fuzz's, libFuzzer's) or one case file"}},
        [](const Invocation &inv) { return RunPipeline(inv, false, Coverage); }};
    return spec;
}

}  // namespace vspc
