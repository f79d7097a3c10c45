// The rule catalog applied to a case's record of calls.
#pragma once

#include <string>
#include <vector>

#include "Finding.h"
#include "Rules.h"
#include "Runner.h"

namespace vspc {

// Appends the findings of one case (the first of each rule and signature) and
// adds to `evidence`, per rule, the calls or comparisons that could have broken it.
// The findings carry call, location and op index; the caller adds stage and reproducer.
void JudgeCase(const CaseLog &log, Profile profile, std::vector<Finding> &out, Evidence &evidence);

// The compat rules (CP1-CP3) on a migration case: the packet prepared from a seed and
// saved, then a record another build saved for the same seed restored (RestoreBytes).
// `direction` says which build is older. Findings as JudgeCase's.
void JudgeMigration(const CaseLog &log, CompatDirection direction, std::vector<Finding> &out, Evidence &evidence);

std::string DescribeCall(const CaseLog &log, const CallRecord &call);
CallInfo CallInfoOf(const CaseLog &log, int index);

}  // namespace vspc
