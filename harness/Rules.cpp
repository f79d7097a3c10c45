#include "Rules.h"

namespace vspc {
namespace {

constexpr std::array kRules = {
#define VSPC_RULE(Id, Sev, Prof, Side, Needs, Families, Title, Text, Wrong, Right)                                      \
    Rule{                                                                                                               \
        RuleId::Id, #Id,   Severity::Sev, RuleProfiles::Prof, RuleSide::Side, RuleNeeds::Needs, (Families)&0xFF, Title, \
        Text,       Wrong, Right},
#include "Rules.def"
#undef VSPC_RULE
};
static_assert(kRules.size() == kRuleCount);

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

std::string_view FamilyName(CaseFamily f) {
    switch (f) {
    case Contract: return "save contract";
    case RoundTrip: return "round trips";
    case Hostile: return "hostile restores";
    case Interleave: return "interleaved packets";
    case Migration: return "migration between builds";
    }
    return "?";
}

}  // namespace vspc
