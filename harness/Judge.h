// The rule catalog applied to a case's record of calls.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "Rules.h"
#include "Runner.h"

namespace vspc {

struct Violation {
    RuleId rule;
    std::string message;
    std::string signature;  // what makes two violations of one rule the same finding
    int call = -1;          // index in CaseLog::calls, -1 for deaths
    uint32_t op_index = 0;  // the op being played (reproducers are cut after it)
    // Out-of-bounds findings (SP3, SP5, RP2, RP4)
    bool has_offset = false;
    int64_t offset = 0;
    std::string region;     // "SaveBuf", "BytesNeeded", "restore SaveBuf", "LibBuf"
    std::string direction;  // "overrun", "underrun", "inside"
    std::string access;     // "write", "read"
};

// Appends the violations of one case (the first of each rule and signature).
void JudgeCase(const CaseLog &log, Profile profile, std::vector<Violation> &out);

std::string DescribeCall(const CaseLog &log, const CallRecord &call);
std::string_view CallbackName(Callback cb);

}  // namespace vspc
