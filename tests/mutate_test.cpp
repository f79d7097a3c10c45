// The structure-aware mutator: explore inputs keep their shape, every output
// fits, mutation is deterministic for a seed, cross-overs mix two states.
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "Case.h"
#include "Compares.h"
#include "Mutate.h"
#include "Sweep.h"

namespace vspc {
namespace {

// A byte mutator for tests: flips, inserts or erases one byte (like one of libFuzzer's).
size_t TestByteMutate(uint8_t *data, size_t size, size_t max_size) {
    static std::minstd_rand rng(7);
    switch (rng() % 3) {
    case 0:
        if (size) data[rng() % size] ^= static_cast<uint8_t>(1 + rng() % 255);
        return size;
    case 1:
        if (size < max_size) data[size++] = static_cast<uint8_t>(rng());
        return size;
    default: return size ? size - 1 : 0;
    }
}

unsigned Spread(unsigned i) { return i * 0x9E3779B1u + 0x7F4A7C15u; }

std::vector<std::vector<uint8_t>> Inputs() {
    std::vector<std::vector<uint8_t>> in;
    for (const auto &s : SweepSeeds(1)) {
        in.push_back(EncodeCase(ExploreCase(s, false)));
        in.push_back(EncodeCase(ExploreCase(s, true)));
        in.push_back(EncodeCase(ExploreRestoreCase(s, {'V', 'S', 'P', 'R', 2, 0, 16, 0})));
    }
    return in;
}

TEST(Mutate, ExploreInputsKeepTheirShape) {
    size_t changed_state = 0, changed_record = 0, multi = 0, total = 0;
    for (const auto &input : Inputs()) {
        for (unsigned seed = 0; seed < 40; ++seed) {
            std::vector<uint8_t> buf = input;
            const size_t max = input.size() + 64;
            buf.resize(max);
            // libFuzzer's seeds are random; minstd_rand's first draw from 0..39 is not.
            size_t n = MutateCase(buf.data(), input.size(), max, Spread(seed), MutationMode::Explore, TestByteMutate);
            ASSERT_LE(n, max);
            buf.resize(n);
            Case before = DecodeCase(input), after = DecodeCase(buf);
            ASSERT_TRUE(InExploreShape(after));
            ASSERT_GE(after.seeds.size(), 1u);
            ASSERT_LE(after.ops.size(), kMaxExploreOps);
            ++total;
            multi += after.seeds.size() > 1;
            changed_state += after.seeds[0] != before.seeds[0];
            if (!after.ops.empty() && after.ops.back().kind == OpKind::RestoreBytes && !before.ops.empty() &&
                before.ops.back().kind == OpKind::RestoreBytes)
                changed_record += after.ops.back().bytes != before.ops.back().bytes;
        }
    }
    // Mostly the state; records get their share too; a few inputs get other packets in flight, most keep one.
    EXPECT_GT(changed_state, 1000u);
    EXPECT_GT(changed_record, 300u);
    EXPECT_GT(multi, 10u);
    EXPECT_LT(multi * 10, total);
}

// From one packet, the exploration reaches every count of packets in flight, the new ones
// copies of a state in flight (a gate one state opened, now several times at once), and back.
TEST(Mutate, ExploreReachesEveryCountOfPacketsInFlight) {
    const std::vector<uint8_t> state = {1, 2, 3, 4, 'P', 'R', 'I', 'O'};
    // A byte mutator that changes nothing: only the shape moves.
    auto keep = [](uint8_t *, size_t s, size_t) -> size_t { return s; };
    auto mutate = [&](const Case &in, unsigned seed) {
        std::vector<uint8_t> buf = EncodeCase(in);
        size_t size = buf.size();
        buf.resize(size + 64);
        buf.resize(MutateCase(buf.data(), size, buf.size(), Spread(seed), MutationMode::Explore, keep));
        return DecodeCase(buf);
    };
    std::set<size_t> counts;
    size_t copies = 0, multi = 0;
    for (unsigned seed = 0; seed < 4000; ++seed) {
        Case c = mutate(ExploreCase(state, false), seed);
        ASSERT_TRUE(InExploreShape(c));
        counts.insert(c.seeds.size());
        multi += c.seeds.size() > 1;
        if (c.seeds.size() > 1)
            copies += std::all_of(c.seeds.begin(), c.seeds.end(), [&](const auto &s) { return s == state; });
    }
    EXPECT_EQ(counts, (std::set<size_t>{1, 2, 3, 4}));
    EXPECT_EQ(copies, multi);
    EXPECT_LT(multi, 4000u / 50);  // rare: several packets cost several times the calls
    // And back: from three packets, to one more often than to any other count.
    std::map<size_t, size_t> from_three;
    Case three = ExploreCase(state, false);
    three.seeds = {state, {9, 9, 9, 9}, state};
    for (unsigned seed = 0; seed < 4000; ++seed) {
        Case c = mutate(three, seed);
        ASSERT_TRUE(InExploreShape(c));
        ++from_three[c.seeds.size()];
    }
    EXPECT_GT(from_three[1], from_three[2]);
    EXPECT_GT(from_three[1], from_three[4]);
    EXPECT_GT(from_three[4], 0u);
}

TEST(Mutate, ShapeForExplorationKeepsPacketsInFlight) {
    Case c{{{1}, {2}, {3}}, {}};
    for (int i = 0; i < 5; ++i) {
        Op op;
        op.packet = static_cast<uint8_t>(i % 3);
        c.ops.push_back(op);
    }
    EXPECT_FALSE(InExploreShape(c));
    ShapeForExploration(c);
    EXPECT_TRUE(InExploreShape(c));
    EXPECT_EQ(c.seeds.size(), 3u);
    EXPECT_EQ(c.ops.size(), kMaxExploreOps);
    EXPECT_EQ(c.ops[2].packet, 2);
}

TEST(Mutate, IsDeterministicForASeed) {
    for (const auto &input : Inputs()) {
        std::vector<uint8_t> a = input, b = input;
        a.resize(input.size() + 64);
        b.resize(input.size() + 64);
        // TestByteMutate keeps its own state: use a stateless one here.
        auto flip = [](uint8_t *d, size_t s, size_t) -> size_t {
            if (s) d[s / 2] ^= 0x40;
            return s;
        };
        size_t na = MutateCase(a.data(), input.size(), a.size(), 99, MutationMode::Cases, flip);
        size_t nb = MutateCase(b.data(), input.size(), b.size(), 99, MutationMode::Cases, flip);
        ASSERT_EQ(na, nb);
        a.resize(na);
        b.resize(nb);
        EXPECT_EQ(a, b);
    }
}

TEST(Mutate, CrossOverMixesTwoStatesAndFits) {
    const std::vector<uint8_t> x(40, 0xAA), y(40, 0xBB);
    auto a = EncodeCase(ExploreCase(x, false)), b = EncodeCase(ExploreCase(y, true));
    size_t mixed = 0;
    for (unsigned seed = 0; seed < 600; ++seed) {
        std::vector<uint8_t> out(a.size() + 40);
        size_t n = CrossOverCases(a.data(), a.size(), b.data(), b.size(), out.data(), out.size(), seed,
                                  MutationMode::Explore, TestByteMutate);
        ASSERT_LE(n, out.size());
        if (n == 0) continue;
        out.resize(n);
        Case c = DecodeCase(out);
        bool has_a = false, has_b = false;
        for (uint8_t v : c.seeds[0]) {
            has_a |= v == 0xAA;
            has_b |= v == 0xBB;
        }
        mixed += has_a && has_b;
    }
    EXPECT_GT(mixed, 30u);   // about one in six is a cross-over...
    EXPECT_LT(mixed, 300u);  // ...the rest are mutations
}

// ---- The narrow comparisons of an instrumented module (Compares.h) -----------------------------

TEST(NarrowCompares, AByteEqualToOneOperandBecomesTheOther) {
    ForgetNarrowCompares();
    RecordNarrowCompare(0x11, 0x5A, 1);  // the module compared an input byte 0x11 with 0x5A
    for (uint64_t random = 0; random < 64; ++random) {
        std::vector<uint8_t> data = {0x01, 0x02, 0x03, 0x11, 0x05};
        ASSERT_TRUE(ReplaceNarrowCompareOperand(data.data(), data.size(), random));
        EXPECT_EQ(data, (std::vector<uint8_t>{0x01, 0x02, 0x03, 0x5A, 0x05}));
    }
    ForgetNarrowCompares();
}

TEST(NarrowCompares, TwoBytesAreFoundInEitherByteOrder) {
    ForgetNarrowCompares();
    RecordNarrowCompare(0x1234, 0xBEEF, 2);
    std::set<std::vector<uint8_t>> outcomes;
    for (uint64_t random = 0; random < 256; ++random) {
        std::vector<uint8_t> little = {0x00, 0x34, 0x12, 0x00}, big = {0x00, 0x12, 0x34, 0x00};
        ASSERT_TRUE(ReplaceNarrowCompareOperand(little.data(), little.size(), random));
        ASSERT_TRUE(ReplaceNarrowCompareOperand(big.data(), big.size(), random));
        outcomes.insert(little);
        outcomes.insert(big);
    }
    EXPECT_EQ(outcomes, (std::set<std::vector<uint8_t>>{{0x00, 0xEF, 0xBE, 0x00}, {0x00, 0xBE, 0xEF, 0x00}}));
    ForgetNarrowCompares();
}

TEST(NarrowCompares, NothingChangesWithoutAnOccurrenceOrAfterAnEqualCompare) {
    ForgetNarrowCompares();
    RecordNarrowCompare(0x42, 0x42, 1);  // already equal: the gate is open, nothing to learn
    EXPECT_FALSE(AnyNarrowCompare());
    RecordNarrowCompare(0x77, 0x99, 1);
    std::vector<uint8_t> data = {1, 2, 3}, before = data;
    EXPECT_FALSE(ReplaceNarrowCompareOperand(data.data(), data.size(), 5));
    EXPECT_EQ(data, before);
    ForgetNarrowCompares();
}

// The mutator opens a gate of three single-byte comparisons (samples/defects/rare_three_bytes_overrun.c)
// with a byte mutator that changes nothing: only the replacement of recorded operands can.
size_t GateDepth(const std::vector<uint8_t> &state) {
    const std::pair<size_t, uint8_t> gate[] = {{3, 0x5A}, {11, 0xC3}, {19, 0x7E}};
    size_t depth = 0;
    for (auto [at, want] : gate) {
        if (at >= state.size()) break;
        RecordNarrowCompare(state[at], want, 1);  // what the module's const_cmp1 hook records
        if (state[at] != want) break;
        ++depth;
    }
    return depth;
}

size_t DeepestGate(bool record) {
    ForgetNarrowCompares();
    auto unchanged = [](uint8_t *, size_t s, size_t) -> size_t { return s; };
    std::vector<uint8_t> best = EncodeCase(ExploreCase(std::vector<uint8_t>(24, 0), false));
    Case c;
    DecodeCase(best.data(), best.size(), c);
    size_t depth = GateDepth(c.seeds[0]);
    for (unsigned i = 0; i < 20000 && depth < 3; ++i) {
        if (!record) ForgetNarrowCompares();
        std::vector<uint8_t> next = best;
        next.resize(best.size() + 64);
        next.resize(MutateCase(next.data(), best.size(), next.size(), Spread(i), MutationMode::Explore, unchanged));
        DecodeCase(next.data(), next.size(), c);
        if (c.seeds.empty()) continue;
        if (size_t d = GateDepth(c.seeds[0]); d > depth) {
            depth = d;
            best = next;
        }
    }
    ForgetNarrowCompares();
    return depth;
}

TEST(NarrowCompares, TheMutatorOpensAGateOfThreeByteComparisons) {
    EXPECT_EQ(DeepestGate(true), 3u);
    EXPECT_EQ(DeepestGate(false), 0u);  // the same mutations without the recorded operands
}

}  // namespace
}  // namespace vspc
