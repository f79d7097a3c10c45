// Guarded arenas: overruns and underruns fault at the first stray byte, stray
// writes in the slack are found at their exact offset, and read-only inputs
// cannot be written.
#include <csignal>
#include <cstdint>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "Arena.h"

namespace vspc {
namespace {

using ::testing::KilledBySignal;

void Poke(uint8_t *p) { *static_cast<volatile uint8_t *>(p) = 0x42; }
uint8_t Peek(const uint8_t *p) { return *static_cast<const volatile uint8_t *>(p); }

class GuardedArenaTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(GuardedArenaTest, RightAlignedOverrunFaultsAtFirstByte) {
    const uint32_t size = GetParam();
    GuardedArena arena;
    uint8_t *buf = arena.Place(size, Placement::Right, 2);
    if (size > 0) Poke(buf + size - 1);  // the last byte is writable
    EXPECT_EXIT(Poke(buf + size), KilledBySignal(SIGSEGV), "");
    EXPECT_EXIT(Peek(buf + size), KilledBySignal(SIGSEGV), "");
}

TEST_P(GuardedArenaTest, LeftAlignedUnderrunFaultsAtFirstByte) {
    const uint32_t size = GetParam();
    GuardedArena arena;
    uint8_t *buf = arena.Place(size, Placement::Left, 2);
    if (size > 0) Poke(buf);  // the first byte is writable
    EXPECT_EXIT(Poke(buf - 1), KilledBySignal(SIGSEGV), "");
    EXPECT_EXIT(Peek(buf - 1), KilledBySignal(SIGSEGV), "");
}

TEST_P(GuardedArenaTest, PlaceFillsWithThePattern) {
    const uint32_t size = GetParam();
    GuardedArena arena;
    for (uint8_t fill : {0, 1, 2, 77}) {
        for (Placement pl : {Placement::Right, Placement::Left}) {
            uint8_t *buf = arena.Place(size, pl, fill);
            for (uint32_t i = 0; i < size; ++i) ASSERT_EQ(buf[i], FillByte(fill, i)) << "offset " << i;
            EXPECT_EQ(arena.FirstChanged(buf, 0, size, fill), -1);
            if (size > 3) {
                buf[3] ^= 0x01;
                EXPECT_EQ(arena.FirstChanged(buf, 0, size, fill), 3);
                EXPECT_EQ(arena.FirstChanged(buf, 4, size, fill), -1);
            }
            EXPECT_FALSE(arena.CheckAndReset(buf, size, pl).found);
        }
    }
}

TEST_P(GuardedArenaTest, RightAlignedStrayWriteInSlackIsExact) {
    const uint32_t size = GetParam();
    GuardedArena arena;
    for (int64_t off : {int64_t{-1}, int64_t{-2}, int64_t{-100}, -static_cast<int64_t>(kSlackWindow)}) {
        uint8_t *buf = arena.Place(size, Placement::Right, 5);
        buf[off] ^= 0xFF;
        StrayWrite s = arena.CheckAndReset(buf, size, Placement::Right);
        EXPECT_TRUE(s.found) << "offset " << off;
        EXPECT_EQ(s.offset, off);
        EXPECT_LT(s.offset, 0);  // an underrun
        EXPECT_EQ(s.count, 1u);
        // The canary is restored: the next call starts clean.
        buf = arena.Place(size, Placement::Right, 5);
        EXPECT_FALSE(arena.CheckAndReset(buf, size, Placement::Right).found) << "after offset " << off;
    }
}

TEST_P(GuardedArenaTest, LeftAlignedStrayWriteInSlackIsExact) {
    const uint32_t size = GetParam();
    GuardedArena arena;
    for (int64_t extra : {int64_t{0}, int64_t{1}, int64_t{63}, static_cast<int64_t>(kSlackWindow) - 1}) {
        const int64_t off = static_cast<int64_t>(size) + extra;
        uint8_t *buf = arena.Place(size, Placement::Left, 5);
        buf[off] ^= 0xFF;
        StrayWrite s = arena.CheckAndReset(buf, size, Placement::Left);
        EXPECT_TRUE(s.found) << "offset " << off;
        EXPECT_EQ(s.offset, off);
        EXPECT_GE(s.offset, static_cast<int64_t>(size));  // an overrun
        EXPECT_EQ(s.count, 1u);
        buf = arena.Place(size, Placement::Left, 5);
        EXPECT_FALSE(arena.CheckAndReset(buf, size, Placement::Left).found) << "after offset " << off;
    }
}

TEST_P(GuardedArenaTest, NearestStrayByteIsReportedAndAllCounted) {
    const uint32_t size = GetParam();
    GuardedArena arena;
    uint8_t *buf = arena.Place(size, Placement::Right, 9);
    buf[-40] ^= 0xFF;
    buf[-3] ^= 0xFF;
    buf[-200] ^= 0xFF;
    StrayWrite s = arena.CheckAndReset(buf, size, Placement::Right);
    EXPECT_TRUE(s.found);
    EXPECT_EQ(s.offset, -3);
    EXPECT_EQ(s.count, 3u);

    buf = arena.Place(size, Placement::Left, 9);
    buf[size + 30] ^= 0xFF;
    buf[size + 2] ^= 0xFF;
    s = arena.CheckAndReset(buf, size, Placement::Left);
    EXPECT_TRUE(s.found);
    EXPECT_EQ(s.offset, static_cast<int64_t>(size) + 2);
    EXPECT_EQ(s.count, 2u);
}

TEST_P(GuardedArenaTest, WritesInsideTheBufferAreNotStray) {
    const uint32_t size = GetParam();
    GuardedArena arena;
    for (Placement pl : {Placement::Right, Placement::Left}) {
        uint8_t *buf = arena.Place(size, pl, 4);
        if (size) std::memset(buf, 0xEE, size);
        EXPECT_FALSE(arena.CheckAndReset(buf, size, pl).found);
    }
}

INSTANTIATE_TEST_SUITE_P(Sizes, GuardedArenaTest, ::testing::Values(0u, 1u, 4u, 17u, 4095u, 4096u, 4097u, 70000u),
                         [](const ::testing::TestParamInfo<uint32_t> &info) {
                             return "size" + std::to_string(info.param);
                         });

TEST(GuardedArena, TheGapBeforeTheGuardIsCheckedAndBothSidesAreRestored) {
    GuardedArena arena;
    arena.SetGap(256);
    uint8_t *buf = arena.Place(40, Placement::Right, 2);
    buf[40] ^= 0xFF;  // an overrun into the gap: no fault
    buf[-5] ^= 0xFF;  // and a stray write before the buffer in the same call
    StrayWrite s = arena.CheckAndReset(buf, 40, Placement::Right);
    EXPECT_TRUE(s.found);
    EXPECT_EQ(s.offset, 40);  // the overrun is what the call reports
    // Both were restored: the next call in the same place sees nothing.
    buf = arena.Place(40, Placement::Right, 2);
    EXPECT_FALSE(arena.CheckAndReset(buf, 40, Placement::Right).found);
}

// A stray run longer than the canary window is followed to its end through the rest of the
// data on that side (the guard zone measures what lies beyond: judge_test's StrayExtent).
TEST(GuardedArena, AStrayRunPastTheWindowIsMeasuredToItsEnd) {
    GuardedArena arena;
    uint8_t *big = arena.Place(6000, Placement::Right, 2);  // data for 6000 + the window: room on both sides
    EXPECT_FALSE(arena.CheckAndReset(big, 6000, Placement::Right).found);
    for (uint32_t run : {1u, 100u, static_cast<uint32_t>(kSlackWindow), 2000u}) {
        uint8_t *buf = arena.Place(40, Placement::Left, 2);
        for (uint32_t i = 0; i < run; ++i) buf[40 + i] ^= 0xFF;
        StrayWrite s = arena.CheckAndReset(buf, 40, Placement::Left);
        EXPECT_TRUE(s.found);
        EXPECT_EQ(s.offset, 40) << run;
        EXPECT_EQ(s.last, 40 + static_cast<int64_t>(run) - 1) << run;
        EXPECT_EQ(s.count, run);
        buf = arena.Place(40, Placement::Left, 2);
        EXPECT_FALSE(arena.CheckAndReset(buf, 40, Placement::Left).found) << "after " << run;

        buf = arena.Place(40, Placement::Right, 2);
        for (uint32_t i = 1; i <= run; ++i) buf[-static_cast<int64_t>(i)] ^= 0xFF;
        s = arena.CheckAndReset(buf, 40, Placement::Right);
        EXPECT_TRUE(s.found);
        EXPECT_EQ(s.offset, -1) << run;
        EXPECT_EQ(s.last, -static_cast<int64_t>(run)) << run;
        EXPECT_EQ(s.count, run);
        buf = arena.Place(40, Placement::Right, 2);
        EXPECT_FALSE(arena.CheckAndReset(buf, 40, Placement::Right).found) << "after " << run;
    }
}

TEST(GuardedArena, GrowsAndStillGuards) {
    GuardedArena arena;
    uint8_t *small = arena.Place(8, Placement::Right, 2);
    EXPECT_FALSE(arena.CheckAndReset(small, 8, Placement::Right).found);
    uint8_t *big = arena.Place(1u << 20, Placement::Right, 2);
    const GuardedRegion region = arena.Region(big, 1u << 20, FaultRegion::SaveBuf);
    EXPECT_GE(reinterpret_cast<uintptr_t>(big), region.begin);
    EXPECT_LT(reinterpret_cast<uintptr_t>(big + (1u << 20)), region.end);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(big + (1u << 20)), region.data_end);
    EXPECT_EXIT(Poke(big + (1u << 20)), KilledBySignal(SIGSEGV), "");
    EXPECT_FALSE(arena.CheckAndReset(big, 1u << 20, Placement::Right).found);
}

class ReadOnlyArenaTest : public ::testing::TestWithParam<uint32_t> {};

std::vector<uint8_t> Pattern(uint32_t size) {
    std::vector<uint8_t> v(size);
    for (uint32_t i = 0; i < size; ++i) v[i] = static_cast<uint8_t>(i * 31 + 7);
    return v;
}

TEST_P(ReadOnlyArenaTest, BytesAreReadableAndWritesFault) {
    const uint32_t size = GetParam();
    const auto bytes = Pattern(size);
    ReadOnlyArena arena;
    for (Placement pl : {Placement::Right, Placement::Left}) {
        const uint8_t *p = arena.Place(bytes.data(), size, pl);
        ASSERT_NE(p, nullptr);
        if (size) {
            EXPECT_EQ(std::memcmp(p, bytes.data(), size), 0);
            uint8_t *w = const_cast<uint8_t *>(p);
            EXPECT_EXIT(Poke(w), KilledBySignal(SIGSEGV), "");
            EXPECT_EXIT(Poke(w + size - 1), KilledBySignal(SIGSEGV), "");
        }
    }
}

TEST_P(ReadOnlyArenaTest, ReadsPastTheEdgeFault) {
    const uint32_t size = GetParam();
    const auto bytes = Pattern(size);
    ReadOnlyArena arena;
    const uint8_t *right = arena.Place(bytes.data(), size, Placement::Right);
    EXPECT_EXIT(Peek(right + size), KilledBySignal(SIGSEGV), "");
    const uint8_t *left = arena.Place(bytes.data(), size, Placement::Left);
    EXPECT_EXIT(Peek(left - 1), KilledBySignal(SIGSEGV), "");
}

INSTANTIATE_TEST_SUITE_P(Sizes, ReadOnlyArenaTest, ::testing::Values(1u, 48u, 4096u, 5000u, 65536u),
                         [](const ::testing::TestParamInfo<uint32_t> &info) {
                             return "size" + std::to_string(info.param);
                         });

TEST(ReadOnlyArena, ReplacingContentsAndGrowing) {
    ReadOnlyArena arena;
    const auto a = Pattern(100), b = Pattern(20000);
    const uint8_t *p = arena.Place(a.data(), 100, Placement::Right);
    EXPECT_EQ(std::memcmp(p, a.data(), 100), 0);
    const uint8_t *q = arena.Place(b.data(), 20000, Placement::Left);
    EXPECT_EQ(std::memcmp(q, b.data(), 20000), 0);
    const GuardedRegion region = arena.Region(q, 20000, FaultRegion::RestoreSaveBuf);
    EXPECT_GE(reinterpret_cast<uintptr_t>(q), region.begin);
    EXPECT_LE(reinterpret_cast<uintptr_t>(q + 20000), region.end);
    EXPECT_TRUE(region.read_only);
    const uint8_t *r = arena.Place(a.data(), 100, Placement::Right);
    EXPECT_EQ(std::memcmp(r, a.data(), 100), 0);
    EXPECT_EXIT(Peek(r + 100), KilledBySignal(SIGSEGV), "");
}

}  // namespace
}  // namespace vspc
