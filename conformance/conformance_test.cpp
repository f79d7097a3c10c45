// vspconform_conformance: the deterministic sweep as a GoogleTest suite, for
// teams whose CI already runs gtest binaries. The sweep is cut into chunks, one
// test each, so gtest sharding (GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX, or
// ctest -j) spreads a module's sweep over machines or cores.
//
//   VSPCONFORM_MODULE=libvsp.so [VSPCONFORM_PROFILE=kmcl] [VSPCONFORM_CASES_DIR=dir] \
//       ./vspconform_conformance [gtest flags]
//
// It drives the same supervised worker, case runner and rule table as
// `vspconform check` (without its coverage-guided stage). A failing chunk lists
// each violation with the case file that replays it.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "Pipeline.h"
#include "Report.h"
#include "Sweep.h"
#include "Worker.h"

namespace {

namespace fs = std::filesystem;

constexpr uint64_t kChunks = 16;

std::string Env(const char *name, const char *fallback = "") {
    const char *v = std::getenv(name);
    return v && *v ? v : fallback;
}

struct SuiteSetup {
    vspc::Options options;
    std::string module;
    std::string cases_dir;
    uint64_t sweep_size = 0;
};

const SuiteSetup &TheSetup() {
    static const SuiteSetup setup = [] {
        SuiteSetup s;
        s.module = Env("VSPCONFORM_MODULE");
        s.options.save_symbol = Env("VSPCONFORM_SAVE_SYMBOL", "EvtVmbChannelSavePacket");
        s.options.restore_symbol = Env("VSPCONFORM_RESTORE_SYMBOL", "EvtVmbChannelRestorePacket");
        s.options.profile = Env("VSPCONFORM_PROFILE", "strict");
        s.cases_dir = Env("VSPCONFORM_CASES_DIR", "vspconform-conformance-cases");
        s.sweep_size = vspc::SweepPlan(s.options.seed).size();
        return s;
    }();
    return setup;
}

class Sweep : public ::testing::TestWithParam<uint64_t> {};

TEST_P(Sweep, ChunkIsConformant) {
    const SuiteSetup &s = TheSetup();
    uint64_t begin = s.sweep_size * GetParam() / kChunks, end = s.sweep_size * (GetParam() + 1) / kChunks;
    vspc::SweepRun run = vspc::RunSweepRange(s.options, s.module, begin, end);
    ASSERT_TRUE(run.load_error.empty()) << run.load_error;
    for (const auto &note : run.notes) std::printf("note: %s\n", note.c_str());
    auto profile = vspc::ProfileByName(s.options.profile).value_or(vspc::Profile::Strict);
    for (const vspc::Finding &f : run.findings) {
        std::string name = fmt::format("{}-chunk{}.case", vspc::RuleFor(f.rule).name, GetParam());
        fs::create_directories(s.cases_dir);
        fs::path path = fs::absolute(fs::path(s.cases_dir) / name);
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char *>(f.reproducer.data()),
                   static_cast<std::streamsize>(f.reproducer.size()));
        vspc::ModuleOptions module{fs::absolute(s.module).string(),
                                   {},
                                   s.options.save_symbol,
                                   s.options.restore_symbol};
        std::string text =
            fmt::format("{} {}: {}\n  replay: {}", vspc::RuleFor(f.rule).name, vspc::RuleFor(f.rule).title, f.message,
                        vspc::ReplayCommand(module, path.string(), profile, s.options.timeout_ms));
        if (f.severity() == vspc::Severity::Error)
            ADD_FAILURE() << text;
        else
            std::printf("warning: %s\n", text.c_str());
    }
    RecordProperty("cases", static_cast<int>(run.cases));
    RecordProperty("calls", static_cast<int>(run.calls));
}

INSTANTIATE_TEST_SUITE_P(Module, Sweep, ::testing::Range<uint64_t>(0, kChunks),
                         [](const ::testing::TestParamInfo<uint64_t> &i) {
                             return fmt::format("chunk{:02}", i.param);
                         });

}  // namespace

int main(int argc, char **argv) {
    if (int rc = vspc::RunWorkerIfRequested(argc, argv); rc >= 0) return rc;
    ::testing::InitGoogleTest(&argc, argv);
    if (TheSetup().module.empty()) {
        std::fprintf(stderr, "vspconform_conformance: error: set VSPCONFORM_MODULE to the VSP module (.so) to test\n");
        return 2;
    }
    return RUN_ALL_TESTS();
}
