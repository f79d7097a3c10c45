/*
 * Module-side half of wdk_support_test: C11 code written against include/kmcl/WdkCompat.h the
 * way driver code uses it, compiled with -std=c11 -Wall -Wextra -Werror
 * -Werror=implicit-function-declaration (tests/CMakeLists.txt). Each Wdkc* check returns 0, or
 * the line of the first expectation that failed; wdk_support_test.cpp calls them and checks what
 * the tester recorded.
 */
#include <WdkCompat.h>

#include "wdk_compat_module.h"

#define CHECK(c)                                                                                                       \
    do {                                                                                                               \
        if (!(c)) return __LINE__;                                                                                     \
    } while (0)

/* ---- Structures: packing shims, structure macros ---------------------------------------------- */
#include <pshpack1.h>
typedef struct _PACKED1 {
    UCHAR Type;
    ULONG32 Length;
    USHORT Flags;
    UCHAR Data[ANYSIZE_ARRAY];
} PACKED1;
#include <poppack.h>

#include <pshpack2.h>
typedef struct _PACKED2 {
    UCHAR Type;
    ULONG Length;
} PACKED2;
#include <poppack.h>

#include <pshpack4.h>
typedef struct _PACKED4 {
    UCHAR Type;
    ULONG64 Value;
} PACKED4;
#include <poppack.h>

#include <pshpack8.h>
typedef struct _PACKED8 {
    UCHAR Type;
    ULONG64 Value;
} PACKED8;
#include <poppack.h>

typedef struct _NATURAL {
    UCHAR Type;
    ULONG Length;
} NATURAL; /* after poppack.h: natural alignment again */

C_ASSERT(sizeof(PACKED1) == 8);
C_ASSERT(FIELD_OFFSET(PACKED1, Length) == 1);
C_ASSERT(FIELD_OFFSET(PACKED1, Data) == 7);
C_ASSERT(sizeof(PACKED2) == 6);
C_ASSERT(sizeof(PACKED4) == 12);
C_ASSERT(sizeof(PACKED8) == 16);
C_ASSERT(sizeof(NATURAL) == 8);
C_ASSERT(RTL_FIELD_SIZE(PACKED1, Flags) == 2);
C_ASSERT(RTL_SIZEOF_THROUGH_FIELD(PACKED1, Flags) == 7);
C_ASSERT(RTL_NUMBER_OF_FIELD(PACKED1, Data) == 1);

/* Windows widths. */
C_ASSERT(sizeof(ULONG) == 4 && sizeof(LONG) == 4 && sizeof(NTSTATUS) == 4 && sizeof(ULONG32) == 4);
C_ASSERT(sizeof(BOOL) == 4 && sizeof(BOOLEAN) == 1 && sizeof(WCHAR) == 2 && sizeof(CSHORT) == 2);
C_ASSERT(sizeof(ULONG_PTR) == sizeof(PVOID) && sizeof(HANDLE) == sizeof(PVOID) && sizeof(SIZE_T) == 8);
C_ASSERT(sizeof(LARGE_INTEGER) == 8 && sizeof(ULARGE_INTEGER) == 8 && sizeof(GUID) == 16);
C_ASSERT(sizeof(KSPIN_LOCK) == sizeof(ULONG_PTR) && sizeof(KIRQL) == 1 && sizeof(POOL_FLAGS) == 8);

typedef struct DECLSPEC_ALIGN(32) _ALIGNED32 {
    UCHAR Byte;
} ALIGNED32;
C_ASSERT(TYPE_ALIGNMENT(ALIGNED32) == 32);

FORCEINLINE ULONG WdkcTwice(_In_ ULONG Value) { return Value * 2; }
static FORCEINLINE ULONG WdkcThrice(_In_ ULONG Value) { return Value * 3; }

DEFINE_GUID(WDKC_TEST_GUID, 0x01234567, 0x89ab, 0xcdef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef);

int WdkcStructures(void) {
    static const UCHAR Table[] = {1, 2, 3, 4, 5};
    LARGE_INTEGER Li;
    UNICODE_STRING Name;
    MDL Mdl;
    PMDL pMdl = &Mdl;
    UCHAR Buffer[64];
    PBYTE p = Buffer;
    GUID Copy;

    CHECK(RTL_NUMBER_OF(Table) == 5 && ARRAYSIZE(Table) == 5);
    CHECK(min(3, 7) == 3 && max(3, 7) == 7);
    CHECK(ALIGN_UP_BY(13, 8) == 16 && ALIGN_DOWN_BY(13, 8) == 8 && ROUND_TO_PAGES(1) == PAGE_SIZE);
    CHECK(FlagOn(0x6u, 0x2u) && !BooleanFlagOn(0x6u, 0x1u));
    CHECK(WdkcTwice(WdkcThrice(2)) == 12);

    Li.QuadPart = 0x1122334455667788LL;
    CHECK(Li.LowPart == 0x55667788u && Li.HighPart == 0x11223344 && Li.u.LowPart == 0x55667788u);

    RtlInitUnicodeString(&Name, u"COM1");
    CHECK(Name.Length == 8 && Name.MaximumLength == 10 && Name.Buffer[3] == u'1');

    RtlZeroMemory(&Mdl, sizeof(Mdl));
    Mdl.StartVa = Buffer;
    Mdl.ByteOffset = 4;
    Mdl.ByteCount = 16;
    CHECK(MmGetMdlByteCount(pMdl) == 16 && MmGetMdlVirtualAddress(pMdl) == (PVOID)(p + 4));

    RtlCopyMemory(&Copy, &WDKC_TEST_GUID, sizeof(GUID));
    CHECK(IsEqualGUID(&Copy, &WDKC_TEST_GUID) && Copy.Data4[7] == 0xef);

    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL && DISPATCH_LEVEL == 2);
    return 0;
}

int WdkcStatusCodes(void) {
    CHECK(STATUS_INVALID_DEVICE_STATE == (NTSTATUS)0xC0000184);
    CHECK(STATUS_INTEGER_OVERFLOW == (NTSTATUS)0xC0000095);
    CHECK(STATUS_PENDING == (NTSTATUS)0x00000103);
    CHECK(STATUS_CANCELLED == (NTSTATUS)0xC0000120);
    CHECK(STATUS_NOT_FOUND == (NTSTATUS)0xC0000225);
    CHECK(STATUS_INVALID_DEVICE_REQUEST == (NTSTATUS)0xC0000010);
    CHECK(STATUS_UNKNOWN_REVISION == (NTSTATUS)0xC0000058);
    CHECK(NT_SUCCESS(STATUS_PENDING) && !NT_INFORMATION(STATUS_PENDING) && NT_INFORMATION((NTSTATUS)0x40000000));
    CHECK(!NT_SUCCESS(STATUS_BUFFER_OVERFLOW) && NT_WARNING(STATUS_BUFFER_OVERFLOW));
    CHECK(NT_ERROR(STATUS_CANCELLED) && !NT_ERROR(STATUS_SUCCESS));
    return 0;
}

/* ---- Memory routines ---------------------------------------------------------------------------- */
int WdkcMemory(void) {
    UCHAR a[16], b[16];
    ULONG i;

    RtlFillMemory(a, sizeof(a), 0x5A); /* (Destination, Length, Fill): not memset's order */
    for (i = 0; i < sizeof(a); i++) CHECK(a[i] == 0x5A);
    RtlCopyMemory(b, a, sizeof(b));
    CHECK(RtlEqualMemory(a, b, sizeof(a)));
    b[5] = 0;
    CHECK(RtlCompareMemory(a, b, sizeof(a)) == 5); /* equal leading bytes, not a sign */
    CHECK(RtlCompareMemory(a, a, sizeof(a)) == sizeof(a));
    for (i = 0; i < sizeof(a); i++) a[i] = (UCHAR)i;
    RtlMoveMemory(a + 2, a, 8); /* overlapping */
    CHECK(a[2] == 0 && a[9] == 7 && a[10] == 10);
    RtlZeroMemory(a, 4);
    CHECK(a[0] == 0 && a[3] == 0 && a[4] == 2);
    RtlSecureZeroMemory(a, sizeof(a));
    CHECK(a[15] == 0);
    return 0;
}

/* ---- Safe integers -------------------------------------------------------------------------------- */
int WdkcIntSafe(void) {
    ULONG u = 0;
    ULONGLONG ull = 0;
    SIZE_T s = 0;
    USHORT us = 0;

    CHECK(RtlULongAdd(0xFFFFFFF0u, 0x0F, &u) == STATUS_SUCCESS && u == 0xFFFFFFFFu);
    CHECK(RtlULongAdd(0xFFFFFFF0u, 0x10, &u) == STATUS_INTEGER_OVERFLOW && u == ULONG_ERROR);
    CHECK(RtlULongSub(1, 2, &u) == STATUS_INTEGER_OVERFLOW && u == ULONG_ERROR);
    CHECK(RtlULongMult(0x10000, 0x10000, &u) == STATUS_INTEGER_OVERFLOW);
    CHECK(RtlULongMult(0x1000, 0x1000, &u) == STATUS_SUCCESS && u == 0x1000000u);
    CHECK(RtlUShortAdd(0xFFFF, 1, &us) == STATUS_INTEGER_OVERFLOW && us == USHORT_ERROR);
    CHECK(RtlULongLongAdd(~0ULL, 1, &ull) == STATUS_INTEGER_OVERFLOW && ull == ULONGLONG_ERROR);
    CHECK(RtlSizeTMult((SIZE_T)1 << 40, (SIZE_T)1 << 30, &s) == STATUS_INTEGER_OVERFLOW);
    CHECK(RtlULongLongToULong(0x100000000ULL, &u) == STATUS_INTEGER_OVERFLOW && u == ULONG_ERROR);
    CHECK(RtlULongLongToULong(7, &u) == STATUS_SUCCESS && u == 7);
    CHECK(RtlULongToUShort(0x10000, &us) == STATUS_INTEGER_OVERFLOW);
    return 0;
}

/* ---- Interlocked operations ----------------------------------------------------------------------- */
int WdkcInterlocked(void) {
    volatile LONG v = 5;
    volatile LONG64 w = 1;
    PVOID volatile ptr = NULL;
    int x, y;

    CHECK(InterlockedIncrement(&v) == 6 && v == 6);
    CHECK(InterlockedDecrement(&v) == 5);
    CHECK(InterlockedExchange(&v, 9) == 5 && v == 9);
    CHECK(InterlockedCompareExchange(&v, 1, 8) == 9 && v == 9); /* no match: unchanged */
    CHECK(InterlockedCompareExchange(&v, 1, 9) == 9 && v == 1);
    CHECK(InterlockedExchangeAdd(&v, 4) == 1 && v == 5);
    CHECK(InterlockedAdd(&v, 4) == 9);
    CHECK(InterlockedOr(&v, 0x10) == 9 && v == 0x19);
    CHECK(InterlockedAnd(&v, 0x11) == 0x19 && v == 0x11);
    CHECK(InterlockedXor(&v, 0x01) == 0x11 && v == 0x10);
    CHECK(InterlockedIncrement64(&w) == 2 && InterlockedAdd64(&w, 0x100000000LL) == 0x100000002LL);
    CHECK(InterlockedCompareExchange64(&w, 0, 0x100000002LL) == 0x100000002LL && w == 0);
    CHECK(InterlockedExchangePointer(&ptr, &x) == NULL && ptr == &x);
    CHECK(InterlockedCompareExchangePointer(&ptr, &y, &x) == &x && ptr == &y);
    return 0;
}

/* ---- Lists ----------------------------------------------------------------------------------------- */
typedef struct _ITEM {
    ULONG Id;
    LIST_ENTRY Link;
    SINGLE_LIST_ENTRY Next;
} ITEM;

int WdkcLists(void) {
    LIST_ENTRY Head, Other;
    SINGLE_LIST_ENTRY Stack = {NULL};
    ITEM Items[4];
    PLIST_ENTRY Entry;
    ULONG i;

    InitializeListHead(&Head);
    CHECK(IsListEmpty(&Head));
    for (i = 0; i < 4; i++) Items[i].Id = i;
    InsertTailList(&Head, &Items[1].Link);
    InsertTailList(&Head, &Items[2].Link);
    InsertHeadList(&Head, &Items[0].Link); /* 0 1 2 */
    CHECK(!IsListEmpty(&Head));
    CHECK(CONTAINING_RECORD(Head.Flink, ITEM, Link) == &Items[0]);
    CHECK(CONTAINING_RECORD(Head.Blink, ITEM, Link)->Id == 2);

    Entry = RemoveHeadList(&Head); /* 1 2 */
    CHECK(CONTAINING_RECORD(Entry, ITEM, Link) == &Items[0]);
    Entry = RemoveTailList(&Head); /* 1 */
    CHECK(CONTAINING_RECORD(Entry, ITEM, Link) == &Items[2]);
    CHECK(RemoveEntryList(&Items[1].Link) == TRUE); /* TRUE: the list is empty now */
    CHECK(IsListEmpty(&Head));

    InsertTailList(&Head, &Items[0].Link);
    InitializeListHead(&Other);
    InsertTailList(&Other, &Items[1].Link);
    InsertTailList(&Other, &Items[2].Link);
    Entry = Other.Flink;
    RemoveEntryList(&Other); /* a headless list 1 2, appended as a whole */
    AppendTailList(&Head, Entry);
    for (i = 0, Entry = Head.Flink; Entry != &Head; Entry = Entry->Flink, i++) {
        CHECK(CONTAINING_RECORD(Entry, ITEM, Link)->Id == i);
    }
    CHECK(i == 3);
    CHECK(RemoveEntryList(&Items[1].Link) == FALSE);

    PushEntryList(&Stack, &Items[0].Next);
    PushEntryList(&Stack, &Items[3].Next);
    CHECK(CONTAINING_RECORD(PopEntryList(&Stack), ITEM, Next)->Id == 3);
    CHECK(CONTAINING_RECORD(PopEntryList(&Stack), ITEM, Next)->Id == 0);
    CHECK(PopEntryList(&Stack) == NULL);
    return 0;
}

void WdkcRemoveCorruptEntry(void) {
    LIST_ENTRY Head, Bogus;
    ITEM Item;

    InitializeListHead(&Head);
    InsertTailList(&Head, &Item.Link);
    Item.Link.Blink = &Bogus; /* a stray write over the link */
    Bogus.Flink = &Bogus;
    RemoveEntryList(&Item.Link); /* the WDK's check fails fast here */
}

/* ---- Assertions, locks, debug output --------------------------------------------------------------- */
ULONG WdkcAssertLine;

int WdkcFailAssertions(int Value, int *Evaluations) {
    BOOLEAN Result;

    WdkcAssertLine = __LINE__ + 1;
    Result = NT_ASSERT(Value == 42);
    CHECK(Result == (Value == 42));
    ASSERT(Value == 42);
    CHECK(NT_VERIFY(++*Evaluations > 0)); /* evaluated once, and true */
    NT_ASSERTMSG("the answer", Value == 42);
    return 0;
}

void WdkcMisuseSpinLock(void) {
    KSPIN_LOCK Lock;
    KIRQL OldIrql;

    KeInitializeSpinLock(&Lock);
    KeAcquireSpinLock(&Lock, &OldIrql);
    KeAcquireSpinLock(&Lock, &OldIrql); /* held already: a deadlock on Windows */
    KeReleaseSpinLock(&Lock, OldIrql);
    KeReleaseSpinLock(&Lock, OldIrql); /* not held */
}

int WdkcUseLocksCorrectly(void) {
    KSPIN_LOCK Lock;
    KLOCK_QUEUE_HANDLE Handle;
    FAST_MUTEX Mutex;
    KIRQL OldIrql;

    KeInitializeSpinLock(&Lock);
    KeAcquireSpinLock(&Lock, &OldIrql);
    CHECK(OldIrql == PASSIVE_LEVEL && !KeTestSpinLock(&Lock));
    KeReleaseSpinLock(&Lock, OldIrql);
    CHECK(KeTestSpinLock(&Lock));
    KeAcquireInStackQueuedSpinLock(&Lock, &Handle);
    CHECK(!KeTryToAcquireSpinLockAtDpcLevel(&Lock));
    KeReleaseInStackQueuedSpinLock(&Handle);
    KeAcquireSpinLockAtDpcLevel(&Lock);
    KeReleaseSpinLockFromDpcLevel(&Lock);
    ExInitializeFastMutex(&Mutex);
    ExAcquireFastMutex(&Mutex);
    CHECK(!ExTryToAcquireFastMutex(&Mutex));
    ExReleaseFastMutex(&Mutex);
    PAGED_CODE();
    return 0;
}

void WdkcDebugPrint(void) {
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "wdkc error %d\n", 1);
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_TRACE_LEVEL, "wdkc trace %d\n", 2);
    KdPrint(("wdkc kdprint %s\n", "3"));
    KdPrintEx((DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "wdkc kdprintex %u\n", 4u));
}

/* ---- Pool, through the header's routines ------------------------------------------------------------- */
PVOID WdkcAllocatePool2(SIZE_T Size, ULONG Tag, BOOLEAN Uninitialized) {
    return ExAllocatePool2(POOL_FLAG_NON_PAGED | (Uninitialized ? POOL_FLAG_UNINITIALIZED : 0), Size, Tag);
}

PVOID WdkcAllocatePoolWithTag(SIZE_T Size, ULONG Tag) { return ExAllocatePoolWithTag(NonPagedPoolNx, Size, Tag); }

PVOID WdkcAllocatePoolZero(SIZE_T Size, ULONG Tag) { return ExAllocatePoolZero(PagedPool, Size, Tag); }

PVOID WdkcAllocateCacheAligned(SIZE_T Size, ULONG Tag) {
    return ExAllocatePoolWithTag(NonPagedPoolNxCacheAligned, Size, Tag);
}

void WdkcFreePoolWithTag(PVOID P, ULONG Tag) { ExFreePoolWithTag(P, Tag); }

void WdkcFreePool(PVOID P) { ExFreePool(P); }

ULONG WdkcTag(void) { return 'kpVS'; } /* a four-character tag, as drivers write them */
