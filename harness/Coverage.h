// The module's own edge coverage, read from the inline 8-bit counters a
// coverage-instrumented module (-fsanitize=fuzzer-no-link) carries. libFuzzer
// clears them before each execution; after it, Observe() tells whether the
// execution reached an edge, or an edge as often (libFuzzer's hit-count
// buckets), that no execution before it reached.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "Module.h"

namespace vspc {

// The hit-count buckets (libFuzzer's) each of a set of 8-bit counters has reached so far.
class BucketSet {
public:
    // Adds what the counters show now; whether any counter reached a bucket it had not.
    bool Observe(const uint8_t *counters, size_t n);
    size_t reached() const { return reached_; }  // counters that were ever non-zero
    // Marks in `hit` (one byte per counter) the counters that were ever non-zero.
    void ReachedInto(std::vector<uint8_t> &hit) const;

private:
    std::vector<uint8_t> seen_;  // per counter: the buckets seen (bits)
    size_t reached_ = 0;
};

class ModuleCoverage {
public:
    // Finds the counters of the loaded module. False (and no coverage) for a
    // module that is not instrumented.
    bool Attach(const Module &module);
    size_t counters() const { return size_; }
    bool Observe();
    size_t edges_seen() const { return seen_.reached(); }

    // The module's PC table (-fsanitize-coverage=pc-table, part of fuzzer-no-link): per
    // counter, the file address of its block; `entry` (when set) gets 1 for a function's
    // entry block. Empty when the module has no table of the counters' length.
    std::vector<uint64_t> Pcs(std::vector<uint8_t> *entry) const;
    // Zeroes the counters (they are the module's; only between executions).
    void Clear();
    // Marks in `hit` (one byte per counter) the counters the executions since the last
    // Clear() reached, then clears them (8-bit counters wrap: read them often).
    void CollectInto(std::vector<uint8_t> &hit);
    // Marks in `hit` the counters any execution Observe() looked at reached.
    void ObservedInto(std::vector<uint8_t> &hit) const;

private:
    uint8_t *counters_ = nullptr;
    const uintptr_t *pcs_ = nullptr;  // pairs (pc, flags), as the module's loader relocated them
    size_t pcs_size_ = 0;             // pairs
    uintptr_t base_ = 0;              // the module's load bias
    size_t size_ = 0;
    BucketSet seen_;
};

}  // namespace vspc
