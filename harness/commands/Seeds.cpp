// vspconform seeds DIR: the deterministic sweep's cases as a seed corpus (vspconform_fuzzer,
// ClusterFuzzLite).
#include <cstdio>

#include "CaseFile.h"
#include "Command.h"
#include "Pipeline.h"

namespace vspc {

const CommandSpec &SeedsSpec() {
    static const CommandSpec spec{
        CommandId::Seeds,
        "write the deterministic sweep's cases as a seed corpus (for vspconform_fuzzer and ClusterFuzzLite)",
        {{"DIR", "directory to write the case files into"}},
        [](const Invocation &inv) {
            if (auto ok = ValidateOptions(inv.options, inv.command); !ok) {
                std::fprintf(stderr, "vspconform: error: %s\n", ok.error().c_str());
                return 2;
            }
            return WriteSeedCorpus(inv.args.at(0), inv.options.seed);
        }};
    return spec;
}

}  // namespace vspc
