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

std::string DescribeCall(const CaseLog &log, const CallRecord &call);
CallInfo CallInfoOf(const CaseLog &log, int index);

}  // namespace vspc
