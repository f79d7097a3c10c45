#include "JobKind.h"

#include <array>

namespace vspc {
namespace {

constexpr JobKind kKinds[] = {
#define VSPC_JOB(Kind, Name, StageV, StatsV, UnitV, CutV, Sends, Flags)                                                \
    JobKind{WorkerMode::Kind, Name, Stage::StageV, JobStats::StatsV, JobUnit::UnitV, JobCut::CutV, Sends, Flags},
#include "JobKinds.def"
#undef VSPC_JOB
};

// Every row is at the index of its mode (the enum and the array come from the same rows).
constexpr bool InOrder() {
    for (size_t i = 0; i < std::size(kKinds); ++i)
        if (static_cast<size_t>(kKinds[i].mode) != i) return false;
    return true;
}
static_assert(InOrder());

}  // namespace

const JobKind &KindOf(WorkerMode mode) { return kKinds[static_cast<size_t>(mode)]; }

const JobKind *KindByName(std::string_view name) {
    for (const JobKind &k : kKinds)
        if (k.name == name) return &k;
    return nullptr;
}

}  // namespace vspc
