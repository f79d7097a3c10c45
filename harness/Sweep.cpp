#include "Sweep.h"

#include <algorithm>
#include <random>
#include <set>

namespace vspc {
namespace {

Op SaveOp(uint8_t packet, SizeKind kind, uint32_t value, Placement placement = Placement::Right, uint8_t fill = 2,
          bool null_buffer = false) {
    Op op;
    op.kind = OpKind::Save;
    op.packet = packet;
    op.size_kind = kind;
    op.size_value = value;
    op.placement = placement;
    op.fill = fill;
    op.null_buffer = null_buffer;
    return op;
}

Op Probe(uint8_t packet, bool null_buffer, Placement placement = Placement::Right) {
    return SaveOp(packet, SizeKind::Absolute, 0, placement, 3, null_buffer);
}

Op RestoreOp(uint8_t packet, Mutation mutation, uint32_t param, Placement placement, uint8_t other = 0) {
    Op op;
    op.kind = OpKind::Restore;
    op.packet = packet;
    op.mutation = mutation;
    op.param = param;
    op.placement = placement;
    op.other = other;
    return op;
}

Op RestoreBytesOp(std::vector<uint8_t> bytes, Placement placement) {
    Op op;
    op.kind = OpKind::RestoreBytes;
    op.placement = placement;
    op.bytes = std::move(bytes);
    return op;
}

Placement Alternate(uint32_t i) { return i % 2 ? Placement::Left : Placement::Right; }

// Every way a single packet's save can be called, in an order that makes the
// judge's attribution sharp: the baseline save is repeated unchanged before any
// parameter changes (SP12 before SP9), and probes follow saves.
Case ContractCase(const std::vector<uint8_t> &s) {
    const auto R = Placement::Right, L = Placement::Left;
    const auto Abs = SizeKind::Absolute, Plus = SizeKind::NPlus, Minus = SizeKind::NMinus;
    return Case{{s},
                {
                    Probe(0, true),      // KMCL's probe
                    Probe(0, false, R),  // non-NULL probes: nothing may be written
                    Probe(0, false, L),
                    SaveOp(0, Plus, 0, R, 2),  // exactly N: the baseline save
                    Probe(0, true),            // did the save change the state?
                    SaveOp(0, Plus, 0, R, 2),  // the same save again
                    SaveOp(0, Plus, 0, L, 7),  // other placement and prior contents
                    SaveOp(0, Plus, 0, R, 0),  // zeroed buffer
                    SaveOp(0, Plus, 0, R, 1),  // 0xFF buffer
                    SaveOp(0, Plus, 1, R, 9),  // N+1
                    SaveOp(0, Plus, 1, L, 10),
                    SaveOp(0, Plus, 7, L, 11),
                    SaveOp(0, Plus, 64, R, 12),
                    SaveOp(0, Abs, 4095, R, 13),  // page boundaries (undersized when N is larger)
                    SaveOp(0, Abs, 4096, L, 14),
                    SaveOp(0, Abs, 4097, R, 15),
                    SaveOp(0, Plus, 65536, R, 16),  // large
                    SaveOp(0, Minus, 1, R, 17),     // undersized (strict): N-1, 1, N/2
                    SaveOp(0, Abs, 1, L, 18),
                    SaveOp(0, SizeKind::NScaled, 128, R, 19),
                    Probe(0, true),
                    SaveOp(0, Plus, 0, R, 2),  // the baseline save, one last time
                }};
}

Case RoundTripCase(const std::vector<uint8_t> &s) {
    Case rt{{s}, {}};
    rt.ops.push_back(SaveOp(0, SizeKind::NPlus, 0, Placement::Right, 2));
    rt.ops.push_back(RestoreOp(0, Mutation::None, 0, Placement::Right));
    rt.ops.push_back(RestoreOp(0, Mutation::None, 0, Placement::Left));
    rt.ops.push_back(SaveOp(0, SizeKind::NPlus, 3, Placement::Left, 5));
    rt.ops.push_back(RestoreOp(0, Mutation::None, 0, Placement::Right));
    return rt;
}

// Every truncation (the runner skips the ones longer than the record).
Case TruncationCase(const std::vector<uint8_t> &s, uint32_t max_len) {
    Case trunc{{s}, {SaveOp(0, SizeKind::NPlus, 0, Placement::Right, 2)}};
    trunc.ops.reserve(max_len + 1);
    for (uint32_t len = 0; len < max_len; ++len)
        trunc.ops.push_back(RestoreOp(0, Mutation::Truncate, len, Alternate(len)));
    return trunc;
}

// Bit flips: every bit of the first 16 bytes (where headers, versions and lengths are), then a
// spread over the rest. (The exploration tier's record stages walk further.)
Case FlipCase(const std::vector<uint8_t> &s, uint32_t record_len, std::mt19937_64 &rng, bool build = true) {
    if (!build) {
        rng.discard(128);  // the draws below: every later entry keeps its case
        return Case{{s}, {}};
    }
    Case flips{{s}, {SaveOp(0, SizeKind::NPlus, 0, Placement::Right, 2)}};
    flips.ops.reserve(1 + 128 + 128 + 8);
    for (uint32_t bit = 0; bit < 128; ++bit) flips.ops.push_back(RestoreOp(0, Mutation::FlipBit, bit, Alternate(bit)));
    uint32_t span = std::max<uint32_t>(1, record_len * 8 > 128 ? record_len * 8 - 128 : 1);
    for (uint32_t k = 0; k < 128; ++k)
        flips.ops.push_back(RestoreOp(0, Mutation::FlipBit, 128 + static_cast<uint32_t>(rng() % span), Alternate(k)));
    for (uint32_t k = 0; k < 8; ++k) flips.ops.push_back(RestoreOp(0, Mutation::Extend, k * 9, Alternate(k)));
    return flips;
}

// Arbitrary bytes, some shaped like the module's own header.
Case JunkCase(const std::vector<uint8_t> &s, std::mt19937_64 &rng) {
    Case junk{{s}, {}};
    for (uint32_t k = 0; k < 24; ++k) {
        std::vector<uint8_t> bytes(rng() % (k < 12 ? 16 : 600));
        for (auto &b : bytes) b = static_cast<uint8_t>(k % 3 == 0 ? 0xFF : rng());
        junk.ops.push_back(RestoreBytesOp(std::move(bytes), Alternate(k)));
    }
    return junk;
}

Case InterleaveCase(const std::vector<uint8_t> &a, const std::vector<uint8_t> &b, const std::vector<uint8_t> &c) {
    Case multi{{a, b, c}, {}};
    multi.ops = {Probe(0, true),
                 Probe(1, true),
                 Probe(2, true),
                 SaveOp(1, SizeKind::NPlus, 0, Placement::Right, 2),
                 SaveOp(0, SizeKind::NPlus, 0, Placement::Right, 2),
                 Probe(2, false, Placement::Left),
                 SaveOp(2, SizeKind::NPlus, 0, Placement::Right, 2),
                 SaveOp(0, SizeKind::NPlus, 5, Placement::Left, 6),
                 Probe(1, true),
                 SaveOp(1, SizeKind::NPlus, 0, Placement::Right, 2),
                 RestoreOp(0, Mutation::None, 0, Placement::Right),
                 RestoreOp(1, Mutation::Splice, 7, Placement::Left, 0),
                 RestoreOp(2, Mutation::Splice, 3, Placement::Right, 1)};
    return multi;
}

Case SameStateCase(const std::vector<uint8_t> &a) {
    return Case{{a, a},
                {Probe(1, true), Probe(0, true), SaveOp(0, SizeKind::NPlus, 0, Placement::Right, 2),
                 SaveOp(1, SizeKind::NPlus, 0, Placement::Right, 2)}};
}

constexpr uint32_t kSweepTruncations = 1024;  // records are at most a few KiB; the op count caps it

// ---- The record-field stage (RecordFieldCases) ----

constexpr size_t kFieldSpan = 64;    // fields are changed in the record's first 64 bytes
constexpr size_t kVersionSpan = 16;  // version-like fields are looked for in its first 16
constexpr uint64_t kVersionMax = 16;

struct Field {
    uint32_t offset;
    uint32_t width;  // 1, 2 or 4 bytes, little-endian, aligned
};

uint64_t Mask(uint32_t width) { return (uint64_t{1} << (8 * width)) - 1; }
uint64_t TopBit(uint32_t width) { return uint64_t{1} << (8 * width - 1); }
bool Overlap(Field a, Field b) { return a.offset < b.offset + b.width && b.offset < a.offset + a.width; }

uint64_t GetField(const std::vector<uint8_t> &b, Field f) {
    uint64_t v = 0;
    for (uint32_t i = f.width; i-- > 0;) v = v << 8 | b[f.offset + i];
    return v;
}

void PutField(std::vector<uint8_t> &b, Field f, uint64_t v) {
    for (uint32_t i = 0; i < f.width; ++i) b[f.offset + i] = static_cast<uint8_t>(v >> (8 * i));
}

// Every aligned field of 1, 2 and 4 bytes inside the first `span` bytes of an n-byte record.
std::vector<Field> FieldsOf(size_t n, size_t span) {
    std::vector<Field> out;
    const size_t end = std::min(n, span);
    for (uint32_t w : {1u, 2u, 4u})
        for (uint32_t off = 0; off + w <= end; off += w) out.push_back({off, w});
    return out;
}

// The mutated records, each once (and never the record itself), up to a limit.
class FieldMutations {
public:
    FieldMutations(const std::vector<uint8_t> &record, size_t limit) : record_(record), limit_(limit) {
        seen_.insert(record);
    }
    bool Full() const { return out_.size() >= limit_; }
    // The record with these fields set; a value wider than its field is not tried.
    void Add(std::initializer_list<std::pair<Field, uint64_t>> changes) {
        if (Full()) return;
        std::vector<uint8_t> b = record_;
        for (const auto &[f, v] : changes) {
            if (v > Mask(f.width)) return;
            PutField(b, f, v);
        }
        if (seen_.insert(b).second) out_.push_back(std::move(b));
    }
    std::vector<std::vector<uint8_t>> &records() { return out_; }

private:
    const std::vector<uint8_t> &record_;
    size_t limit_;
    std::set<std::vector<uint8_t>> seen_;
    std::vector<std::vector<uint8_t>> out_;
};

}  // namespace

std::vector<std::vector<uint8_t>> SweepSeeds(uint64_t seed) {
    std::vector<std::vector<uint8_t>> seeds;
    seeds.push_back({});
    seeds.push_back({0x00});
    seeds.push_back({0xFF});
    seeds.push_back(std::vector<uint8_t>(16, 0x00));
    seeds.push_back(std::vector<uint8_t>(16, 0xFF));
    std::vector<uint8_t> ascending(64);
    for (size_t i = 0; i < ascending.size(); ++i) ascending[i] = static_cast<uint8_t>(i);
    seeds.push_back(ascending);
    std::mt19937_64 rng(seed);
    for (size_t len : {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256}) {
        for (int k = 0; k < 2; ++k) {
            std::vector<uint8_t> s(len);
            for (auto &b : s) b = static_cast<uint8_t>(rng());
            seeds.push_back(std::move(s));
        }
    }
    return seeds;
}

std::vector<PlannedCase> SweepPlan(uint64_t seed) { return SweepPlan(seed, 0, UINT64_MAX); }

std::vector<PlannedCase> SweepPlan(uint64_t seed, uint64_t begin, uint64_t end) {
    std::vector<PlannedCase> plan;
    const auto wanted = [&] { return plan.size() >= begin && plan.size() < end; };  // the next entry
    const auto seeds = SweepSeeds(seed);
    for (const auto &s : seeds) {
        plan.push_back({ContractCase(s), Contract});
        plan.push_back({RoundTripCase(s), RoundTrip});
    }
    for (size_t i = 0; i + 1 < seeds.size(); i += 3) {
        plan.push_back({InterleaveCase(seeds[i], seeds[i + 1], seeds[(i + 2) % seeds.size()]), Interleave});
        plan.push_back({SameStateCase(seeds[i]), Interleave});
    }
    std::mt19937_64 rng(seed ^ 0x5EEDu);
    for (size_t si = 0; si < seeds.size(); ++si) {
        const auto &s = seeds[si];
        plan.push_back({wanted() ? TruncationCase(s, kSweepTruncations) : Case{{s}, {}}, Hostile});
        plan.push_back({FlipCase(s, 4096, rng, wanted()), Hostile});
        if (si % 4 == 0) plan.push_back({JunkCase(s, rng), Hostile});
    }
    // Last (new entries go at the end, so every earlier index keeps its case): the records the
    // module saves, their fields mutated (the worker expands these entries). One entry per part
    // and state, parts outermost: every chunk gets a share of every state's record (a module may
    // save a record for one of them only), and a death costs one part only.
    const auto states = RecordFieldStates(seed);
    for (uint32_t part = 0; part < kRecordFieldParts; ++part)
        for (const auto &s : states) plan.push_back({ExploreCase(s, false), Hostile, Expand::RecordFields, part});
    return plan;
}

std::vector<std::vector<uint8_t>> RecordFieldStates(uint64_t seed) {
    const auto seeds = SweepSeeds(seed);
    std::vector<std::vector<uint8_t>> out = {seeds[3], seeds[4], seeds[5]};  // 16 x 00, 16 x FF, ascending
    for (size_t i = 6; i < seeds.size(); ++i)
        if (seeds[i].size() == 64) {
            out.push_back(seeds[i]);
            break;
        }
    return out;
}

std::vector<Case> RecordFieldCases(const std::vector<uint8_t> &state, const std::vector<uint8_t> &record) {
    const size_t n = record.size();
    const size_t limit = n == 0 || n > kMaxRestoreBytes ? 0 : std::min<size_t>(kRecordFieldOps, kRecordFieldBytes / n);
    FieldMutations m(record, limit);
    const std::vector<Field> fields = FieldsOf(n, kFieldSpan);
    // Single fields.
    for (const Field f : fields) {
        const uint64_t v = GetField(record, f), mask = Mask(f.width), top = TopBit(f.width);
        for (uint64_t x : {uint64_t{0}, uint64_t{1}, uint64_t{2}, (v - 1) & mask, (v + 1) & mask, mask, uint64_t{n},
                           uint64_t{n + 1}, uint64_t{n - 1}, top, top - 1})
            m.Add({{f, x}});
        if (f.width > 1) m.Add({{f, n - f.offset}});  // a length that reaches exactly the end
    }
    // Pairs: a version-like field lowered (or raised by one) and another field at a boundary. The
    // most likely older version (value - 1) of every such field first, then value + 1, then lower.
    std::vector<std::pair<Field, uint64_t>> versions;
    for (const Field f : FieldsOf(n, kVersionSpan))
        if (uint64_t v = GetField(record, f); v >= 1 && v <= kVersionMax) versions.push_back({f, v});
    for (uint64_t rank = 0; rank <= kVersionMax && !m.Full(); ++rank)
        for (const auto &[vf, v] : versions) {
            if (rank >= 2 && rank > v) continue;
            const uint64_t older = rank == 0 ? v - 1 : rank == 1 ? v + 1 : v - rank;
            for (const Field g : fields) {
                if (Overlap(vf, g)) continue;
                const uint64_t top = TopBit(g.width);
                for (uint64_t x : {Mask(g.width), uint64_t{n}, uint64_t{n + 1}, top - 1, top})
                    m.Add({{vf, older}, {g, x}});
            }
        }
    // Split into the fixed number of parts, in order; placements alternate over the whole stage.
    std::vector<std::vector<uint8_t>> &records = m.records();
    std::vector<Case> cases(kRecordFieldParts, Case{{state}, {}});
    const size_t total = records.size();
    for (size_t k = 0; k < kRecordFieldParts; ++k)
        for (size_t i = k * total / kRecordFieldParts; i < (k + 1) * total / kRecordFieldParts; ++i)
            cases[k].ops.push_back(RestoreBytesOp(std::move(records[i]), Alternate(static_cast<uint32_t>(i))));
    return cases;
}

std::vector<uint64_t> SweepChunkBounds(const std::vector<PlannedCase> &plan, size_t chunks) {
    // A case costs about what its ops do (a hostile restore case has hundreds; a contract case a
    // few; a record-field entry what its stage is estimated to play), so chunks of equal total
    // ops finish together.
    uint64_t total = 0;
    for (const PlannedCase &p : plan) total += p.Cost();
    std::vector<uint64_t> bounds{0};
    uint64_t sum = 0;
    for (size_t i = 0; i < plan.size(); ++i) {
        sum += plan[i].Cost();
        while (bounds.size() < chunks && sum * chunks >= total * bounds.size()) bounds.push_back(i + 1);
    }
    while (bounds.size() <= chunks) bounds.push_back(plan.size());
    bounds.back() = plan.size();
    return bounds;
}

std::vector<Case> SweepCases(uint64_t seed) {
    std::vector<Case> cases;
    for (auto &p : SweepPlan(seed)) cases.push_back(std::move(p.c));
    return cases;
}

std::vector<Case> StateCases(const std::vector<uint8_t> &state, const std::vector<std::vector<uint8_t>> &partners,
                             uint32_t record_len, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<Case> cases;
    cases.push_back(ContractCase(state));
    cases.push_back(RoundTripCase(state));
    cases.push_back(TruncationCase(state, std::min<uint32_t>(record_len, kSweepTruncations)));
    cases.push_back(FlipCase(state, record_len, rng));
    cases.push_back(JunkCase(state, rng));
    for (size_t i = 0; i + 1 < partners.size(); i += 2)
        cases.push_back(InterleaveCase(state, partners[i], partners[i + 1]));
    cases.push_back(SameStateCase(state));
    return cases;
}

Case ExploreCase(const std::vector<uint8_t> &state, bool with_restore) {
    Case c{{state}, {SaveOp(0, SizeKind::NPlus, 0, Placement::Right, 2)}};
    if (with_restore) c.ops.push_back(RestoreOp(0, Mutation::None, 0, Placement::Right));
    return c;
}

Case ExploreRestoreCase(const std::vector<uint8_t> &state, const std::vector<uint8_t> &record) {
    return Case{{state}, {RestoreBytesOp(record, Placement::Right)}};
}

}  // namespace vspc

namespace vspc {

std::vector<Case> MigrationCases(const std::vector<uint8_t> &seed, const std::vector<uint8_t> &record,
                                 uint64_t rng_seed) {
    std::mt19937_64 rng(rng_seed);
    std::vector<Case> cases;
    cases.push_back(Case{{seed},
                         {SaveOp(0, SizeKind::NPlus, 0, Placement::Right, 2), RestoreBytesOp(record, Placement::Right),
                          RestoreBytesOp(record, Placement::Left)}});
    const uint32_t len = static_cast<uint32_t>(record.size());
    auto variant = [](std::vector<uint8_t> bytes, uint32_t k) {
        return RestoreBytesOp(std::move(bytes), Alternate(k));
    };
    // Truncations: every length up to 256, then a spread (keeps the case under a few 100 KiB).
    Case trunc{{{}}, {}};
    for (uint32_t n = 0; n < len && n < 256; ++n) trunc.ops.push_back(variant({record.begin(), record.begin() + n}, n));
    for (uint32_t k = 0; len > 256 && k < 64; ++k) {
        uint32_t n = 256 + static_cast<uint32_t>(rng() % (len - 256));
        trunc.ops.push_back(variant({record.begin(), record.begin() + n}, k));
    }
    if (!trunc.ops.empty()) cases.push_back(std::move(trunc));
    // Bit flips: every bit of the first 32 bytes (headers: versions, lengths), then a spread.
    Case flips{{{}}, {}};
    for (uint32_t bit = 0; bit < std::min<uint32_t>(256, len * 8); ++bit) {
        std::vector<uint8_t> b = record;
        b[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        flips.ops.push_back(variant(std::move(b), bit));
    }
    for (uint32_t k = 0; len > 32 && k < 128; ++k) {
        uint32_t bit = 256 + static_cast<uint32_t>(rng() % (len * 8 - 256));
        std::vector<uint8_t> b = record;
        b[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        flips.ops.push_back(variant(std::move(b), k));
    }
    // Extensions: bytes past the record's end.
    for (uint32_t k = 0; k < 8; ++k) {
        std::vector<uint8_t> b = record;
        for (uint32_t i = 0; i <= k * 9; ++i) b.push_back(FillByte(static_cast<uint8_t>(k + 2), i));
        flips.ops.push_back(variant(std::move(b), k));
    }
    cases.push_back(std::move(flips));
    return cases;
}

}  // namespace vspc
