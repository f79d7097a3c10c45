#include "Compares.h"

namespace vspc {
namespace {

NarrowCompare g_table[kNarrowCompareSlots];
bool g_any = false;

}  // namespace

void RecordNarrowCompare(uint16_t a, uint16_t b, uint8_t size) {
    if (a == b) return;
    uint32_t h = (static_cast<uint32_t>(a) * 0x9E3779B1u) ^ (static_cast<uint32_t>(b) * 0x85EBCA77u) ^ size;
    NarrowCompare &slot = g_table[(h >> 16) % kNarrowCompareSlots];
    slot.a = a;
    slot.b = b;
    slot.size = size;
    g_any = true;
}

bool AnyNarrowCompare() { return g_any; }

void ForgetNarrowCompares() {
    for (NarrowCompare &c : g_table) c = NarrowCompare{};
    g_any = false;
}

bool ReplaceNarrowCompareOperand(uint8_t *data, size_t size, uint64_t random) {
    if (!g_any || size == 0) return false;
    // From a random slot on, the first comparison with an operand in the bytes.
    const size_t first = random % kNarrowCompareSlots;
    random /= kNarrowCompareSlots;
    for (size_t k = 0; k < kNarrowCompareSlots; ++k) {
        const NarrowCompare &c = g_table[(first + k) % kNarrowCompareSlots];
        if (c.size == 0 || c.size > size) continue;
        // Either operand may be the input's: replace each's occurrences with the other.
        for (int flip = 0; flip < 2; ++flip) {
            const bool swap = (flip ^ (random & 1)) != 0;
            const uint16_t from = swap ? c.b : c.a, to = swap ? c.a : c.b;
            // The occurrences (a byte; two bytes little- or big-endian), one picked at random.
            size_t count = 0, pick_at = 0;
            bool pick_big = false;
            uint64_t r = random >> 1;
            for (size_t i = 0; i + c.size <= size; ++i) {
                for (int big = 0; big < (c.size == 2 ? 2 : 1); ++big) {
                    uint16_t v = c.size == 1 ? data[i]
                                 : big       ? static_cast<uint16_t>(data[i] << 8 | data[i + 1])
                                             : static_cast<uint16_t>(data[i + 1] << 8 | data[i]);
                    if (v != from) continue;
                    // Reservoir sampling: each occurrence equally likely, one pass.
                    ++count;
                    if (r % count == 0) {
                        pick_at = i;
                        pick_big = big != 0;
                    }
                    r = r * 6364136223846793005ull + 1442695040888963407ull;
                }
            }
            if (count == 0) continue;
            if (c.size == 1) {
                data[pick_at] = static_cast<uint8_t>(to);
            } else if (pick_big) {
                data[pick_at] = static_cast<uint8_t>(to >> 8);
                data[pick_at + 1] = static_cast<uint8_t>(to);
            } else {
                data[pick_at] = static_cast<uint8_t>(to);
                data[pick_at + 1] = static_cast<uint8_t>(to >> 8);
            }
            return true;
        }
    }
    return false;
}

}  // namespace vspc
