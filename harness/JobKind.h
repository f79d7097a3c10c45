// The kinds of job a worker runs (JobKinds.def): what each may send, what it counts, how a
// death in it is continued. The supervisor asks this table instead of switching on the mode.
#pragma once

#include <cstdint>
#include <string_view>

#include "Finding.h"

namespace vspc {

enum class WorkerMode : uint8_t {
#define VSPC_JOB(Kind, Name, Stage, Stats, Unit, Cut, Sends, Flags) Kind,
#include "JobKinds.def"
#undef VSPC_JOB
};

enum class JobStats : uint8_t { Sweep, Fuzz, Compat, Tools };
constexpr size_t kJobStatsCount = 4;
enum class JobUnit : uint8_t { Indices, Executions, Files, Candidates };
enum class JobCut : uint8_t { None, Plan, Migration };

enum : uint8_t {
    kSendsNothingElse = 0,
    kSendsSaved = 1,
    kSendsPromoted = 2,
    kSendsMinimized = 4,
    kSendsCovered = 8,
};
enum : uint8_t { kJobPlaysAll = 1, kJobKmcl = 2, kJobCoverage = 4, kJobOwnSlot = 8 };

struct JobKind {
    WorkerMode mode;
    std::string_view name;
    Stage stage;
    JobStats stats;
    JobUnit unit;
    JobCut cut;
    uint8_t sends;
    uint8_t flags;

    bool plays_all() const { return flags & kJobPlaysAll; }
    bool kmcl() const { return flags & kJobKmcl; }
    bool coverage() const { return flags & kJobCoverage; }
    bool own_slot() const { return flags & kJobOwnSlot; }
};

const JobKind &KindOf(WorkerMode mode);
// The kind named `name` (the protocol's spelling), or null.
const JobKind *KindByName(std::string_view name);

}  // namespace vspc
