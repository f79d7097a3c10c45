// Structure-aware mutation for the coverage-guided stage: decode the case,
// mutate one part of it (a packet's state, a record given to restore, an op,
// the op list) with libFuzzer's own byte mutators where bytes are involved, so
// that comparison-guided replacements work inside a state or a record, and
// re-encode.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vspc {

enum class MutationMode : uint8_t {
    Cases,    // any case: states, ops, the op list, packets in flight
    Explore,  // the exploration tier's shape: 1..kMaxPackets packets in flight (mostly one), save pairs, restores
};

// The mode LLVMFuzzerCustomMutator uses (libFuzzer's hook is a global function).
void SetMutationMode(MutationMode mode);

// Mutates the encoded case in data[0, size) in place; returns the new size (<= max_size).
// `byte_mutate` mutates a byte range like LLVMFuzzerMutate (tests pass their own).
using ByteMutator = size_t (*)(uint8_t *data, size_t size, size_t max_size);
size_t MutateCase(uint8_t *data, size_t size, size_t max_size, unsigned int seed, MutationMode mode,
                  ByteMutator byte_mutate);

// A cross-over of two encoded cases into `out` (the first packet's state: a head
// of one, a tail of the other); most of the time just a mutation of the first.
size_t CrossOverCases(const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2, uint8_t *out,
                      size_t max_out, unsigned int seed, MutationMode mode, ByteMutator byte_mutate);

// Explore cases keep this shape: 1..kMaxPackets packets in flight, at most this many ops. Most
// inputs have one packet; a few have several, for bugs that need other packets in flight (the
// module's channel-wide state: queues, counts of outstanding requests).
constexpr size_t kMaxExploreOps = 3;

struct Case;
bool InExploreShape(const Case &c);
// Makes any case (libFuzzer's empty input, a plain byte mutation, a user's corpus file) an explore case.
void ShapeForExploration(Case &c);

}  // namespace vspc
