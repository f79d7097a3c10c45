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

// How the worker plays an entry of the plan. RecordFields: its case (KMCL's pair for one state) is
// played, then the record that save wrote is mutated field by field (RecordFieldCases) and part
// `part` of those mutations restored, as one more case. Records exist only at run time; the plan
// says where they are expanded and what that costs, so that it stays the same for every run.
enum class Expand : uint8_t { None, RecordFields };

// The record-field stage, per state: at most kRecordFieldOps restores (in kRecordFieldParts cases
// of at most 512) and kRecordFieldBytes of mutated records (a big record gets fewer restores, so a
// case stays well under what a worker's status block publishes of it).
constexpr uint32_t kRecordFieldParts = 8;
constexpr uint32_t kRecordFieldOps = 4096;
constexpr size_t kRecordFieldBytes = 2u << 20;
// What the stage is estimated to cost per state, in ops (SweepChunkBounds): its restores, many of
// them followed by a save of the packet they restored (a mutated record is often accepted).
constexpr uint32_t kRecordFieldCost = 2 * kRecordFieldOps;

struct PlannedCase {
    Case c;
    CaseFamily family;
    Expand expand = Expand::None;
    uint32_t part = 0;  // RecordFields: which of the kRecordFieldParts cases

    // The cases the worker plays for this entry (counted as the sweep's planned cases).
    uint64_t Cases() const { return expand == Expand::RecordFields ? 2 : 1; }
    // Its estimated cost, in ops.
    uint64_t Cost() const {
        return c.ops.size() + 1 + (expand == Expand::RecordFields ? kRecordFieldCost / kRecordFieldParts : 0);
    }
};

// The sweep in the order it is played: the save contract and round trip of
// every state first, then interleaved packets, then the hostile restores (the
// costly part), so a run cut short has exercised every rule family it could.
std::vector<PlannedCase> SweepPlan(uint64_t seed);
// The same plan with only the entries [begin, end) built in full: the others keep their seeds,
// family and part but no ops (a worker plays one chunk; the hostile restores of the whole plan
// take megabytes and a few milliseconds at every worker start).
std::vector<PlannedCase> SweepPlan(uint64_t seed, uint64_t begin, uint64_t end);
std::vector<Case> SweepCases(uint64_t seed);
// The plan split into `chunks` contiguous ranges of about equal cost: chunk k is the cases
// [bounds[k], bounds[k+1]) (some may be empty).
std::vector<uint64_t> SweepChunkBounds(const std::vector<PlannedCase> &plan, size_t chunks);

// The record-field stage for `state`, whose save wrote `record`: restores of the record with
// fields of its first 64 bytes changed, always kRecordFieldParts cases (on a packet prepared with
// `state`; without a record they are empty). Single fields first: every aligned 1-, 2- and 4-byte
// little-endian field set to boundary values (0, 1, 2, its value +-1, all ones, the record's size
// and +-1, the top bit, the largest signed value, the size less the field's offset). Then pairs:
// every "version-like" field (1..16 in the first 16 bytes) set to each smaller value and its
// value + 1, with one other field at a boundary: an older layout's parser reached with a length
// it trusts. Duplicates are dropped; placements alternate Right and Left. Deterministic: a
// function of its arguments alone.
std::vector<Case> RecordFieldCases(const std::vector<uint8_t> &state, const std::vector<uint8_t> &record);
// The states the record-field stage mutates the records of: 16 x 00, 16 x FF, 64 ascending bytes
// and the sweep's first 64-byte pseudo-random state.
std::vector<std::vector<uint8_t>> RecordFieldStates(uint64_t seed);

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
