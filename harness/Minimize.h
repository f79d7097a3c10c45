// Minimization of a reproducer: the smallest case (fewer packets and ops,
// shorter seeds and records, plainer sizes) that still breaks the same rule
// with the same signature. The order of candidates is fixed, so a minimization
// that a death interrupted can be resumed on the same path (see `reject`).
#pragma once

#include <cstdint>
#include <functional>
#include <set>

#include "Case.h"

namespace vspc {

struct MinimizeLimits {
    uint64_t max_tries = 4000;  // candidates played at most
    // Candidates (numbered from 0 since the last accepted one) that are taken
    // as not failing without being played: they killed an earlier worker with
    // another signature.
    std::set<uint64_t> reject;
};

struct MinimizeResult {
    Case best;
    uint64_t tries = 0;     // candidates played
    uint64_t accepted = 0;  // of them, still failing (each made the case smaller)
};

// `fails(candidate, number)` plays a candidate (number: since the last accepted
// one) and says whether it still shows the finding. `accepted(best)` is told
// about every new best case as soon as it is found. `c` itself is not played.
MinimizeResult MinimizeCase(const Case &c, const std::function<bool(const Case &, uint64_t)> &fails,
                            const MinimizeLimits &limits, const std::function<void(const Case &)> &accepted = {});

// A case's size for minimization: its encoded length.
size_t CaseWeight(const Case &c);

}  // namespace vspc
