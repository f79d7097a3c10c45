// What a worker's death means: the finding it stands for (rule chosen by where
// it died), and what runs after it (the one restart policy every stage uses).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "Finding.h"
#include "Pool.h"

namespace vspc {

// The finding a worker's end stands for. Only for ends that are the module's
// doing: Crashed, Exited, Hung, Stalled, BadMessage.
Finding DeathFinding(const WorkerEnd &end, uint32_t timeout_ms, Stage stage);
bool IsDeath(EndHow how);

// What a sanitizer's report says (ASan's format, with the frames vspconform asks for:
// "#N PC in FUNCTION FILE:LINE (MODULE+0xOFFSET)").
struct SanitizerFacts {
    std::string summary;  // "AddressSanitizer: heap-buffer-overflow"
    Access access = Access::Unknown;
    uint32_t size = 0;                 // "READ of size 1"
    std::optional<CodeLocation> code;  // the first frame in the module
};
SanitizerFacts ParseSanitizerReport(const std::string &report, const std::string &module_path);

// A death is a finding, then the job goes on from where it died: a sweep at the
// next case, a fuzz shard on its corpus with the executions left, a replay at
// the next file. Deaths are counted per stage and signature, so one noisy
// crash cannot use up the run: a fuzz shard stops only when one signature has
// killed it `max_per_signature` times (the sweep always goes on; the time cap
// bounds it).
class RestartPolicy {
public:
    explicit RestartPolicy(uint32_t max_per_signature) : max_(max_per_signature) {}
    // The job to run after `job`'s worker ended with `death`; nullopt (and
    // *why_not) when the job ends here.
    std::optional<Job> Continue(const Job &job, const WorkerEnd &end, const Finding &death, std::string *why_not);

private:
    uint32_t max_;
    std::map<std::string, uint32_t> deaths_;  // per stage, shard and signature
};

}  // namespace vspc
