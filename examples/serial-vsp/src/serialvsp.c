/*++

Module Name:

    serialvsp.c

Abstract:

    The virtual serial port VSP's channel set-up, packet bookkeeping and packet save/restore
    callbacks (EVT_VMB_CHANNEL_SAVE_PACKET / EVT_VMB_CHANNEL_RESTORE_PACKET).

    This is driver code: on Windows it builds against the WDK; for vspconform only the include
    block below differs (VSPCONFORM is defined by vspconform_add_module()).

    Built with -DSERVSP_PLANTED_BUG it carries a planted defect (see SerVspSavedRecordSize), for
    the examples and tests that show a failing check.

Environment:

    Kernel mode.

--*/

#ifdef VSPCONFORM
#include <WdkCompat.h>
#else
#include <ntddk.h>
#include <ntintsafe.h>
#endif
#include <VmbusKernelModeClientLibApi.h>

#include "serialvsp.h"

static EVT_VMB_CHANNEL_SAVE_PACKET SerVspSavePacket;
static EVT_VMB_CHANNEL_RESTORE_PACKET SerVspRestorePacket;

#ifdef ALLOC_PRAGMA
#pragma alloc_text(PAGE, SerVspInitializeChannel)
#endif

static const char *const SerVspPacketTypeNames[] = {
    "invalid",
    "receive data",
    "modem status",
    "line status",
};

C_ASSERT(RTL_NUMBER_OF(SerVspPacketTypeNames) == SerVspPacketTypeMax);

static const UCHAR SerVspZeroReserved[RTL_FIELD_SIZE(SERVSP_SAVED_PACKET_HEADER, Reserved)] = { 0 };

FORCEINLINE
BOOLEAN
SerVspIsValidType(
    _In_ ULONG Type
    )
{
    return (BOOLEAN)(Type > SerVspPacketInvalid && Type < ARRAYSIZE(SerVspPacketTypeNames));
}

static
BOOLEAN
SerVspIsValidLine(
    _In_ const SERVSP_LINE_SETTINGS *Line
    )
{
    return (BOOLEAN)(Line->BaudRate != 0 && Line->BaudRate <= SERVSP_MAX_BAUD_RATE &&
                     Line->DataBits >= 5 && Line->DataBits <= 8 &&
                     Line->Parity <= 4 &&
                     Line->StopBits <= 2 &&
                     (Line->FlowControl & ~SERVSP_FLOW_CONTROL_VALID) == 0);
}

_IRQL_requires_max_(DISPATCH_LEVEL)
_IRQL_raises_(DISPATCH_LEVEL)
_IRQL_saves_
_Acquires_lock_(ChannelContext->Lock)
static
KIRQL
SerVspLockChannel(
    _Inout_ PSERVSP_CHANNEL_CONTEXT ChannelContext
    )
{
    KIRQL OldIrql;

    KeAcquireSpinLock(&ChannelContext->Lock, &OldIrql);
    return OldIrql;
}

_IRQL_requires_(DISPATCH_LEVEL)
_Releases_lock_(ChannelContext->Lock)
static
VOID
SerVspUnlockChannel(
    _Inout_ PSERVSP_CHANNEL_CONTEXT ChannelContext,
    _In_ _IRQL_restores_ KIRQL OldIrql
    )
{
    KeReleaseSpinLock(&ChannelContext->Lock, OldIrql);
}

//
// Packet contexts: allocated from nonpaged pool, zeroed, with room for DataLength bytes.
//
_IRQL_requires_max_(DISPATCH_LEVEL)
_Check_return_
static
NTSTATUS
SerVspAllocatePacketContext(
    _In_range_(0, SERVSP_MAX_DATA) ULONG DataLength,
    _Outptr_result_nullonfailure_ __drv_allocatesMem(Mem) PSERVSP_PACKET_CONTEXT *Context
    )
{
    ULONG Size;
    NTSTATUS Status;

    *Context = NULL;
    Status = RtlULongAdd(FIELD_OFFSET(SERVSP_PACKET_CONTEXT, Data), DataLength, &Size);
    if (!NT_SUCCESS(Status)) {
        NT_ASSERT(Status == STATUS_INTEGER_OVERFLOW);
        return Status;
    }
    *Context = (PSERVSP_PACKET_CONTEXT)ExAllocatePool2(POOL_FLAG_NON_PAGED, Size, SERVSP_TAG_PACKET);
    if (*Context == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    (*Context)->Signature = SERVSP_PACKET_SIGNATURE;
    (*Context)->DataLength = DataLength;
    InitializeListHead(&(*Context)->Link);
    return STATUS_SUCCESS;
}

_IRQL_requires_max_(DISPATCH_LEVEL)
static
VOID
SerVspFreePacketContext(
    _In_ _Frees_ptr_ PSERVSP_PACKET_CONTEXT Context
    )
{
    NT_ASSERT(Context->Signature == SERVSP_PACKET_SIGNATURE);

    //
    // Poison the fixed part, so that a use after free shows.
    //
    RtlFillMemory(Context, FIELD_OFFSET(SERVSP_PACKET_CONTEXT, Data), 0xDD);
    ExFreePoolWithTag(Context, SERVSP_TAG_PACKET);
}

_Requires_lock_held_(ChannelContext->Lock)
static
BOOLEAN
SerVspIsInFlight(
    _In_ PSERVSP_CHANNEL_CONTEXT ChannelContext,
    _In_ PSERVSP_PACKET_CONTEXT Context
    )
{
    PLIST_ENTRY Entry;

    for (Entry = ChannelContext->InFlightList.Flink;
         Entry != &ChannelContext->InFlightList;
         Entry = Entry->Flink) {

        if (CONTAINING_RECORD(Entry, SERVSP_PACKET_CONTEXT, Link) == Context) {
            return TRUE;
        }
    }
    return FALSE;
}

_IRQL_requires_max_(DISPATCH_LEVEL)
static
VOID
SerVspTrackPacket(
    _Inout_ PSERVSP_CHANNEL_CONTEXT ChannelContext,
    _Inout_ PSERVSP_PACKET_CONTEXT Context,
    _In_ VMBPACKET Packet
    )
{
    KIRQL OldIrql;

    Context->Packet = Packet;
    OldIrql = SerVspLockChannel(ChannelContext);
    InsertTailList(&ChannelContext->InFlightList, &Context->Link);
    SerVspUnlockChannel(ChannelContext, OldIrql);
    InterlockedIncrement(&ChannelContext->InFlightCount);
    VmbPacketSetPointer(Packet, Context);
}

_Use_decl_annotations_
NTSTATUS
SerVspInitializeChannel(
    VMBCHANNEL Channel
    )
{
    PSERVSP_CHANNEL_CONTEXT ChannelContext;
    NTSTATUS Status;

    PAGED_CODE();

    ChannelContext = (PSERVSP_CHANNEL_CONTEXT)ExAllocatePoolWithTag(NonPagedPoolNx,
                                                                     sizeof(*ChannelContext),
                                                                     SERVSP_TAG_CHANNEL);
    if (ChannelContext == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    RtlZeroMemory(ChannelContext, sizeof(*ChannelContext));
    ChannelContext->Signature = SERVSP_CHANNEL_SIGNATURE;
    RtlCopyMemory(&ChannelContext->InterfaceType, &SERVSP_INTERFACE_TYPE, sizeof(GUID));
    ChannelContext->ParametersKey = NULL;
    ChannelContext->DefaultLine.BaudRate = 9600;
    ChannelContext->DefaultLine.DataBits = 8;
    KeInitializeSpinLock(&ChannelContext->Lock);
    InitializeListHead(&ChannelContext->InFlightList);

    VmbChannelSetPointer(Channel, ChannelContext);
    Status = VmbServerChannelInitSetSaveRestorePacketCallbacks(Channel,
                                                               SerVspSavePacket,
                                                               SerVspRestorePacket);
    if (!NT_SUCCESS(Status)) {
        VmbChannelSetPointer(Channel, NULL);
        ExFreePool(ChannelContext);
        return Status;
    }
    KdPrint(("SerVsp: channel %p initialized\n", (PVOID)Channel));
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
NTSTATUS
SerVspQueuePacket(
    VMBCHANNEL Channel,
    VMBPACKET Packet,
    SERVSP_PACKET_TYPE Type,
    ULONG TransactionId,
    const SERVSP_LINE_SETTINGS *Line,
    ULONG ModemStatus,
    ULONG LineStatus,
    const UCHAR *Data,
    ULONG DataLength
    )
{
    PSERVSP_CHANNEL_CONTEXT ChannelContext = (PSERVSP_CHANNEL_CONTEXT)VmbChannelGetPointer(Channel);
    PSERVSP_PACKET_CONTEXT Context;
    NTSTATUS Status;

    if (ChannelContext == NULL || ChannelContext->Signature != SERVSP_CHANNEL_SIGNATURE) {
        return STATUS_INVALID_DEVICE_STATE;
    }
    if (!SerVspIsValidType(Type) || !SerVspIsValidLine(Line) ||
        (ModemStatus & ~SERVSP_MODEM_STATUS_VALID) != 0 ||
        (LineStatus & ~SERVSP_LINE_STATUS_VALID) != 0) {
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    if (DataLength > SERVSP_MAX_DATA || (Type != SerVspPacketReceiveData && DataLength != 0)) {
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    Status = SerVspAllocatePacketContext(DataLength, &Context);
    if (!NT_SUCCESS(Status)) {
        return Status;
    }
    Context->Type = Type;
    Context->TransactionId = TransactionId;
    Context->Line = *Line;
    Context->ModemStatus = ModemStatus;
    Context->LineStatus = LineStatus;
    Context->QueuedTime.QuadPart = 0;
    Context->DataMdl = NULL;
    RtlCopyMemory(Context->Data, Data, DataLength);
    SerVspTrackPacket(ChannelContext, Context, Packet);

    //
    // The packet now waits for the guest's completion.
    //
    return STATUS_PENDING;
}

_Use_decl_annotations_
NTSTATUS
SerVspCompletePacket(
    VMBCHANNEL Channel,
    VMBPACKET Packet,
    NTSTATUS CompletionStatus
    )
{
    PSERVSP_CHANNEL_CONTEXT ChannelContext = (PSERVSP_CHANNEL_CONTEXT)VmbChannelGetPointer(Channel);
    PSERVSP_PACKET_CONTEXT Context = (PSERVSP_PACKET_CONTEXT)VmbPacketGetPointer(Packet);
    KIRQL OldIrql;
    LONG Remaining;

    NT_ASSERT(KeGetCurrentIrql() <= DISPATCH_LEVEL);
    if (Context == NULL) {
        return STATUS_NOT_FOUND;
    }
    ASSERT(ChannelContext != NULL);
    OldIrql = SerVspLockChannel(ChannelContext);
    NT_ASSERT(SerVspIsInFlight(ChannelContext, Context));
    RemoveEntryList(&Context->Link);
    SerVspUnlockChannel(ChannelContext, OldIrql);
    Remaining = InterlockedDecrement(&ChannelContext->InFlightCount);
    NT_ASSERT(Remaining >= 0);
    if (CompletionStatus == STATUS_CANCELLED) {
        DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_TRACE_LEVEL,
                   "SerVsp: %s packet %lu cancelled, %ld in flight\n",
                   SerVspPacketTypeNames[Context->Type], (unsigned long)Context->TransactionId,
                   (long)Remaining);
    }
    VmbPacketSetPointer(Packet, NULL);
    SerVspFreePacketContext(Context);
    return STATUS_SUCCESS;
}

//
// The saved record of a packet: always the current version.
//
static
NTSTATUS
SerVspSavedRecordSize(
    _In_ const SERVSP_PACKET_CONTEXT *Context,
    _Out_ PULONG Size
    )
{
#ifdef SERVSP_PLANTED_BUG
    //
    // Planted defect: the size of a version 1 record, from before the record grew to version 2.
    // The probe asks for 16 bytes too few, and every save writes 16 bytes past SaveBuf.
    //
    return RtlULongAdd(FIELD_OFFSET(SERVSP_SAVED_PACKET_V1, Data), Context->DataLength, Size);
#else
    return RtlULongAdd(FIELD_OFFSET(SERVSP_SAVED_PACKET_V2, Data), Context->DataLength, Size);
#endif
}

static
VOID
SerVspWriteRecord(
    _In_ const SERVSP_PACKET_CONTEXT *Context,
    _Out_ PSERVSP_SAVED_PACKET_V2 Record
    )
{
    Record->Header.Signature = SERVSP_SAVED_SIGNATURE;
    Record->Header.Version = SERVSP_SAVED_VERSION_2;
    Record->Header.HeaderSize = (USHORT)FIELD_OFFSET(SERVSP_SAVED_PACKET_V2, Data);
    Record->Header.Type = (UCHAR)Context->Type;
    RtlZeroMemory(Record->Header.Reserved, sizeof(Record->Header.Reserved));
    Record->Header.TransactionId = Context->TransactionId;
    Record->Header.DataLength = Context->DataLength;
    Record->BaudRate = Context->Line.BaudRate;
    Record->DataBits = Context->Line.DataBits;
    Record->Parity = Context->Line.Parity;
    Record->StopBits = Context->Line.StopBits;
    Record->FlowControl = Context->Line.FlowControl;
    Record->ModemStatus = Context->ModemStatus;
    Record->LineStatus = Context->LineStatus;
    RtlCopyMemory(Record->Data, Context->Data, Context->DataLength);
}

_Use_decl_annotations_
static
NTSTATUS
SerVspSavePacket(
    VMBCHANNEL Channel,
    VMBPACKET Packet,
    PVOID SaveBuf,
    UINT32 SaveBufSize,
    PUINT32 BytesNeeded
    )
{
    PSERVSP_CHANNEL_CONTEXT ChannelContext = (PSERVSP_CHANNEL_CONTEXT)VmbChannelGetPointer(Channel);
    PSERVSP_PACKET_CONTEXT Context;
    KIRQL OldIrql;
    ULONG Needed;
    NTSTATUS Status;

    NT_ASSERT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    *BytesNeeded = 0;
    if (ChannelContext == NULL) {
        return STATUS_INVALID_DEVICE_STATE;
    }

    //
    // The completion path may run concurrently on Windows: read the context under the lock.
    //
    OldIrql = SerVspLockChannel(ChannelContext);
    Context = (PSERVSP_PACKET_CONTEXT)VmbPacketGetPointer(Packet);
    if (Context == NULL) {
        //
        // Nothing of ours in flight on this packet: nothing to save.
        //
        Status = STATUS_SUCCESS;
        goto Exit;
    }
    NT_ASSERT(Context->Signature == SERVSP_PACKET_SIGNATURE);
    NT_ASSERT(Context->DataLength <= SERVSP_MAX_DATA);

    Status = SerVspSavedRecordSize(Context, &Needed);
    if (!NT_SUCCESS(Status)) {
        goto Exit;
    }
    *BytesNeeded = Needed;
    if (SaveBufSize < Needed) {
        //
        // The SaveBufSize == 0 probe lands here, and so does any buffer that is too small.
        //
        Status = STATUS_BUFFER_TOO_SMALL;
        goto Exit;
    }
    SerVspWriteRecord(Context, (PSERVSP_SAVED_PACKET_V2)SaveBuf);
    Status = STATUS_SUCCESS;

Exit:
    SerVspUnlockChannel(ChannelContext, OldIrql);
    return Status;
}

//
// Version 1 records (driver 1.x) become version 2 ones with the channel's default line settings.
//
_Check_return_
static
NTSTATUS
SerVspUpgradeRecordV1(
    _In_ PSERVSP_CHANNEL_CONTEXT ChannelContext,
    _In_reads_bytes_(RecordSize) const UCHAR *Record,
    _In_ ULONG RecordSize,
    _Outptr_result_nullonfailure_ PSERVSP_SAVED_PACKET_V2 *Upgraded,
    _Out_ PULONG UpgradedSize
    )
{
    const ULONG DataLength = RecordSize - FIELD_OFFSET(SERVSP_SAVED_PACKET_V1, Data);
    PSERVSP_SAVED_PACKET_V2 V2;
    NTSTATUS Status;

    *Upgraded = NULL;
    *UpgradedSize = 0;
    Status = RtlULongAdd(FIELD_OFFSET(SERVSP_SAVED_PACKET_V2, Data), DataLength, UpgradedSize);
    if (!NT_SUCCESS(Status)) {
        return Status;
    }
    V2 = (PSERVSP_SAVED_PACKET_V2)ExAllocatePoolWithTag(NonPagedPoolNx, *UpgradedSize, SERVSP_TAG_UPGRADE);
    if (V2 == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    RtlCopyMemory(&V2->Header, Record, sizeof(V2->Header));
    V2->Header.Version = SERVSP_SAVED_VERSION_2;
    V2->Header.HeaderSize = (USHORT)FIELD_OFFSET(SERVSP_SAVED_PACKET_V2, Data);
    V2->BaudRate = ChannelContext->DefaultLine.BaudRate;
    V2->DataBits = ChannelContext->DefaultLine.DataBits;
    V2->Parity = ChannelContext->DefaultLine.Parity;
    V2->StopBits = ChannelContext->DefaultLine.StopBits;
    V2->FlowControl = ChannelContext->DefaultLine.FlowControl;
    V2->ModemStatus = 0;
    V2->LineStatus = 0;
    RtlMoveMemory(V2->Data, Record + FIELD_OFFSET(SERVSP_SAVED_PACKET_V1, Data), DataLength);
    *Upgraded = V2;
    return STATUS_SUCCESS;
}

//
// SaveBuf is untrusted: it may come from another driver version or another host.
//
_Check_return_
static
NTSTATUS
SerVspParseRecord(
    _In_ PSERVSP_CHANNEL_CONTEXT ChannelContext,
    _In_reads_bytes_(RecordSize) const UCHAR *Record,
    _In_ ULONG RecordSize,
    _Outptr_result_nullonfailure_ PSERVSP_PACKET_CONTEXT *Context
    )
{
    SERVSP_SAVED_PACKET_HEADER Header;
    SERVSP_SAVED_PACKET_V2 Fixed;
    PSERVSP_SAVED_PACKET_V2 Upgraded = NULL;
    PSERVSP_PACKET_CONTEXT NewContext;
    ULONG HeaderSize;
    ULONG Total;
    NTSTATUS Status;

    *Context = NULL;
    if (RecordSize < sizeof(Header)) {
        return STATUS_INVALID_PARAMETER;
    }
    RtlCopyMemory(&Header, Record, sizeof(Header));
    if (Header.Signature != SERVSP_SAVED_SIGNATURE) {
        return STATUS_INVALID_PARAMETER;
    }
    switch (Header.Version) {
    case SERVSP_SAVED_VERSION_1:
        HeaderSize = FIELD_OFFSET(SERVSP_SAVED_PACKET_V1, Data);
        break;
    case SERVSP_SAVED_VERSION_2:
        HeaderSize = FIELD_OFFSET(SERVSP_SAVED_PACKET_V2, Data);
        break;
    default:
        DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_WARNING_LEVEL,
                   "SerVsp: saved record version %u is unknown\n", (unsigned)Header.Version);
        return STATUS_UNKNOWN_REVISION;
    }
    if (Header.HeaderSize != HeaderSize ||
        !SerVspIsValidType(Header.Type) ||
        RtlCompareMemory(Header.Reserved, SerVspZeroReserved, sizeof(Header.Reserved)) != sizeof(Header.Reserved) ||
        Header.DataLength > SERVSP_MAX_DATA ||
        (Header.Type != SerVspPacketReceiveData && Header.DataLength != 0)) {
        return STATUS_INVALID_PARAMETER;
    }
    Status = RtlULongAdd(HeaderSize, Header.DataLength, &Total);
    if (!NT_SUCCESS(Status) || Total != RecordSize) {
        return STATUS_INVALID_PARAMETER;
    }

    if (Header.Version == SERVSP_SAVED_VERSION_1) {
        Status = SerVspUpgradeRecordV1(ChannelContext, Record, RecordSize, &Upgraded, &Total);
        if (!NT_SUCCESS(Status)) {
            return Status;
        }
        Record = (const UCHAR *)Upgraded;
    }
    RtlCopyMemory(&Fixed, Record, FIELD_OFFSET(SERVSP_SAVED_PACKET_V2, Data));

    Status = SerVspAllocatePacketContext(Fixed.Header.DataLength, &NewContext);
    if (NT_SUCCESS(Status)) {
        NewContext->Type = (SERVSP_PACKET_TYPE)Fixed.Header.Type;
        NewContext->TransactionId = Fixed.Header.TransactionId;
        NewContext->Line.BaudRate = Fixed.BaudRate;
        NewContext->Line.DataBits = Fixed.DataBits;
        NewContext->Line.Parity = Fixed.Parity;
        NewContext->Line.StopBits = Fixed.StopBits;
        NewContext->Line.FlowControl = Fixed.FlowControl;
        NewContext->ModemStatus = Fixed.ModemStatus;
        NewContext->LineStatus = Fixed.LineStatus;
        RtlCopyMemory(NewContext->Data, Record + FIELD_OFFSET(SERVSP_SAVED_PACKET_V2, Data),
                      NewContext->DataLength);
        if (!SerVspIsValidLine(&NewContext->Line) ||
            (NewContext->ModemStatus & ~SERVSP_MODEM_STATUS_VALID) != 0 ||
            (NewContext->LineStatus & ~SERVSP_LINE_STATUS_VALID) != 0) {
            SerVspFreePacketContext(NewContext);
            Status = STATUS_INVALID_PARAMETER;
        } else {
            *Context = NewContext;
        }
    }
    if (Upgraded != NULL) {
        ExFreePool(Upgraded);
    }
    return Status;
}

_Use_decl_annotations_
static
NTSTATUS
SerVspRestorePacket(
    VMBCHANNEL Channel,
    PVOID LibBuf,
    UINT32 LibBufSize,
    PVOID SaveBuf,
    UINT32 SaveBufSize
    )
{
    PSERVSP_CHANNEL_CONTEXT ChannelContext = (PSERVSP_CHANNEL_CONTEXT)VmbChannelGetPointer(Channel);
    PSERVSP_PACKET_CONTEXT Context = NULL;
    VMBPACKET Packet;
    NTSTATUS Status;

    if (ChannelContext == NULL) {
        return STATUS_INVALID_DEVICE_STATE;
    }

    //
    // An empty SaveBuf: the packet had no state of ours.
    //
    if (SaveBufSize != 0) {
        Status = SerVspParseRecord(ChannelContext, (PBYTE)SaveBuf, SaveBufSize, &Context);
        if (!NT_SUCCESS(Status)) {
            DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_TRACE_LEVEL,
                       "SerVsp: rejected a saved record of %u bytes (0x%08X)\n",
                       (unsigned)SaveBufSize, (unsigned)Status);
            return Status;
        }
    }

    Packet = VmbPacketAllocate(Channel);
    if (Packet == NULL) {
        Status = STATUS_INSUFFICIENT_RESOURCES;
        goto Fail;
    }
    Status = VmbPacketRestore(Packet, LibBuf, LibBufSize);
    if (!NT_SUCCESS(Status)) {
        VmbPacketFree(Packet);
        goto Fail;
    }
    if (Context != NULL) {
        SerVspTrackPacket(ChannelContext, Context, Packet);
        InterlockedIncrement(&ChannelContext->RestoredCount);
    }
    return STATUS_SUCCESS;

Fail:
    if (Context != NULL) {
        SerVspFreePacketContext(Context);
    }
    return Status;
}
