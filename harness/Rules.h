// The rule catalog (Rules.def) as C++: ids, severities, profiles, what each
// rule needs to be exercised, and its texts.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vspc {

enum class Severity : uint8_t { Error, Warning };
enum class RuleProfiles : uint8_t { Both, StrictOnly };
enum class RuleSide : uint8_t { Save, Restore };
enum class RuleNeeds : uint8_t { Any, State };
enum class Profile : uint8_t { Strict, Kmcl };

// The case families (the sweep's, Sweep.cpp, and compat's), as bits.
enum CaseFamily : uint8_t {
    Contract = 1,    // the save contract on one packet
    RoundTrip = 2,   // save, restore the record, save again
    Hostile = 4,     // truncated, corrupted and arbitrary records
    Interleave = 8,  // several packets in flight
    Migration = 16,  // another build's records (compat, check --restore-corpus), faithful and hostile
};

enum class RuleId : uint8_t {
#define VSPC_RULE(Id, Sev, Prof, Side, Needs, Families, Title, Text, Wrong, Right) Id,
#include "Rules.def"
#undef VSPC_RULE
};

constexpr size_t kRuleCount = 0
#define VSPC_RULE(Id, Sev, Prof, Side, Needs, Families, Title, Text, Wrong, Right) +1
#include "Rules.def"
#undef VSPC_RULE
    ;

struct Rule {
    RuleId id;
    std::string_view name;  // "SP5"
    Severity severity;
    RuleProfiles profiles;
    RuleSide side;
    RuleNeeds needs;
    uint8_t families;  // CaseFamily bits
    std::string_view title;
    std::string_view text;
    std::string_view wrong;
    std::string_view right;

    bool AppliesTo(Profile p) const { return profiles == RuleProfiles::Both || p == Profile::Strict; }
    size_t Index() const { return static_cast<size_t>(id); }
};

// Per rule, how many calls or cases could have broken it (see Judge.cpp).
using Evidence = std::array<uint64_t, kRuleCount>;

std::span<const Rule> AllRules();
const Rule &RuleFor(RuleId id);
std::optional<RuleId> RuleByName(std::string_view name);

std::string_view ProfileName(Profile p);
std::optional<Profile> ProfileByName(std::string_view name);
std::string_view SeverityName(Severity s);
std::string_view FamilyName(CaseFamily f);

}  // namespace vspc
