#include "Summary.h"

#include <fmt/format.h>

namespace vspc {

std::string RunSummary::LowRestoreCoverage() const {
    if (!coverage || !error.empty()) return {};
    for (const FunctionCoverage &f : coverage->functions) {
        if (f.callback != "restore" || f.edges == 0) continue;
        const double share = static_cast<double>(f.reached) / static_cast<double>(f.edges);
        if (share >= kLowRestoreCoverage) return {};
        return fmt::format("the run reached {} of {} edges of {} ({:.0f}%)", f.reached, f.edges, f.name, share * 100);
    }
    return {};
}

std::string RunSummary::NothingTested() const {
    if (!error.empty()) return {};
    if (!incomplete.empty()) return incomplete;
    if (command == CommandId::Compat && state_saves > 0 &&
        evidence[RuleFor(RuleId::CP1).Index()] + evidence[RuleFor(RuleId::CP3).Index()] == 0)
        return "no record of one build was restored by the other next to its own state of the same seed (no "
               "records, a build without a restore callback, or every seed rejected by the restoring build): "
               "nothing crossed builds";
    if (state_saves > 0) return {};
    if (!hooks.prepare)
        return "the module exports no VspConformancePreparePacket, so no packet had state and nothing was saved: "
               "export the hook (see docs/guide.md), or an init hook if the callbacks are registered there";
    if (Cases() == 0 && Skipped() > 0)
        return fmt::format(
            "VspConformancePreparePacket rejected every seed ({} cases skipped): no packet had state, "
            "so nothing was saved; make it accept any seed (read short seeds as zero-padded)",
            Skipped());
    if (Cases() == 0) return "no case ran";
    return "no packet with state was ever saved (VspConformancePreparePacket set *HasState = FALSE for every seed, "
           "or every save with state failed): the save contract was not tested";
}

RuleResult RunSummary::ResultOf(const Rule &rule) const {
    RuleResult r;
    r.exercised = evidence[rule.Index()];
    for (const Finding &f : findings)
        if (f.rule == rule.id) {
            r.outcome = rule.severity == Severity::Error ? RuleOutcome::Fail : RuleOutcome::Warn;
            return r;
        }
    if (!rule.AppliesTo(profile)) {
        r.outcome = RuleOutcome::NotApplicable;
        r.reason = fmt::format("checked under --profile strict only");
        return r;
    }
    if (!error.empty()) {
        r.reason = "the module could not be tested";
        return r;
    }
    if (rule.families == Migration && !migration) {
        r.outcome = RuleOutcome::Skipped;
        r.reason = "needs another build or its records: vspconform compat OLD NEW, or check --restore-corpus ARCHIVE";
        return r;
    }
    if (rule.id == RuleId::CP3 && migration && !(compat && compat->rollback)) {
        r.outcome = RuleOutcome::Skipped;
        r.reason = "a record archive stood in for the older build: a rollback needs the older module (compat OLD NEW)";
        return r;
    }
    if (command == CommandId::Compat && !(rule.families & Migration)) {
        r.outcome = RuleOutcome::NotApplicable;
        r.reason = "compat restores records across builds; vspconform check tests this rule";
        return r;
    }
    if (rule.side == RuleSide::Restore && loaded && !hooks.restore) {
        r.outcome = RuleOutcome::Skipped;
        r.reason = "the module has no restore callback";
        return r;
    }
    r.outcome = RuleOutcome::NotReached;
    if (!NothingTested().empty()) {
        // Stateless packets and hostile records may have exercised it, but a run that saved
        // no state (or did not finish its contract) tested nothing that counts: no rule passes in it.
        r.reason = incomplete.empty() ? "the run could not test the module: no packet with state was ever saved"
                                      : "the run did not finish the contract sweep";
        return r;
    }
    // A rule passes only when every case family that sets out to exercise it ran to its end:
    // evidence from the cases that did run is not the whole contract.
    if (time_cap_hit && (rule.families & cut_families)) {
        r.reason = fmt::format("the {} cut cases that exercise it",
                               interrupted ? std::string("interruption") : fmt::format("time cap ({:g} s)", max_time));
        return r;
    }
    if (r.exercised > 0) {
        r.outcome = RuleOutcome::Pass;
        return r;
    }
    if (Cases() == 0 && Skipped() > 0)
        r.reason = "VspConformancePreparePacket rejected every seed";
    else if (rule.needs == RuleNeeds::State && state_saves == 0)
        r.reason = hooks.prepare ? "no packet had state" : "the module exports no VspConformancePreparePacket";
    else if ((rule.id == RuleId::SP14 || rule.id == RuleId::RP5) &&
             evidence[RuleFor(RuleId::SP14).Index()] + evidence[RuleFor(RuleId::RP5).Index()] == 0)
        r.reason =
            "the module allocated no pool through WdkCompat.h (ExAllocatePool2, ExAllocatePoolWithTag, ...): "
            "there was no pool use to check";
    else
        r.reason = "no case of this run exercised it";
    return r;
}

std::string RunSummary::Verdict() const {
    if (!error.empty()) return "error";
    for (const Finding &f : findings)
        if (f.severity() == Severity::Error || warnings_as_errors) return "fail";
    if (!NothingTested().empty()) return "error";
    if (!incomplete.empty()) return "error";
    return "pass";
}

int RunSummary::ExitCode() const {
    std::string v = Verdict();
    return v == "pass" ? 0 : v == "fail" ? 1 : 2;
}

std::string CheckSourceRevision(const std::string &revision) {
    if (revision.size() > 200)
        return fmt::format("--source-revision is {} bytes long; at most 200 (a commit id, a tag, a build number)",
                           revision.size());
    for (unsigned char c : revision)
        if (c < 0x20 || c == 0x7F)
            return "--source-revision must be one line of printable text (it has a control character)";
    return {};
}

std::string_view RuleOutcomeName(RuleOutcome o) {
    switch (o) {
    case RuleOutcome::Pass: return "pass";
    case RuleOutcome::Fail: return "fail";
    case RuleOutcome::Warn: return "warn";
    case RuleOutcome::NotReached: return "not reached";
    case RuleOutcome::Skipped: return "skipped";
    case RuleOutcome::NotApplicable: return "not applicable";
    }
    return "?";
}

}  // namespace vspc
