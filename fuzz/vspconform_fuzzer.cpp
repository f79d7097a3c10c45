// vspconform_fuzzer: the engine as a plain libFuzzer target, for long campaigns
// (-jobs/-fork on one machine, ClusterFuzzLite beyond it). Its inputs are case
// files: every crash artifact replays with `vspconform replay MODULE FILE`.
//
//   VSPCONFORM_MODULE=libvsp.so [VSPCONFORM_PROFILE=kmcl] \
//       ./vspconform_fuzzer CORPUS_DIR -jobs=2 -max_total_time=3600
//   VSPCONFORM_WRITE_SEEDS=DIR ./vspconform_fuzzer    # the seed corpus, as `vspconform seeds DIR`
//
// A rule violation aborts with the rule and message on stderr, so libFuzzer
// keeps the input; a fault in a guard page is libFuzzer's deadly signal, and
// replay names the rule and the exact offset.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "CaseFile.h"
#include "Module.h"
#include "Player.h"

namespace {

vspc::Kmcl g_kmcl;
vspc::Module g_module;
vspc::Player *g_player = nullptr;
vspc::Profile g_profile = vspc::Profile::Strict;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) {
    // VSPCONFORM_WRITE_SEEDS=DIR: write the sweep's cases into DIR, as `vspconform seeds DIR` does,
    // and exit. fuzz/build.sh makes the seed corpus zip this way, so a build of the target needs no
    // vspconform binary (which carries libFuzzer, and so cannot be linked by AFL++'s compiler).
    if (const char *dir = std::getenv("VSPCONFORM_WRITE_SEEDS")) std::exit(vspc::WriteSeedCorpus(dir, 1));
    // The module: $VSPCONFORM_MODULE, or vspconform_module.so beside the binary
    // (the $OUT layout of fuzz/build.sh, where no environment can be set).
    std::string path = std::getenv("VSPCONFORM_MODULE") ? std::getenv("VSPCONFORM_MODULE") : "";
    if (path.empty() && *argc > 0) {
        std::string self = (*argv)[0];
        path = self.substr(0, self.find_last_of('/') + 1) + "vspconform_module.so";
        if (FILE *f = std::fopen(path.c_str(), "rb"))
            std::fclose(f);
        else
            path.clear();
    }
    if (path.empty()) {
        std::fprintf(stderr,
                     "vspconform_fuzzer: error: set VSPCONFORM_MODULE to the VSP module (.so) to fuzz, or "
                     "put it beside the fuzzer as vspconform_module.so\n");
        std::exit(2);
    }
    if (const char *p = std::getenv("VSPCONFORM_PROFILE")) {
        auto profile = vspc::ProfileByName(p);
        if (!profile) {
            std::fprintf(stderr, "vspconform_fuzzer: error: VSPCONFORM_PROFILE must be strict or kmcl, not '%s'\n", p);
            std::exit(2);
        }
        g_profile = *profile;
    }
    vspc::ModuleOptions options;
    options.path = path;
    if (const char *s = std::getenv("VSPCONFORM_SAVE_SYMBOL")) options.save_symbol = s;
    if (const char *s = std::getenv("VSPCONFORM_RESTORE_SYMBOL")) options.restore_symbol = s;
    std::string error =
        vspc::LoadModule(options, g_kmcl, nullptr, g_module);  // never unloaded: libFuzzer tracks its counters
    if (!error.empty()) {
        std::fprintf(stderr, "vspconform_fuzzer: error: %s\n", error.c_str());
        std::exit(2);
    }
    g_player = new vspc::Player(g_module, g_kmcl);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static std::vector<vspc::Finding> found;
    found.clear();
    if (vspc::HasCaseFileHeader(data, size)) {  // a reproducer or artifact vspconform wrote: its case
        std::vector<uint8_t> bytes = vspc::CaseBytesOf({data, data + size});
        g_player->Play(bytes.data(), bytes.size(), g_profile, vspc::Stage::Fuzz, 0, found);
    } else {
        g_player->Play(data, size, g_profile, vspc::Stage::Fuzz, 0, found);
    }
    for (const vspc::Finding &f : found) {
        const vspc::Rule &rule = vspc::RuleFor(f.rule);
        if (rule.severity != vspc::Severity::Error) continue;
        std::fprintf(stderr, "vspconform: %s %s: %s\n", std::string(rule.name).c_str(), std::string(rule.title).c_str(),
                     f.message.c_str());
        std::abort();
    }
    return 0;
}
