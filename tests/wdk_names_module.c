/*
 * Driver-style C using the WDK names of issue 19 (the ones a 700-line virtual NIC driver and a probe
 * of 35 names common in VSP and network drivers found missing), with only the includes swapped:
 * <ntddk.h> for <WdkCompat.h>; <ntstrsafe.h> is found as it is. Compiled like wdk_compat_module.c
 * (C11, -Wall -Wextra -Werror -Werror=implicit-function-declaration). Each WdkName* check returns 0
 * or the line of its first failed expectation; wdk_support_test.cpp calls them and checks what the
 * tester recorded (pool blocks per tag, failed assertions).
 */
#ifdef VSPCONFORM_TEST_REAL_WDK
#include <ntddk.h>
#else
#include <WdkCompat.h>
#endif
#include <ntstrsafe.h>

#include "wdk_names_module.h"

#define CHECK(c)                                                                                                       \
    do {                                                                                                               \
        if (!(c)) return __LINE__;                                                                                     \
    } while (0)

#define NIC_TAG_RX 'xRcN'
#define NIC_TAG_TX 'xTcN'
#define NIC_TAG_MAP 'pMcN'

typedef struct _NIC_RX_BUFFER {
    SINGLE_LIST_ENTRY Link;
    ULONG Length;
    UCHAR Data[120];
} NIC_RX_BUFFER, *PNIC_RX_BUFFER;

/* ---- Page frames and MDLs ----------------------------------------------------------------------- */
int WdkNameMdl(void) {
    PFN_NUMBER Pfn = (PFN_NUMBER) ~(ULONG_PTR)0;
    PUCHAR Buffer;
    PMDL Mdl;
    PVOID System;

    CHECK(sizeof(PFN_NUMBER) == sizeof(PVOID) && Pfn == (PFN_NUMBER) ~(ULONG_PTR)0);
    CHECK(ADDRESS_AND_SIZE_TO_SPAN_PAGES((PVOID)0x1000, 0) == 0);
    CHECK(ADDRESS_AND_SIZE_TO_SPAN_PAGES((PVOID)0x1000, 1) == 1);
    CHECK(ADDRESS_AND_SIZE_TO_SPAN_PAGES((PVOID)0x1000, PAGE_SIZE) == 1);
    CHECK(ADDRESS_AND_SIZE_TO_SPAN_PAGES((PVOID)0x1FF0, 0x20) == 2);
    CHECK(ADDRESS_AND_SIZE_TO_SPAN_PAGES((PVOID)0x1FFF, PAGE_SIZE + 2) == 3);

    Buffer = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, 3 * PAGE_SIZE, NIC_TAG_MAP);
    CHECK(Buffer != NULL);
    Mdl = IoAllocateMdl(Buffer + 100, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(Mdl != NULL);
    CHECK(MmGetMdlByteCount(Mdl) == 2 * PAGE_SIZE && MmGetMdlByteOffset(Mdl) == 100);
    CHECK(Mdl->Size == (CSHORT)(sizeof(MDL) + 3 * sizeof(PFN_NUMBER))); /* 100 + 8192 bytes span 3 pages */
    CHECK(MmGetMdlPfnArray(Mdl) == (PPFN_NUMBER)(Mdl + 1));
    CHECK(!(Mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA));
    System = MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority | MdlMappingNoExecute);
    CHECK(System == Buffer + 100);
    CHECK(Mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
    CHECK(MmGetSystemAddressForMdlSafe(Mdl, HighPagePriority) == System);
    IoFreeMdl(Mdl);

    Mdl = IoAllocateMdl(Buffer, 64, FALSE, FALSE, NULL);
    CHECK(Mdl != NULL);
    MmBuildMdlForNonPagedPool(Mdl);
    CHECK((Mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL) && Mdl->MappedSystemVa == Buffer);
    CHECK(MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority) == Buffer);
    IoFreeMdl(Mdl);
    CHECK(MmGetSystemAddressForMdlSafe(NULL, NormalPagePriority) == NULL);
    ExFreePool2(Buffer, NIC_TAG_MAP, NULL, 0);
    return 0;
}

/* ---- Executive spin locks and push locks ---------------------------------------------------------- */
static EX_SPIN_LOCK g_StatsLock;
static EX_PUSH_LOCK g_ConfigLock;

int WdkNameLocks(void) {
    KIRQL Irql1, Irql2;

    g_StatsLock = 0;
    Irql1 = ExAcquireSpinLockShared(&g_StatsLock);
    Irql2 = ExAcquireSpinLockShared(&g_StatsLock); /* shared owners nest */
    CHECK(g_StatsLock == 2);
    ExReleaseSpinLockShared(&g_StatsLock, Irql2);
    CHECK(ExTryConvertSharedSpinLockExclusive(&g_StatsLock));
    ExReleaseSpinLockExclusive(&g_StatsLock, Irql1);
    CHECK(g_StatsLock == 0);
    Irql1 = ExAcquireSpinLockExclusive(&g_StatsLock);
    CHECK(!ExTryAcquireSpinLockSharedAtDpcLevel(&g_StatsLock));
    CHECK(!ExTryAcquireSpinLockExclusiveAtDpcLevel(&g_StatsLock));
    ExReleaseSpinLockExclusive(&g_StatsLock, Irql1);
    ExAcquireSpinLockSharedAtDpcLevel(&g_StatsLock);
    ExReleaseSpinLockSharedFromDpcLevel(&g_StatsLock);
    ExAcquireSpinLockExclusiveAtDpcLevel(&g_StatsLock);
    ExReleaseSpinLockExclusiveFromDpcLevel(&g_StatsLock);
    CHECK(g_StatsLock == 0);

    ExInitializePushLock(&g_ConfigLock);
    KeEnterCriticalRegion();
    ExAcquirePushLockShared(&g_ConfigLock);
    ExAcquirePushLockSharedEx(&g_ConfigLock, 0);
    ExReleasePushLockSharedEx(&g_ConfigLock, 0);
    ExReleasePushLockShared(&g_ConfigLock);
    ExAcquirePushLockExclusive(&g_ConfigLock);
    ExReleasePushLockExclusive(&g_ConfigLock);
    KeLeaveCriticalRegion();
    CHECK(g_ConfigLock.Value == 0);
    return 0;
}

/* Each of these is a deadlock or a release of a lock not held: reported, and the call goes on. */
void WdkNameMisuseLocks(void) {
    KIRQL Irql = ExAcquireSpinLockExclusive(&g_StatsLock);
    (void)ExAcquireSpinLockShared(&g_StatsLock);    /* 1: shared while held exclusive */
    ExReleaseSpinLockExclusive(&g_StatsLock, Irql); /* (fine) */
    ExReleaseSpinLockShared(&g_StatsLock, Irql);    /* 2: not held shared */
    ExInitializePushLock(&g_ConfigLock);
    ExAcquirePushLockShared(&g_ConfigLock);
    ExAcquirePushLockExclusive(&g_ConfigLock); /* 3: exclusive while held shared */
    ExInitializePushLock(&g_ConfigLock);
    ExReleasePushLockExclusive(&g_ConfigLock); /* 4: not held exclusive */
}

/* ---- Lookaside lists: every entry is a pool block of the list's tag -------------------------------- */
static NPAGED_LOOKASIDE_LIST g_RxLookaside;
static LOOKASIDE_LIST_EX g_TxLookaside;
static ULONG g_CustomAllocations, g_CustomFrees;

static PVOID NicTxAllocate(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag, PLOOKASIDE_LIST_EX Lookaside) {
    ++g_CustomAllocations;
    (void)Lookaside;
    return ExAllocatePoolWithTag(PoolType, NumberOfBytes, Tag);
}

static VOID NicTxFree(PVOID Buffer, PLOOKASIDE_LIST_EX Lookaside) {
    ++g_CustomFrees;
    ExFreePoolWithTag(Buffer, Lookaside->L.Tag);
}

int WdkNameLookasideInit(void) {
    ExInitializeNPagedLookasideList(&g_RxLookaside, NULL, NULL, POOL_NX_ALLOCATION, sizeof(NIC_RX_BUFFER), NIC_TAG_RX,
                                    0);
    CHECK(g_RxLookaside.L.Tag == NIC_TAG_RX && g_RxLookaside.L.Size == sizeof(NIC_RX_BUFFER));
    CHECK(
        ExInitializeLookasideListEx(&g_TxLookaside, NULL, NULL, NonPagedPoolNx,
                                    EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL | EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE,
                                    64, NIC_TAG_TX, 0) == STATUS_INVALID_PARAMETER_5);
    CHECK(ExInitializeLookasideListEx(&g_TxLookaside, NicTxAllocate, NicTxFree, NonPagedPoolNx, 0, 64, NIC_TAG_TX, 0) ==
          STATUS_SUCCESS);
    return 0;
}

/* Allocates `Count` entries from each list (kept in *Rx and *Tx). */
int WdkNameLookasideAllocate(int Count, void **Rx, void **Tx) {
    int i;
    for (i = 0; i < Count; ++i) {
        PNIC_RX_BUFFER Buffer = (PNIC_RX_BUFFER)ExAllocateFromNPagedLookasideList(&g_RxLookaside);
        CHECK(Buffer != NULL);
        Buffer->Length = 0;
        Rx[i] = Buffer;
        Tx[i] = ExAllocateFromLookasideListEx(&g_TxLookaside);
        CHECK(Tx[i] != NULL);
    }
    CHECK(g_CustomAllocations == (ULONG)Count);
    CHECK(g_RxLookaside.L.TotalAllocates == (ULONG)Count);
    return 0;
}

int WdkNameLookasideFree(int Count, void **Rx, void **Tx) {
    int i;
    for (i = 0; i < Count; ++i) {
        ExFreeToNPagedLookasideList(&g_RxLookaside, Rx[i]);
        ExFreeToLookasideListEx(&g_TxLookaside, Tx[i]);
    }
    CHECK(g_CustomFrees == (ULONG)Count);
    CHECK(g_RxLookaside.L.TotalFrees == (ULONG)Count);
    ExDeleteNPagedLookasideList(&g_RxLookaside);
    ExFlushLookasideListEx(&g_TxLookaside);
    ExDeleteLookasideListEx(&g_TxLookaside);
    return 0;
}

/* An allocation from a deleted list: reported like a failed assertion (the entry still comes). */
void *WdkNameLookasideAfterDelete(void) { return ExAllocateFromNPagedLookasideList(&g_RxLookaside); }

/* ---- Pool: ExFreePool2 -------------------------------------------------------------------------------- */
int WdkNameFreePool2(int WrongTag) {
    PVOID Block = ExAllocatePool3(POOL_FLAG_NON_PAGED, 24, NIC_TAG_TX, NULL, 0);
    CHECK(Block != NULL);
    ExFreePool2(Block, WrongTag ? NIC_TAG_RX : NIC_TAG_TX, NULL, 0);
    return 0;
}

/* ---- Time, processors, byte order, fenced loads and stores, copies ------------------------------------ */
int WdkNameTimeAndProcessors(long long UnixSeconds) {
    LARGE_INTEGER Frequency, First, Second, SystemTime;
    PROCESSOR_NUMBER Processor;
    ULONG Index;
    LONGLONG Seconds;

    First = KeQueryPerformanceCounter(&Frequency);
    Second = KeQueryPerformanceCounter(NULL);
    CHECK(Frequency.QuadPart == 10000000);
    CHECK(First.QuadPart > 0 && Second.QuadPart >= First.QuadPart);
    KeQuerySystemTimePrecise(&SystemTime);
    /* 100 ns units since 1601: the same second as the test's time(), give or take a minute. */
    Seconds = (SystemTime.QuadPart - 116444736000000000LL) / 10000000LL;
    CHECK(Seconds > UnixSeconds - 60 && Seconds < UnixSeconds + 60);
    Index = KeGetCurrentProcessorNumberEx(&Processor);
    CHECK(Processor.Group == 0 && Processor.Number == (UCHAR)Index && Processor.Reserved == 0);
    CHECK(KeGetCurrentProcessorNumberEx(NULL) < 4096);
    CHECK(KeQueryActiveProcessorCountEx(ALL_PROCESSOR_GROUPS) >= 1);
    return 0;
}

int WdkNameByteOrderAndFences(void) {
    volatile LONG Counter = 0;
    volatile LONG64 Big = 0;
    volatile ULONG Flags = 0;
    volatile UCHAR Byte = 0;
    PVOID volatile Pointer = NULL;
    UCHAR Source[16], Destination[16];
    int i;

    CHECK(RtlUshortByteSwap(0x1122) == 0x2211);
    CHECK(RtlUlongByteSwap(0x11223344UL) == 0x44332211UL);
    CHECK(RtlUlonglongByteSwap(0x1122334455667788ULL) == 0x8877665544332211ULL);

    WriteNoFence(&Counter, 7);
    CHECK(ReadNoFence(&Counter) == 7);
    WriteRelease(&Counter, -3);
    CHECK(ReadAcquire(&Counter) == -3);
    WriteNoFence64(&Big, -((LONG64)1 << 40));
    CHECK(ReadNoFence64(&Big) == -((LONG64)1 << 40));
    WriteULongNoFence(&Flags, 0x80000001UL);
    CHECK(ReadULongNoFence(&Flags) == 0x80000001UL && ReadULongAcquire(&Flags) == 0x80000001UL);
    WriteUCharRelease(&Byte, 0xFE);
    CHECK(ReadUCharNoFence(&Byte) == 0xFE);
    WritePointerRelease(&Pointer, (PVOID)&Counter);
    CHECK(ReadPointerAcquire(&Pointer) == (PVOID)&Counter && ReadPointerNoFence(&Pointer) == (PVOID)&Counter);

    for (i = 0; i < 16; ++i) Source[i] = (UCHAR)(i * 9);
    RtlCopyMemoryNonTemporal(Destination, Source, sizeof(Source));
    CHECK(RtlEqualMemory(Destination, Source, sizeof(Source)));
    return 0;
}

void WdkNameFailFast(void) { RtlFailFast(FAST_FAIL_INVALID_ARG); }

/* ---- Bitmaps: the NIC's receive-slot map ---------------------------------------------------------------- */
int WdkNameBitmap(void) {
    ULONG Bits[3]; /* 70 bits used */
    RTL_BITMAP Map;

    RtlInitializeBitMap(&Map, Bits, 70);
    CHECK(Map.SizeOfBitMap == 70 && Map.Buffer == Bits);
    RtlClearAllBits(&Map);
    CHECK(RtlNumberOfSetBits(&Map) == 0 && RtlNumberOfClearBits(&Map) == 70);
    RtlSetBit(&Map, 0);
    RtlSetBit(&Map, 33);
    CHECK(Bits[0] == 1u && Bits[1] == 2u);
    CHECK(RtlTestBit(&Map, 33) && !RtlTestBit(&Map, 32) && RtlCheckBit(&Map, 0) == 1);
    RtlClearBit(&Map, 0);
    CHECK(!RtlTestBit(&Map, 0));
    RtlSetBits(&Map, 10, 20); /* 10..29 */
    CHECK(RtlAreBitsSet(&Map, 10, 20) && !RtlAreBitsSet(&Map, 9, 2) && RtlAreBitsClear(&Map, 0, 10));
    CHECK(!RtlAreBitsClear(&Map, 60, 20)); /* past the end */
    CHECK(RtlNumberOfSetBits(&Map) == 21);
    CHECK(RtlFindClearBits(&Map, 3, 0) == 0);   /* 0..2 */
    CHECK(RtlFindClearBits(&Map, 3, 12) == 30); /* from the hint: 30..32 (33 is set: 30, 31, 32) */
    CHECK(RtlFindClearBits(&Map, 4, 12) == 34); /* 34..37 */
    CHECK(RtlFindClearBits(&Map, 8, 66) == 0);  /* wraps to the start: 0..7 */
    CHECK(RtlFindClearBits(&Map, 40, 0) == 0xFFFFFFFF);
    CHECK(RtlFindClearBits(&Map, 71, 0) == 0xFFFFFFFF);
    CHECK(RtlFindSetBits(&Map, 5, 0) == 10);
    CHECK(RtlFindSetBits(&Map, 21, 0) == 0xFFFFFFFF);
    CHECK(RtlFindClearBitsAndSet(&Map, 2, 40) == 40 && RtlAreBitsSet(&Map, 40, 2));
    CHECK(RtlFindSetBitsAndClear(&Map, 2, 40) == 40 && RtlAreBitsClear(&Map, 40, 2));
    RtlClearBits(&Map, 10, 20);
    CHECK(RtlNumberOfSetBits(&Map) == 1);
    RtlSetAllBits(&Map);
    CHECK(RtlNumberOfSetBits(&Map) == 70 && RtlFindClearBits(&Map, 1, 0) == 0xFFFFFFFF);
    return 0;
}

/* ---- ntstrsafe.h ------------------------------------------------------------------------------------- */
static int WideEquals(const WCHAR *a, const WCHAR *b) {
    while (*a != 0 && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

int WdkNameStrings(void) {
    char Buffer[32];
    WCHAR Wide[16];
    size_t Length = 99;
    UNICODE_STRING Name;
    ANSI_STRING Ansi = {3, 8, (PCHAR) "abcdef"};

    /* Copy: success, truncation (STATUS_BUFFER_OVERFLOW, NUL-terminated), a bad size. */
    CHECK(RtlStringCbCopyA(Buffer, sizeof(Buffer), "hello") == STATUS_SUCCESS && strcmp(Buffer, "hello") == 0);
    CHECK(RtlStringCbCopyA(Buffer, 4, "hello") == STATUS_BUFFER_OVERFLOW && strcmp(Buffer, "hel") == 0);
    CHECK(RtlStringCchCopyA(Buffer, 6, "hello") == STATUS_SUCCESS && strcmp(Buffer, "hello") == 0);
    Buffer[0] = 'x';
    CHECK(RtlStringCchCopyA(Buffer, 0, "hello") == STATUS_INVALID_PARAMETER && Buffer[0] == 'x');
    CHECK(RtlStringCchCopyA(Buffer, (size_t)NTSTRSAFE_MAX_CCH + 1, "hi") == STATUS_INVALID_PARAMETER &&
          Buffer[0] == '\0');
    CHECK(!NT_SUCCESS(STATUS_BUFFER_OVERFLOW));
    CHECK(RtlStringCchCopyW(Wide, 4, u"hello") == STATUS_BUFFER_OVERFLOW && WideEquals(Wide, u"hel"));
    CHECK(RtlStringCbCopyW(Wide, 7, u"hello") == STATUS_BUFFER_OVERFLOW && WideEquals(Wide, u"he"));
    CHECK(RtlStringCbCopyW(Wide, sizeof(Wide), u"hello") == STATUS_SUCCESS && WideEquals(Wide, u"hello"));
    CHECK(RtlStringCchCopyNA(Buffer, sizeof(Buffer), "abcdef", 3) == STATUS_SUCCESS && strcmp(Buffer, "abc") == 0);

    /* Cat. */
    CHECK(RtlStringCbCopyA(Buffer, sizeof(Buffer), "ab") == STATUS_SUCCESS);
    CHECK(RtlStringCbCatA(Buffer, sizeof(Buffer), "cd") == STATUS_SUCCESS && strcmp(Buffer, "abcd") == 0);
    CHECK(RtlStringCbCatA(Buffer, 6, "efgh") == STATUS_BUFFER_OVERFLOW && strcmp(Buffer, "abcde") == 0);
    CHECK(RtlStringCchCatW(Wide, 8, u"!!!") == STATUS_BUFFER_OVERFLOW && WideEquals(Wide, u"hello!!"));

    /* Length. */
    CHECK(RtlStringCchLengthA("abc", 10, &Length) == STATUS_SUCCESS && Length == 3);
    CHECK(RtlStringCchLengthA("abc", 3, &Length) == STATUS_INVALID_PARAMETER && Length == 0);
    CHECK(RtlStringCchLengthA(NULL, 3, &Length) == STATUS_INVALID_PARAMETER);
    CHECK(RtlStringCchLengthA("abc", 4, NULL) == STATUS_SUCCESS);
    CHECK(RtlStringCbLengthA("abcd", 5, &Length) == STATUS_SUCCESS && Length == 4);
    CHECK(RtlStringCchLengthW(u"wide", 5, &Length) == STATUS_SUCCESS && Length == 4);
    CHECK(RtlStringCbLengthW(u"wide", 10, &Length) == STATUS_SUCCESS && Length == 8);
    CHECK(RtlStringCbLengthW(u"wide", 8, &Length) == STATUS_INVALID_PARAMETER && Length == 0);

    /* printf: Windows' codes. */
    CHECK(RtlStringCbPrintfA(Buffer, sizeof(Buffer), "%s|%d|%08x|%I64u", "ab", -5, 0xbeefu, 1ULL << 40) ==
              STATUS_SUCCESS &&
          strcmp(Buffer, "ab|-5|0000beef|1099511627776") == 0);
    CHECK(RtlStringCbPrintfA(Buffer, sizeof(Buffer), "%ws %S %hs %Z", u"w1", u"w2", "n", &Ansi) == STATUS_SUCCESS &&
          strcmp(Buffer, "w1 w2 n abc") == 0);
    CHECK(RtlStringCchPrintfA(Buffer, sizeof(Buffer), "%p", (PVOID)0x1234) == STATUS_SUCCESS &&
          strcmp(Buffer, "0000000000001234") == 0);
    CHECK(RtlStringCchPrintfA(Buffer, sizeof(Buffer), "[%-4s][%4s][%.2s][%c%C]", "a", "b", "xyz", 'q', u'r') ==
              STATUS_SUCCESS &&
          strcmp(Buffer, "[a   ][   b][xy][qr]") == 0);
    CHECK(RtlStringCchPrintfA(Buffer, sizeof(Buffer), "%lu %Iu %hd %s", 4000000000UL, (SIZE_T)7, (short)-2,
                              (char *)NULL) == STATUS_SUCCESS &&
          strcmp(Buffer, "4000000000 7 -2 (null)") == 0);
    CHECK(RtlStringCbPrintfA(Buffer, 8, "%s", "truncated") == STATUS_BUFFER_OVERFLOW && strcmp(Buffer, "truncat") == 0);
    CHECK(RtlStringCbPrintfA(Buffer, sizeof(Buffer), "%d%n", 1, &Length) == STATUS_INVALID_PARAMETER);
    CHECK(RtlStringCbPrintfA(Buffer, 0, "x") == STATUS_INVALID_PARAMETER);
    RtlInitUnicodeString(&Name, u"Nic0");
    CHECK(RtlStringCchPrintfW(Wide, 16, u"%wZ:%s=%d", &Name, u"mtu", 1500) == STATUS_SUCCESS &&
          WideEquals(Wide, u"Nic0:mtu=1500"));
    CHECK(RtlStringCchPrintfW(Wide, 6, u"%s=%d", u"key", 42) == STATUS_BUFFER_OVERFLOW && WideEquals(Wide, u"key=4"));
    CHECK(RtlStringCbPrintfW(Wide, sizeof(Wide), u"%hs/%c/%S", "narrow", u'w', "n2") == STATUS_SUCCESS &&
          WideEquals(Wide, u"narrow/w/n2"));
    return 0;
}
