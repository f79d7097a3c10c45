#include "Behaviour.h"

#include <bit>

namespace vspc {
namespace {

constexpr size_t kCounters = 128;

// libFuzzer reads every byte of this section as a coverage counter.
__attribute__((section("__libfuzzer_extra_counters"), used)) uint8_t g_counters[kCounters];

inline void Bump(size_t i) {
    uint8_t &c = g_counters[i % kCounters];
    if (c != 255) ++c;
}

// A status as a small class: success, the two buffer-size codes, or the failure code itself (hashed).
inline size_t StatusClass(NtStatus s) {
    if (NtSuccess(s)) return s == 0 ? 0 : 1;
    if (s == kStatusBufferTooSmall) return 2;
    if (s == kStatusBufferOverflow) return 3;
    return 4 + (static_cast<uint32_t>(s) * 2654435761u >> 28);  // 4..19
}

}  // namespace

const uint8_t *BehaviourCounters() { return g_counters; }
size_t BehaviourCounterCount() { return kCounters; }

void NoteBehaviour(const CaseLog &log) {
    for (const CallRecord &c : log.calls) {
        switch (c.callback) {
        case Callback::Save: {
            size_t base = c.size == 0 ? 0 : 24;  // probes, then sized saves
            Bump(base + StatusClass(c.status));
            if (c.bytes_needed_written)  // the size asked for, by order of magnitude
                Bump(48 + (c.bytes_needed ? std::bit_width(c.bytes_needed) : 0) % 24);
            if (c.fault.found || c.stray_save.found || c.stray_bytes_needed.found) Bump(72);
            break;
        }
        case Callback::Restore:
            Bump(80 + StatusClass(c.status));
            if (c.restored_packet >= 0) Bump(100);
            if (c.fault.found) Bump(101 + static_cast<size_t>(c.fault.access));
            break;
        case Callback::Prepare: Bump(104 + StatusClass(c.status) % 4 + (c.bytes_needed ? 4 : 0)); break;
        default: break;
        }
    }
}

}  // namespace vspc
