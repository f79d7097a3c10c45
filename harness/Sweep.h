// The deterministic sweep: the cases `check` always plays, the same for every
// module and every run with the same seed. They are also the fuzz stage's seed
// corpus.
#pragma once

#include <cstdint>
#include <vector>

#include "Case.h"

namespace vspc {

// Seeds (packet states) the sweep tries: empty, short, long, structured.
std::vector<std::vector<uint8_t>> SweepSeeds(uint64_t seed);

std::vector<Case> SweepCases(uint64_t seed);

}  // namespace vspc
