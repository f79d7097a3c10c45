// include/kmcl/WdkCompat.h and its tester side (harness/WdkSupport): the WDK semantics the header
// gives C module code (wdk_compat_module.c), and what the tester records about pool blocks and
// failed assertions.
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <string>

#include <gtest/gtest.h>

#include "WdkSupport.h"
#include "wdk_compat_module.h"
#include "wdk_names_module.h"

// The header also compiles as C++ (extern "C" guards, no C-only constructs in the inline code).
#define NOMINMAX
#include "WdkCompat.h"

namespace vspc {
namespace {

struct CppItem {
    ULONG id;
    LIST_ENTRY link;
};
C_ASSERT(FIELD_OFFSET(CppItem, link) == 8);

TEST(WdkCompat, CompilesAsCppWithItsInlineRoutines) {
    LIST_ENTRY head;
    CppItem item{7, {}};
    InitializeListHead(&head);
    InsertTailList(&head, &item.link);
    EXPECT_EQ(CONTAINING_RECORD(head.Flink, CppItem, link)->id, 7u);
    EXPECT_TRUE(RemoveEntryList(&item.link));
    volatile LONG n = 0;
    EXPECT_EQ(InterlockedIncrement(&n), 1);
    ULONG sum = 0;
    EXPECT_EQ(RtlULongAdd(MAXULONG, 1, &sum), STATUS_INTEGER_OVERFLOW);
}

// Each C check returns 0, or the line in wdk_compat_module.c of the expectation that failed.
TEST(WdkCompat, StructureMacrosTypesAndPacking) { EXPECT_EQ(WdkcStructures(), 0); }
TEST(WdkCompat, StatusCodes) { EXPECT_EQ(WdkcStatusCodes(), 0); }
TEST(WdkCompat, MemoryRoutinesKeepTheWdkArgumentOrderAndResults) { EXPECT_EQ(WdkcMemory(), 0); }
TEST(WdkCompat, SafeIntegersReportOverflow) { EXPECT_EQ(WdkcIntSafe(), 0); }
TEST(WdkCompat, InterlockedOperationsReturnWhatTheWdkReturns) { EXPECT_EQ(WdkcInterlocked(), 0); }
TEST(WdkCompat, ListFunctions) { EXPECT_EQ(WdkcLists(), 0); }

TEST(WdkCompatDeathTest, CorruptListEntryFailsFastLikeTheWdk) {
    EXPECT_DEATH(WdkcRemoveCorruptEntry(), "corrupt LIST_ENTRY");
}

TEST(WdkCompat, FailedAssertionIsRecordedAndTheCallGoesOn) {
    ResetFailedAssertions();
    int evaluations = 0;
    EXPECT_EQ(WdkcFailAssertions(42, &evaluations), 0);
    EXPECT_EQ(evaluations, 1);
    EXPECT_EQ(FailedAssertionCount(), 0u);
    EXPECT_FALSE(FirstFailedAssertion());

    testing::internal::CaptureStderr();
    EXPECT_EQ(WdkcFailAssertions(41, &evaluations), 0);  // NT_ASSERT, ASSERT and NT_ASSERTMSG fail
    std::string log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(FailedAssertionCount(), 3u);
    auto first = FirstFailedAssertion();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->expression, "Value == 42");
    EXPECT_NE(first->file.find("wdk_compat_module.c"), std::string::npos) << first->file;
    EXPECT_EQ(first->line, WdkcAssertLine);
    EXPECT_NE(log.find("assertion failed in the module: Value == 42"), std::string::npos) << log;
    EXPECT_NE(log.find("the answer"), std::string::npos) << log;  // NT_ASSERTMSG's message

    ResetFailedAssertions();
    EXPECT_EQ(FailedAssertionCount(), 0u);
    EXPECT_FALSE(FirstFailedAssertion());
}

TEST(WdkCompat, SpinLockMisuseIsReportedLikeAnAssertion) {
    ResetFailedAssertions();
    EXPECT_EQ(WdkcUseLocksCorrectly(), 0);
    EXPECT_EQ(FailedAssertionCount(), 0u);
    testing::internal::CaptureStderr();
    WdkcMisuseSpinLock();
    testing::internal::GetCapturedStderr();
    EXPECT_EQ(FailedAssertionCount(), 2u);  // acquired twice, released twice
    ASSERT_TRUE(FirstFailedAssertion());
    EXPECT_NE(FirstFailedAssertion()->expression.find("KeAcquireSpinLock: the lock is already held"), std::string::npos)
        << FirstFailedAssertion()->expression;
    ResetFailedAssertions();
}

TEST(WdkCompat, DebugPrintShowsWhatWindowsShowsByDefault) {
    unsetenv("VSPCONFORM_DBGPRINT");
    testing::internal::CaptureStderr();
    WdkcDebugPrint();
    std::string filtered = testing::internal::GetCapturedStderr();
    EXPECT_EQ(filtered, "wdkc error 1\nwdkc kdprintex 4\n");

    setenv("VSPCONFORM_DBGPRINT", "1", 1);
    testing::internal::CaptureStderr();
    WdkcDebugPrint();
    std::string all = testing::internal::GetCapturedStderr();
    unsetenv("VSPCONFORM_DBGPRINT");
    EXPECT_EQ(all, "wdkc error 1\nwdkc trace 2\nwdkc kdprint 3\nwdkc kdprintex 4\n");
}

// ---- Pool accounting -------------------------------------------------------------------------------
bool AllBytes(const void *p, size_t n, uint8_t value) {
    auto *b = static_cast<const uint8_t *>(p);
    for (size_t i = 0; i < n; ++i)
        if (b[i] != value) return false;
    return true;
}

TEST(WdkPool, ZeroesWhereTheWdkZeroesAndFillsWhereItDoesNot) {
    const uint32_t tag = WdkcTag();
    void *zeroed = WdkcAllocatePool2(100, tag, 0);
    void *zero_api = WdkcAllocatePoolZero(100, tag);
    void *raw1 = WdkcAllocatePoolWithTag(100, tag);
    void *raw2 = WdkcAllocatePoolWithTag(100, tag);
    void *uninit = WdkcAllocatePool2(100, tag, 1);
    ASSERT_TRUE(zeroed && zero_api && raw1 && raw2 && uninit);
    EXPECT_TRUE(AllBytes(zeroed, 100, 0));
    EXPECT_TRUE(AllBytes(zero_api, 100, 0));
    const uint8_t f1 = *static_cast<uint8_t *>(raw1), f2 = *static_cast<uint8_t *>(raw2);
    EXPECT_NE(f1, 0);
    EXPECT_NE(f2, 0);
    EXPECT_NE(f1, f2);  // changes from block to block: an uninitialized saved field shows
    EXPECT_TRUE(AllBytes(raw1, 100, f1));
    EXPECT_FALSE(AllBytes(uninit, 100, 0));
    for (void *p : {zeroed, zero_api, raw1, raw2, uninit}) WdkcFreePoolWithTag(p, tag);
}

TEST(WdkPool, AlignsLikeTheKernel) {
    void *small = WdkcAllocatePool2(24, 1, 0);
    void *cache = WdkcAllocateCacheAligned(24, 1);
    void *page = WdkcAllocatePool2(PAGE_SIZE, 1, 0);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(small) % 16, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(cache) % 64, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(page) % PAGE_SIZE, 0u);
    for (void *p : {small, cache, page}) WdkcFreePool(p);
    EXPECT_EQ(VspConformancePoolAllocate(POOL_FLAG_NON_PAGED, SIZE_MAX / 2, 1, TRUE), nullptr);
}

TEST(WdkPool, CountsOutstandingBlocksPerTag) {
    ResetPoolAccounting();
    const uint32_t a = 'aaaa', b = WdkcTag();
    void *a1 = WdkcAllocatePool2(10, a, 0);
    void *a2 = WdkcAllocatePoolWithTag(30, a);
    void *b1 = WdkcAllocatePool2(5, b, 0);
    auto usage = OutstandingPoolAllocations();
    ASSERT_EQ(usage.size(), 2u);
    EXPECT_EQ(usage[0].tag, a);  // ascending tag order
    EXPECT_EQ(usage[0].count, 2u);
    EXPECT_EQ(usage[0].bytes, 40u);
    EXPECT_EQ(usage[1].tag, b);
    EXPECT_EQ(usage[1].count, 1u);
    EXPECT_EQ(usage[1].bytes, 5u);
    EXPECT_EQ(OutstandingPoolBlockCount(), 3u);

    WdkcFreePoolWithTag(a1, a);
    WdkcFreePool(b1);  // ExFreePool: no tag given, the block's own is used
    usage = OutstandingPoolAllocations();
    ASSERT_EQ(usage.size(), 1u);
    EXPECT_EQ(usage[0].tag, a);
    EXPECT_EQ(usage[0].count, 1u);
    EXPECT_EQ(usage[0].bytes, 30u);
    WdkcFreePoolWithTag(a2, a);
    EXPECT_TRUE(OutstandingPoolAllocations().empty());
    EXPECT_EQ(PoolMisuseCounts().bad_frees, 0u);
    EXPECT_EQ(PoolMisuseCounts().tag_mismatches, 0u);
}

TEST(WdkPool, BlocksFromBeforeAResetAreNotCountedAndFreeCleanly) {
    void *old_block = WdkcAllocatePool2(64, 'dlo_', 0);  // e.g. channel state from the init hook
    ResetPoolAccounting();
    EXPECT_EQ(OutstandingPoolBlockCount(), 0u);
    void *leak = WdkcAllocatePool2(16, WdkcTag(), 0);
    WdkcFreePool(old_block);
    auto usage = OutstandingPoolAllocations();
    ASSERT_EQ(usage.size(), 1u);  // only the block of this round, and no underflow
    EXPECT_EQ(usage[0].tag, WdkcTag());
    EXPECT_EQ(usage[0].count, 1u);
    EXPECT_EQ(PoolMisuseCounts().bad_frees, 0u);
    WdkcFreePool(leak);
}

TEST(WdkPool, RecordsFreesItCannotOrShouldNotDo) {
    ResetPoolAccounting();
    int not_pool = 0;
    WdkcFreePool(&not_pool);  // never allocated: recorded, not passed to free()
    WdkcFreePool(nullptr);
    void *p = WdkcAllocatePool2(8, 'wrng', 0);
    WdkcFreePoolWithTag(p, WdkcTag());  // another tag: freed, recorded
    WdkcFreePool(p);                    // freed twice: recorded, not freed again
    EXPECT_EQ(PoolMisuseCounts().bad_frees, 3u);
    EXPECT_EQ(PoolMisuseCounts().tag_mismatches, 1u);
    EXPECT_EQ(OutstandingPoolBlockCount(), 0u);
    ResetWdkRecords();
    EXPECT_EQ(PoolMisuseCounts().bad_frees, 0u);
}

// What one call did to the pool (SP14, RP5): the blocks it allocated that are still live, and its
// refused or questioned frees, between two marks; blocks of other calls do not count.
TEST(WdkPool, UseBetweenTwoMarks) {
    void *before = WdkcAllocatePool2(8, 'efbS', 0);  // an earlier call's block
    const PoolMark a = CurrentPoolMark();
    EXPECT_TRUE(PoolUsed());
    EXPECT_EQ(PoolUseBetween(a, a).live_blocks, 0u);
    void *kept = WdkcAllocatePool2(24, 'tpeK', 0);
    void *freed = WdkcAllocatePool2(40, 'eerF', 0);
    WdkcFreePoolWithTag(freed, 'eerF');
    WdkcFreePoolWithTag(before, 'gnrW');  // a live block of another call, the wrong tag: freed, questioned
    int not_pool = 0;
    WdkcFreePool(&not_pool);  // refused
    WdkcFreePool(&not_pool);
    const PoolMark b = CurrentPoolMark();
    PoolUse u = PoolUseBetween(a, b);
    EXPECT_EQ(u.live_blocks, 1u);
    EXPECT_EQ(u.live_bytes, 24u);
    EXPECT_EQ(u.live_tag, static_cast<uint32_t>('tpeK'));
    EXPECT_EQ(u.live_size, 24u);
    EXPECT_NE(u.live_pc, 0u);  // where the module allocated it
    EXPECT_EQ(u.wrong_tags, 1u);
    ASSERT_TRUE(u.first_wrong_tag);
    EXPECT_EQ(u.first_wrong_tag->block_tag, static_cast<uint32_t>('efbS'));
    EXPECT_EQ(u.first_wrong_tag->freed_tag, static_cast<uint32_t>('gnrW'));
    EXPECT_EQ(u.first_wrong_tag->block_size, 8u);
    EXPECT_EQ(u.bad_frees, 2u);
    ASSERT_TRUE(u.first_bad_free);
    EXPECT_FALSE(u.first_bad_free->wrong_tag);
    // Freed in a later call: no longer live in the first one's range.
    WdkcFreePoolWithTag(kept, 'tpeK');
    const PoolMark c = CurrentPoolMark();
    EXPECT_EQ(PoolUseBetween(a, b).live_blocks, 0u);
    PoolUse later = PoolUseBetween(b, c);
    EXPECT_EQ(later.live_blocks, 0u);
    EXPECT_EQ(later.bad_frees + later.wrong_tags, 0u);
}

// ---- The WDK names of issue 19 (wdk_names_module.c: driver-style C, only the includes swapped) -------

TEST(WdkNames, PageFramesAndMdls) {
    ResetPoolAccounting();
    EXPECT_EQ(WdkNameMdl(), 0);
    EXPECT_EQ(OutstandingPoolBlockCount(), 0u);  // IoAllocateMdl's MDLs and the buffer went back to the pool
    EXPECT_EQ(PoolMisuseCounts().tag_mismatches + PoolMisuseCounts().bad_frees, 0u);
}

TEST(WdkNames, ExecutiveSpinLocksAndPushLocks) {
    ResetFailedAssertions();
    EXPECT_EQ(WdkNameLocks(), 0);
    EXPECT_EQ(FailedAssertionCount(), 0u);
    testing::internal::CaptureStderr();
    WdkNameMisuseLocks();
    testing::internal::GetCapturedStderr();
    EXPECT_EQ(FailedAssertionCount(), 4u);  // two deadlocks, two releases of what was not held
    ASSERT_TRUE(FirstFailedAssertion());
    EXPECT_NE(FirstFailedAssertion()->expression.find("ExAcquireSpinLockShared: the lock is held exclusive"),
              std::string::npos)
        << FirstFailedAssertion()->expression;
    ResetFailedAssertions();
}

TEST(WdkNames, LookasideEntriesArePoolBlocksOfTheListsTag) {
    ResetPoolAccounting();
    ResetFailedAssertions();
    ASSERT_EQ(WdkNameLookasideInit(), 0);
    void *rx[3], *tx[3];
    ASSERT_EQ(WdkNameLookasideAllocate(3, rx, tx), 0);
    auto usage = OutstandingPoolAllocations();
    ASSERT_EQ(usage.size(), 2u);  // 'NcRx' and 'NcTx', three blocks each (nothing cached)
    for (const PoolTagUsage &u : usage) EXPECT_EQ(u.count, 3u) << PoolTagName(u.tag);
    EXPECT_EQ(PoolTagName(usage[0].tag) + "," + PoolTagName(usage[1].tag), "NcRx,NcTx");
    ASSERT_EQ(WdkNameLookasideFree(3, rx, tx), 0);
    EXPECT_EQ(OutstandingPoolBlockCount(), 0u);
    EXPECT_EQ(PoolMisuseCounts().tag_mismatches + PoolMisuseCounts().bad_frees, 0u);
    testing::internal::CaptureStderr();
    void *late = WdkNameLookasideAfterDelete();
    testing::internal::GetCapturedStderr();
    EXPECT_EQ(FailedAssertionCount(), 1u);  // used after ExDeleteNPagedLookasideList
    ResetFailedAssertions();
    VspConformancePoolFree(late, 0);
}

TEST(WdkNames, ExFreePool2FreesWithTheTag) {
    ResetPoolAccounting();
    EXPECT_EQ(WdkNameFreePool2(0), 0);
    EXPECT_EQ(PoolMisuseCounts().tag_mismatches, 0u);
    EXPECT_EQ(WdkNameFreePool2(1), 0);
    EXPECT_EQ(PoolMisuseCounts().tag_mismatches, 1u);
    EXPECT_EQ(OutstandingPoolBlockCount(), 0u);
}

TEST(WdkNames, TimeProcessorsByteOrderFences) {
    EXPECT_EQ(WdkNameTimeAndProcessors(static_cast<long long>(std::time(nullptr))), 0);
    EXPECT_EQ(WdkNameByteOrderAndFences(), 0);
}

TEST(WdkNamesDeathTest, RtlFailFastStopsLikeTheKernel) { EXPECT_DEATH(WdkNameFailFast(), "RtlFailFast\\(5\\).*0x139"); }

TEST(WdkNames, Bitmaps) {
    ResetFailedAssertions();
    EXPECT_EQ(WdkNameBitmap(), 0);
    EXPECT_EQ(FailedAssertionCount(), 0u);
}

TEST(WdkNames, NtStrSafeResultsAndTruncation) { EXPECT_EQ(WdkNameStrings(), 0); }

TEST(WdkPool, TagNamesReadInMemoryOrder) {
    EXPECT_EQ(PoolTagName(WdkcTag()), "SVpk");  // 'kpVS'
    EXPECT_EQ(PoolTagName(0x656E6F4E), "None");
    EXPECT_EQ(PoolTagName(0x00000141), "A\\x01\\x00\\x00");
}

}  // namespace
}  // namespace vspc
