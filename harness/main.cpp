// vspconform: command-line front-end.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <CLI/CLI.hpp>

#include "Campaign.h"
#include "Check.h"
#include "Options.h"
#include "Report.h"
#include "Worker.h"

namespace {

using vspc::kCheck;
using vspc::kCompat;
using vspc::kCoverage;
using vspc::kFuzz;
using vspc::kMinimize;
using vspc::kRecords;
using vspc::kReplay;

// A number option's text, checked before CLI11 converts it: CLI11 would wrap "-1" into a huge
// unsigned number and saturate a number too big for the field, so only plain digits within the
// field's range pass (a finite non-negative number for a floating-point one).
template <typename T>
CLI::Validator PlainNumber() {
    return CLI::Validator(
        [](std::string &text) -> std::string {
            if constexpr (std::is_integral_v<T>) {
                const std::string range = "a whole number from 0 to " + std::to_string(std::numeric_limits<T>::max());
                if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
                    return "'" + text + "' is not " + range;
                errno = 0;
                unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
                if (errno == ERANGE || v > std::numeric_limits<T>::max()) return "'" + text + "' is not " + range;
            } else {
                char *end = nullptr;
                errno = 0;
                double v = std::strtod(text.c_str(), &end);
                if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v) || v < 0)
                    return "'" + text + "' is not a number of 0 or more";
            }
            return {};
        },
        "NUMBER");
}

template <typename T>
CLI::Option *AddFlag(CLI::App *cmd, const char *option, T &field, const char *help) {
    if constexpr (std::is_same_v<T, bool>) {
        return cmd->add_flag(option, field, help);
    } else {
        CLI::Option *o = cmd->add_option(option, field, help)->capture_default_str();
        if constexpr (std::is_arithmetic_v<T>) o->check(PlainNumber<T>());
        return o;
    }
}

void AddFlags(CLI::App *cmd, unsigned which, vspc::Options &f) {
#define VSPC_FLAG(Field, Option, Commands, Type, Default, Help)                                                        \
    if ((Commands)&which) {                                                                                            \
        auto *opt = AddFlag(cmd, Option, f.Field, Help);                                                               \
        if (std::string_view(Option) == "--profile") opt->check(CLI::IsMember({"strict", "kmcl"}));                    \
    }
#include "Flags.def"
#undef VSPC_FLAG
}

// The tester itself failing (no memory, no processes) is "could not test": exit 2, one line.
template <typename F>
int Guarded(F &&run) {
    try {
        return run();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "vspconform: error: %s\n", e.what());
        return 2;
    }
}

}  // namespace

int main(int argc, char **argv) {
    if (int rc = vspc::RunWorkerIfRequested(argc, argv); rc >= 0) return rc;

    CLI::App app{
        "vspconform: checks a Hyper-V VSP's EvtVmbChannelSavePacket / EvtVmbChannelRestorePacket "
        "against the KMCL save/restore contract"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("vspconform ") + vspc::kToolVersion);
    vspc::Options flags;
    std::string module;
    std::vector<std::string> cases;
    bool markdown = false;

    auto *check = app.add_subcommand("check",
                                     "the CI gate: deterministic sweep + fixed coverage-guided stage; "
                                     "exit 0 conformant, 1 violations, 2 could not test");
    check->add_option("MODULE", module, "the VSP module (.so) built against include/kmcl")->required();
    AddFlags(check, kCheck, flags);

    auto *replay = app.add_subcommand("replay", "re-run saved cases, printing every call and the verdict");
    replay->add_option("MODULE", module, "the VSP module (.so)")->required();
    replay->add_option("CASE", cases, "case files (from a report's cases/ folder, a corpus or a fuzzer)")->required();
    AddFlags(replay, kReplay, flags);

    std::string old_module, records_dir;
    auto *compat = app.add_subcommand("compat",
                                      "versions and hosts: records saved by each build restored by the other "
                                      "(live migration and rollback); exit 0 compatible, 1 violations, 2 could not "
                                      "test");
    compat
        ->add_option("OLD_MODULE", old_module, "the older build (.so), or a record archive of it (vspconform records)")
        ->required();
    compat->add_option("NEW_MODULE", module, "the newer build (.so) of the same VSP")->required();
    AddFlags(compat, kCompat, flags);

    auto *records = app.add_subcommand("records",
                                       "archive the records a build saves for the sweep's states (keep it with the "
                                       "release; gate later builds with compat or check --restore-corpus)");
    records->add_option("MODULE", module, "the VSP module (.so)")->required();
    records->add_option("DIR", records_dir, "the archive directory to write (manifest.json, records/, corpus/)")
        ->required();
    AddFlags(records, kRecords, flags);

    auto *fuzz =
        app.add_subcommand("fuzz",
                           "a fuzzing campaign: supervised coverage-guided workers sharing one corpus, until "
                           "--time or Ctrl-C; findings kept as they come, minimized, and the reports of check");
    fuzz->add_option("MODULE", module, "the VSP module (.so); build it with -fsanitize=fuzzer-no-link for coverage")
        ->required();
    AddFlags(fuzz, kFuzz, flags);

    std::string case_file;
    auto *minimize = app.add_subcommand("minimize",
                                        "shrink a case file to the smallest case that still breaks the same rule the "
                                        "same way (fewer ops, shorter seeds and records)");
    minimize->add_option("MODULE", module, "the VSP module (.so)")->required();
    minimize->add_option("CASE", case_file, "the case file (from a report's cases/, a corpus or a fuzzer)")->required();
    AddFlags(minimize, kMinimize, flags);

    std::string corpus_dir;
    auto *coverage = app.add_subcommand("coverage",
                                        "the module's edges a corpus reaches, per function, with the functions never "
                                        "entered (needs a -fsanitize=fuzzer-no-link build)");
    coverage->add_option("MODULE", module, "the coverage-instrumented VSP module (.so)")->required();
    coverage->add_option("CORPUS", corpus_dir, "a corpus directory (vspconform fuzz's, libFuzzer's) or one case file")
        ->required();
    AddFlags(coverage, kCoverage, flags);

    std::string seeds_dir;
    auto *seeds = app.add_subcommand("seeds",
                                     "write the deterministic sweep's cases as a seed corpus "
                                     "(for vspconform_fuzzer and ClusterFuzzLite)");
    seeds->add_option("DIR", seeds_dir, "directory to write the case files into")->required();
    seeds->add_option("--seed", flags.seed, "seed of the sweep's packet states")
        ->capture_default_str()
        ->check(PlainNumber<uint64_t>());

    auto *rules = app.add_subcommand("rules", "list the rules vspconform checks");
    rules->add_flag("--markdown", markdown, "print the rule catalog as Markdown (docs/rules.md)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        std::fprintf(stderr, "vspconform: error: %s (see 'vspconform --help')\n", e.what());
        return 2;
    }

    if (*check) return Guarded([&] { return vspc::RunCheck(flags, module); });
    if (*replay) return Guarded([&] { return vspc::RunReplay(flags, module, cases); });
    if (*compat) return Guarded([&] { return vspc::RunCompat(flags, old_module, module); });
    if (*fuzz) return Guarded([&] { return vspc::RunFuzz(flags, module); });
    if (*minimize) return Guarded([&] { return vspc::RunMinimize(flags, module, case_file); });
    if (*coverage) return Guarded([&] { return vspc::RunCoverage(flags, module, corpus_dir); });
    if (*records) return Guarded([&] { return vspc::RunRecords(flags, module, records_dir); });
    if (*seeds) return vspc::WriteSeedCorpus(seeds_dir, flags.seed);
    if (*rules) {
        if (markdown) {
            std::fputs(vspc::RulesMarkdown().c_str(), stdout);
        } else {
            for (const auto &r : vspc::AllRules())
                std::printf("%-5s %-8s %s\n", std::string(r.name).c_str(),
                            std::string(vspc::SeverityName(r.severity)).c_str(), std::string(r.title).c_str());
        }
        return 0;
    }
    return 2;
}
