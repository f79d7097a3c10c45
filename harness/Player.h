// Plays cases and judges them: the Runner and the Judge together, with the
// findings of one player deduplicated (a finding is reported once, its repeats
// counted) and, in a worker, the case published to the status block first so
// that a death can be attributed to it. Every front-end plays cases through it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "Finding.h"
#include "Judge.h"
#include "Runner.h"

namespace vspc {

class Player {
public:
    static constexpr uint32_t kKnownOverrunGap = 256;

    Player(const Module &module, Kmcl &kmcl, SharedStatus *status = nullptr)
        : runner_(module, kmcl, status), status_(status) {}

    // Plays one case; findings this player has not reported before are appended
    // to `fresh`, with stage and reproducer. `index` is published as the case index.
    void Play(const Case &c, Profile profile, Stage stage, uint64_t index, std::vector<Finding> &fresh);
    void Play(const uint8_t *data, size_t size, Profile profile, Stage stage, uint64_t index,
              std::vector<Finding> &fresh);
    // The same, for a case whose encoding the caller has (EncodeCase(c) == bytes).
    void PlayEncoded(const Case &c, const uint8_t *bytes, size_t size, Profile profile, Stage stage, uint64_t index,
                     std::vector<Finding> &fresh);

    // Plays `c` (published as case `index`, for attribution) and tells whether it shows a
    // finding with `key`; `out`, when set, gets it, with its reproducer. Nothing is counted
    // or deduplicated: minimization plays the same finding again and again.
    bool Shows(const Case &c, Profile profile, const std::string &key, uint64_t index, Finding *out = nullptr);

    // Compat: the cases played from now on restore another build's records; their findings
    // carry `info`. With `migration`, they are migration cases (a save, then a restore of the
    // other build's record of the same seed, unmutated), judged by the compat rules too.
    // nullopt: ordinary cases.
    void SetCompat(std::optional<CompatInfo> info, bool migration = false) {
        compat_ = std::move(info);
        migration_ = compat_ && migration;
    }

    Runner &runner() { return runner_; }
    const CaseLog &log() const { return log_; }
    // Occurrences beyond the first, per finding key.
    const std::map<std::string, uint64_t> &repeats() const { return repeats_; }
    const Evidence &evidence() const { return evidence_; }
    uint64_t calls() const { return calls_; }
    // What this player counted, in the worker's own memory (the done message carries it).
    uint64_t cases_run() const { return cases_run_; }
    uint64_t cases_skipped() const { return cases_skipped_; }
    uint64_t state_saves() const { return state_saves_; }

private:
    void Publish(const uint8_t *data, size_t size, uint64_t index);
    void Judge(const Case &c, Profile profile, Stage stage, std::vector<Finding> &fresh);

    Runner runner_;
    SharedStatus *status_;
    CaseLog log_;
    Case case_;
    std::vector<uint8_t> encoded_;
    std::vector<Finding> found_;
    std::set<std::string> reported_;
    std::map<std::string, uint64_t> repeats_;
    Evidence evidence_{}, scratch_{};
    std::optional<CompatInfo> compat_;
    bool migration_ = false;
    uint64_t calls_ = 0;
    uint64_t cases_run_ = 0, cases_skipped_ = 0, state_saves_ = 0;
};

}  // namespace vspc
