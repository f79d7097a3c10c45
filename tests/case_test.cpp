// The case format: one encoding for sweep cases, fuzz inputs, corpus files and
// reproducers. Decoding is total and Encode is canonical.
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "Case.h"
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

}  // namespace
}  // namespace vspc
