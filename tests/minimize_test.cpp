// The minimizer alone, with predicates standing in for a module: it keeps what the
// finding needs and drops the rest, stays within its budget, and resumes on the same
// path when told which candidates killed a worker.
#include <gtest/gtest.h>

#include "Minimize.h"

namespace vspc {
namespace {

Case Big() {
    Case c;
    c.seeds = {std::vector<uint8_t>(40, 0x11), std::vector<uint8_t>(30, 0x22)};
    c.seeds[0][17] = 0x5A;  // the byte the "defect" needs
    for (int i = 0; i < 6; ++i) {
        Op save;
        save.kind = OpKind::Save;
        save.packet = static_cast<uint8_t>(i % 2);
        save.size_value = 100 + i;
        save.fill = 3;
        save.placement = i % 3 ? Placement::Right : Placement::Left;
        c.ops.push_back(save);
    }
    Op bytes;
    bytes.kind = OpKind::RestoreBytes;
    bytes.bytes.assign(64, 0x33);
    c.ops.push_back(bytes);
    return c;
}

// Fails when packet 0's seed holds 0x5A and some op saves packet 0.
bool ShowsIt(const Case &c) {
    if (c.seeds.empty()) return false;
    bool byte = std::find(c.seeds[0].begin(), c.seeds[0].end(), 0x5A) != c.seeds[0].end();
    bool save =
        std::any_of(c.ops.begin(), c.ops.end(), [](const Op &op) { return op.kind == OpKind::Save && op.packet == 0; });
    return byte && save;
}

TEST(Minimize, KeepsOnlyWhatTheFindingNeeds) {
    Case c = Big();
    ASSERT_TRUE(ShowsIt(c));
    uint64_t seen_accepts = 0;
    MinimizeResult r = MinimizeCase(
        c, [](const Case &x, uint64_t) { return ShowsIt(x); }, {}, [&](const Case &) { ++seen_accepts; });
    EXPECT_TRUE(ShowsIt(r.best));
    EXPECT_EQ(r.best.seeds.size(), 1u);
    EXPECT_EQ(r.best.seeds[0], std::vector<uint8_t>{0x5A});
    ASSERT_EQ(r.best.ops.size(), 1u);
    EXPECT_EQ(r.best.ops[0].kind, OpKind::Save);
    EXPECT_EQ(r.best.ops[0].size_value, 0u);  // plainer values too
    EXPECT_EQ(r.best.ops[0].fill, 0u);
    EXPECT_EQ(r.best.ops[0].placement, Placement::Right);
    EXPECT_EQ(seen_accepts, r.accepted);
    EXPECT_LT(CaseWeight(r.best), CaseWeight(c));
}

TEST(Minimize, NothingSmallerShowsItKeepsTheCase) {
    Case c;
    c.seeds = {{0x5A}};
    Op save;
    c.ops = {save};
    MinimizeResult r = MinimizeCase(c, [](const Case &x, uint64_t) { return ShowsIt(x); }, {});
    EXPECT_EQ(r.best, c);
    EXPECT_EQ(r.accepted, 0u);
}

TEST(Minimize, StaysWithinItsBudget) {
    MinimizeLimits limits;
    limits.max_tries = 5;
    MinimizeResult r = MinimizeCase(
        Big(), [](const Case &x, uint64_t) { return ShowsIt(x); }, limits);
    EXPECT_LE(r.tries, 5u);
    EXPECT_TRUE(ShowsIt(r.best));
}

// Candidate numbers restart at each accepted case; the ones in `reject` are not played.
TEST(Minimize, RejectedCandidatesAreSkippedOnTheSamePath) {
    Case c = Big();
    std::vector<uint64_t> first_numbers;
    MinimizeCase(
        c,
        [&](const Case &, uint64_t n) {
            first_numbers.push_back(n);
            return false;  // nothing is accepted: numbers run 0, 1, 2, ...
        },
        [] {
            MinimizeLimits l;
            l.max_tries = 20;
            return l;
        }());
    ASSERT_GE(first_numbers.size(), 3u);
    EXPECT_EQ(first_numbers[0], 0u);
    EXPECT_EQ(first_numbers[2], 2u);
    MinimizeLimits limits;
    limits.max_tries = 20;
    limits.reject = {1};
    std::vector<uint64_t> played;
    MinimizeCase(
        c,
        [&](const Case &, uint64_t n) {
            played.push_back(n);
            return false;
        },
        limits);
    EXPECT_EQ(std::count(played.begin(), played.end(), 1u), 0);
    EXPECT_EQ(played[0], 0u);
    EXPECT_EQ(played[1], 2u);
}

}  // namespace
}  // namespace vspc
