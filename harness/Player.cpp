#include "Player.h"

#include <algorithm>
#include <cstring>

namespace vspc {

void Player::Publish(const uint8_t *data, size_t size, uint64_t index) {
    if (SharedStatus *s = status_) {
        s->case_index.store(index, std::memory_order_relaxed);
        size_t n = std::min<size_t>(size, kSharedCaseCapacity);
        std::memcpy(s->case_bytes, data, n);
        s->case_size.store(static_cast<uint32_t>(n), std::memory_order_relaxed);
    }
}

void Player::Play(const uint8_t *data, size_t size, Profile profile, Stage stage, uint64_t index,
                  std::vector<Finding> &fresh) {
    DecodeCase(data, size, case_);
    PlayEncoded(case_, data, size, profile, stage, index, fresh);
}

void Player::Play(const Case &c, Profile profile, Stage stage, uint64_t index, std::vector<Finding> &fresh) {
    encoded_ = EncodeCase(c);
    PlayEncoded(c, encoded_.data(), encoded_.size(), profile, stage, index, fresh);
}

void Player::PlayEncoded(const Case &c, const uint8_t *bytes, size_t size, Profile profile, Stage stage, uint64_t index,
                         std::vector<Finding> &fresh) {
    Publish(bytes, size, index);
    runner_.Run(c, profile, log_);
    Judge(c, profile, stage, fresh);
}

bool Player::Shows(const Case &c, Profile profile, const std::string &key, uint64_t index, Finding *out) {
    encoded_ = EncodeCase(c);
    Publish(encoded_.data(), encoded_.size(), index);
    runner_.Run(c, profile, log_);
    found_.clear();
    scratch_.fill(0);
    JudgeCase(log_, profile, found_, scratch_);
    for (Finding &f : found_) {
        if (compat_) f.compat = compat_;  // a compat finding's key names its direction
        if (f.Key() != key) continue;
        if (out) {
            f.profile = profile;
            f.reproducer = ReproducerFor(c, f.op_index);
            *out = std::move(f);
        }
        return true;
    }
    return false;
}

void Player::Judge(const Case &c, Profile profile, Stage stage, std::vector<Finding> &fresh) {
    calls_ += log_.calls.size();
    ++(log_.skipped ? cases_skipped_ : cases_run_);
    state_saves_ += log_.state_saves;
    if (SharedStatus *s = status_) {
        WorkerCounters &c = s->counters;
        (log_.skipped ? c.cases_skipped : c.cases_run).Add(1);
        if (log_.cut) c.cases_cut.Add(1);
        if (log_.capped) c.cases_capped.Add(1);
        if (log_.state_saves) c.state_saves.Add(log_.state_saves);
    }
    found_.clear();
    scratch_.fill(0);
    JudgeCase(log_, profile, found_, scratch_);
    if (migration_) JudgeMigration(log_, compat_->direction, found_, scratch_);
    for (size_t i = 0; i < scratch_.size(); ++i) {
        if (!scratch_[i]) continue;
        evidence_[i] += scratch_[i];
        if (status_) status_->counters.evidence[i].Add(scratch_[i]);
    }
    for (Finding &f : found_) {
        if (compat_) f.compat = compat_;
        std::string key = f.Key();
        if (!reported_.insert(key).second) {
            ++repeats_[key];
            continue;
        }
        f.stage = stage;
        f.profile = profile;
        f.reproducer = ReproducerFor(c, f.op_index);
        // A module that overruns SaveBuf tends to do so on most states: from now on
        // see it through a canary gap rather than a fault (and a recovery) per call.
        if (f.location && f.location->region == FaultRegion::SaveBuf && DirectionOf(*f.location) == "overrun")
            runner_.SetSaveBufGap(kKnownOverrunGap);
        fresh.push_back(std::move(f));
    }
}

}  // namespace vspc
