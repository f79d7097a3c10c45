#include "Findings.h"

#include <algorithm>

namespace vspc {

bool FindingSet::Add(nlohmann::json violation, const std::vector<uint8_t> &reproducer, const std::string &stage) {
    std::string key = violation.value("rule", "") + "|" + violation.value("signature", "");
    if (auto it = index_.find(key); it != index_.end()) {
        ++findings_[it->second].occurrences;
        return false;
    }
    Finding f;
    auto rule = RuleByName(violation.value("rule", ""));
    if (!rule) return false;
    f.rule = *rule;
    f.severity = RuleFor(*rule).severity;
    violation["stage"] = stage;
    violation.erase("t");
    violation.erase("case");
    f.violation = std::move(violation);
    f.reproducer = reproducer;
    index_[key] = findings_.size();
    findings_.push_back(std::move(f));
    return true;
}

void FindingSet::AddCounts(const std::map<std::string, uint64_t> &counts) {
    for (const auto &[key, n] : counts)
        if (auto it = index_.find(key); it != index_.end() && n > 1) findings_[it->second].occurrences += n - 1;
}

std::vector<Finding> FindingSet::Take() {
    std::stable_sort(findings_.begin(), findings_.end(),
                     [](const Finding &a, const Finding &b) { return a.rule < b.rule; });
    index_.clear();
    return std::move(findings_);
}

RuleOutcome RunSummary::OutcomeOf(const Rule &rule) const {
    for (const Finding &f : findings)
        if (f.rule == rule.id) return rule.severity == Severity::Error ? RuleOutcome::Fail : RuleOutcome::Warn;
    if (!rule.AppliesTo(profile)) return RuleOutcome::NotApplicable;
    if (rule.side == RuleSide::Restore && !HasRestore()) return RuleOutcome::Skipped;
    static const RuleId needs_state[] = {RuleId::SP1,  RuleId::SP2,  RuleId::SP4,  RuleId::SP8, RuleId::SP9,
                                         RuleId::SP10, RuleId::SP12, RuleId::SP13, RuleId::RP1, RuleId::SW1};
    if (!HasPrepare() && std::find(std::begin(needs_state), std::end(needs_state), rule.id) != std::end(needs_state))
        return RuleOutcome::Skipped;
    return RuleOutcome::Pass;
}

std::string RunSummary::Verdict() const {
    if (!error.empty()) return "error";
    for (const Finding &f : findings)
        if (f.severity == Severity::Error || warnings_as_errors) return "fail";
    return "pass";
}

int RunSummary::ExitCode() const {
    std::string v = Verdict();
    return v == "pass" ? 0 : v == "fail" ? 1 : 2;
}

std::string_view RuleOutcomeName(RuleOutcome o) {
    switch (o) {
    case RuleOutcome::Pass: return "pass";
    case RuleOutcome::Fail: return "fail";
    case RuleOutcome::Warn: return "warn";
    case RuleOutcome::Skipped: return "skipped";
    case RuleOutcome::NotApplicable: return "not applicable";
    }
    return "?";
}

}  // namespace vspc
