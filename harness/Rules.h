// The rule catalog (Rules.def) as C++: ids, severities, profiles and texts.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vspc {

enum class Severity : uint8_t { Error, Warning };
enum class RuleProfiles : uint8_t { Both, StrictOnly };
enum class RuleSide : uint8_t { Save, Restore };
enum class Profile : uint8_t { Strict, Kmcl };

enum class RuleId : uint8_t {
#define VSPC_RULE(Id, Sev, Prof, Side, Title, Text, Wrong, Right) Id,
#include "Rules.def"
#undef VSPC_RULE
};

struct Rule {
    RuleId id;
    std::string_view name;  // "SP5"
    Severity severity;
    RuleProfiles profiles;
    RuleSide side;
    std::string_view title;
    std::string_view text;
    std::string_view wrong;
    std::string_view right;

    bool AppliesTo(Profile p) const { return profiles == RuleProfiles::Both || p == Profile::Strict; }
};

std::span<const Rule> AllRules();
const Rule &RuleFor(RuleId id);
std::optional<RuleId> RuleByName(std::string_view name);

std::string_view ProfileName(Profile p);
std::optional<Profile> ProfileByName(std::string_view name);
std::string_view SeverityName(Severity s);

}  // namespace vspc
