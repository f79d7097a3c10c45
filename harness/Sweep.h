// The deterministic sweep: the cases `check` always plays, the same for every
// module and every run with the same seed, in families (Rules.h CaseFamily).
// The same generators give the full contract for one packet state, which the
// coverage-guided stage plays for the states it promotes.
#pragma once

#include <cstdint>
#include <vector>

#include "Case.h"
#include "Rules.h"

namespace vspc {

// Seeds (packet states) the sweep tries: empty, short, long, structured.
std::vector<std::vector<uint8_t>> SweepSeeds(uint64_t seed);

struct PlannedCase {
    Case c;
    CaseFamily family;
};

// The sweep in the order it is played: the save contract and round trip of
// every state first, then interleaved packets, then the hostile restores (the
// costly part), so a run cut short has exercised every rule family it could.
std::vector<PlannedCase> SweepPlan(uint64_t seed);
std::vector<Case> SweepCases(uint64_t seed);
// The plan split into `chunks` contiguous ranges of about equal cost: chunk k is the cases
// [bounds[k], bounds[k+1]) (some may be empty).
std::vector<uint64_t> SweepChunkBounds(const std::vector<PlannedCase> &plan, size_t chunks);

// The full contract for one state: save contract, round trip, truncations up
// to the record's length, bit flips, arbitrary bytes, and the state in flight
// next to each of `partners` and next to itself.
std::vector<Case> StateCases(const std::vector<uint8_t> &state, const std::vector<std::vector<uint8_t>> &partners,
                             uint32_t record_len, uint64_t seed);

// The shapes the coverage-guided stage explores a state with: KMCL's pair into
// an exact-size buffer (`with_restore`: then a restore of the record).
Case ExploreCase(const std::vector<uint8_t> &state, bool with_restore);
// A restore of the given bytes as a hostile record (its mutations reach the
// version, magic and length checks of the module's parser).
Case ExploreRestoreCase(const std::vector<uint8_t> &state, const std::vector<uint8_t> &record);

// Compat: a record another build saved for `seed`, fed to this build's restore. The
// migration case (first) prepares the same seed, saves it, then restores the record as it
// is (the compat rules compare the two); the others (on a stateless packet) restore its
// truncations, bit flips and extensions (RP2-RP4: an old-layout path that trusts a length only shows with a corrupt
// old record).
std::vector<Case> MigrationCases(const std::vector<uint8_t> &seed, const std::vector<uint8_t> &record,
                                 uint64_t rng_seed);

}  // namespace vspc
