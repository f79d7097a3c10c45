// What `records` and `compat` share: the records a build saves for the sweep's states.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "Archive.h"
#include "Pipeline.h"

namespace vspc {

// One Records job on `target` in a session of its own (so that what goes wrong is said of the
// build it happened to): KMCL's pair on each of the sweep's states, each valid record kept.
struct SavedRecords {
    std::string error;
    Hooks hooks;
    bool loaded = false;
    std::optional<SandboxState> sandbox;
    std::vector<ArchiveEntry> entries;
    std::vector<Finding> findings;  // what the build broke while saving them
};
SavedRecords SaveRecords(Run &run, const Target &target);

// The rules `findings` break, as "SP5 SP9".
std::string RulesOf(const std::vector<Finding> &findings);

// The archive of `target`'s records (the manifest names the build and the run's seed).
RecordArchive ArchiveOf(const Run &run, const Target &target, const SavedRecords &records);

}  // namespace vspc
