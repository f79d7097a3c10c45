// The case format: one encoding for sweep cases, fuzz inputs, corpus files and
// reproducers. Decoding is total and Encode is canonical.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "Case.h"
#include "Shared.h"
#include "Sweep.h"

namespace vspc {

// Readable failure output for gtest.
void PrintTo(const Op &op, std::ostream *os) {
    *os << "{kind " << int(op.kind) << " packet " << int(op.packet) << " placement " << int(op.placement) << " size "
        << DescribeSize(op.size_kind, op.size_value) << " null " << op.null_buffer << " fill " << int(op.fill)
        << " mutation " << int(op.mutation) << " param " << op.param << " other " << int(op.other) << " bytes "
        << op.bytes.size() << "}";
}

void PrintTo(const Case &c, std::ostream *os) {
    *os << "Case{" << c.seeds.size() << " seeds (";
    for (const auto &s : c.seeds) *os << s.size() << " ";
    *os << "bytes), " << c.ops.size() << " ops}";
}

namespace {

std::vector<uint8_t> RandomBytes(std::mt19937_64 &rng, size_t max_len) {
    std::uniform_int_distribution<size_t> len(0, max_len);
    std::vector<uint8_t> out(len(rng));
    for (auto &b : out) b = static_cast<uint8_t>(rng());
    return out;
}

// A random case whose every field is in the encodable range, so that it must
// come back exactly.
Case RandomValidCase(std::mt19937_64 &rng) {
    auto pick = [&](uint64_t n) { return static_cast<uint32_t>(rng() % n); };
    Case c;
    c.seeds.resize(1 + pick(kMaxPackets));
    for (auto &s : c.seeds) {
        s.resize(pick(2) ? pick(64) : pick(kMaxSeedSize + 1));
        for (auto &b : s) b = static_cast<uint8_t>(rng());
    }
    const uint32_t packets = static_cast<uint32_t>(c.seeds.size());
    size_t ops = pick(40);
    for (size_t i = 0; i < ops; ++i) {
        Op op;
        op.kind = static_cast<OpKind>(pick(3));
        op.placement = pick(2) ? Placement::Left : Placement::Right;
        switch (op.kind) {
        case OpKind::Save:
            op.packet = static_cast<uint8_t>(pick(packets));
            op.size_kind = static_cast<SizeKind>(pick(4));
            op.size_value = pick((op.size_kind == SizeKind::NScaled ? kMaxScale : kMaxSizeValue) + 1);
            op.null_buffer = pick(2);
            op.fill = static_cast<uint8_t>(rng());
            break;
        case OpKind::Restore:
            op.packet = static_cast<uint8_t>(pick(packets));
            op.mutation = static_cast<Mutation>(pick(5));
            op.param = pick(4) == 0 ? static_cast<uint32_t>(rng()) : pick(300);
            op.other = static_cast<uint8_t>(pick(packets));
            break;
        case OpKind::RestoreBytes:
            op.bytes.resize(pick(3) == 0 ? pick(kMaxRestoreBytes + 1) : pick(100));
            for (auto &b : op.bytes) b = static_cast<uint8_t>(rng());
            break;
        }
        c.ops.push_back(std::move(op));
    }
    return c;
}

TEST(CaseFormat, SweepCasesRoundTrip) {
    const auto cases = SweepCases(1);
    ASSERT_FALSE(cases.empty());
    for (size_t i = 0; i < cases.size(); ++i) {
        const auto bytes = EncodeCase(cases[i]);
        const Case back = DecodeCase(bytes);
        EXPECT_EQ(back, cases[i]) << "sweep case " << i;
        EXPECT_EQ(EncodeCase(back), bytes) << "sweep case " << i;
    }
}

TEST(CaseFormat, SweepIsDeterministic) {
    const auto a = SweepCases(1), b = SweepCases(1);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "sweep case " << i;
}

TEST(CaseFormat, ValidCasesRoundTrip) {
    std::mt19937_64 rng(0xC0FFEE);
    for (int i = 0; i < 3000; ++i) {
        const Case c = RandomValidCase(rng);
        const auto bytes = EncodeCase(c);
        ASSERT_EQ(DecodeCase(bytes), c) << "iteration " << i;
    }
}

TEST(CaseFormat, DecodeOfRandomBytesIsCanonical) {
    std::mt19937_64 rng(42);
    for (int i = 0; i < 20000; ++i) {
        const auto input = RandomBytes(rng, i % 10 == 0 ? 4096 : 256);
        const Case first = DecodeCase(input);
        ASSERT_GE(first.seeds.size(), 1u);
        ASSERT_LE(first.seeds.size(), kMaxPackets);
        const auto encoded = EncodeCase(first);
        const Case second = DecodeCase(encoded);
        ASSERT_EQ(second, first) << "iteration " << i << ", input of " << input.size() << " bytes";
        ASSERT_EQ(EncodeCase(second), encoded) << "iteration " << i;
    }
}

// Every byte string decodes to a case whose fields are in range: the runner
// may index with them without checking.
TEST(CaseFormat, DecodingIsTotalAndInRange) {
    std::mt19937_64 rng(7);
    std::vector<std::vector<uint8_t>> inputs = {{},
                                                {0xFF},
                                                std::vector<uint8_t>(64, 0xFF),
                                                std::vector<uint8_t>(5000, 0x80),
                                                std::vector<uint8_t>(70000, 0xFF)};
    for (int i = 0; i < 20000; ++i) inputs.push_back(RandomBytes(rng, 512));
    // Bias towards many ops of one kind, with huge varints.
    for (int k = 0; k < 3; ++k) {
        std::vector<uint8_t> v = {3};
        for (int j = 0; j < 2000; ++j) {
            v.push_back(static_cast<uint8_t>(k));
            for (int b = 0; b < 6; ++b) v.push_back(static_cast<uint8_t>(rng() | 0x80));
        }
        inputs.push_back(v);
    }
    for (size_t i = 0; i < inputs.size(); ++i) {
        const auto &in = inputs[i];
        Case c;
        DecodeCase(in.data(), in.size(), c);
        ASSERT_GE(c.seeds.size(), 1u) << i;
        ASSERT_LE(c.seeds.size(), kMaxPackets) << i;
        for (const auto &s : c.seeds) ASSERT_LE(s.size(), kMaxSeedSize) << i;
        ASSERT_LE(c.ops.size(), kMaxOps) << i;
        for (const auto &op : c.ops) {
            ASSERT_LE(static_cast<int>(op.kind), 2) << i;
            ASSERT_LT(op.packet, c.seeds.size()) << i;
            ASSERT_LT(op.other, c.seeds.size()) << i;
            ASSERT_LE(static_cast<int>(op.size_kind), 3) << i;
            ASSERT_LE(static_cast<int>(op.mutation), 4) << i;
            ASSERT_LE(op.size_value, op.size_kind == SizeKind::NScaled ? kMaxScale : kMaxSizeValue) << i;
            ASSERT_LE(op.bytes.size(), kMaxRestoreBytes) << i;
        }
    }
}

TEST(CaseFormat, DecodeNullAndEmptyInput) {
    Case c;
    DecodeCase(nullptr, 0, c);
    ASSERT_EQ(c.seeds.size(), 1u);
    EXPECT_TRUE(c.seeds[0].empty());
    EXPECT_TRUE(c.ops.empty());
    EXPECT_EQ(DecodeCase(std::vector<uint8_t>{}), c);
}

TEST(CaseFormat, DecodeReplacesPreviousContents) {
    Case c = DecodeCase(EncodeCase(SweepCases(1).back()));
    ASSERT_FALSE(c.ops.empty());
    DecodeCase(nullptr, 0, c);
    EXPECT_EQ(c, DecodeCase(std::vector<uint8_t>{}));
}

TEST(CaseFormat, EncodeClampsOutOfRangeFields) {
    Case c;
    c.seeds.assign(kMaxPackets + 3, std::vector<uint8_t>(kMaxSeedSize + 10, 0xAB));
    Op save;
    save.kind = OpKind::Save;
    save.size_kind = SizeKind::NScaled;
    save.size_value = kMaxScale * 10;
    c.ops.push_back(save);
    Op absolute = save;
    absolute.size_kind = SizeKind::Absolute;
    absolute.size_value = std::numeric_limits<uint32_t>::max();
    c.ops.push_back(absolute);
    const Case back = DecodeCase(EncodeCase(c));
    ASSERT_EQ(back.seeds.size(), kMaxPackets);
    for (const auto &s : back.seeds) EXPECT_EQ(s.size(), kMaxSeedSize);
    ASSERT_EQ(back.ops.size(), 2u);
    EXPECT_EQ(back.ops[0].size_value, kMaxScale);
    EXPECT_EQ(back.ops[1].size_value, kMaxSizeValue);
    EXPECT_EQ(DecodeCase(EncodeCase(back)), back);
}

TEST(ResolveSize, ExactInRange) {
    EXPECT_EQ(ResolveSize(SizeKind::Absolute, 0, 100), 0u);
    EXPECT_EQ(ResolveSize(SizeKind::Absolute, 4097, 100), 4097u);
    EXPECT_EQ(ResolveSize(SizeKind::NPlus, 0, 100), 100u);
    EXPECT_EQ(ResolveSize(SizeKind::NPlus, 7, 100), 107u);
    EXPECT_EQ(ResolveSize(SizeKind::NMinus, 1, 100), 99u);
    EXPECT_EQ(ResolveSize(SizeKind::NMinus, 99, 100), 1u);
    EXPECT_EQ(ResolveSize(SizeKind::NScaled, 128, 100), 50u);
    EXPECT_EQ(ResolveSize(SizeKind::NScaled, 256, 100), 100u);
    EXPECT_EQ(ResolveSize(SizeKind::NScaled, 1024, 100), 400u);
}

TEST(ResolveSize, SaturatesAtZero) {
    EXPECT_EQ(ResolveSize(SizeKind::NMinus, 100, 100), 0u);
    EXPECT_EQ(ResolveSize(SizeKind::NMinus, 101, 100), 0u);
    EXPECT_EQ(ResolveSize(SizeKind::NMinus, std::numeric_limits<uint32_t>::max(), 0), 0u);
    EXPECT_EQ(ResolveSize(SizeKind::NScaled, 1, 100), 0u);
    EXPECT_EQ(ResolveSize(SizeKind::NScaled, 0, std::numeric_limits<uint32_t>::max()), 0u);
}

TEST(ResolveSize, ClampsWithoutWrapping) {
    const uint32_t max = std::numeric_limits<uint32_t>::max();
    EXPECT_EQ(ResolveSize(SizeKind::Absolute, max, 0), kMaxSaveBufSize);
    EXPECT_EQ(ResolveSize(SizeKind::Absolute, kMaxSaveBufSize + 1, 0), kMaxSaveBufSize);
    EXPECT_EQ(ResolveSize(SizeKind::Absolute, kMaxSaveBufSize, 0), kMaxSaveBufSize);
    EXPECT_EQ(ResolveSize(SizeKind::NPlus, max, max), kMaxSaveBufSize);  // would wrap in 32 bits
    EXPECT_EQ(ResolveSize(SizeKind::NPlus, 1, max), kMaxSaveBufSize);
    EXPECT_EQ(ResolveSize(SizeKind::NPlus, 0, kMaxSaveBufSize + 5), kMaxSaveBufSize);
    EXPECT_EQ(ResolveSize(SizeKind::NMinus, 1, max), kMaxSaveBufSize);
    EXPECT_EQ(ResolveSize(SizeKind::NScaled, max, max), kMaxSaveBufSize);  // the product needs 64 bits
    EXPECT_EQ(ResolveSize(SizeKind::NScaled, 1024, max), kMaxSaveBufSize);
}

TEST(ResolveSize, NeverExceedsLimitOnRandomInput) {
    std::mt19937_64 rng(3);
    for (int i = 0; i < 100000; ++i) {
        auto kind = static_cast<SizeKind>(rng() % 4);
        auto value = static_cast<uint32_t>(rng());
        auto n = static_cast<uint32_t>(rng() >> (rng() % 32));
        uint32_t got = ResolveSize(kind, value, n);
        ASSERT_LE(got, kMaxSaveBufSize);
        // Monotone reference in 128 bits.
        unsigned __int128 want = 0;
        switch (kind) {
        case SizeKind::Absolute: want = value; break;
        case SizeKind::NPlus: want = static_cast<unsigned __int128>(n) + value; break;
        case SizeKind::NMinus: want = value >= n ? 0 : n - value; break;
        case SizeKind::NScaled: want = static_cast<unsigned __int128>(n) * value / 256; break;
        }
        if (want > kMaxSaveBufSize) want = kMaxSaveBufSize;
        ASSERT_EQ(got, static_cast<uint32_t>(want)) << "kind " << int(kind) << " value " << value << " n " << n;
    }
}

// ---- the sweep's record-field stage (RecordFieldCases) ----

uint64_t LeAt(const std::vector<uint8_t> &b, size_t offset, size_t width) {
    uint64_t v = 0;
    for (size_t i = width; i-- > 0;) v = v << 8 | b[offset + i];
    return v;
}

// The offsets at which `b` differs from `record`.
std::vector<size_t> Changed(const std::vector<uint8_t> &record, const std::vector<uint8_t> &b) {
    std::vector<size_t> out;
    for (size_t i = 0; i < record.size(); ++i)
        if (b[i] != record[i]) out.push_back(i);
    return out;
}

std::vector<const Op *> OpsOf(const std::vector<Case> &cases) {
    std::vector<const Op *> out;
    for (const Case &c : cases)
        for (const Op &op : c.ops) out.push_back(&op);
    return out;
}

// A record in a layout like a driver's: u32 magic, u16 version 3, u16 area count 1, u32 total
// length (24), then one area: u16 type 1, u16 flags 0, u32 length 4, and its 4 bytes.
const std::vector<uint8_t> kVersioned = {'T', 'R', 'E', 'C', 3, 0, 1, 0, 24,   0,    0,    0,
                                         1,   0,   0,   0,   4, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF};

std::vector<uint8_t> Ascending(size_t n) {
    std::vector<uint8_t> b(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i);
    return b;
}

TEST(SweepRecordFields, IsDeterministicAndStaysWithinLimits) {
    const std::vector<uint8_t> state(16, 0xAB);
    for (const auto &record : {kVersioned, Ascending(64), Ascending(300), std::vector<uint8_t>(7, 0)}) {
        const auto cases = RecordFieldCases(state, record);
        EXPECT_EQ(cases, RecordFieldCases(state, record));
        ASSERT_EQ(cases.size(), kRecordFieldParts);
        std::set<std::vector<uint8_t>> seen;
        size_t total = 0;
        for (const Case &c : cases) {
            EXPECT_EQ(c.seeds, std::vector<std::vector<uint8_t>>{state});
            EXPECT_LE(c.ops.size(), 512u);
            EXPECT_LE(c.ops.size(), kMaxOps);
            const auto bytes = EncodeCase(c);
            EXPECT_LE(bytes.size(), kSharedCaseCapacity);
            EXPECT_EQ(DecodeCase(bytes), c);  // an ordinary case: it replays as it was played
            for (const Op &op : c.ops) {
                EXPECT_EQ(op.kind, OpKind::RestoreBytes);
                EXPECT_EQ(op.placement, total % 2 ? Placement::Left : Placement::Right);
                ASSERT_EQ(op.bytes.size(), record.size());
                EXPECT_NE(op.bytes, record);
                EXPECT_TRUE(seen.insert(op.bytes).second) << "a mutation restored twice";
                for (size_t at : Changed(record, op.bytes)) EXPECT_LT(at, 64u);
                ++total;
            }
        }
        EXPECT_GT(total, 0u);
        EXPECT_LE(total, kRecordFieldOps);
    }
    // Many version-like fields: the cap holds.
    size_t ascending = OpsOf(RecordFieldCases(state, Ascending(64))).size();
    EXPECT_EQ(ascending, kRecordFieldOps);
}

TEST(SweepRecordFields, BigOrMissingRecordsGetFewerOrNoRestores) {
    const std::vector<uint8_t> state = {1};
    for (const auto &record : {std::vector<uint8_t>{}, std::vector<uint8_t>(kMaxRestoreBytes + 1, 7)}) {
        const auto cases = RecordFieldCases(state, record);
        ASSERT_EQ(cases.size(), kRecordFieldParts);  // the plan's count of cases holds
        EXPECT_TRUE(OpsOf(cases).empty());
    }
    const std::vector<uint8_t> big(16384, 0x11);
    const auto big_cases = RecordFieldCases(state, big);
    const auto ops = OpsOf(big_cases);
    EXPECT_GT(ops.size(), 0u);
    EXPECT_LE(ops.size() * big.size(), kRecordFieldBytes);
}

TEST(SweepRecordFields, ChangesSingleFieldsToBoundaries) {
    const auto cases = RecordFieldCases({1}, kVersioned);
    const auto ops = OpsOf(cases);
    const uint64_t n = kVersioned.size();
    auto single = [&](size_t offset, size_t width, uint64_t value) {
        for (const Op *op : ops) {
            const auto changed = Changed(kVersioned, op->bytes);
            if (!changed.empty() && changed.front() >= offset && changed.back() < offset + width &&
                LeAt(op->bytes, offset, width) == value)
                return true;
        }
        return false;
    };
    EXPECT_TRUE(single(8, 4, n + 1));  // the total length, one past the record
    EXPECT_TRUE(single(8, 4, n - 1));
    EXPECT_TRUE(single(16, 4, 0xFFFFFFFF));  // the area's length: all ones
    EXPECT_TRUE(single(16, 4, n - 16));      // a length that reaches exactly the end
    EXPECT_TRUE(single(16, 4, 0x7FFFFFFF));
    EXPECT_TRUE(single(6, 2, 0));  // the area count
    EXPECT_TRUE(single(4, 2, 2));  // the version, one lower
    EXPECT_TRUE(single(12, 1, 0x80));
}

// An older layout's parser with a length it trusts is reached only with two fields changed at once:
// the version lowered (or raised by one) and a length at a boundary.
TEST(SweepRecordFields, PairsAVersionWithALengthAtABoundary) {
    const auto cases = RecordFieldCases({1}, kVersioned);
    const auto ops = OpsOf(cases);
    const uint64_t n = kVersioned.size();
    auto pair = [&](uint64_t version, size_t offset, size_t width, uint64_t value) {
        for (const Op *op : ops) {
            const auto changed = Changed(kVersioned, op->bytes);
            bool only_these = std::all_of(changed.begin(), changed.end(), [&](size_t at) {
                return (at >= 4 && at < 6) || (at >= offset && at < offset + width);
            });
            if (only_these && LeAt(op->bytes, 4, 2) == version && LeAt(op->bytes, offset, width) == value) return true;
        }
        return false;
    };
    for (uint64_t older : {0, 1, 2, 4})  // every lower version, and the next one
        EXPECT_TRUE(pair(older, 16, 4, n + 1)) << "version " << older;
    EXPECT_TRUE(pair(1, 16, 4, n));
    EXPECT_TRUE(pair(1, 14, 2, n));  // the flags, where a version 1 area might have had its length
    EXPECT_TRUE(pair(1, 14, 2, 0xFFFF));
    EXPECT_TRUE(pair(2, 16, 4, 0x80000000));
    EXPECT_TRUE(pair(2, 8, 4, 0x7FFFFFFF));
}

TEST(SweepPlan, AWorkersChunkIsTheSameCasesAsTheWholePlans) {
    for (uint64_t seed : {1u, 7u}) {
        const auto whole = SweepPlan(seed);
        const auto bounds = SweepChunkBounds(whole, 8);
        for (size_t k = 0; k + 1 < bounds.size(); ++k) {
            const auto chunk = SweepPlan(seed, bounds[k], bounds[k + 1]);
            ASSERT_EQ(chunk.size(), whole.size());
            for (size_t i = 0; i < whole.size(); ++i) {
                const bool built = i >= bounds[k] && i < bounds[k + 1];
                EXPECT_EQ(chunk[i].c.seeds, whole[i].c.seeds) << "entry " << i;
                EXPECT_EQ(chunk[i].family, whole[i].family) << "entry " << i;  // what a Session reads
                EXPECT_EQ(chunk[i].Cases(), whole[i].Cases()) << "entry " << i;
                EXPECT_EQ(chunk[i].expand, whole[i].expand) << "entry " << i;
                EXPECT_EQ(chunk[i].part, whole[i].part) << "entry " << i;
                if (built)
                    EXPECT_TRUE(chunk[i].c == whole[i].c) << "seed " << seed << ", chunk " << k << ", entry " << i;
            }
        }
        // Outside its range a chunk skips the costly entries: less than a tenth of the ops.
        size_t whole_ops = 0, chunk_ops = 0;
        for (const auto &p : whole) whole_ops += p.c.ops.size();
        for (const auto &p : SweepPlan(seed, 0, 1)) chunk_ops += p.c.ops.size();
        EXPECT_LT(chunk_ops * 10, whole_ops);
    }
}

TEST(SweepRecordFields, ThePlanExpandsEveryPartOfFourStatesLast) {
    const auto plan = SweepPlan(1);
    const auto states = RecordFieldStates(1);
    ASSERT_EQ(states.size(), 4u);
    EXPECT_EQ(states[0], std::vector<uint8_t>(16, 0x00));
    EXPECT_EQ(states[1], std::vector<uint8_t>(16, 0xFF));
    EXPECT_EQ(states[2], Ascending(64));
    EXPECT_EQ(states[3].size(), 64u);
    EXPECT_EQ(RecordFieldStates(1), states);
    const size_t entries = states.size() * kRecordFieldParts;
    ASSERT_GT(plan.size(), entries);
    const size_t first = plan.size() - entries;
    for (size_t i = 0; i < plan.size(); ++i) {
        const bool expands = plan[i].expand == Expand::RecordFields;
        EXPECT_EQ(expands, i >= first) << "entry " << i;
        EXPECT_EQ(plan[i].Cases(), expands ? 2u : 1u);
        if (!expands) continue;
        // Parts outermost: each part of each state once.
        EXPECT_EQ(plan[i].family, Hostile);
        EXPECT_EQ(plan[i].part, (i - first) / states.size());
        EXPECT_EQ(plan[i].c, ExploreCase(states[(i - first) % states.size()], false));
    }
    // The chunks share the costly entries: every chunk from the first that holds one gets some.
    const auto bounds = SweepChunkBounds(plan, 8);
    ASSERT_EQ(bounds.size(), 9u);
    EXPECT_EQ(bounds.front(), 0u);
    EXPECT_EQ(bounds.back(), plan.size());
    EXPECT_TRUE(std::is_sorted(bounds.begin(), bounds.end()));
    size_t chunks_with_entries = 0;
    for (size_t k = 0; k < 8; ++k) chunks_with_entries += bounds[k] < bounds[k + 1] && bounds[k + 1] > first;
    EXPECT_GE(chunks_with_entries, 3u);
}

}  // namespace
}  // namespace vspc
