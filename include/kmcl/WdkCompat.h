/*
 * WdkCompat.h - the WDK names ordinary VSP code uses, for vspconform modules (C only).
 *
 * Swap the driver's <ntddk.h> / <wdm.h> (and <ntintsafe.h>) for this one include and its
 * save/restore code compiles on Linux into a module vspconform can check:
 *
 *     #ifdef VSPCONFORM
 *     #include <WdkCompat.h>
 *     #else
 *     #include <ntddk.h>
 *     #include <ntintsafe.h>
 *     #endif
 *     #include <VmbusKernelModeClientLibApi.h>
 *
 * (vspconform_add_module() defines VSPCONFORM.) It includes VmbusKernelModeClientLibApi.h, so
 * the Windows integer types keep their Windows widths (ULONG, LONG and NTSTATUS are 32 bits).
 *
 * What the names do here, where it differs from "the same as in the kernel":
 *   - Memory routines (RtlCopyMemory, RtlCompareMemory, ...) are the C library's, with the WDK's
 *     argument orders and results (RtlFillMemory(Dest, Length, Fill); RtlCompareMemory returns
 *     the number of equal leading bytes, not a sign).
 *   - Pool allocation goes to the tester (VspConformancePoolAllocate/Free), which records every
 *     block by tag so that leaks can be reported per tag. ExAllocatePool2 and ExAllocatePoolZero
 *     zero the block (unless POOL_FLAG_UNINITIALIZED); ExAllocatePoolWithTag, ExAllocatePool and
 *     ExAllocatePoolUninitialized do not: like the kernel they return whatever is there, which
 *     the tester fills with a byte that changes from block to block, so that saving a field that
 *     was never initialized shows up as differing saves instead of passing by luck. Blocks of
 *     PAGE_SIZE or more are page aligned, others 16-byte aligned, as in the kernel. Freeing a
 *     pointer the pool did not hand out (or freeing one twice) is recorded and not executed;
 *     freeing with a tag other than the block's is recorded (and done).
 *   - IRQL is not modelled: the tester calls the module from one thread at PASSIVE_LEVEL, so
 *     KeGetCurrentIrql() is PASSIVE_LEVEL, raising and lowering do nothing, and PAGED_CODE()
 *     checks nothing. Spin locks and fast mutexes exclude nothing (there is no second thread),
 *     but they keep their lock word: acquiring a lock that is held (with one thread, a deadlock
 *     on Windows) and releasing one that is not held are reported like a failed NT_ASSERT.
 *   - Interlocked operations are real atomic operations (sequentially consistent).
 *   - The list functions check their links like the WDK's (unless NO_KERNEL_LIST_ENTRY_CHECKS):
 *     a corrupt LIST_ENTRY fails fast (a bug check on Windows; here the call crashes, which the
 *     tester reports with the rest of the call's findings).
 *   - NT_ASSERT, ASSERT, NT_VERIFY and friends are active (as in a DBG build). A failed one is
 *     reported to the tester (VspConformanceAssertionFailed) and the call goes on, as it would
 *     under a debugger that continues: a finding, not an abort.
 *   - DbgPrintEx, DbgPrint, KdPrint and KdPrintEx write to stderr (the worker log) when
 *     Windows' default filter would show the message: DPFLTR_ERROR_LEVEL messages only. Set
 *     VSPCONFORM_DBGPRINT=1 in the environment to see every message. The Windows-only format
 *     codes (%wZ, %ws, %I64x, ...) are not translated.
 *   - KeBugCheckEx and KeBugCheck print the code and abort: the call crashes; so does RtlFailFast.
 *   - Lookaside lists cache nothing: every entry is a pool block of the list's size and tag, so the
 *     pool records see it. Executive spin locks and push locks keep their lock word like spin locks.
 *   - Clocks, processor numbers and byte swaps are the real ones (KeQueryPerformanceCounter counts
 *     at 10 MHz). MDLs describe one address space: an MDL's system address is its buffer's address.
 *   - The safe string routines (RtlString*) are in ntstrsafe.h, next to this header.
 *   - L"..." literals are 32-bit wchar_t on Linux: use u"..." with WCHAR/UNICODE_STRING.
 *   - MSVC pragmas (#pragma warning, alloc_text, code_seg, prefast) are unknown to clang, and
 *     GCC warns about four-character pool tags ('pVrS'): this header silences -Wunknown-pragmas
 *     and -Wmultichar for the rest of the file.
 *   - min and max are macros, as in the WDK, unless NOMINMAX is defined (define it before
 *     including this header from C++ code that uses std::min).
 *
 * The tester functions declared below are provided by the vspconform process and resolved when
 * the module is loaded, like the KMCL functions; a module never links against them.
 */
#ifndef VSPCONFORM_WDK_COMPAT_H
#define VSPCONFORM_WDK_COMPAT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "VmbusKernelModeClientLibApi.h"

#define VSPCONFORM_WDK_COMPAT 1

/* MSVC pragmas and four-character pool tags ('pVrS') are ordinary in driver code. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wunknown-pragmas"
#pragma clang diagnostic ignored "-Wmultichar"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunknown-pragmas"
#pragma GCC diagnostic ignored "-Wmultichar"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Declaration keywords ------------------------------------------------------------------- */
#ifndef EXTERN_C
#ifdef __cplusplus
#define EXTERN_C extern "C"
#else
#define EXTERN_C extern
#endif
#endif
#ifndef FORCEINLINE
/* Works as "FORCEINLINE T f(...)" and "static FORCEINLINE T f(...)", in C and C++. */
#define FORCEINLINE __inline__ __attribute__((__always_inline__))
#endif
#ifndef DECLSPEC_ALIGN
#define DECLSPEC_ALIGN(x) __attribute__((__aligned__(x)))
#endif
#ifndef DECLSPEC_CACHEALIGN
#define DECLSPEC_CACHEALIGN DECLSPEC_ALIGN(64)
#endif
#ifndef DECLSPEC_NORETURN
#define DECLSPEC_NORETURN __attribute__((__noreturn__))
#endif
#ifndef DECLSPEC_RESTRICT
#define DECLSPEC_RESTRICT
#endif
#ifndef DECLSPEC_IMPORT
#define DECLSPEC_IMPORT
#endif
#ifndef DECLSPEC_EXPORT
#define DECLSPEC_EXPORT __attribute__((__visibility__("default")))
#endif
#ifndef NTKERNELAPI
#define NTKERNELAPI
#endif
#ifndef NTSYSAPI
#define NTSYSAPI
#endif
#ifndef NTHALAPI
#define NTHALAPI
#endif
#ifndef CONST
#define CONST const
#endif
#ifndef IN
#define IN
#endif
#ifndef OUT
#define OUT
#endif
#ifndef OPTIONAL
#define OPTIONAL
#endif
#ifndef UNALIGNED
#define UNALIGNED
#endif
#ifndef DBG_UNREFERENCED_PARAMETER
#define DBG_UNREFERENCED_PARAMETER(P) ((void)(P))
#endif
#ifndef DBG_UNREFERENCED_LOCAL_VARIABLE
#define DBG_UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))
#endif
#ifndef UNREFERENCED_LOCAL_VARIABLE
#define UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))
#endif

/* ---- SAL and driver annotations: nothing on Linux -------------------------------------------- */
/* Buffers and pointers (the basic ones are in VmbusKernelModeClientLibApi.h). */
#ifndef _In_opt_z_
#define _In_opt_z_
#endif
#ifndef _In_reads_opt_
#define _In_reads_opt_(s)
#endif
#ifndef _In_reads_z_
#define _In_reads_z_(s)
#endif
#ifndef _In_reads_or_z_
#define _In_reads_or_z_(s)
#endif
#ifndef _In_range_
#define _In_range_(lo, hi)
#endif
#ifndef _Out_range_
#define _Out_range_(lo, hi)
#endif
#ifndef _Ret_range_
#define _Ret_range_(lo, hi)
#endif
#ifndef _Deref_in_range_
#define _Deref_in_range_(lo, hi)
#endif
#ifndef _Deref_out_range_
#define _Deref_out_range_(lo, hi)
#endif
#ifndef _Out_writes_opt_
#define _Out_writes_opt_(s)
#endif
#ifndef _Out_writes_z_
#define _Out_writes_z_(s)
#endif
#ifndef _Out_writes_to_
#define _Out_writes_to_(s, c)
#endif
#ifndef _Out_writes_to_opt_
#define _Out_writes_to_opt_(s, c)
#endif
#ifndef _Out_writes_all_
#define _Out_writes_all_(s)
#endif
#ifndef _Out_writes_bytes_all_
#define _Out_writes_bytes_all_(s)
#endif
#ifndef _Out_writes_bytes_to_opt_
#define _Out_writes_bytes_to_opt_(s, c)
#endif
#ifndef _Inout_z_
#define _Inout_z_
#endif
#ifndef _Inout_updates_
#define _Inout_updates_(s)
#endif
#ifndef _Inout_updates_opt_
#define _Inout_updates_opt_(s)
#endif
#ifndef _Inout_updates_bytes_opt_
#define _Inout_updates_bytes_opt_(s)
#endif
#ifndef _Inout_updates_to_
#define _Inout_updates_to_(s, c)
#endif
#ifndef _Outptr_opt_
#define _Outptr_opt_
#endif
#ifndef _Outptr_opt_result_maybenull_
#define _Outptr_opt_result_maybenull_
#endif
#ifndef _Outptr_result_buffer_
#define _Outptr_result_buffer_(s)
#endif
#ifndef _Outptr_result_bytebuffer_
#define _Outptr_result_bytebuffer_(s)
#endif
#ifndef _Outptr_result_nullonfailure_
#define _Outptr_result_nullonfailure_
#endif
#ifndef _Result_nullonfailure_
#define _Result_nullonfailure_
#endif
#ifndef _Result_zeroonfailure_
#define _Result_zeroonfailure_
#endif
#ifndef _Ret_notnull_
#define _Ret_notnull_
#endif
#ifndef _Ret_z_
#define _Ret_z_
#endif
#ifndef _Ret_writes_
#define _Ret_writes_(s)
#endif
#ifndef _Ret_writes_bytes_
#define _Ret_writes_bytes_(s)
#endif
#ifndef _Ret_writes_bytes_maybenull_
#define _Ret_writes_bytes_maybenull_(s)
#endif
#ifndef _Post_writable_byte_size_
#define _Post_writable_byte_size_(s)
#endif
#ifndef _Post_writable_size_
#define _Post_writable_size_(s)
#endif
#ifndef _Pre_writable_size_
#define _Pre_writable_size_(s)
#endif
#ifndef _Pre_readable_size_
#define _Pre_readable_size_(s)
#endif
#ifndef _Post_readable_size_
#define _Post_readable_size_(s)
#endif
#ifndef _Pre_notnull_
#define _Pre_notnull_
#endif
#ifndef _Pre_maybenull_
#define _Pre_maybenull_
#endif
#ifndef _Pre_null_
#define _Pre_null_
#endif
#ifndef _Post_notnull_
#define _Post_notnull_
#endif
#ifndef _Post_maybenull_
#define _Post_maybenull_
#endif
#ifndef _Post_null_
#define _Post_null_
#endif
#ifndef _Post_invalid_
#define _Post_invalid_
#endif
#ifndef _Post_ptr_invalid_
#define _Post_ptr_invalid_
#endif
#ifndef _Notnull_
#define _Notnull_
#endif
#ifndef _Maybenull_
#define _Maybenull_
#endif
#ifndef _Null_terminated_
#define _Null_terminated_
#endif
#ifndef _NullNull_terminated_
#define _NullNull_terminated_
#endif
#ifndef _Printf_format_string_
#define _Printf_format_string_
#endif
#ifndef _Reserved_
#define _Reserved_
#endif
#ifndef _Const_
#define _Const_
#endif
#ifndef _Literal_
#define _Literal_
#endif
#ifndef _Points_to_data_
#define _Points_to_data_
#endif
#ifndef _Frees_ptr_
#define _Frees_ptr_
#endif
#ifndef _Frees_ptr_opt_
#define _Frees_ptr_opt_
#endif
#ifndef _Field_size_
#define _Field_size_(s)
#endif
#ifndef _Field_size_opt_
#define _Field_size_opt_(s)
#endif
#ifndef _Field_size_part_
#define _Field_size_part_(s, c)
#endif
#ifndef _Field_size_bytes_
#define _Field_size_bytes_(s)
#endif
#ifndef _Field_size_bytes_opt_
#define _Field_size_bytes_opt_(s)
#endif
#ifndef _Field_size_bytes_part_
#define _Field_size_bytes_part_(s, c)
#endif
#ifndef _Field_size_full_
#define _Field_size_full_(s)
#endif
#ifndef _Field_range_
#define _Field_range_(lo, hi)
#endif
#ifndef _Field_z_
#define _Field_z_
#endif
#ifndef _Struct_size_bytes_
#define _Struct_size_bytes_(s)
#endif
/* Results and conditions. */
#ifndef _Check_return_
#define _Check_return_
#endif
#ifndef _Return_type_success_
#define _Return_type_success_(e)
#endif
#ifndef _Always_
#define _Always_(a)
#endif
#ifndef _On_failure_
#define _On_failure_(a)
#endif
#ifndef _At_
#define _At_(t, a)
#endif
#ifndef _At_buffer_
#define _At_buffer_(t, i, c, a)
#endif
#ifndef _Pre_
#define _Pre_
#endif
#ifndef _Post_
#define _Post_
#endif
#ifndef _Pre_satisfies_
#define _Pre_satisfies_(e)
#endif
#ifndef _Post_satisfies_
#define _Post_satisfies_(e)
#endif
#ifndef _Analysis_assume_
#define _Analysis_assume_(e)
#endif
#ifndef _Analysis_mode_
#define _Analysis_mode_(m)
#endif
#ifndef _Strict_type_match_
#define _Strict_type_match_
#endif
/* Locks. */
#ifndef _Acquires_lock_
#define _Acquires_lock_(l)
#endif
#ifndef _Releases_lock_
#define _Releases_lock_(l)
#endif
#ifndef _Acquires_exclusive_lock_
#define _Acquires_exclusive_lock_(l)
#endif
#ifndef _Releases_exclusive_lock_
#define _Releases_exclusive_lock_(l)
#endif
#ifndef _Acquires_shared_lock_
#define _Acquires_shared_lock_(l)
#endif
#ifndef _Releases_shared_lock_
#define _Releases_shared_lock_(l)
#endif
#ifndef _Requires_lock_held_
#define _Requires_lock_held_(l)
#endif
#ifndef _Requires_lock_not_held_
#define _Requires_lock_not_held_(l)
#endif
#ifndef _Requires_exclusive_lock_held_
#define _Requires_exclusive_lock_held_(l)
#endif
#ifndef _Requires_shared_lock_held_
#define _Requires_shared_lock_held_(l)
#endif
#ifndef _Requires_no_locks_held_
#define _Requires_no_locks_held_
#endif
#ifndef _Guarded_by_
#define _Guarded_by_(l)
#endif
#ifndef _Write_guarded_by_
#define _Write_guarded_by_(l)
#endif
#ifndef _Interlocked_
#define _Interlocked_
#endif
#ifndef _Interlocked_operand_
#define _Interlocked_operand_
#endif
#ifndef _Has_lock_kind_
#define _Has_lock_kind_(k)
#endif
#ifndef _Has_lock_level_
#define _Has_lock_level_(l)
#endif
#ifndef _Lock_level_order_
#define _Lock_level_order_(a, b)
#endif
#ifndef _Create_lock_level_
#define _Create_lock_level_(l)
#endif
#ifndef _No_competing_thread_
#define _No_competing_thread_
#endif
#ifndef _Post_same_lock_
#define _Post_same_lock_(a, b)
#endif
/* IRQL and kernel annotations. */
#ifndef _IRQL_requires_min_
#define _IRQL_requires_min_(i)
#endif
#ifndef _IRQL_raises_
#define _IRQL_raises_(i)
#endif
#ifndef _IRQL_saves_
#define _IRQL_saves_
#endif
#ifndef _IRQL_restores_
#define _IRQL_restores_
#endif
#ifndef _IRQL_saves_global_
#define _IRQL_saves_global_(k, p)
#endif
#ifndef _IRQL_restores_global_
#define _IRQL_restores_global_(k, p)
#endif
#ifndef _IRQL_always_function_max_
#define _IRQL_always_function_max_(i)
#endif
#ifndef _IRQL_always_function_min_
#define _IRQL_always_function_min_(i)
#endif
#ifndef _IRQL_uses_cancel_
#define _IRQL_uses_cancel_
#endif
#ifndef _IRQL_is_cancel_
#define _IRQL_is_cancel_
#endif
#ifndef _IRQL_requires_same_
#define _IRQL_requires_same_
#endif
#ifndef _Kernel_float_saved_
#define _Kernel_float_saved_
#endif
#ifndef _Kernel_float_restored_
#define _Kernel_float_restored_
#endif
#ifndef _Kernel_float_used_
#define _Kernel_float_used_
#endif
#ifndef _Kernel_clear_do_init_
#define _Kernel_clear_do_init_(yn)
#endif
#ifndef _Kernel_requires_resource_held_
#define _Kernel_requires_resource_held_(r)
#endif
#ifndef _Kernel_requires_resource_not_held_
#define _Kernel_requires_resource_not_held_(r)
#endif
#ifndef _Kernel_acquires_resource_
#define _Kernel_acquires_resource_(r)
#endif
#ifndef _Kernel_releases_resource_
#define _Kernel_releases_resource_(r)
#endif
#ifndef _Dispatch_type_
#define _Dispatch_type_(t)
#endif
#ifndef __drv_allocatesMem
#define __drv_allocatesMem(k)
#endif
#ifndef __drv_freesMem
#define __drv_freesMem(k)
#endif
#ifndef __drv_aliasesMem
#define __drv_aliasesMem
#endif
#ifndef __drv_when
#define __drv_when(c, a)
#endif
#ifndef __drv_maxIRQL
#define __drv_maxIRQL(i)
#endif
#ifndef __drv_minIRQL
#define __drv_minIRQL(i)
#endif
#ifndef __drv_requiresIRQL
#define __drv_requiresIRQL(i)
#endif
#ifndef __drv_setsIRQL
#define __drv_setsIRQL(i)
#endif
#ifndef __drv_raisesIRQL
#define __drv_raisesIRQL(i)
#endif
#ifndef __drv_savesIRQL
#define __drv_savesIRQL
#endif
#ifndef __drv_restoresIRQL
#define __drv_restoresIRQL
#endif
#ifndef __drv_savesIRQLGlobal
#define __drv_savesIRQLGlobal(k, p)
#endif
#ifndef __drv_restoresIRQLGlobal
#define __drv_restoresIRQLGlobal(k, p)
#endif
#ifndef __drv_sameIRQL
#define __drv_sameIRQL
#endif
#ifndef __drv_dispatchType
#define __drv_dispatchType(t)
#endif
#ifndef __drv_strictTypeMatch
#define __drv_strictTypeMatch(m)
#endif
#ifndef __drv_strictType
#define __drv_strictType(t, m)
#endif
#ifndef __drv_acquiresResource
#define __drv_acquiresResource(k)
#endif
#ifndef __drv_releasesResource
#define __drv_releasesResource(k)
#endif
#ifndef __drv_mustHold
#define __drv_mustHold(k)
#endif
#ifndef __drv_neverHold
#define __drv_neverHold(k)
#endif
#ifndef __drv_functionClass
#define __drv_functionClass(c)
#endif

/* ---- Types ------------------------------------------------------------------------------------ */
typedef int BOOL, *PBOOL;
typedef int32_t LONG32, *PLONG32;
typedef uint32_t ULONG32, *PULONG32, DWORD32, *PDWORD32;
typedef BYTE *PBYTE, *LPBYTE;
typedef WORD *PWORD;
typedef DWORD *PDWORD;
typedef int16_t CSHORT;
typedef ULONG LOGICAL, *PLOGICAL;
typedef intptr_t SSIZE_T, *PSSIZE_T;
typedef ULONG_PTR *PULONG_PTR, DWORD_PTR;
typedef LONG_PTR *PLONG_PTR;
typedef LONG64 *PLONG64;
typedef LONGLONG *PLONGLONG;
typedef ULONGLONG *PULONGLONG;
typedef SHORT *PSHORT;
typedef void *LPVOID, *PVOID64;
typedef char *PSTR, *LPSTR, *PCH;
typedef const char *PCSTR, *LPCSTR, *PCCH;
typedef WCHAR *PWCHAR, *PWCH, *PWSTR, *LPWSTR;
typedef const WCHAR *PCWCH, *PCWSTR, *LPCWSTR;
typedef void *HANDLE, **PHANDLE;
typedef CCHAR KPROCESSOR_MODE;

typedef union _LARGE_INTEGER {
    struct {
        ULONG LowPart;
        LONG HighPart;
    };
    struct {
        ULONG LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
    struct {
        ULONG LowPart;
        ULONG HighPart;
    };
    struct {
        ULONG LowPart;
        ULONG HighPart;
    } u;
    ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

typedef LARGE_INTEGER PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;

#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
    ULONG Data1;
    USHORT Data2;
    USHORT Data3;
    UCHAR Data4[8];
} GUID;
#endif
typedef GUID *PGUID, *LPGUID;
typedef const GUID *LPCGUID, *PCGUID;
/* A GUID defined where it is used (there is no INITGUID / guid library to link). */
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    static const GUID name __attribute__((__unused__)) = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}
#ifdef __cplusplus
#define IsEqualGUID(a, b) (memcmp(&(a), &(b), sizeof(GUID)) == 0)
#else
#define IsEqualGUID(a, b) (memcmp((a), (b), sizeof(GUID)) == 0)
#endif
#define InlineIsEqualGUID(a, b) IsEqualGUID(a, b)

typedef struct _UNICODE_STRING {
    USHORT Length;        /* in bytes, without a terminating NUL */
    USHORT MaximumLength; /* in bytes */
    _Field_size_bytes_part_(MaximumLength, Length) PWCH Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING *PCUNICODE_STRING;

typedef struct _STRING {
    USHORT Length;
    USHORT MaximumLength;
    _Field_size_bytes_part_(MaximumLength, Length) PCHAR Buffer;
} STRING, *PSTRING, ANSI_STRING, *PANSI_STRING;
typedef const STRING *PCSTRING, *PCANSI_STRING;

/* RTL_CONSTANT_STRING(u"text"): u"" literals are 16-bit, like WCHAR (L"" is 32-bit here). */
#define RTL_CONSTANT_STRING(s) {(USHORT)(sizeof(s) - sizeof((s)[0])), (USHORT)sizeof(s), (PWCH)(s)}

static inline VOID RtlInitUnicodeString(_Out_ PUNICODE_STRING DestinationString, _In_opt_z_ PCWSTR SourceString) {
    size_t Length = 0;
    if (SourceString != NULL) {
        while (SourceString[Length] != 0) ++Length;
    }
    DestinationString->Length = (USHORT)(Length * sizeof(WCHAR));
    DestinationString->MaximumLength = (USHORT)((Length + 1) * sizeof(WCHAR));
    DestinationString->Buffer = (PWCH)SourceString;
}

/* Memory descriptor lists: the structure, for code that passes them around. */
struct _EPROCESS;
typedef struct _EPROCESS *PEPROCESS;
typedef struct _MDL {
    struct _MDL *Next;
    CSHORT Size;
    CSHORT MdlFlags;
    PEPROCESS Process;
    PVOID MappedSystemVa;
    PVOID StartVa;
    ULONG ByteCount;
    ULONG ByteOffset;
} MDL, *PMDL;
#define MmGetMdlByteCount(Mdl) ((Mdl)->ByteCount)
#define MmGetMdlByteOffset(Mdl) ((Mdl)->ByteOffset)
#define MmGetMdlVirtualAddress(Mdl) ((PVOID)((PCHAR)((Mdl)->StartVa) + (Mdl)->ByteOffset))

/* ---- Status codes (the ones VmbusKernelModeClientLibApi.h lacks) ------------------------------ */
#define NT_INFORMATION(Status) ((((ULONG)(Status)) >> 30) == 1)
#define NT_WARNING(Status) ((((ULONG)(Status)) >> 30) == 2)
#define NT_ERROR(Status) ((((ULONG)(Status)) >> 30) == 3)

#ifndef STATUS_WAIT_0
#define STATUS_WAIT_0 ((NTSTATUS)0x00000000L)
#endif
#ifndef STATUS_TIMEOUT
#define STATUS_TIMEOUT ((NTSTATUS)0x00000102L)
#endif
#ifndef STATUS_PENDING
#define STATUS_PENDING ((NTSTATUS)0x00000103L)
#endif
#ifndef STATUS_MORE_ENTRIES
#define STATUS_MORE_ENTRIES ((NTSTATUS)0x00000105L)
#endif
#ifndef STATUS_DEVICE_BUSY
#define STATUS_DEVICE_BUSY ((NTSTATUS)0x80000011L)
#endif
#ifndef STATUS_NO_MORE_ENTRIES
#define STATUS_NO_MORE_ENTRIES ((NTSTATUS)0x8000001AL)
#endif
#ifndef STATUS_INVALID_HANDLE
#define STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008L)
#endif
#ifndef STATUS_NO_SUCH_DEVICE
#define STATUS_NO_SUCH_DEVICE ((NTSTATUS)0xC000000EL)
#endif
#ifndef STATUS_INVALID_DEVICE_REQUEST
#define STATUS_INVALID_DEVICE_REQUEST ((NTSTATUS)0xC0000010L)
#endif
#ifndef STATUS_END_OF_FILE
#define STATUS_END_OF_FILE ((NTSTATUS)0xC0000011L)
#endif
#ifndef STATUS_MORE_PROCESSING_REQUIRED
#define STATUS_MORE_PROCESSING_REQUIRED ((NTSTATUS)0xC0000016L)
#endif
#ifndef STATUS_ACCESS_DENIED
#define STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022L)
#endif
#ifndef STATUS_OBJECT_TYPE_MISMATCH
#define STATUS_OBJECT_TYPE_MISMATCH ((NTSTATUS)0xC0000024L)
#endif
#ifndef STATUS_OBJECT_NAME_NOT_FOUND
#define STATUS_OBJECT_NAME_NOT_FOUND ((NTSTATUS)0xC0000034L)
#endif
#ifndef STATUS_DATA_OVERRUN
#define STATUS_DATA_OVERRUN ((NTSTATUS)0xC000003CL)
#endif
#ifndef STATUS_UNKNOWN_REVISION
#define STATUS_UNKNOWN_REVISION ((NTSTATUS)0xC0000058L)
#endif
#ifndef STATUS_INTEGER_OVERFLOW
#define STATUS_INTEGER_OVERFLOW ((NTSTATUS)0xC0000095L)
#endif
#ifndef STATUS_DEVICE_DATA_ERROR
#define STATUS_DEVICE_DATA_ERROR ((NTSTATUS)0xC000009CL)
#endif
#ifndef STATUS_DEVICE_NOT_READY
#define STATUS_DEVICE_NOT_READY ((NTSTATUS)0xC00000A3L)
#endif
#ifndef STATUS_IO_TIMEOUT
#define STATUS_IO_TIMEOUT ((NTSTATUS)0xC00000B5L)
#endif
#ifndef STATUS_INTERNAL_ERROR
#define STATUS_INTERNAL_ERROR ((NTSTATUS)0xC00000E5L)
#endif
#ifndef STATUS_INVALID_USER_BUFFER
#define STATUS_INVALID_USER_BUFFER ((NTSTATUS)0xC00000E8L)
#endif
#ifndef STATUS_INVALID_PARAMETER_1
#define STATUS_INVALID_PARAMETER_1 ((NTSTATUS)0xC00000EFL)
#endif
#ifndef STATUS_INVALID_PARAMETER_2
#define STATUS_INVALID_PARAMETER_2 ((NTSTATUS)0xC00000F0L)
#endif
#ifndef STATUS_INVALID_PARAMETER_3
#define STATUS_INVALID_PARAMETER_3 ((NTSTATUS)0xC00000F1L)
#endif
#ifndef STATUS_INVALID_PARAMETER_4
#define STATUS_INVALID_PARAMETER_4 ((NTSTATUS)0xC00000F2L)
#endif
#ifndef STATUS_INVALID_PARAMETER_5
#define STATUS_INVALID_PARAMETER_5 ((NTSTATUS)0xC00000F3L)
#endif
#ifndef STATUS_CANCELLED
#define STATUS_CANCELLED ((NTSTATUS)0xC0000120L)
#endif
#ifndef STATUS_INVALID_DEVICE_STATE
#define STATUS_INVALID_DEVICE_STATE ((NTSTATUS)0xC0000184L)
#endif
#ifndef STATUS_NOT_FOUND
#define STATUS_NOT_FOUND ((NTSTATUS)0xC0000225L)
#endif
#ifndef STATUS_REQUEST_ABORTED
#define STATUS_REQUEST_ABORTED ((NTSTATUS)0xC0000240L)
#endif
#ifndef STATUS_DEVICE_REMOVED
#define STATUS_DEVICE_REMOVED ((NTSTATUS)0xC00002B6L)
#endif

/* ---- Limits ----------------------------------------------------------------------------------- */
#define MAXUCHAR 0xff
#define MAXUSHORT 0xffff
#define MAXULONG 0xffffffffUL
#define MAXLONG 0x7fffffffL
#define MINLONG (~MAXLONG)
#define MAXLONGLONG ((LONGLONG)INT64_MAX)
#define MAXULONGLONG ((ULONGLONG)UINT64_MAX)
#define MAXULONG32 ((ULONG32)UINT32_MAX)
#define MAXULONG64 ((ULONG64)UINT64_MAX)
#define MAXSIZE_T ((SIZE_T)SIZE_MAX)
#define MAXULONG_PTR ((ULONG_PTR)UINTPTR_MAX)

/* ---- Structure macros -------------------------------------------------------------------------- */
#ifdef __cplusplus
#define C_ASSERT(e) static_assert(e, #e)
#define TYPE_ALIGNMENT(t) alignof(t)
#else
#define C_ASSERT(e) _Static_assert(e, #e)
#define TYPE_ALIGNMENT(t) _Alignof(t)
#endif
#define ANYSIZE_ARRAY 1
#define FIELD_OFFSET(type, field) ((LONG)offsetof(type, field))
#define UFIELD_OFFSET(type, field) ((ULONG)offsetof(type, field))
#define RTL_FIELD_SIZE(type, field) (sizeof(((type *)0)->field))
#define RTL_SIZEOF_THROUGH_FIELD(type, field) (FIELD_OFFSET(type, field) + RTL_FIELD_SIZE(type, field))
#define RTL_CONTAINS_FIELD(Struct, Size, Field) \
    ((((PCHAR)(&(Struct)->Field)) + sizeof((Struct)->Field)) <= (((PCHAR)(Struct)) + (Size)))
#define RTL_NUMBER_OF_V1(A) (sizeof(A) / sizeof((A)[0]))
#define RTL_NUMBER_OF_V2(A) RTL_NUMBER_OF_V1(A)
#define RTL_NUMBER_OF(A) RTL_NUMBER_OF_V1(A)
#define RTL_FIELD_TYPE(type, field) (((type *)0)->field) /* an expression, as in the WDK */
#define RTL_NUMBER_OF_FIELD(type, field) (RTL_NUMBER_OF(RTL_FIELD_TYPE(type, field)))
#define ARRAYSIZE(A) RTL_NUMBER_OF_V2(A)
#define _ARRAYSIZE(A) RTL_NUMBER_OF_V1(A)
#define CONTAINING_RECORD(address, type, field) ((type *)((PCHAR)(address) - offsetof(type, field)))

#define ALIGN_DOWN_BY(length, alignment) ((ULONG_PTR)(length) & ~((ULONG_PTR)(alignment) - 1))
#define ALIGN_UP_BY(length, alignment) (ALIGN_DOWN_BY(((ULONG_PTR)(length) + (alignment) - 1), alignment))
#define ALIGN_DOWN_POINTER_BY(address, alignment) ((PVOID)ALIGN_DOWN_BY((ULONG_PTR)(address), alignment))
#define ALIGN_UP_POINTER_BY(address, alignment) ((PVOID)ALIGN_UP_BY((ULONG_PTR)(address), alignment))
#define ALIGN_DOWN(length, type) ALIGN_DOWN_BY(length, sizeof(type))
#define ALIGN_UP(length, type) ALIGN_UP_BY(length, sizeof(type))

#ifndef PAGE_SIZE
#define PAGE_SIZE 0x1000
#endif
#ifndef PAGE_SHIFT
#define PAGE_SHIFT 12L
#endif
#define BYTE_OFFSET(Va) ((ULONG)((LONG_PTR)(Va) & (PAGE_SIZE - 1)))
#define PAGE_ALIGN(Va) ((PVOID)((ULONG_PTR)(Va) & ~((ULONG_PTR)PAGE_SIZE - 1)))
#define ROUND_TO_PAGES(Size) (((ULONG_PTR)(Size) + PAGE_SIZE - 1) & ~((ULONG_PTR)PAGE_SIZE - 1))
#define BYTES_TO_PAGES(Size) (((Size) >> PAGE_SHIFT) + (((Size) & (PAGE_SIZE - 1)) != 0))

#define FlagOn(_F, _SF) ((_F) & (_SF))
#define BooleanFlagOn(F, SF) ((BOOLEAN)(((F) & (SF)) != 0))
#define SetFlag(_F, _SF) ((_F) |= (_SF))
#define ClearFlag(_F, _SF) ((_F) &= ~(_SF))

#ifndef NOMINMAX
#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#endif

/* ---- Memory routines --------------------------------------------------------------------------- */
#define RtlCopyMemory(Destination, Source, Length) memcpy((Destination), (Source), (Length))
#define RtlMoveMemory(Destination, Source, Length) memmove((Destination), (Source), (Length))
#define RtlFillMemory(Destination, Length, Fill) memset((Destination), (Fill), (Length))
#define RtlZeroMemory(Destination, Length) memset((Destination), 0, (Length))
#define RtlEqualMemory(Source1, Source2, Length) (!memcmp((Source1), (Source2), (Length)))
#define RtlCopyBytes RtlCopyMemory
#define RtlFillBytes RtlFillMemory
#define RtlZeroBytes RtlZeroMemory

/* The number of leading bytes that are equal (Length when all are). The comparison goes through
 * the C library's memcmp first, like RtlEqualMemory and IsEqualGUID: a fuzzer that intercepts
 * memcmp then sees the operands; only a mismatch counts the equal leading bytes. */
static inline SIZE_T RtlCompareMemory(_In_ const VOID *Source1, _In_ const VOID *Source2, _In_ SIZE_T Length) {
    const UCHAR *A = (const UCHAR *)Source1;
    const UCHAR *B = (const UCHAR *)Source2;
    SIZE_T i = 0;
    if (Length == 0 || memcmp(A, B, Length) == 0) return Length;
    while (i < Length && A[i] == B[i]) ++i;
    return i;
}

static inline PVOID RtlSecureZeroMemory(_Out_writes_bytes_all_(cnt) PVOID ptr, _In_ SIZE_T cnt) {
    volatile UCHAR *p = (volatile UCHAR *)ptr;
    while (cnt-- != 0) *p++ = 0;
    return ptr;
}

/* ---- Safe integer arithmetic (ntintsafe.h) -------------------------------------------------------
 * Each returns STATUS_SUCCESS, or STATUS_INTEGER_OVERFLOW with the result set to the type's
 * error value (all bits set), like the WDK's. */
#define USHORT_ERROR ((USHORT)0xffff)
#define ULONG_ERROR ((ULONG)0xffffffffUL)
#define ULONGLONG_ERROR ((ULONGLONG)0xffffffffffffffffULL)
#define SIZET_ERROR ((SIZE_T)-1)

#define VSPC_WDK_INTSAFE_BINARY(Name, Type, Error, Builtin)                           \
    static inline NTSTATUS Name(_In_ Type Left, _In_ Type Right, _Out_ Type *Result) { \
        if (Builtin(Left, Right, Result)) {                                           \
            *Result = Error;                                                          \
            return STATUS_INTEGER_OVERFLOW;                                           \
        }                                                                             \
        return STATUS_SUCCESS;                                                        \
    }
VSPC_WDK_INTSAFE_BINARY(RtlUShortAdd, USHORT, USHORT_ERROR, __builtin_add_overflow)
VSPC_WDK_INTSAFE_BINARY(RtlUShortSub, USHORT, USHORT_ERROR, __builtin_sub_overflow)
VSPC_WDK_INTSAFE_BINARY(RtlUShortMult, USHORT, USHORT_ERROR, __builtin_mul_overflow)
VSPC_WDK_INTSAFE_BINARY(RtlULongAdd, ULONG, ULONG_ERROR, __builtin_add_overflow)
VSPC_WDK_INTSAFE_BINARY(RtlULongSub, ULONG, ULONG_ERROR, __builtin_sub_overflow)
VSPC_WDK_INTSAFE_BINARY(RtlULongMult, ULONG, ULONG_ERROR, __builtin_mul_overflow)
VSPC_WDK_INTSAFE_BINARY(RtlUIntAdd, UINT, ULONG_ERROR, __builtin_add_overflow)
VSPC_WDK_INTSAFE_BINARY(RtlUIntSub, UINT, ULONG_ERROR, __builtin_sub_overflow)
VSPC_WDK_INTSAFE_BINARY(RtlUIntMult, UINT, ULONG_ERROR, __builtin_mul_overflow)
VSPC_WDK_INTSAFE_BINARY(RtlULongLongAdd, ULONGLONG, ULONGLONG_ERROR, __builtin_add_overflow)
VSPC_WDK_INTSAFE_BINARY(RtlULongLongSub, ULONGLONG, ULONGLONG_ERROR, __builtin_sub_overflow)
VSPC_WDK_INTSAFE_BINARY(RtlULongLongMult, ULONGLONG, ULONGLONG_ERROR, __builtin_mul_overflow)
VSPC_WDK_INTSAFE_BINARY(RtlSizeTAdd, SIZE_T, SIZET_ERROR, __builtin_add_overflow)
VSPC_WDK_INTSAFE_BINARY(RtlSizeTSub, SIZE_T, SIZET_ERROR, __builtin_sub_overflow)
VSPC_WDK_INTSAFE_BINARY(RtlSizeTMult, SIZE_T, SIZET_ERROR, __builtin_mul_overflow)
#undef VSPC_WDK_INTSAFE_BINARY

#define VSPC_WDK_INTSAFE_NARROW(Name, From, To, Error, Max)              \
    static inline NTSTATUS Name(_In_ From Operand, _Out_ To *Result) {   \
        if (Operand > (From)(Max)) {                                     \
            *Result = Error;                                             \
            return STATUS_INTEGER_OVERFLOW;                              \
        }                                                                \
        *Result = (To)Operand;                                           \
        return STATUS_SUCCESS;                                           \
    }
VSPC_WDK_INTSAFE_NARROW(RtlULongToUShort, ULONG, USHORT, USHORT_ERROR, 0xffffu)
VSPC_WDK_INTSAFE_NARROW(RtlULongLongToULong, ULONGLONG, ULONG, ULONG_ERROR, 0xffffffffu)
VSPC_WDK_INTSAFE_NARROW(RtlULongLongToUShort, ULONGLONG, USHORT, USHORT_ERROR, 0xffffu)
VSPC_WDK_INTSAFE_NARROW(RtlSizeTToULong, SIZE_T, ULONG, ULONG_ERROR, 0xffffffffu)
VSPC_WDK_INTSAFE_NARROW(RtlSizeTToUShort, SIZE_T, USHORT, USHORT_ERROR, 0xffffu)
#undef VSPC_WDK_INTSAFE_NARROW

/* ---- The tester's side (exported by the vspconform process, resolved at load time) ------------- */

/* Allocates NumberOfBytes for Tag (zeroed when Zero), recorded until VspConformancePoolFree. */
PVOID VspConformancePoolAllocate(ULONG64 Flags, SIZE_T NumberOfBytes, ULONG Tag, BOOLEAN Zero);
/* Frees a block of VspConformancePoolAllocate; Tag 0 means "any tag" (ExFreePool). */
VOID VspConformancePoolFree(PVOID P, ULONG Tag);
/* Records a failed assertion and returns: the call goes on. */
VOID VspConformanceAssertionFailed(const char *Expression, const char *File, ULONG Line);

/* ---- Assertions ---------------------------------------------------------------------------------- */
static inline VOID VspcWdkAssertMessage(const char *Message, const char *Expression, const char *File, ULONG Line) {
    fprintf(stderr, "%s:%lu: assertion message: %s\n", File, (unsigned long)Line, Message ? Message : "");
    VspConformanceAssertionFailed(Expression, File, Line);
}

#define VSPC_WDK_LINE ((ULONG)__LINE__)
#define NT_ASSERT(_exp) ((!(_exp)) ? (VspConformanceAssertionFailed(#_exp, __FILE__, VSPC_WDK_LINE), FALSE) : TRUE)
#define NT_ASSERTMSG(_msg, _exp) \
    ((!(_exp)) ? (VspcWdkAssertMessage((_msg), #_exp, __FILE__, VSPC_WDK_LINE), FALSE) : TRUE)
#define NT_ASSERTMSGW(_msg, _exp) NT_ASSERT(_exp)
#define NT_ASSERT_ASSUME(_exp) NT_ASSERT(_exp)
#define NT_ASSERT_NOASSUME(_exp) NT_ASSERT(_exp)
#define NT_VERIFY(_exp) NT_ASSERT(_exp)
#define NT_VERIFYMSG(_msg, _exp) NT_ASSERTMSG(_msg, _exp)
#define NT_FRE_ASSERT(_exp) NT_ASSERT(_exp)
#define ASSERT(exp) NT_ASSERT(exp)
#define ASSERTMSG(msg, exp) NT_ASSERTMSG(msg, exp)

/* ---- Debug output ---------------------------------------------------------------------------------- */
#define DPFLTR_ERROR_LEVEL 0
#define DPFLTR_WARNING_LEVEL 1
#define DPFLTR_TRACE_LEVEL 2
#define DPFLTR_INFO_LEVEL 3
#define DPFLTR_MASK 0x80000000
#define DPFLTR_DEFAULT_ID 101
#define DPFLTR_IHVDRIVER_ID 77
#define DPFLTR_IHVVIDEO_ID 78
#define DPFLTR_IHVAUDIO_ID 79
#define DPFLTR_IHVNETWORK_ID 80
#define DPFLTR_IHVSTREAMING_ID 81
#define DPFLTR_IHVBUS_ID 82

/* Windows' default filter shows error-level messages only; VSPCONFORM_DBGPRINT=1 shows all. */
static inline BOOLEAN VspcWdkDbgPrintEnabled(ULONG Level) {
    const char *All = getenv("VSPCONFORM_DBGPRINT");
    if (All != NULL && All[0] != '\0' && All[0] != '0') return TRUE;
    return (BOOLEAN)(Level < 32 ? Level == DPFLTR_ERROR_LEVEL : (Level & 1u) != 0);
}

static inline ULONG vDbgPrintEx(_In_ ULONG ComponentId, _In_ ULONG Level, _In_z_ PCSTR Format, va_list arglist) {
    (void)ComponentId;
    if (VspcWdkDbgPrintEnabled(Level)) {
        vfprintf(stderr, Format, arglist);
        fflush(stderr);
    }
    return (ULONG)STATUS_SUCCESS;
}

static inline ULONG DbgPrintEx(_In_ ULONG ComponentId, _In_ ULONG Level, _In_z_ _Printf_format_string_ PCSTR Format,
                               ...) {
    va_list Args;
    ULONG Result;
    va_start(Args, Format);
    Result = vDbgPrintEx(ComponentId, Level, Format, Args);
    va_end(Args);
    return Result;
}

/* DbgPrint is DbgPrintEx(DPFLTR_DEFAULT_ID, DPFLTR_INFO_LEVEL, ...), filtered the same way. */
static inline ULONG DbgPrint(_In_z_ _Printf_format_string_ PCSTR Format, ...) {
    va_list Args;
    ULONG Result;
    va_start(Args, Format);
    Result = vDbgPrintEx(DPFLTR_DEFAULT_ID, DPFLTR_INFO_LEVEL, Format, Args);
    va_end(Args);
    return Result;
}

#define KdPrint(_x_) DbgPrint _x_
#define KdPrintEx(_x_) DbgPrintEx _x_
#define KdBreakPoint() DbgBreakPoint()

/* A breakpoint without a debugger: reported like a failed assertion, then the call goes on. */
#define DbgBreakPoint() VspConformanceAssertionFailed("DbgBreakPoint()", __FILE__, VSPC_WDK_LINE)
#define DbgRaiseAssertionFailure() VspConformanceAssertionFailed("DbgRaiseAssertionFailure()", __FILE__, VSPC_WDK_LINE)

static inline DECLSPEC_NORETURN VOID KeBugCheckEx(_In_ ULONG BugCheckCode, _In_ ULONG_PTR P1, _In_ ULONG_PTR P2,
                                                  _In_ ULONG_PTR P3, _In_ ULONG_PTR P4) {
    fprintf(stderr, "KeBugCheckEx(0x%08lX, 0x%llX, 0x%llX, 0x%llX, 0x%llX): the system would crash here\n",
            (unsigned long)BugCheckCode, (unsigned long long)P1, (unsigned long long)P2, (unsigned long long)P3,
            (unsigned long long)P4);
    fflush(stderr);
    abort();
}
#define KeBugCheck(BugCheckCode) KeBugCheckEx((BugCheckCode), 0, 0, 0, 0)

/* ---- Pool ------------------------------------------------------------------------------------------ */
typedef ULONG64 POOL_FLAGS;
#define POOL_FLAG_REQUIRED_START 0x0000000000000001ULL
#define POOL_FLAG_USE_QUOTA 0x0000000000000001ULL
#define POOL_FLAG_UNINITIALIZED 0x0000000000000002ULL
#define POOL_FLAG_SESSION 0x0000000000000004ULL
#define POOL_FLAG_CACHE_ALIGNED 0x0000000000000008ULL
#define POOL_FLAG_RESERVED1 0x0000000000000010ULL
#define POOL_FLAG_RAISE_ON_FAILURE 0x0000000000000020ULL
#define POOL_FLAG_NON_PAGED 0x0000000000000040ULL
#define POOL_FLAG_NON_PAGED_EXECUTE 0x0000000000000080ULL
#define POOL_FLAG_PAGED 0x0000000000000100ULL
#define POOL_FLAG_RESERVED2 0x0000000000000200ULL
#define POOL_FLAG_RESERVED3 0x0000000000000400ULL
#define POOL_FLAG_REQUIRED_END 0x0000000080000000ULL
#define POOL_FLAG_OPTIONAL_START 0x0000000100000000ULL
#define POOL_FLAG_SPECIAL_POOL 0x0000000100000000ULL
#define POOL_FLAG_OPTIONAL_END 0x8000000000000000ULL

typedef enum _POOL_TYPE {
    NonPagedPool = 0,
    NonPagedPoolExecute = NonPagedPool,
    PagedPool = 1,
    NonPagedPoolMustSucceed = 2,
    DontUseThisType = 3,
    NonPagedPoolCacheAligned = 4,
    PagedPoolCacheAligned = 5,
    NonPagedPoolCacheAlignedMustS = 6,
    MaxPoolType = 7,
    NonPagedPoolBase = 0,
    NonPagedPoolSession = 32,
    PagedPoolSession = 33,
    NonPagedPoolNx = 512,
    NonPagedPoolNxCacheAligned = 516,
    NonPagedPoolSessionNx = 544
} POOL_TYPE;

/* The allocation the tester records: ExAllocatePool2 with zeroing when asked. */
static inline POOL_FLAGS VspcWdkPoolTypeFlags(POOL_TYPE PoolType) {
    POOL_FLAGS Flags = ((ULONG)PoolType & 1u)     ? POOL_FLAG_PAGED
                       : ((ULONG)PoolType & 512u) ? POOL_FLAG_NON_PAGED
                                                  : POOL_FLAG_NON_PAGED_EXECUTE;
    if ((ULONG)PoolType & 4u) Flags |= POOL_FLAG_CACHE_ALIGNED;
    if ((ULONG)PoolType & 32u) Flags |= POOL_FLAG_SESSION;
    return Flags;
}

/* Zeroed unless POOL_FLAG_UNINITIALIZED. NULL on failure. */
static inline PVOID ExAllocatePool2(_In_ POOL_FLAGS Flags, _In_ SIZE_T NumberOfBytes, _In_ ULONG Tag) {
    return VspConformancePoolAllocate(Flags, NumberOfBytes, Tag, (BOOLEAN)((Flags & POOL_FLAG_UNINITIALIZED) == 0));
}

/* Not zeroed: the contents are whatever the pool had (see the top of this file). */
static inline PVOID ExAllocatePoolWithTag(_In_ POOL_TYPE PoolType, _In_ SIZE_T NumberOfBytes, _In_ ULONG Tag) {
    return VspConformancePoolAllocate(VspcWdkPoolTypeFlags(PoolType), NumberOfBytes, Tag, FALSE);
}

static inline PVOID ExAllocatePoolWithQuotaTag(_In_ POOL_TYPE PoolType, _In_ SIZE_T NumberOfBytes, _In_ ULONG Tag) {
    return VspConformancePoolAllocate(VspcWdkPoolTypeFlags(PoolType) | POOL_FLAG_USE_QUOTA, NumberOfBytes, Tag, FALSE);
}

static inline PVOID ExAllocatePoolZero(_In_ POOL_TYPE PoolType, _In_ SIZE_T NumberOfBytes, _In_ ULONG Tag) {
    return VspConformancePoolAllocate(VspcWdkPoolTypeFlags(PoolType), NumberOfBytes, Tag, TRUE);
}

static inline PVOID ExAllocatePoolUninitialized(_In_ POOL_TYPE PoolType, _In_ SIZE_T NumberOfBytes, _In_ ULONG Tag) {
    return VspConformancePoolAllocate(VspcWdkPoolTypeFlags(PoolType), NumberOfBytes, Tag, FALSE);
}

/* Untagged (the kernel records it as 'None'). */
static inline PVOID ExAllocatePool(_In_ POOL_TYPE PoolType, _In_ SIZE_T NumberOfBytes) {
    return VspConformancePoolAllocate(VspcWdkPoolTypeFlags(PoolType), NumberOfBytes, 0x656E6F4E /* 'enoN' */, FALSE);
}

static inline VOID ExFreePoolWithTag(_Pre_notnull_ _Frees_ptr_ PVOID P, _In_ ULONG Tag) { VspConformancePoolFree(P, Tag); }

static inline VOID ExFreePool(_Pre_notnull_ _Frees_ptr_ PVOID P) { VspConformancePoolFree(P, 0); }

/* ---- IRQL (not modelled: always PASSIVE_LEVEL) ---------------------------------------------------- */
typedef UCHAR KIRQL, *PKIRQL;
#define PASSIVE_LEVEL 0
#define LOW_LEVEL 0
#define APC_LEVEL 1
#define DISPATCH_LEVEL 2
#define CMCI_LEVEL 5
#define CLOCK_LEVEL 13
#define IPI_LEVEL 14
#define POWER_LEVEL 14
#define PROFILE_LEVEL 15
#define HIGH_LEVEL 15

#define PAGED_CODE() ((void)0)
#define PAGED_CODE_LOCKED() ((void)0)

static inline KIRQL KeGetCurrentIrql(void) { return PASSIVE_LEVEL; }
static inline VOID KeRaiseIrql(_In_ KIRQL NewIrql, _Out_ PKIRQL OldIrql) {
    (void)NewIrql;
    *OldIrql = PASSIVE_LEVEL;
}
static inline VOID KeLowerIrql(_In_ KIRQL NewIrql) { (void)NewIrql; }
static inline KIRQL KeRaiseIrqlToDpcLevel(void) { return PASSIVE_LEVEL; }

/* ---- Spin locks and fast mutexes: no exclusion (one thread), but the lock word is kept ------------ */
typedef ULONG_PTR KSPIN_LOCK, *PKSPIN_LOCK;

typedef struct _KSPIN_LOCK_QUEUE {
    struct _KSPIN_LOCK_QUEUE *volatile Next;
    PKSPIN_LOCK volatile Lock;
} KSPIN_LOCK_QUEUE, *PKSPIN_LOCK_QUEUE;

typedef struct _KLOCK_QUEUE_HANDLE {
    KSPIN_LOCK_QUEUE LockQueue;
    KIRQL OldIrql;
} KLOCK_QUEUE_HANDLE, *PKLOCK_QUEUE_HANDLE;

static inline VOID VspcWdkLockAcquire(volatile ULONG_PTR *Lock, const char *What, const char *File, ULONG Line) {
    if (*Lock != 0) VspConformanceAssertionFailed(What, File, Line);
    *Lock = 1;
}

static inline VOID VspcWdkLockRelease(volatile ULONG_PTR *Lock, const char *What, const char *File, ULONG Line) {
    if (*Lock == 0) VspConformanceAssertionFailed(What, File, Line);
    *Lock = 0;
}

#define VSPC_WDK_HELD(f) f ": the lock is already held (with one thread, a deadlock on Windows)"
#define VSPC_WDK_FREE(f) f ": the lock is not held"

static inline VOID KeInitializeSpinLock(_Out_ PKSPIN_LOCK SpinLock) { *SpinLock = 0; }
static inline BOOLEAN KeTestSpinLock(_In_ PKSPIN_LOCK SpinLock) { return (BOOLEAN)(*SpinLock == 0); }

#define KeAcquireSpinLock(SpinLock, OldIrql) \
    (VspcWdkLockAcquire((SpinLock), VSPC_WDK_HELD("KeAcquireSpinLock"), __FILE__, VSPC_WDK_LINE), *(OldIrql) = PASSIVE_LEVEL)
#define KeAcquireSpinLockRaiseToDpc(SpinLock) \
    (VspcWdkLockAcquire((SpinLock), VSPC_WDK_HELD("KeAcquireSpinLockRaiseToDpc"), __FILE__, VSPC_WDK_LINE), (KIRQL)PASSIVE_LEVEL)
#define KeReleaseSpinLock(SpinLock, NewIrql) \
    ((void)(NewIrql), VspcWdkLockRelease((SpinLock), VSPC_WDK_FREE("KeReleaseSpinLock"), __FILE__, VSPC_WDK_LINE))
#define KeAcquireSpinLockAtDpcLevel(SpinLock) \
    VspcWdkLockAcquire((SpinLock), VSPC_WDK_HELD("KeAcquireSpinLockAtDpcLevel"), __FILE__, VSPC_WDK_LINE)
#define KeReleaseSpinLockFromDpcLevel(SpinLock) \
    VspcWdkLockRelease((SpinLock), VSPC_WDK_FREE("KeReleaseSpinLockFromDpcLevel"), __FILE__, VSPC_WDK_LINE)
#define KeAcquireInStackQueuedSpinLock(SpinLock, LockHandle)                                                  \
    (VspcWdkLockAcquire((SpinLock), VSPC_WDK_HELD("KeAcquireInStackQueuedSpinLock"), __FILE__, VSPC_WDK_LINE), \
     (LockHandle)->LockQueue.Next = NULL, (LockHandle)->LockQueue.Lock = (SpinLock), (LockHandle)->OldIrql = PASSIVE_LEVEL)
#define KeAcquireInStackQueuedSpinLockAtDpcLevel(SpinLock, LockHandle) KeAcquireInStackQueuedSpinLock(SpinLock, LockHandle)
#define KeReleaseInStackQueuedSpinLock(LockHandle) \
    VspcWdkLockRelease((LockHandle)->LockQueue.Lock, VSPC_WDK_FREE("KeReleaseInStackQueuedSpinLock"), __FILE__, VSPC_WDK_LINE)
#define KeReleaseInStackQueuedSpinLockFromDpcLevel(LockHandle) KeReleaseInStackQueuedSpinLock(LockHandle)

static inline BOOLEAN KeTryToAcquireSpinLockAtDpcLevel(_Inout_ PKSPIN_LOCK SpinLock) {
    if (*SpinLock != 0) return FALSE;
    *SpinLock = 1;
    return TRUE;
}

typedef struct _FAST_MUTEX {
    volatile ULONG_PTR Owned;
    KIRQL OldIrql;
} FAST_MUTEX, *PFAST_MUTEX;

static inline VOID ExInitializeFastMutex(_Out_ PFAST_MUTEX FastMutex) {
    FastMutex->Owned = 0;
    FastMutex->OldIrql = PASSIVE_LEVEL;
}
#define ExAcquireFastMutex(FastMutex) \
    VspcWdkLockAcquire(&(FastMutex)->Owned, VSPC_WDK_HELD("ExAcquireFastMutex"), __FILE__, VSPC_WDK_LINE)
#define ExReleaseFastMutex(FastMutex) \
    VspcWdkLockRelease(&(FastMutex)->Owned, VSPC_WDK_FREE("ExReleaseFastMutex"), __FILE__, VSPC_WDK_LINE)
#define ExAcquireFastMutexUnsafe(FastMutex) ExAcquireFastMutex(FastMutex)
#define ExReleaseFastMutexUnsafe(FastMutex) ExReleaseFastMutex(FastMutex)
static inline BOOLEAN ExTryToAcquireFastMutex(_Inout_ PFAST_MUTEX FastMutex) {
    if (FastMutex->Owned != 0) return FALSE;
    FastMutex->Owned = 1;
    return TRUE;
}

/* ---- Interlocked operations (atomic, sequentially consistent) --------------------------------------- */
#define VSPC_WDK_SEQ __ATOMIC_SEQ_CST
static inline LONG InterlockedIncrement(_Inout_ _Interlocked_operand_ LONG volatile *Addend) {
    return __atomic_add_fetch(Addend, 1, VSPC_WDK_SEQ);
}
static inline LONG InterlockedDecrement(_Inout_ _Interlocked_operand_ LONG volatile *Addend) {
    return __atomic_sub_fetch(Addend, 1, VSPC_WDK_SEQ);
}
static inline LONG InterlockedExchange(_Inout_ _Interlocked_operand_ LONG volatile *Target, _In_ LONG Value) {
    return __atomic_exchange_n(Target, Value, VSPC_WDK_SEQ);
}
static inline LONG InterlockedExchangeAdd(_Inout_ _Interlocked_operand_ LONG volatile *Addend, _In_ LONG Value) {
    return __atomic_fetch_add(Addend, Value, VSPC_WDK_SEQ);
}
static inline LONG InterlockedAdd(_Inout_ _Interlocked_operand_ LONG volatile *Addend, _In_ LONG Value) {
    return __atomic_add_fetch(Addend, Value, VSPC_WDK_SEQ);
}
static inline LONG InterlockedCompareExchange(_Inout_ _Interlocked_operand_ LONG volatile *Destination,
                                              _In_ LONG ExChange, _In_ LONG Comperand) {
    __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, VSPC_WDK_SEQ, VSPC_WDK_SEQ);
    return Comperand; /* the initial value, as in the WDK */
}
static inline LONG InterlockedOr(_Inout_ _Interlocked_operand_ LONG volatile *Destination, _In_ LONG Value) {
    return __atomic_fetch_or(Destination, Value, VSPC_WDK_SEQ);
}
static inline LONG InterlockedAnd(_Inout_ _Interlocked_operand_ LONG volatile *Destination, _In_ LONG Value) {
    return __atomic_fetch_and(Destination, Value, VSPC_WDK_SEQ);
}
static inline LONG InterlockedXor(_Inout_ _Interlocked_operand_ LONG volatile *Destination, _In_ LONG Value) {
    return __atomic_fetch_xor(Destination, Value, VSPC_WDK_SEQ);
}
static inline LONG64 InterlockedIncrement64(_Inout_ _Interlocked_operand_ LONG64 volatile *Addend) {
    return __atomic_add_fetch(Addend, 1, VSPC_WDK_SEQ);
}
static inline LONG64 InterlockedDecrement64(_Inout_ _Interlocked_operand_ LONG64 volatile *Addend) {
    return __atomic_sub_fetch(Addend, 1, VSPC_WDK_SEQ);
}
static inline LONG64 InterlockedExchange64(_Inout_ _Interlocked_operand_ LONG64 volatile *Target, _In_ LONG64 Value) {
    return __atomic_exchange_n(Target, Value, VSPC_WDK_SEQ);
}
static inline LONG64 InterlockedExchangeAdd64(_Inout_ _Interlocked_operand_ LONG64 volatile *Addend, _In_ LONG64 Value) {
    return __atomic_fetch_add(Addend, Value, VSPC_WDK_SEQ);
}
static inline LONG64 InterlockedAdd64(_Inout_ _Interlocked_operand_ LONG64 volatile *Addend, _In_ LONG64 Value) {
    return __atomic_add_fetch(Addend, Value, VSPC_WDK_SEQ);
}
static inline LONG64 InterlockedCompareExchange64(_Inout_ _Interlocked_operand_ LONG64 volatile *Destination,
                                                  _In_ LONG64 ExChange, _In_ LONG64 Comperand) {
    __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, VSPC_WDK_SEQ, VSPC_WDK_SEQ);
    return Comperand;
}
static inline PVOID InterlockedExchangePointer(_Inout_ _Interlocked_operand_ PVOID volatile *Target, _In_opt_ PVOID Value) {
    return __atomic_exchange_n(Target, Value, VSPC_WDK_SEQ);
}
static inline PVOID InterlockedCompareExchangePointer(_Inout_ _Interlocked_operand_ PVOID volatile *Destination,
                                                      _In_opt_ PVOID ExChange, _In_opt_ PVOID Comperand) {
    __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, VSPC_WDK_SEQ, VSPC_WDK_SEQ);
    return Comperand;
}
#undef VSPC_WDK_SEQ

/* ---- Doubly and singly linked lists (wdm.h, with its link checks) ----------------------------------- */
typedef struct _LIST_ENTRY {
    struct _LIST_ENTRY *Flink;
    struct _LIST_ENTRY *Blink;
} LIST_ENTRY, *PLIST_ENTRY, *PRLIST_ENTRY;

typedef struct _SINGLE_LIST_ENTRY {
    struct _SINGLE_LIST_ENTRY *Next;
} SINGLE_LIST_ENTRY, *PSINGLE_LIST_ENTRY;

#define FAST_FAIL_CORRUPT_LIST_ENTRY 3

/* The WDK fails fast here (bug check 0x139, KERNEL_SECURITY_CHECK_FAILURE): the call crashes. */
static inline DECLSPEC_NORETURN VOID FatalListEntryError(_In_ PVOID P1, _In_ PVOID P2, _In_ PVOID P3) {
    fprintf(stderr,
            "corrupt LIST_ENTRY (%p, %p, %p): the WDK's list checks fail fast here "
            "(bug check 0x139, FAST_FAIL_CORRUPT_LIST_ENTRY)\n",
            P1, P2, P3);
    fflush(stderr);
    __builtin_trap();
}

#ifdef NO_KERNEL_LIST_ENTRY_CHECKS
#define VSPC_WDK_CHECK_LINKS(bad, a, b, c) ((void)0)
#else
#define VSPC_WDK_CHECK_LINKS(bad, a, b, c) \
    do {                                   \
        if (bad) FatalListEntryError((a), (b), (c)); \
    } while (0)
#endif

static inline VOID InitializeListHead(_Out_ PLIST_ENTRY ListHead) { ListHead->Flink = ListHead->Blink = ListHead; }

static inline BOOLEAN IsListEmpty(_In_ const LIST_ENTRY *ListHead) { return (BOOLEAN)(ListHead->Flink == ListHead); }

/* TRUE when the list is empty after the removal. */
static inline BOOLEAN RemoveEntryList(_In_ PLIST_ENTRY Entry) {
    PLIST_ENTRY PrevEntry = Entry->Blink;
    PLIST_ENTRY NextEntry = Entry->Flink;
    VSPC_WDK_CHECK_LINKS(NextEntry->Blink != Entry || PrevEntry->Flink != Entry, PrevEntry, Entry, NextEntry);
    PrevEntry->Flink = NextEntry;
    NextEntry->Blink = PrevEntry;
    return (BOOLEAN)(PrevEntry == NextEntry);
}

static inline PLIST_ENTRY RemoveHeadList(_Inout_ PLIST_ENTRY ListHead) {
    PLIST_ENTRY Entry = ListHead->Flink;
    PLIST_ENTRY NextEntry = Entry->Flink;
    VSPC_WDK_CHECK_LINKS(Entry->Blink != ListHead || NextEntry->Blink != Entry, ListHead, Entry, NextEntry);
    ListHead->Flink = NextEntry;
    NextEntry->Blink = ListHead;
    return Entry;
}

static inline PLIST_ENTRY RemoveTailList(_Inout_ PLIST_ENTRY ListHead) {
    PLIST_ENTRY Entry = ListHead->Blink;
    PLIST_ENTRY PrevEntry = Entry->Blink;
    VSPC_WDK_CHECK_LINKS(Entry->Flink != ListHead || PrevEntry->Flink != Entry, PrevEntry, Entry, ListHead);
    ListHead->Blink = PrevEntry;
    PrevEntry->Flink = ListHead;
    return Entry;
}

static inline VOID InsertTailList(_Inout_ PLIST_ENTRY ListHead, _Out_ PLIST_ENTRY Entry) {
    PLIST_ENTRY PrevEntry = ListHead->Blink;
    VSPC_WDK_CHECK_LINKS(PrevEntry->Flink != ListHead, PrevEntry, ListHead, PrevEntry->Flink);
    Entry->Flink = ListHead;
    Entry->Blink = PrevEntry;
    PrevEntry->Flink = Entry;
    ListHead->Blink = Entry;
}

static inline VOID InsertHeadList(_Inout_ PLIST_ENTRY ListHead, _Out_ PLIST_ENTRY Entry) {
    PLIST_ENTRY NextEntry = ListHead->Flink;
    VSPC_WDK_CHECK_LINKS(NextEntry->Blink != ListHead, ListHead, NextEntry, NextEntry->Blink);
    Entry->Flink = NextEntry;
    Entry->Blink = ListHead;
    NextEntry->Blink = Entry;
    ListHead->Flink = Entry;
}

/* Appends the list that ListToAppend is the first entry of (it has no separate head). */
static inline VOID AppendTailList(_Inout_ PLIST_ENTRY ListHead, _Inout_ PLIST_ENTRY ListToAppend) {
    PLIST_ENTRY ListEnd = ListHead->Blink;
    ListHead->Blink->Flink = ListToAppend;
    ListHead->Blink = ListToAppend->Blink;
    ListToAppend->Blink->Flink = ListHead;
    ListToAppend->Blink = ListEnd;
}

static inline VOID PushEntryList(_Inout_ PSINGLE_LIST_ENTRY ListHead, _Inout_ PSINGLE_LIST_ENTRY Entry) {
    Entry->Next = ListHead->Next;
    ListHead->Next = Entry;
}

static inline PSINGLE_LIST_ENTRY PopEntryList(_Inout_ PSINGLE_LIST_ENTRY ListHead) {
    PSINGLE_LIST_ENTRY FirstEntry = ListHead->Next;
    if (FirstEntry != NULL) ListHead->Next = FirstEntry->Next;
    return FirstEntry;
}

#undef VSPC_WDK_CHECK_LINKS

/* ---- Page frames, MDL mapping, span macros ---------------------------------------------------------- */
typedef ULONG_PTR PFN_NUMBER, *PPFN_NUMBER;
typedef LONG_PTR SPFN_NUMBER, *PSPFN_NUMBER;

/* The pages a range [Va, Va + Size) touches. */
#define ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Size) \
    ((ULONG)((BYTE_OFFSET(Va) + ((SIZE_T)(Size)) + (PAGE_SIZE - 1)) >> PAGE_SHIFT))
#define COMPUTE_PAGES_SPANNED(Va, Size) ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Size)

#define MDL_MAPPED_TO_SYSTEM_VA 0x0001
#define MDL_PAGES_LOCKED 0x0002
#define MDL_SOURCE_IS_NONPAGED_POOL 0x0004
#define MDL_ALLOCATED_FIXED_SIZE 0x0008
#define MDL_PARTIAL 0x0010
#define MDL_IO_SPACE 0x0800
#define MDL_NETWORK_HEADER 0x1000

typedef enum _MM_PAGE_PRIORITY { LowPagePriority, NormalPagePriority = 16, HighPagePriority = 32 } MM_PAGE_PRIORITY;
#define MdlMappingNoWrite 0x80000000
#define MdlMappingNoExecute 0x40000000

/* The PFN array that follows an MDL (its entries are not meaningful here: there are no physical pages). */
#define MmGetMdlPfnArray(Mdl) ((PPFN_NUMBER)((Mdl) + 1))
#define MmGetMdlBaseVa(Mdl) ((Mdl)->StartVa)
#define MmSizeOfMdl(Base, Length) \
    ((SIZE_T)(sizeof(MDL) + (sizeof(PFN_NUMBER) * ADDRESS_AND_SIZE_TO_SPAN_PAGES((Base), (Length)))))
#define MmInitializeMdl(MemoryDescriptorList, BaseVa, Length)                                                  \
    do {                                                                                                       \
        (MemoryDescriptorList)->Next = NULL;                                                                   \
        (MemoryDescriptorList)->Size =                                                                         \
            (CSHORT)(sizeof(MDL) + (sizeof(PFN_NUMBER) * ADDRESS_AND_SIZE_TO_SPAN_PAGES((BaseVa), (Length)))); \
        (MemoryDescriptorList)->MdlFlags = 0;                                                                  \
        (MemoryDescriptorList)->Process = NULL;                                                                \
        (MemoryDescriptorList)->MappedSystemVa = NULL;                                                         \
        (MemoryDescriptorList)->StartVa = PAGE_ALIGN(BaseVa);                                                  \
        (MemoryDescriptorList)->ByteOffset = BYTE_OFFSET(BaseVa);                                              \
        (MemoryDescriptorList)->ByteCount = (ULONG)(Length);                                                   \
    } while (0)

/* Nonpaged pool is mapped already: the MDL's system address is its own. */
static inline VOID MmBuildMdlForNonPagedPool(_Inout_ PMDL MemoryDescriptorList) {
    MemoryDescriptorList->MappedSystemVa =
        (PVOID)((PCHAR)MemoryDescriptorList->StartVa + MemoryDescriptorList->ByteOffset);
    MemoryDescriptorList->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
}

/* One address space here: the system address of an MDL's buffer is the buffer's own address. The
 * first call maps it (MDL_MAPPED_TO_SYSTEM_VA), as the kernel does; NULL only for a NULL MDL. */
static inline PVOID MmGetSystemAddressForMdlSafe(_Inout_ PMDL Mdl, _In_ ULONG Priority) {
    (void)Priority;
    if (Mdl == NULL) return NULL;
    if (!(Mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL))) {
        Mdl->MappedSystemVa = (PVOID)((PCHAR)Mdl->StartVa + Mdl->ByteOffset);
        Mdl->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
    }
    return Mdl->MappedSystemVa;
}

struct _IRP;
typedef struct _IRP *PIRP;

/* An MDL for [VirtualAddress, VirtualAddress + Length), from the pool (tag 'Mdl '): IoFreeMdl frees it. */
static inline PMDL IoAllocateMdl(_In_opt_ PVOID VirtualAddress, _In_ ULONG Length, _In_ BOOLEAN SecondaryBuffer,
                                 _In_ BOOLEAN ChargeQuota, _Inout_opt_ PIRP Irp) {
    PMDL Mdl;
    (void)SecondaryBuffer;
    (void)ChargeQuota;
    (void)Irp;
    Mdl = (PMDL)VspConformancePoolAllocate(POOL_FLAG_NON_PAGED, MmSizeOfMdl(VirtualAddress, Length),
                                           0x206C644D /* 'Mdl ' */, TRUE);
    if (Mdl != NULL) MmInitializeMdl(Mdl, VirtualAddress, Length);
    return Mdl;
}
static inline VOID IoFreeMdl(_In_ PMDL Mdl) { VspConformancePoolFree(Mdl, 0x206C644D); }

/* ---- Pool: ExFreePool2, ExAllocatePool3 ------------------------------------------------------------ */
typedef enum _POOL_EXTENDED_PARAMETER_TYPE {
    PoolExtendedParameterInvalidType = 0,
    PoolExtendedParameterPriority,
    PoolExtendedParameterSecurePool,
    PoolExtendedParameterNumaNode,
    PoolExtendedParameterMax
} POOL_EXTENDED_PARAMETER_TYPE;

typedef enum _EX_POOL_PRIORITY {
    LowPoolPriority,
    LowPoolPrioritySpecialPoolOverrun = 8,
    LowPoolPrioritySpecialPoolUnderrun = 9,
    NormalPoolPriority = 16,
    NormalPoolPrioritySpecialPoolOverrun = 24,
    NormalPoolPrioritySpecialPoolUnderrun = 25,
    HighPoolPriority = 32,
    HighPoolPrioritySpecialPoolOverrun = 40,
    HighPoolPrioritySpecialPoolUnderrun = 41
} EX_POOL_PRIORITY;

typedef struct _POOL_EXTENDED_PARAMETER {
    ULONG64 Type : 8;
    ULONG64 Optional : 1;
    ULONG64 Reserved : 55;
    union {
        ULONG64 Reserved2;
        PVOID Reserved3;
        EX_POOL_PRIORITY Priority;
        PVOID SecurePoolParams;
        ULONG PreferredNode;
    };
} POOL_EXTENDED_PARAMETER, *PPOOL_EXTENDED_PARAMETER;
typedef const POOL_EXTENDED_PARAMETER *PCPOOL_EXTENDED_PARAMETER;

/* As ExAllocatePool2; the extended parameters (priority, NUMA node) change nothing here. */
static inline PVOID ExAllocatePool3(_In_ POOL_FLAGS Flags, _In_ SIZE_T NumberOfBytes, _In_ ULONG Tag,
                                    _In_reads_opt_(ExtendedParametersCount) PCPOOL_EXTENDED_PARAMETER
                                        ExtendedParameters,
                                    _In_ ULONG ExtendedParametersCount) {
    (void)ExtendedParameters;
    (void)ExtendedParametersCount;
    return ExAllocatePool2(Flags, NumberOfBytes, Tag);
}

/* ExFreePoolWithTag with ExAllocatePool3's extended parameters (ignored here). */
static inline VOID ExFreePool2(_Pre_notnull_ _Frees_ptr_ PVOID P, _In_ ULONG Tag,
                               _In_reads_opt_(ExtendedParametersCount) PCPOOL_EXTENDED_PARAMETER ExtendedParameters,
                               _In_ ULONG ExtendedParametersCount) {
    (void)ExtendedParameters;
    (void)ExtendedParametersCount;
    VspConformancePoolFree(P, Tag);
}

/* ---- Lookaside lists: every entry comes from the tagged pool (so SP14 and RP5 see it) ---------------
 * A kernel lookaside list keeps up to Depth freed entries for the next allocation. Here nothing is
 * kept: an allocation is a pool allocation of the list's size and tag (or the list's own Allocate
 * routine), a free a pool free (or its Free routine). A driver sees the same results; an entry it
 * leaks is a leaked pool block. */
typedef PVOID (*PALLOCATE_FUNCTION)(_In_ POOL_TYPE PoolType, _In_ SIZE_T NumberOfBytes, _In_ ULONG Tag);
typedef VOID (*PFREE_FUNCTION)(_In_ PVOID Buffer);
struct _LOOKASIDE_LIST_EX;
typedef PVOID (*PALLOCATE_FUNCTION_EX)(_In_ POOL_TYPE PoolType, _In_ SIZE_T NumberOfBytes, _In_ ULONG Tag,
                                       _Inout_ struct _LOOKASIDE_LIST_EX *Lookaside);
typedef VOID (*PFREE_FUNCTION_EX)(_In_ PVOID Buffer, _Inout_ struct _LOOKASIDE_LIST_EX *Lookaside);

#define LOOKASIDE_MINIMUM_BLOCK_SIZE (sizeof(SINGLE_LIST_ENTRY))
#ifndef POOL_NX_ALLOCATION
#define POOL_NX_ALLOCATION 512
#endif
#ifndef POOL_RAISE_IF_ALLOCATION_FAILURE
#define POOL_RAISE_IF_ALLOCATION_FAILURE 16
#endif
#define EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL 0x00000001UL
#define EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE 0x00000002UL
#define EX_MAXIMUM_LOOKASIDE_DEPTH_BASE 256
#define EX_MAXIMUM_LOOKASIDE_DEPTH_LIMIT 1024

typedef struct _GENERAL_LOOKASIDE_POOL {
    SINGLE_LIST_ENTRY ListHead; /* always empty here: nothing is cached */
    USHORT Depth;
    USHORT MaximumDepth;
    ULONG TotalAllocates;
    ULONG AllocateMisses;
    ULONG TotalFrees;
    ULONG FreeMisses;
    POOL_TYPE Type;
    ULONG Tag;
    ULONG Size;
    union {
        PALLOCATE_FUNCTION_EX AllocateEx;
        PALLOCATE_FUNCTION Allocate;
    };
    union {
        PFREE_FUNCTION_EX FreeEx;
        PFREE_FUNCTION Free;
    };
    LIST_ENTRY ListEntry;
    ULONG LastTotalAllocates;
    ULONG LastAllocateMisses;
    ULONG Future[2];
    BOOLEAN Ex;        /* vspconform: initialized by ExInitializeLookasideListEx */
    BOOLEAN Deleted;   /* vspconform: deleted (using it again is reported) */
    ULONG Outstanding; /* vspconform: entries allocated and not yet freed to the list */
} GENERAL_LOOKASIDE_POOL, *PGENERAL_LOOKASIDE_POOL, GENERAL_LOOKASIDE, *PGENERAL_LOOKASIDE;

typedef struct _LOOKASIDE_LIST_EX {
    GENERAL_LOOKASIDE_POOL L;
} LOOKASIDE_LIST_EX, *PLOOKASIDE_LIST_EX;

typedef struct _NPAGED_LOOKASIDE_LIST {
    GENERAL_LOOKASIDE L;
    KSPIN_LOCK Lock__ObsoleteButDoNotDelete;
} NPAGED_LOOKASIDE_LIST, *PNPAGED_LOOKASIDE_LIST;

typedef struct _PAGED_LOOKASIDE_LIST {
    GENERAL_LOOKASIDE L;
    FAST_MUTEX Lock__ObsoleteButDoNotDelete;
} PAGED_LOOKASIDE_LIST, *PPAGED_LOOKASIDE_LIST;

static inline VOID VspcWdkLookasideInit(PGENERAL_LOOKASIDE L, PVOID Allocate, PVOID Free, POOL_TYPE PoolType,
                                        SIZE_T Size, ULONG Tag, USHORT Depth, BOOLEAN Ex) {
    memset(L, 0, sizeof(*L));
    L->Depth = Depth ? Depth : 4;
    L->MaximumDepth = EX_MAXIMUM_LOOKASIDE_DEPTH_BASE;
    L->Type = PoolType;
    L->Tag = Tag;
    L->Size = (ULONG)(Size < LOOKASIDE_MINIMUM_BLOCK_SIZE ? LOOKASIDE_MINIMUM_BLOCK_SIZE : Size);
    L->Ex = Ex;
    if (Ex) {
        L->AllocateEx = (PALLOCATE_FUNCTION_EX)Allocate;
        L->FreeEx = (PFREE_FUNCTION_EX)Free;
    } else {
        L->Allocate = (PALLOCATE_FUNCTION)Allocate;
        L->Free = (PFREE_FUNCTION)Free;
    }
    InitializeListHead(&L->ListEntry);
}

static inline PVOID VspcWdkLookasideAllocate(PGENERAL_LOOKASIDE L, const char *What, const char *File, ULONG Line) {
    PVOID Entry;
    if (L->Deleted) VspConformanceAssertionFailed(What, File, Line);
    L->TotalAllocates++;
    L->AllocateMisses++; /* nothing is cached: every allocation goes to the pool */
    if (L->Ex && L->AllocateEx != NULL)
        Entry = L->AllocateEx(L->Type, L->Size, L->Tag, (struct _LOOKASIDE_LIST_EX *)L);
    else if (!L->Ex && L->Allocate != NULL)
        Entry = L->Allocate(L->Type, L->Size, L->Tag);
    else
        Entry = VspConformancePoolAllocate(VspcWdkPoolTypeFlags(L->Type), L->Size, L->Tag, FALSE);
    if (Entry != NULL) L->Outstanding++;
    return Entry;
}

static inline VOID VspcWdkLookasideFree(PGENERAL_LOOKASIDE L, PVOID Entry, const char *What, const char *File,
                                        ULONG Line) {
    if (L->Deleted) VspConformanceAssertionFailed(What, File, Line);
    L->TotalFrees++;
    L->FreeMisses++;
    if (L->Outstanding) L->Outstanding--;
    if (L->Ex && L->FreeEx != NULL)
        L->FreeEx(Entry, (struct _LOOKASIDE_LIST_EX *)L);
    else if (!L->Ex && L->Free != NULL)
        L->Free(Entry);
    else
        VspConformancePoolFree(Entry, L->Tag);
}

#define VSPC_WDK_DELETED(f) f ": the lookaside list was deleted"

static inline VOID ExInitializeNPagedLookasideList(_Out_ PNPAGED_LOOKASIDE_LIST Lookaside,
                                                   _In_opt_ PALLOCATE_FUNCTION Allocate, _In_opt_ PFREE_FUNCTION Free,
                                                   _In_ ULONG Flags, _In_ SIZE_T Size, _In_ ULONG Tag,
                                                   _In_ USHORT Depth) {
    POOL_TYPE Type = (Flags & POOL_NX_ALLOCATION) ? NonPagedPoolNx : NonPagedPool;
    VspcWdkLookasideInit(&Lookaside->L, (PVOID)Allocate, (PVOID)Free, Type, Size, Tag, Depth, FALSE);
    Lookaside->Lock__ObsoleteButDoNotDelete = 0;
}
#define ExAllocateFromNPagedLookasideList(Lookaside) \
    VspcWdkLookasideAllocate(&(Lookaside)->L, VSPC_WDK_DELETED("ExAllocateFromNPagedLookasideList"), __FILE__, VSPC_WDK_LINE)
#define ExFreeToNPagedLookasideList(Lookaside, Entry) \
    VspcWdkLookasideFree(&(Lookaside)->L, (Entry), VSPC_WDK_DELETED("ExFreeToNPagedLookasideList"), __FILE__, VSPC_WDK_LINE)
static inline VOID ExDeleteNPagedLookasideList(_Inout_ PNPAGED_LOOKASIDE_LIST Lookaside) { Lookaside->L.Deleted = TRUE; }

static inline VOID ExInitializePagedLookasideList(_Out_ PPAGED_LOOKASIDE_LIST Lookaside,
                                                  _In_opt_ PALLOCATE_FUNCTION Allocate, _In_opt_ PFREE_FUNCTION Free,
                                                  _In_ ULONG Flags, _In_ SIZE_T Size, _In_ ULONG Tag,
                                                  _In_ USHORT Depth) {
    (void)Flags;
    VspcWdkLookasideInit(&Lookaside->L, (PVOID)Allocate, (PVOID)Free, PagedPool, Size, Tag, Depth, FALSE);
    ExInitializeFastMutex(&Lookaside->Lock__ObsoleteButDoNotDelete);
}
#define ExAllocateFromPagedLookasideList(Lookaside) \
    VspcWdkLookasideAllocate(&(Lookaside)->L, VSPC_WDK_DELETED("ExAllocateFromPagedLookasideList"), __FILE__, VSPC_WDK_LINE)
#define ExFreeToPagedLookasideList(Lookaside, Entry) \
    VspcWdkLookasideFree(&(Lookaside)->L, (Entry), VSPC_WDK_DELETED("ExFreeToPagedLookasideList"), __FILE__, VSPC_WDK_LINE)
static inline VOID ExDeletePagedLookasideList(_Inout_ PPAGED_LOOKASIDE_LIST Lookaside) { Lookaside->L.Deleted = TRUE; }

/* STATUS_SUCCESS, or STATUS_INVALID_PARAMETER_5 for a Flags value the WDK refuses (both RAISE_ON_FAIL
 * and FAIL_NO_RAISE, or unknown bits). */
static inline NTSTATUS ExInitializeLookasideListEx(_Out_ PLOOKASIDE_LIST_EX Lookaside,
                                                   _In_opt_ PALLOCATE_FUNCTION_EX Allocate,
                                                   _In_opt_ PFREE_FUNCTION_EX Free, _In_ POOL_TYPE PoolType,
                                                   _In_ ULONG Flags, _In_ SIZE_T Size, _In_ ULONG Tag,
                                                   _In_ USHORT Depth) {
    const ULONG Known = EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL | EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE;
    if ((Flags & ~Known) != 0 || (Flags & Known) == Known) return STATUS_INVALID_PARAMETER_5;
    VspcWdkLookasideInit(&Lookaside->L, (PVOID)Allocate, (PVOID)Free, PoolType, Size, Tag, Depth, TRUE);
    return STATUS_SUCCESS;
}
#define ExAllocateFromLookasideListEx(Lookaside) \
    VspcWdkLookasideAllocate(&(Lookaside)->L, VSPC_WDK_DELETED("ExAllocateFromLookasideListEx"), __FILE__, VSPC_WDK_LINE)
#define ExFreeToLookasideListEx(Lookaside, Entry) \
    VspcWdkLookasideFree(&(Lookaside)->L, (Entry), VSPC_WDK_DELETED("ExFreeToLookasideListEx"), __FILE__, VSPC_WDK_LINE)
static inline VOID ExDeleteLookasideListEx(_Inout_ PLOOKASIDE_LIST_EX Lookaside) { Lookaside->L.Deleted = TRUE; }
static inline VOID ExFlushLookasideListEx(_Inout_ PLOOKASIDE_LIST_EX Lookaside) { (void)Lookaside; }

/* ---- Executive spin locks (EX_SPIN_LOCK) and push locks: shared or exclusive ------------------------
 * One thread calls the module, so nothing waits; the lock word is kept like the kernel's (bit 31:
 * held exclusive; the low bits: shared owners). Acquiring what this thread cannot get (exclusive
 * while held in any mode, shared while held exclusive: a deadlock on Windows) and releasing what is
 * not held are reported like a failed NT_ASSERT. */
typedef volatile LONG EX_SPIN_LOCK, *PEX_SPIN_LOCK;
#define VSPC_WDK_EXCLUSIVE 0x80000000u

static inline VOID VspcWdkSharedAcquire(volatile LONG *Lock, const char *What, const char *File, ULONG Line) {
    if ((ULONG)*Lock & VSPC_WDK_EXCLUSIVE) VspConformanceAssertionFailed(What, File, Line);
    __atomic_add_fetch(Lock, 1, __ATOMIC_SEQ_CST);
}
static inline VOID VspcWdkSharedRelease(volatile LONG *Lock, const char *What, const char *File, ULONG Line) {
    if (((ULONG)*Lock & ~VSPC_WDK_EXCLUSIVE) == 0) {
        VspConformanceAssertionFailed(What, File, Line);
        return;
    }
    __atomic_sub_fetch(Lock, 1, __ATOMIC_SEQ_CST);
}
static inline VOID VspcWdkExclusiveAcquire(volatile LONG *Lock, const char *What, const char *File, ULONG Line) {
    if (*Lock != 0) VspConformanceAssertionFailed(What, File, Line);
    __atomic_store_n(Lock, (LONG)VSPC_WDK_EXCLUSIVE, __ATOMIC_SEQ_CST);
}
static inline VOID VspcWdkExclusiveRelease(volatile LONG *Lock, const char *What, const char *File, ULONG Line) {
    if (!((ULONG)*Lock & VSPC_WDK_EXCLUSIVE)) {
        VspConformanceAssertionFailed(What, File, Line);
        return;
    }
    __atomic_store_n(Lock, 0, __ATOMIC_SEQ_CST);
}

#define VSPC_WDK_SHARED_HELD(f) f ": the lock is held exclusive (with one thread, a deadlock on Windows)"
#define VSPC_WDK_ANY_HELD(f) f ": the lock is already held (with one thread, a deadlock on Windows)"
#define VSPC_WDK_NOT_SHARED(f) f ": the lock is not held shared"
#define VSPC_WDK_NOT_EXCLUSIVE(f) f ": the lock is not held exclusive"

#define ExAcquireSpinLockShared(SpinLock) \
    (VspcWdkSharedAcquire((SpinLock), VSPC_WDK_SHARED_HELD("ExAcquireSpinLockShared"), __FILE__, VSPC_WDK_LINE), (KIRQL)PASSIVE_LEVEL)
#define ExReleaseSpinLockShared(SpinLock, OldIrql) \
    ((void)(OldIrql), VspcWdkSharedRelease((SpinLock), VSPC_WDK_NOT_SHARED("ExReleaseSpinLockShared"), __FILE__, VSPC_WDK_LINE))
#define ExAcquireSpinLockExclusive(SpinLock) \
    (VspcWdkExclusiveAcquire((SpinLock), VSPC_WDK_ANY_HELD("ExAcquireSpinLockExclusive"), __FILE__, VSPC_WDK_LINE), (KIRQL)PASSIVE_LEVEL)
#define ExReleaseSpinLockExclusive(SpinLock, OldIrql) \
    ((void)(OldIrql), VspcWdkExclusiveRelease((SpinLock), VSPC_WDK_NOT_EXCLUSIVE("ExReleaseSpinLockExclusive"), __FILE__, VSPC_WDK_LINE))
#define ExAcquireSpinLockSharedAtDpcLevel(SpinLock) \
    VspcWdkSharedAcquire((SpinLock), VSPC_WDK_SHARED_HELD("ExAcquireSpinLockSharedAtDpcLevel"), __FILE__, VSPC_WDK_LINE)
#define ExReleaseSpinLockSharedFromDpcLevel(SpinLock) \
    VspcWdkSharedRelease((SpinLock), VSPC_WDK_NOT_SHARED("ExReleaseSpinLockSharedFromDpcLevel"), __FILE__, VSPC_WDK_LINE)
#define ExAcquireSpinLockExclusiveAtDpcLevel(SpinLock) \
    VspcWdkExclusiveAcquire((SpinLock), VSPC_WDK_ANY_HELD("ExAcquireSpinLockExclusiveAtDpcLevel"), __FILE__, VSPC_WDK_LINE)
#define ExReleaseSpinLockExclusiveFromDpcLevel(SpinLock) \
    VspcWdkExclusiveRelease((SpinLock), VSPC_WDK_NOT_EXCLUSIVE("ExReleaseSpinLockExclusiveFromDpcLevel"), __FILE__, VSPC_WDK_LINE)

/* TRUE when this thread, the only shared owner, now holds the lock exclusive. */
static inline ULONG ExTryConvertSharedSpinLockExclusive(_Inout_ PEX_SPIN_LOCK SpinLock) {
    if (*SpinLock != 1) return FALSE;
    __atomic_store_n(SpinLock, (LONG)VSPC_WDK_EXCLUSIVE, __ATOMIC_SEQ_CST);
    return TRUE;
}
static inline BOOLEAN ExTryAcquireSpinLockSharedAtDpcLevel(_Inout_ PEX_SPIN_LOCK SpinLock) {
    if ((ULONG)*SpinLock & VSPC_WDK_EXCLUSIVE) return FALSE;
    __atomic_add_fetch(SpinLock, 1, __ATOMIC_SEQ_CST);
    return TRUE;
}
static inline BOOLEAN ExTryAcquireSpinLockExclusiveAtDpcLevel(_Inout_ PEX_SPIN_LOCK SpinLock) {
    if (*SpinLock != 0) return FALSE;
    __atomic_store_n(SpinLock, (LONG)VSPC_WDK_EXCLUSIVE, __ATOMIC_SEQ_CST);
    return TRUE;
}

/* Critical regions (normal kernel APCs disabled): nothing to disable here; the depth is not tracked. */
#ifndef KeEnterCriticalRegion
static inline VOID KeEnterCriticalRegion(void) {}
static inline VOID KeLeaveCriticalRegion(void) {}
#endif

typedef struct _EX_PUSH_LOCK {
    volatile LONG Value; /* as EX_SPIN_LOCK's word */
    LONG Reserved;
} EX_PUSH_LOCK, *PEX_PUSH_LOCK;
#define EX_DEFAULT_PUSH_LOCK_FLAGS 0

static inline VOID ExInitializePushLock(_Out_ PEX_PUSH_LOCK PushLock) {
    PushLock->Value = 0;
    PushLock->Reserved = 0;
}
#define ExAcquirePushLockExclusiveEx(PushLock, Flags)                                                                \
    ((void)(Flags),                                                                                                  \
     VspcWdkExclusiveAcquire(&(PushLock)->Value, VSPC_WDK_ANY_HELD("ExAcquirePushLockExclusiveEx"), __FILE__, VSPC_WDK_LINE))
#define ExAcquirePushLockSharedEx(PushLock, Flags) \
    ((void)(Flags), VspcWdkSharedAcquire(&(PushLock)->Value, VSPC_WDK_SHARED_HELD("ExAcquirePushLockSharedEx"), __FILE__, VSPC_WDK_LINE))
#define ExReleasePushLockExclusiveEx(PushLock, Flags)                                                               \
    ((void)(Flags), VspcWdkExclusiveRelease(&(PushLock)->Value, VSPC_WDK_NOT_EXCLUSIVE("ExReleasePushLockExclusiveEx"), \
                                            __FILE__, VSPC_WDK_LINE))
#define ExReleasePushLockSharedEx(PushLock, Flags) \
    ((void)(Flags), VspcWdkSharedRelease(&(PushLock)->Value, VSPC_WDK_NOT_SHARED("ExReleasePushLockSharedEx"), __FILE__, VSPC_WDK_LINE))
#define ExAcquirePushLockExclusive(PushLock) ExAcquirePushLockExclusiveEx((PushLock), EX_DEFAULT_PUSH_LOCK_FLAGS)
#define ExAcquirePushLockShared(PushLock) ExAcquirePushLockSharedEx((PushLock), EX_DEFAULT_PUSH_LOCK_FLAGS)
#define ExReleasePushLockExclusive(PushLock) ExReleasePushLockExclusiveEx((PushLock), EX_DEFAULT_PUSH_LOCK_FLAGS)
#define ExReleasePushLockShared(PushLock) ExReleasePushLockSharedEx((PushLock), EX_DEFAULT_PUSH_LOCK_FLAGS)

/* ---- Time, processors ----------------------------------------------------------------------------- */
/* The C library's clocks, declared here under private names: strict C11 (no _GNU_SOURCE, no POSIX
 * feature macros) does not declare them. */
extern int VspcWdkClockGettime(int Clock, struct timespec *Time) __asm__("clock_gettime");
extern int VspcWdkSchedGetcpu(void) __asm__("sched_getcpu");
extern long VspcWdkSysconf(int Name) __asm__("sysconf");
#define VSPC_WDK_CLOCK_REALTIME 0
#define VSPC_WDK_CLOCK_MONOTONIC 1
#define VSPC_WDK_SC_NPROCESSORS_ONLN 84 /* glibc's _SC_NPROCESSORS_ONLN */

/* 100-nanosecond units. */
static inline LONGLONG VspcWdkClock100ns(int Clock) {
    struct timespec t;
    if (VspcWdkClockGettime(Clock, &t) != 0) return 0;
    return (LONGLONG)t.tv_sec * 10000000LL + (LONGLONG)(t.tv_nsec / 100);
}
/* Between 1601-01-01 (Windows' epoch) and 1970-01-01, in 100-nanosecond units. */
#define VSPC_WDK_EPOCH_1601 116444736000000000LL

/* A monotonic counter of 10 MHz (the usual frequency on current Windows). */
static inline LARGE_INTEGER KeQueryPerformanceCounter(_Out_opt_ PLARGE_INTEGER PerformanceFrequency) {
    LARGE_INTEGER Counter;
    if (PerformanceFrequency != NULL) PerformanceFrequency->QuadPart = 10000000LL;
    Counter.QuadPart = VspcWdkClock100ns(VSPC_WDK_CLOCK_MONOTONIC);
    return Counter;
}
/* System time: 100-nanosecond units since 1601-01-01 UTC. */
static inline VOID KeQuerySystemTimePrecise(_Out_ PLARGE_INTEGER CurrentTime) {
    CurrentTime->QuadPart = VspcWdkClock100ns(VSPC_WDK_CLOCK_REALTIME) + VSPC_WDK_EPOCH_1601;
}
static inline VOID KeQuerySystemTime(_Out_ PLARGE_INTEGER CurrentTime) { KeQuerySystemTimePrecise(CurrentTime); }
/* Time since boot (here: the monotonic clock), in 100-nanosecond units. */
static inline ULONGLONG KeQueryInterruptTime(void) { return (ULONGLONG)VspcWdkClock100ns(VSPC_WDK_CLOCK_MONOTONIC); }
static inline ULONGLONG KeQueryInterruptTimePrecise(_Out_ PULONG64 QpcTimeStamp) {
    ULONGLONG Now = KeQueryInterruptTime();
    *QpcTimeStamp = Now;
    return Now;
}

typedef struct _PROCESSOR_NUMBER {
    USHORT Group;
    UCHAR Number;
    UCHAR Reserved;
} PROCESSOR_NUMBER, *PPROCESSOR_NUMBER;
#define ALL_PROCESSOR_GROUPS 0xffff

/* The processor the calling thread runs on (one group: its number is the index). */
static inline ULONG KeGetCurrentProcessorNumberEx(_Out_opt_ PPROCESSOR_NUMBER ProcNumber) {
    int Cpu = VspcWdkSchedGetcpu();
    ULONG Index = Cpu < 0 ? 0u : (ULONG)Cpu;
    if (ProcNumber != NULL) {
        ProcNumber->Group = 0;
        ProcNumber->Number = (UCHAR)Index;
        ProcNumber->Reserved = 0;
    }
    return Index;
}
static inline ULONG KeGetCurrentProcessorNumber(void) { return KeGetCurrentProcessorNumberEx(NULL); }
static inline ULONG KeQueryActiveProcessorCountEx(_In_ USHORT GroupNumber) {
    long n = VspcWdkSysconf(VSPC_WDK_SC_NPROCESSORS_ONLN);
    (void)GroupNumber;
    return n > 0 ? (ULONG)n : 1u;
}
static inline ULONG KeQueryActiveProcessorCount(_Out_opt_ PULONG_PTR ActiveProcessors) {
    ULONG n = KeQueryActiveProcessorCountEx(ALL_PROCESSOR_GROUPS);
    if (ActiveProcessors != NULL) *ActiveProcessors = n >= 64 ? ~(ULONG_PTR)0 : (((ULONG_PTR)1 << n) - 1);
    return n;
}

/* ---- Byte order ------------------------------------------------------------------------------------ */
static inline USHORT RtlUshortByteSwap(_In_ USHORT Source) { return __builtin_bswap16(Source); }
static inline ULONG RtlUlongByteSwap(_In_ ULONG Source) { return __builtin_bswap32(Source); }
static inline ULONGLONG RtlUlonglongByteSwap(_In_ ULONGLONG Source) { return __builtin_bswap64(Source); }

/* ---- Ordinary loads and stores of shared variables (wdm.h's ReadNoFence, WriteRelease, ...) ---------
 * Atomic, as in the WDK: NoFence relaxed, Acquire and Release with those orders. */
#define VSPC_WDK_READ(Name, Type, Order) \
    static inline Type Name(_In_ _Interlocked_operand_ Type const volatile *Source) { return __atomic_load_n(Source, Order); }
#define VSPC_WDK_WRITE(Name, Type, Order)                                                         \
    static inline VOID Name(_Out_ _Interlocked_operand_ Type volatile *Destination, _In_ Type Value) { \
        __atomic_store_n(Destination, Value, Order);                                              \
    }
VSPC_WDK_READ(ReadNoFence8, CHAR, __ATOMIC_RELAXED)
VSPC_WDK_READ(ReadNoFence16, SHORT, __ATOMIC_RELAXED)
VSPC_WDK_READ(ReadNoFence, LONG, __ATOMIC_RELAXED)
VSPC_WDK_READ(ReadNoFence64, LONG64, __ATOMIC_RELAXED)
VSPC_WDK_READ(ReadAcquire8, CHAR, __ATOMIC_ACQUIRE)
VSPC_WDK_READ(ReadAcquire16, SHORT, __ATOMIC_ACQUIRE)
VSPC_WDK_READ(ReadAcquire, LONG, __ATOMIC_ACQUIRE)
VSPC_WDK_READ(ReadAcquire64, LONG64, __ATOMIC_ACQUIRE)
VSPC_WDK_READ(ReadUCharNoFence, UCHAR, __ATOMIC_RELAXED)
VSPC_WDK_READ(ReadBooleanNoFence, BOOLEAN, __ATOMIC_RELAXED)
VSPC_WDK_READ(ReadUShortNoFence, USHORT, __ATOMIC_RELAXED)
VSPC_WDK_READ(ReadULongNoFence, ULONG, __ATOMIC_RELAXED)
VSPC_WDK_READ(ReadULong64NoFence, ULONG64, __ATOMIC_RELAXED)
VSPC_WDK_READ(ReadUCharAcquire, UCHAR, __ATOMIC_ACQUIRE)
VSPC_WDK_READ(ReadBooleanAcquire, BOOLEAN, __ATOMIC_ACQUIRE)
VSPC_WDK_READ(ReadUShortAcquire, USHORT, __ATOMIC_ACQUIRE)
VSPC_WDK_READ(ReadULongAcquire, ULONG, __ATOMIC_ACQUIRE)
VSPC_WDK_READ(ReadULong64Acquire, ULONG64, __ATOMIC_ACQUIRE)
VSPC_WDK_READ(ReadPointerNoFence, PVOID, __ATOMIC_RELAXED)
VSPC_WDK_READ(ReadPointerAcquire, PVOID, __ATOMIC_ACQUIRE)
VSPC_WDK_WRITE(WriteNoFence8, CHAR, __ATOMIC_RELAXED)
VSPC_WDK_WRITE(WriteNoFence16, SHORT, __ATOMIC_RELAXED)
VSPC_WDK_WRITE(WriteNoFence, LONG, __ATOMIC_RELAXED)
VSPC_WDK_WRITE(WriteNoFence64, LONG64, __ATOMIC_RELAXED)
VSPC_WDK_WRITE(WriteRelease8, CHAR, __ATOMIC_RELEASE)
VSPC_WDK_WRITE(WriteRelease16, SHORT, __ATOMIC_RELEASE)
VSPC_WDK_WRITE(WriteRelease, LONG, __ATOMIC_RELEASE)
VSPC_WDK_WRITE(WriteRelease64, LONG64, __ATOMIC_RELEASE)
VSPC_WDK_WRITE(WriteUCharNoFence, UCHAR, __ATOMIC_RELAXED)
VSPC_WDK_WRITE(WriteBooleanNoFence, BOOLEAN, __ATOMIC_RELAXED)
VSPC_WDK_WRITE(WriteUShortNoFence, USHORT, __ATOMIC_RELAXED)
VSPC_WDK_WRITE(WriteULongNoFence, ULONG, __ATOMIC_RELAXED)
VSPC_WDK_WRITE(WriteULong64NoFence, ULONG64, __ATOMIC_RELAXED)
VSPC_WDK_WRITE(WriteUCharRelease, UCHAR, __ATOMIC_RELEASE)
VSPC_WDK_WRITE(WriteBooleanRelease, BOOLEAN, __ATOMIC_RELEASE)
VSPC_WDK_WRITE(WriteUShortRelease, USHORT, __ATOMIC_RELEASE)
VSPC_WDK_WRITE(WriteULongRelease, ULONG, __ATOMIC_RELEASE)
VSPC_WDK_WRITE(WriteULong64Release, ULONG64, __ATOMIC_RELEASE)
VSPC_WDK_WRITE(WritePointerNoFence, PVOID, __ATOMIC_RELAXED)
VSPC_WDK_WRITE(WritePointerRelease, PVOID, __ATOMIC_RELEASE)
#undef VSPC_WDK_READ
#undef VSPC_WDK_WRITE

/* ---- Fail fast (__fastfail: bug check 0x139 KERNEL_SECURITY_CHECK_FAILURE; here the call crashes) ---- */
#define FAST_FAIL_LEGACY_GS_VIOLATION 0
#define FAST_FAIL_VTGUARD_CHECK_FAILURE 1
#define FAST_FAIL_STACK_COOKIE_CHECK_FAILURE 2
#define FAST_FAIL_INCORRECT_STACK 4
#define FAST_FAIL_INVALID_ARG 5
#define FAST_FAIL_GS_COOKIE_INIT 6
#define FAST_FAIL_FATAL_APP_EXIT 7
#define FAST_FAIL_RANGE_CHECK_FAILURE 8
#define FAST_FAIL_UNSAFE_REGISTRY_ACCESS 9
#define FAST_FAIL_INVALID_BUFFER_ACCESS 28
#define FAST_FAIL_INVALID_BALANCED_TREE 29
#define FAST_FAIL_INVALID_NEXT_THREAD 30
#define FAST_FAIL_INVALID_FAST_FAIL_CODE 61
#define FAST_FAIL_INVALID_IMAGE_BASE 54

static inline DECLSPEC_NORETURN VOID RtlFailFast(_In_ ULONG Code) {
    fprintf(stderr, "RtlFailFast(%lu): the kernel stops here (bug check 0x139, KERNEL_SECURITY_CHECK_FAILURE)\n",
            (unsigned long)Code);
    fflush(stderr);
    __builtin_trap();
}
#ifndef __fastfail
#define __fastfail(Code) RtlFailFast(Code)
#endif

/* ---- Memory: the non-temporal copy (the same bytes; only the cache hint differs) --------------------- */
#define RtlCopyMemoryNonTemporal(Destination, Source, Length) memcpy((Destination), (Source), (Length))

/* ---- Bitmaps (RTL_BITMAP): bit i is bit i % 32 of Buffer[i / 32] ------------------------------------ */
typedef struct _RTL_BITMAP {
    ULONG SizeOfBitMap; /* bits */
    PULONG Buffer;
} RTL_BITMAP, *PRTL_BITMAP;

static inline VOID RtlInitializeBitMap(_Out_ PRTL_BITMAP BitMapHeader, _In_opt_ PULONG BitMapBuffer,
                                       _In_opt_ ULONG SizeOfBitMap) {
    BitMapHeader->SizeOfBitMap = SizeOfBitMap;
    BitMapHeader->Buffer = BitMapBuffer;
}
static inline BOOLEAN RtlTestBit(_In_ PRTL_BITMAP BitMapHeader, _In_ ULONG BitNumber) {
    NT_ASSERT(BitNumber < BitMapHeader->SizeOfBitMap);
    return (BOOLEAN)((BitMapHeader->Buffer[BitNumber / 32] >> (BitNumber % 32)) & 1u);
}
#define RtlCheckBit(BMH, BP) ((ULONG)RtlTestBit((BMH), (BP)))
static inline VOID RtlSetBit(_In_ PRTL_BITMAP BitMapHeader, _In_ ULONG BitNumber) {
    NT_ASSERT(BitNumber < BitMapHeader->SizeOfBitMap);
    BitMapHeader->Buffer[BitNumber / 32] |= 1u << (BitNumber % 32);
}
static inline VOID RtlClearBit(_In_ PRTL_BITMAP BitMapHeader, _In_ ULONG BitNumber) {
    NT_ASSERT(BitNumber < BitMapHeader->SizeOfBitMap);
    BitMapHeader->Buffer[BitNumber / 32] &= ~(1u << (BitNumber % 32));
}
static inline VOID RtlSetBits(_In_ PRTL_BITMAP BitMapHeader, _In_ ULONG StartingIndex, _In_ ULONG NumberToSet) {
    ULONG i;
    NT_ASSERT(StartingIndex <= BitMapHeader->SizeOfBitMap &&
              NumberToSet <= BitMapHeader->SizeOfBitMap - StartingIndex);
    for (i = 0; i < NumberToSet; ++i) RtlSetBit(BitMapHeader, StartingIndex + i);
}
static inline VOID RtlClearBits(_In_ PRTL_BITMAP BitMapHeader, _In_ ULONG StartingIndex, _In_ ULONG NumberToClear) {
    ULONG i;
    NT_ASSERT(StartingIndex <= BitMapHeader->SizeOfBitMap &&
              NumberToClear <= BitMapHeader->SizeOfBitMap - StartingIndex);
    for (i = 0; i < NumberToClear; ++i) RtlClearBit(BitMapHeader, StartingIndex + i);
}
static inline VOID RtlSetAllBits(_In_ PRTL_BITMAP BitMapHeader) {
    memset(BitMapHeader->Buffer, 0xFF, ((BitMapHeader->SizeOfBitMap + 31) / 32) * sizeof(ULONG));
}
static inline VOID RtlClearAllBits(_In_ PRTL_BITMAP BitMapHeader) {
    memset(BitMapHeader->Buffer, 0, ((BitMapHeader->SizeOfBitMap + 31) / 32) * sizeof(ULONG));
}
/* TRUE when [StartingIndex, StartingIndex + Length) lies in the map and every bit of it is `Set`. */
static inline BOOLEAN VspcWdkBitsAre(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG Length, BOOLEAN Set) {
    ULONG i;
    if (StartingIndex > BitMapHeader->SizeOfBitMap || Length > BitMapHeader->SizeOfBitMap - StartingIndex)
        return FALSE;
    for (i = 0; i < Length; ++i)
        if (RtlTestBit(BitMapHeader, StartingIndex + i) != Set) return FALSE;
    return TRUE;
}
static inline BOOLEAN RtlAreBitsClear(_In_ PRTL_BITMAP BitMapHeader, _In_ ULONG StartingIndex, _In_ ULONG Length) {
    return VspcWdkBitsAre(BitMapHeader, StartingIndex, Length, FALSE);
}
static inline BOOLEAN RtlAreBitsSet(_In_ PRTL_BITMAP BitMapHeader, _In_ ULONG StartingIndex, _In_ ULONG Length) {
    return VspcWdkBitsAre(BitMapHeader, StartingIndex, Length, TRUE);
}
static inline ULONG RtlNumberOfSetBits(_In_ PRTL_BITMAP BitMapHeader) {
    ULONG i, n = 0;
    for (i = 0; i < BitMapHeader->SizeOfBitMap; ++i) n += RtlTestBit(BitMapHeader, i);
    return n;
}
static inline ULONG RtlNumberOfClearBits(_In_ PRTL_BITMAP BitMapHeader) {
    return BitMapHeader->SizeOfBitMap - RtlNumberOfSetBits(BitMapHeader);
}
/* The first run of Number bits that are all `Set`, searched from HintIndex to the end, then from the
 * start (a hint past the end is 0); 0xFFFFFFFF when there is none. A run of 0 bits is at the hint. */
static inline ULONG VspcWdkFindRun(PRTL_BITMAP BitMapHeader, ULONG Number, ULONG HintIndex, BOOLEAN Set) {
    ULONG Size = BitMapHeader->SizeOfBitMap, Start, Pass;
    if (HintIndex >= Size) HintIndex = 0;
    if (Number == 0) return HintIndex;
    if (Number > Size) return 0xFFFFFFFF;
    for (Pass = 0; Pass < 2; ++Pass) {
        ULONG From = Pass == 0 ? HintIndex : 0;
        ULONG To = Pass == 0 ? Size - Number : (HintIndex < Size - Number ? HintIndex : Size - Number);
        for (Start = From; Start <= To && Start + Number <= Size; ++Start)
            if (VspcWdkBitsAre(BitMapHeader, Start, Number, Set)) return Start;
        if (HintIndex == 0) break;
    }
    return 0xFFFFFFFF;
}
static inline ULONG RtlFindClearBits(_In_ PRTL_BITMAP BitMapHeader, _In_ ULONG NumberToFind, _In_ ULONG HintIndex) {
    return VspcWdkFindRun(BitMapHeader, NumberToFind, HintIndex, FALSE);
}
static inline ULONG RtlFindSetBits(_In_ PRTL_BITMAP BitMapHeader, _In_ ULONG NumberToFind, _In_ ULONG HintIndex) {
    return VspcWdkFindRun(BitMapHeader, NumberToFind, HintIndex, TRUE);
}
static inline ULONG RtlFindClearBitsAndSet(_In_ PRTL_BITMAP BitMapHeader, _In_ ULONG NumberToFind,
                                           _In_ ULONG HintIndex) {
    ULONG Index = RtlFindClearBits(BitMapHeader, NumberToFind, HintIndex);
    if (Index != 0xFFFFFFFF) RtlSetBits(BitMapHeader, Index, NumberToFind);
    return Index;
}
static inline ULONG RtlFindSetBitsAndClear(_In_ PRTL_BITMAP BitMapHeader, _In_ ULONG NumberToFind,
                                           _In_ ULONG HintIndex) {
    ULONG Index = RtlFindSetBits(BitMapHeader, NumberToFind, HintIndex);
    if (Index != 0xFFFFFFFF) RtlClearBits(BitMapHeader, Index, NumberToFind);
    return Index;
}

#ifdef __cplusplus
}
#endif

#endif /* VSPCONFORM_WDK_COMPAT_H */
