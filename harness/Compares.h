// The narrow comparisons (1 and 2 bytes) an instrumented module makes, for input-to-state
// replacement. libFuzzer's table of recent compares keeps the 4- and 8-byte ones and its CMP
// mutator replaces them; its only guide through a 1- or 2-byte comparison is the value profile,
// whose per-execution scan of its feature map was a third of a coverage worker's time. Coverage
// builds run without the value profile, and these take its place for narrow comparisons: the
// module's hooks (CompareHooks.cpp, in the hosts) record the operands here, and the byte mutators
// (Mutate.cpp) replace a byte (or two, either byte order) equal to one operand with the other.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vspc {

struct NarrowCompare {
    uint16_t a = 0, b = 0;  // the operands; equal ones are not kept (that gate is already open)
    uint8_t size = 0;       // 1 or 2; 0: an empty slot
};

// Records a comparison the module made (called from the module's coverage hooks; no allocation).
void RecordNarrowCompare(uint16_t a, uint16_t b, uint8_t size);
// The table: kNarrowCompareSlots entries, a pair in the slot its operands hash to (so the same
// comparison does not flood it), the same in every run for the same executions.
constexpr size_t kNarrowCompareSlots = 256;
bool AnyNarrowCompare();
void ForgetNarrowCompares();  // tests

// Input-to-state: one recorded comparison, picked by `random`, whose one operand occurs in
// data[0, size) (a byte, or two bytes in either order) has that occurrence replaced with the
// other operand. False when no recorded operand occurs in the bytes (nothing changed).
bool ReplaceNarrowCompareOperand(uint8_t *data, size_t size, uint64_t random);

}  // namespace vspc
