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

class ModuleCoverage {
public:
    // Finds the counters of the loaded module. False (and no coverage) for a
    // module that is not instrumented.
    bool Attach(const Module &module);
    size_t counters() const { return size_; }
    bool Observe();
    size_t edges_seen() const { return edges_seen_; }

private:
    const uint8_t *counters_ = nullptr;
    size_t size_ = 0;
    std::vector<uint8_t> seen_;  // per counter: the hit-count buckets seen so far (bits)
    size_t edges_seen_ = 0;
};

}  // namespace vspc
