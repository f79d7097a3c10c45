#include "Rules.h"

#include <array>

namespace vspc {
namespace {

constexpr std::array kRules = {
#define VSPC_RULE(Id, Sev, Prof, Side, Title, Text, Wrong, Right)                                                      \
    Rule{RuleId::Id, #Id, Severity::Sev, RuleProfiles::Prof, RuleSide::Side, Title, Text, Wrong, Right},
#include "Rules.def"
#undef VSPC_RULE
};

}  // namespace

std::span<const Rule> AllRules() { return kRules; }

const Rule &RuleFor(RuleId id) { return kRules[static_cast<size_t>(id)]; }

std::optional<RuleId> RuleByName(std::string_view name) {
    for (const Rule &r : kRules)
        if (r.name == name) return r.id;
    return std::nullopt;
}

std::string_view ProfileName(Profile p) { return p == Profile::Strict ? "strict" : "kmcl"; }

std::optional<Profile> ProfileByName(std::string_view name) {
    if (name == "strict") return Profile::Strict;
    if (name == "kmcl") return Profile::Kmcl;
    return std::nullopt;
}

std::string_view SeverityName(Severity s) { return s == Severity::Error ? "error" : "warning"; }

}  // namespace vspc
