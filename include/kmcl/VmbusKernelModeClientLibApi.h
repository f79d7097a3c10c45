/*
 * VmbusKernelModeClientLibApi.h - vspconform's drop-in KMCL header (C only).
 *
 * Lets a VSP's save/restore code compile on Linux unchanged apart from the
 * includes, so that vspconform can load it and check it. It declares the
 * subset of KMCL that the save/restore protocol touches. Windows integer
 * widths are kept (ULONG, LONG and NTSTATUS are 32 bits), SAL annotations are
 * empty, and every handle is a distinct opaque pointer type, as in the WDK.
 *
 * The functions are provided by the tester process (the fake KMCL) and are
 * resolved when the module is loaded; a module never links against them.
 */
#ifndef VSPCONFORM_VMBUS_KERNEL_MODE_CLIENT_LIB_API_H
#define VSPCONFORM_VMBUS_KERNEL_MODE_CLIENT_LIB_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Windows base types, with their Windows widths ---------------------- */
#ifndef VOID
#define VOID void
#endif
typedef void *PVOID;
typedef const void *PCVOID;
typedef int8_t CHAR, CCHAR, INT8;
typedef uint8_t UCHAR, UINT8, BYTE, BOOLEAN;
typedef int16_t SHORT, INT16;
typedef uint16_t USHORT, UINT16, WORD, WCHAR;
typedef int32_t LONG, INT32, INT;
typedef uint32_t ULONG, UINT32, UINT, DWORD;
typedef int64_t LONG64, LONGLONG, INT64;
typedef uint64_t ULONG64, ULONGLONG, UINT64, DWORD64;
typedef intptr_t LONG_PTR, INT_PTR;
typedef uintptr_t ULONG_PTR, UINT_PTR;
typedef size_t SIZE_T;
typedef CHAR *PCHAR;
typedef UCHAR *PUCHAR, *PUINT8, *PBOOLEAN;
typedef USHORT *PUSHORT, *PUINT16;
typedef LONG *PLONG, *PINT32;
typedef ULONG *PULONG, *PUINT32;
typedef ULONG64 *PULONG64, *PUINT64;
typedef SIZE_T *PSIZE_T;

typedef LONG NTSTATUS;
typedef NTSTATUS *PNTSTATUS;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)

#define STATUS_SUCCESS ((NTSTATUS)0x00000000L)
#define STATUS_BUFFER_OVERFLOW ((NTSTATUS)0x80000005L)
#define STATUS_UNSUCCESSFUL ((NTSTATUS)0xC0000001L)
#define STATUS_NOT_IMPLEMENTED ((NTSTATUS)0xC0000002L)
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000DL)
#define STATUS_NO_MEMORY ((NTSTATUS)0xC0000017L)
#define STATUS_BUFFER_TOO_SMALL ((NTSTATUS)0xC0000023L)
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009AL)
#define STATUS_NOT_SUPPORTED ((NTSTATUS)0xC00000BBL)
#define STATUS_INVALID_BUFFER_SIZE ((NTSTATUS)0xC0000206L)
#define STATUS_DATA_ERROR ((NTSTATUS)0xC000003EL)
#define STATUS_REVISION_MISMATCH ((NTSTATUS)0xC0000059L)

/* ---- Calling conventions and SAL: nothing on Linux ---------------------- */
#define FASTCALL
#define NTAPI
#define DECLSPEC_NOINLINE
#define _In_
#define _In_opt_
#define _Out_
#define _Out_opt_
#define _Inout_
#define _Inout_opt_
#define _In_z_
#define _Out_writes_(s)
#define _Out_writes_bytes_(s)
#define _Out_writes_bytes_opt_(s)
#define _Out_writes_bytes_to_(s, c)
#define _In_reads_(s)
#define _In_reads_bytes_(s)
#define _In_reads_bytes_opt_(s)
#define _Inout_updates_bytes_(s)
#define _Outptr_
#define _Outptr_result_maybenull_
#define _Ret_maybenull_
#define _Must_inspect_result_
#define _Success_(e)
#define _When_(e, a)
#define _Function_class_(n)
#define _IRQL_requires_(i)
#define _IRQL_requires_max_(i)
#define _IRQL_requires_same_
#define _Use_decl_annotations_
#define UNREFERENCED_PARAMETER(P) ((void)(P))

#define DECLARE_HANDLE(name)                                                   \
    struct name##__ {                                                          \
        int unused;                                                            \
    };                                                                         \
    typedef struct name##__ *name

/* ---- KMCL handles -------------------------------------------------------- */
DECLARE_HANDLE(VMBCHANNEL);
DECLARE_HANDLE(VMBPACKET);
DECLARE_HANDLE(VMBPACKETCOMPLETION);

/* ---- Save/restore callbacks --------------------------------------------- */
typedef _Function_class_(EVT_VMB_CHANNEL_SAVE_PACKET)
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS EVT_VMB_CHANNEL_SAVE_PACKET(_In_ VMBCHANNEL Channel,
                                     _In_ VMBPACKET Packet,
                                     _Out_writes_bytes_(SaveBufSize) PVOID SaveBuf,
                                     _In_ UINT32 SaveBufSize,
                                     _Out_ PUINT32 BytesNeeded);
typedef EVT_VMB_CHANNEL_SAVE_PACKET *PFN_VMB_CHANNEL_SAVE_PACKET;

typedef _Function_class_(EVT_VMB_CHANNEL_RESTORE_PACKET)
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS EVT_VMB_CHANNEL_RESTORE_PACKET(_In_ VMBCHANNEL Channel,
                                        _In_reads_bytes_(LibBufSize) PVOID LibBuf,
                                        _In_ UINT32 LibBufSize,
                                        _In_reads_bytes_(SaveBufSize) PVOID SaveBuf,
                                        _In_ UINT32 SaveBufSize);
typedef EVT_VMB_CHANNEL_RESTORE_PACKET *PFN_VMB_CHANNEL_RESTORE_PACKET;

/* ---- KMCL functions (provided by the tester's fake KMCL) ----------------- */
NTSTATUS VmbServerChannelInitSetSaveRestorePacketCallbacks(
    _In_ VMBCHANNEL Channel, _In_ PFN_VMB_CHANNEL_SAVE_PACKET SavePacket,
    _In_opt_ PFN_VMB_CHANNEL_RESTORE_PACKET RestorePacket);

VMBPACKET VmbPacketAllocate(_In_ VMBCHANNEL Channel);
VOID VmbPacketFree(_In_ VMBPACKET PacketObject);
NTSTATUS VmbPacketRestore(_In_ VMBPACKET PacketObject,
                          _In_reads_bytes_(BufferSize) PVOID Buffer,
                          _In_ UINT32 BufferSize);
VOID VmbPacketSetPointer(_In_ VMBPACKET PacketObject, _In_opt_ PVOID Pointer);
PVOID VmbPacketGetPointer(_In_ VMBPACKET PacketObject);
VMBCHANNEL VmbPacketGetChannel(_In_ VMBPACKET PacketObject);
VOID VmbChannelSetPointer(_In_ VMBCHANNEL Channel, _In_opt_ PVOID Pointer);
PVOID VmbChannelGetPointer(_In_ VMBCHANNEL Channel);

#ifdef __cplusplus
}
#endif

#endif /* VSPCONFORM_VMBUS_KERNEL_MODE_CLIENT_LIB_API_H */
