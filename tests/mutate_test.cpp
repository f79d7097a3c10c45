// The structure-aware mutator: explore inputs keep their shape, every output
// fits, mutation is deterministic for a seed, cross-overs mix two states.
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "Case.h"
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
    size_t changed_state = 0, changed_record = 0;
    for (const auto &input : Inputs()) {
        for (unsigned seed = 0; seed < 40; ++seed) {
            std::vector<uint8_t> buf = input;
            const size_t max = input.size() + 16;
            buf.resize(max);
            size_t n = MutateCase(buf.data(), input.size(), max, seed, MutationMode::Explore, TestByteMutate);
            ASSERT_LE(n, max);
            buf.resize(n);
            Case before = DecodeCase(input), after = DecodeCase(buf);
            ASSERT_EQ(after.seeds.size(), 1u);
            ASSERT_LE(after.ops.size(), kMaxExploreOps);
            changed_state += after.seeds[0] != before.seeds[0];
            if (!after.ops.empty() && after.ops.back().kind == OpKind::RestoreBytes && !before.ops.empty() &&
                before.ops.back().kind == OpKind::RestoreBytes)
                changed_record += after.ops.back().bytes != before.ops.back().bytes;
        }
    }
    // Mostly the state; records get their share too.
    EXPECT_GT(changed_state, 1000u);
    EXPECT_GT(changed_record, 300u);
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

}  // namespace
}  // namespace vspc
