/*
 * RP2, on an old record layout only: the restore still reads the version 1 records an older
 * driver build wrote, and its version 1 reader takes an area's 16-bit Length from the record and
 * copies that many bytes without checking them against what is left of RestoreBuf: a version 1
 * record whose area claims more than the record holds is read past its end. This build saves
 * version 2 only, whose reader checks every length, so no record it saves takes the old path:
 * the bug shows only with the version lowered *and* a length at a boundary. Built plain (no
 * coverage): only vspconform's guard page behind the input sees the over-read.
 *
 * -DOLN_V1_CHECKS_LENGTH: the fixed build (the version 1 reader checks the length): correct.
 *
 * A WDK-style VSP of a virtual adapter whose in-flight request carries 1-4 context areas
 * (command, sense, data, vendor), each with flags and data; per packet one pool block.
 *
 * Seed (the request; empty: no request in flight):
 *   u8 Control   AreaCount = 1 + Control % 4; bit 2 + i: area i is dirty
 *   then the areas' data in order, area i taking at most OlnAreaLimit[i] of the bytes left.
 *
 * Record (packed, little-endian), current version 2:
 *   OLN_RECORD_HEADER  Magic 'OLNR', Version (2), AreaCount (1-4), TotalLength (the record's size)
 *   AreaCount areas:   OLN_AREA_V2 {Type, Flags, Length} then Length bytes of data
 * Version 1 (older builds; restored, never saved): the same header, areas OLN_AREA_V1 {Type,
 * Length} then Length bytes (no flags).
 */
#include <VmbusKernelModeClientLibApi.h>
#include <VspConformance.h>
#include <WdkCompat.h>

#define OLN_TAG_CONTEXT 'xCnO'
#define OLN_RECORD_MAGIC 0x524E4C4Fu /* 'OLNR' */
#define OLN_RECORD_VERSION_1 1
#define OLN_RECORD_VERSION_2 2
#define OLN_MAX_AREAS 4
#define OLN_MAX_AREA_DATA 64 /* the context's buffer per area */

#define OLN_AREA_COMMAND 1
#define OLN_AREA_SENSE 2
#define OLN_AREA_DATA 3
#define OLN_AREA_VENDOR 4

#define OLN_AREA_FLAG_VALID 0x0001
#define OLN_AREA_FLAG_DIRTY 0x0002
#define OLN_AREA_FLAGS_KNOWN (OLN_AREA_FLAG_VALID | OLN_AREA_FLAG_DIRTY)

#include <pshpack1.h>
typedef struct _OLN_RECORD_HEADER {
    ULONG Magic;
    USHORT Version;
    USHORT AreaCount;
    ULONG TotalLength;
} OLN_RECORD_HEADER;

typedef struct _OLN_AREA_V2 {
    USHORT Type;
    USHORT Flags;
    ULONG Length;
    /* Length bytes of data */
} OLN_AREA_V2;

typedef struct _OLN_AREA_V1 {
    USHORT Type;
    USHORT Length;
    /* Length bytes of data */
} OLN_AREA_V1;
#include <poppack.h>

C_ASSERT(sizeof(OLN_RECORD_HEADER) == 12);
C_ASSERT(sizeof(OLN_AREA_V2) == 8);
C_ASSERT(sizeof(OLN_AREA_V1) == 4);

typedef struct _OLN_AREA {
    USHORT Type;
    USHORT Flags;
    ULONG Length;
    UCHAR Data[OLN_MAX_AREA_DATA];
} OLN_AREA;

typedef struct _OLN_CONTEXT {
    ULONG AreaCount;
    OLN_AREA Areas[OLN_MAX_AREAS];
} OLN_CONTEXT, *POLN_CONTEXT;

/* The most data each area type holds (a CDB, fixed-format sense, inline data, a vendor block). */
static const ULONG OlnAreaLimit[OLN_MAX_AREAS + 1] = {0, 16, 18, 64, 32};

static EVT_VMB_CHANNEL_SAVE_PACKET EvtVmbChannelSavePacket;
static EVT_VMB_CHANNEL_RESTORE_PACKET EvtVmbChannelRestorePacket;

static ULONG OlnRecordSize(const OLN_CONTEXT *Context) {
    ULONG Size = sizeof(OLN_RECORD_HEADER);
    ULONG i;

    for (i = 0; i < Context->AreaCount; i++) {
        Size += sizeof(OLN_AREA_V2) + Context->Areas[i].Length;
    }
    return Size;
}

static NTSTATUS EvtVmbChannelSavePacket(_In_ VMBCHANNEL Channel, _In_ VMBPACKET Packet,
                                        _Out_writes_bytes_(SaveBufSize) PVOID SaveBuf, _In_ UINT32 SaveBufSize,
                                        _Out_ PUINT32 BytesNeeded) {
    const OLN_CONTEXT *Context = (const OLN_CONTEXT *)VmbPacketGetPointer(Packet);
    PUCHAR Out = (PUCHAR)SaveBuf;
    OLN_RECORD_HEADER Header;
    OLN_AREA_V2 Area;
    ULONG Size, Offset, i;

    UNREFERENCED_PARAMETER(Channel);
    if (Context == NULL) {
        *BytesNeeded = 0;
        return STATUS_SUCCESS;
    }
    Size = OlnRecordSize(Context);
    *BytesNeeded = Size;
    if (SaveBufSize < Size) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    Header.Magic = OLN_RECORD_MAGIC;
    Header.Version = OLN_RECORD_VERSION_2;
    Header.AreaCount = (USHORT)Context->AreaCount;
    Header.TotalLength = Size;
    RtlCopyMemory(Out, &Header, sizeof(Header));
    Offset = sizeof(Header);
    for (i = 0; i < Context->AreaCount; i++) {
        Area.Type = Context->Areas[i].Type;
        Area.Flags = Context->Areas[i].Flags;
        Area.Length = Context->Areas[i].Length;
        RtlCopyMemory(Out + Offset, &Area, sizeof(Area));
        Offset += sizeof(Area);
        RtlCopyMemory(Out + Offset, Context->Areas[i].Data, Area.Length);
        Offset += Area.Length;
    }
    return STATUS_SUCCESS;
}

static NTSTATUS OlnReadAreasV2(const UCHAR *Record, ULONG Size, POLN_CONTEXT Context) {
    ULONG Offset = sizeof(OLN_RECORD_HEADER);
    OLN_AREA_V2 Area;
    ULONG i;

    for (i = 0; i < Context->AreaCount; i++) {
        if (Size - Offset < sizeof(Area)) {
            return STATUS_DATA_ERROR;
        }
        RtlCopyMemory(&Area, Record + Offset, sizeof(Area));
        Offset += sizeof(Area);
        if (Area.Type < OLN_AREA_COMMAND || Area.Type > OLN_AREA_VENDOR || (Area.Flags & ~OLN_AREA_FLAGS_KNOWN) != 0 ||
            Area.Length > OlnAreaLimit[Area.Type] || Area.Length > Size - Offset) {
            return STATUS_DATA_ERROR;
        }
        Context->Areas[i].Type = Area.Type;
        Context->Areas[i].Flags = Area.Flags;
        Context->Areas[i].Length = Area.Length;
        RtlCopyMemory(Context->Areas[i].Data, Record + Offset, Area.Length);
        Offset += Area.Length;
    }
    return Offset == Size ? STATUS_SUCCESS : STATUS_DATA_ERROR;
}

/* Records of older builds (version 1): no flags, no per-type limits; converted on restore. */
static NTSTATUS OlnReadAreasV1(const UCHAR *Record, ULONG Size, POLN_CONTEXT Context) {
    ULONG Offset = sizeof(OLN_RECORD_HEADER);
    OLN_AREA_V1 Area;
    ULONG i;

    for (i = 0; i < Context->AreaCount; i++) {
        if (Size - Offset < sizeof(Area)) {
            return STATUS_DATA_ERROR;
        }
        RtlCopyMemory(&Area, Record + Offset, sizeof(Area));
        Offset += sizeof(Area);
        if (Area.Type < OLN_AREA_COMMAND || Area.Type > OLN_AREA_VENDOR || Area.Length > OLN_MAX_AREA_DATA) {
            return STATUS_DATA_ERROR;
        }
#ifdef OLN_V1_CHECKS_LENGTH
        if (Area.Length > Size - Offset) {
            return STATUS_DATA_ERROR;
        }
#endif
        /* The bug (without OLN_V1_CHECKS_LENGTH): Length is trusted, the copy may run past the record. */
        Context->Areas[i].Type = Area.Type;
        Context->Areas[i].Flags = OLN_AREA_FLAG_VALID;
        Context->Areas[i].Length = Area.Length;
        RtlCopyMemory(Context->Areas[i].Data, Record + Offset, Area.Length);
        Offset += Area.Length;
    }
    return Offset == Size ? STATUS_SUCCESS : STATUS_DATA_ERROR;
}

static NTSTATUS OlnParseRecord(const UCHAR *Record, ULONG Size, POLN_CONTEXT *Result) {
    OLN_RECORD_HEADER Header;
    POLN_CONTEXT Context;
    NTSTATUS Status;

    if (Size < sizeof(Header)) {
        return STATUS_DATA_ERROR;
    }
    RtlCopyMemory(&Header, Record, sizeof(Header));
    if (Header.Magic != OLN_RECORD_MAGIC || Header.TotalLength != Size || Header.AreaCount < 1 ||
        Header.AreaCount > OLN_MAX_AREAS) {
        return STATUS_DATA_ERROR;
    }
    Context = (POLN_CONTEXT)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*Context), OLN_TAG_CONTEXT);
    if (Context == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Context->AreaCount = Header.AreaCount;
    switch (Header.Version) {
    case OLN_RECORD_VERSION_2: Status = OlnReadAreasV2(Record, Size, Context); break;
    case OLN_RECORD_VERSION_1: Status = OlnReadAreasV1(Record, Size, Context); break;
    default: Status = STATUS_REVISION_MISMATCH; break;
    }
    if (!NT_SUCCESS(Status)) {
        ExFreePoolWithTag(Context, OLN_TAG_CONTEXT);
        return Status;
    }
    *Result = Context;
    return STATUS_SUCCESS;
}

static NTSTATUS EvtVmbChannelRestorePacket(_In_ VMBCHANNEL Channel, _In_reads_bytes_(LibBufSize) PVOID LibBuf,
                                           _In_ UINT32 LibBufSize, _In_reads_bytes_(SaveBufSize) PVOID SaveBuf,
                                           _In_ UINT32 SaveBufSize) {
    POLN_CONTEXT Context = NULL;
    VMBPACKET Packet;
    NTSTATUS Status;

    /* An empty SaveBuf: the packet had no request of ours. */
    if (SaveBufSize != 0) {
        Status = OlnParseRecord((const UCHAR *)SaveBuf, SaveBufSize, &Context);
        if (!NT_SUCCESS(Status)) {
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
    VmbPacketSetPointer(Packet, Context);
    return STATUS_SUCCESS;

Fail:
    if (Context != NULL) {
        ExFreePoolWithTag(Context, OLN_TAG_CONTEXT);
    }
    return Status;
}

NTSTATUS VspConformanceInitChannel(VMBCHANNEL Channel) {
    return VmbServerChannelInitSetSaveRestorePacketCallbacks(Channel, EvtVmbChannelSavePacket,
                                                             EvtVmbChannelRestorePacket);
}

NTSTATUS VspConformancePreparePacket(VMBCHANNEL Channel, VMBPACKET Packet, const UINT8 *Seed, UINT32 SeedSize,
                                     BOOLEAN *HasState) {
    POLN_CONTEXT Context;
    ULONG Offset = 1, i;

    UNREFERENCED_PARAMETER(Channel);
    *HasState = FALSE;
    if (SeedSize == 0) {
        VmbPacketSetPointer(Packet, NULL);
        return STATUS_SUCCESS;
    }
    Context = (POLN_CONTEXT)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*Context), OLN_TAG_CONTEXT);
    if (Context == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Context->AreaCount = 1 + Seed[0] % OLN_MAX_AREAS;
    for (i = 0; i < Context->AreaCount; i++) {
        OLN_AREA *Area = &Context->Areas[i];

        Area->Type = (USHORT)(OLN_AREA_COMMAND + i);
        Area->Flags = (USHORT)(OLN_AREA_FLAG_VALID | ((Seed[0] >> (2 + i)) & 1 ? OLN_AREA_FLAG_DIRTY : 0));
        Area->Length = min(SeedSize - Offset, OlnAreaLimit[Area->Type]);
        RtlCopyMemory(Area->Data, Seed + Offset, Area->Length);
        Offset += Area->Length;
    }
    VmbPacketSetPointer(Packet, Context);
    *HasState = TRUE;
    return STATUS_SUCCESS;
}

VOID VspConformanceReleasePacket(VMBCHANNEL Channel, VMBPACKET Packet) {
    POLN_CONTEXT Context = (POLN_CONTEXT)VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    if (Context != NULL) {
        VmbPacketSetPointer(Packet, NULL);
        ExFreePoolWithTag(Context, OLN_TAG_CONTEXT);
    }
}
