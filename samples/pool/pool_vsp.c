/*
 * pool_vsp.c - a small WDK-style VSP whose per-packet state lives in pool (WdkCompat.h's
 * ExAllocatePool2 / ExFreePoolWithTag): what the pool rules SP14 and RP5 check.
 *
 * Per packet: a context block (tag 'xtCP') holding a message id and a payload block (tag
 * 'dlPP'). The save serializes through a scratch block (tag 'rcSP') that it frees before
 * returning; the restore builds a new context and payload, and frees both when it rejects a
 * record; releasing a packet frees its context and payload.
 *
 * Seed: empty or byte 0 even -> no state; else MessageId = bytes 1..4 (little-endian,
 * zero-padded) and the payload = the bytes after them (at most POOL_VSP_MAX_PAYLOAD).
 * Record (little-endian): u32 Magic 'PLVS', u32 MessageId, u16 Length, u16 reserved (0), then
 * Length payload bytes.
 *
 * Built as it is, it is correct. One define plants one bug:
 *   POOL_BUG_SAVE_LEAK           the save never frees its scratch block (SP14)
 *   POOL_BUG_SAVE_WRONG_TAG      the save frees its scratch block with the context's tag (SP14)
 *   POOL_BUG_RESTORE_LEAK        a rejected record leaves the new context allocated (RP5)
 *   POOL_BUG_RESTORE_FOREIGN     a rejected record frees the payload pointer it never allocated
 *                                 (uninitialized: still NULL) and the context twice (RP5)
 *   POOL_BUG_RELEASE_KEEPS       releasing a packet frees its context but not its payload (RP5)
 */
#include <VmbusKernelModeClientLibApi.h>
#include <VspConformance.h>
#include <WdkCompat.h>

#define POOL_VSP_TAG_CONTEXT 'xtCP'
#define POOL_VSP_TAG_PAYLOAD 'dlPP'
#define POOL_VSP_TAG_SCRATCH 'rcSP'
#define POOL_VSP_MAGIC 0x53564C50u /* 'PLVS' */
#define POOL_VSP_HEADER 12u
#define POOL_VSP_MAX_PAYLOAD 256u

typedef struct _POOL_VSP_CONTEXT {
    ULONG MessageId;
    ULONG Length;
    PUCHAR Payload; /* NULL when Length == 0 */
} POOL_VSP_CONTEXT, *PPOOL_VSP_CONTEXT;

static VOID PoolVspPutUlong(PUCHAR p, ULONG v) {
    p[0] = (UCHAR)v;
    p[1] = (UCHAR)(v >> 8);
    p[2] = (UCHAR)(v >> 16);
    p[3] = (UCHAR)(v >> 24);
}

static ULONG PoolVspGetUlong(const UCHAR *p) {
    return (ULONG)p[0] | (ULONG)p[1] << 8 | (ULONG)p[2] << 16 | (ULONG)p[3] << 24;
}

static VOID PoolVspFreeContext(PPOOL_VSP_CONTEXT Context) {
    if (Context->Payload != NULL) {
        ExFreePoolWithTag(Context->Payload, POOL_VSP_TAG_PAYLOAD);
    }
    ExFreePoolWithTag(Context, POOL_VSP_TAG_CONTEXT);
}

static PPOOL_VSP_CONTEXT PoolVspNewContext(ULONG MessageId, ULONG Length) {
    PPOOL_VSP_CONTEXT Context =
        (PPOOL_VSP_CONTEXT)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*Context), POOL_VSP_TAG_CONTEXT);

    if (Context == NULL) {
        return NULL;
    }
    Context->MessageId = MessageId;
    Context->Length = Length;
    if (Length != 0) {
        Context->Payload = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, Length, POOL_VSP_TAG_PAYLOAD);
        if (Context->Payload == NULL) {
            ExFreePoolWithTag(Context, POOL_VSP_TAG_CONTEXT);
            return NULL;
        }
    }
    return Context;
}

static EVT_VMB_CHANNEL_SAVE_PACKET EvtVmbChannelSavePacket;
static EVT_VMB_CHANNEL_RESTORE_PACKET EvtVmbChannelRestorePacket;

static NTSTATUS EvtVmbChannelSavePacket(_In_ VMBCHANNEL Channel, _In_ VMBPACKET Packet,
                                        _Out_writes_bytes_(SaveBufSize) PVOID SaveBuf, _In_ UINT32 SaveBufSize,
                                        _Out_ PUINT32 BytesNeeded) {
    PPOOL_VSP_CONTEXT Context = (PPOOL_VSP_CONTEXT)VmbPacketGetPointer(Packet);
    PUCHAR Scratch;
    ULONG Size;

    UNREFERENCED_PARAMETER(Channel);
    if (Context == NULL) {
        *BytesNeeded = 0;
        return STATUS_SUCCESS;
    }
    Size = POOL_VSP_HEADER + Context->Length;
    *BytesNeeded = Size;
    if (SaveBufSize < Size) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    /* The record is assembled in a scratch block first (as a driver that also logs it would). */
    Scratch = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, Size, POOL_VSP_TAG_SCRATCH);
    if (Scratch == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    PoolVspPutUlong(Scratch, POOL_VSP_MAGIC);
    PoolVspPutUlong(Scratch + 4, Context->MessageId);
    Scratch[8] = (UCHAR)Context->Length;
    Scratch[9] = (UCHAR)(Context->Length >> 8);
    Scratch[10] = 0;
    Scratch[11] = 0;
    if (Context->Length != 0) {
        RtlCopyMemory(Scratch + POOL_VSP_HEADER, Context->Payload, Context->Length);
    }
    RtlCopyMemory(SaveBuf, Scratch, Size);
#if defined(POOL_BUG_SAVE_LEAK)
    /* the scratch block is never freed */
#elif defined(POOL_BUG_SAVE_WRONG_TAG)
    ExFreePoolWithTag(Scratch, POOL_VSP_TAG_CONTEXT);
#else
    ExFreePoolWithTag(Scratch, POOL_VSP_TAG_SCRATCH);
#endif
    return STATUS_SUCCESS;
}

static NTSTATUS EvtVmbChannelRestorePacket(_In_ VMBCHANNEL Channel, _In_reads_bytes_(LibBufSize) PVOID LibBuf,
                                           _In_ UINT32 LibBufSize, _In_reads_bytes_(SaveBufSize) PVOID SaveBuf,
                                           _In_ UINT32 SaveBufSize) {
    const UCHAR *Record = (const UCHAR *)SaveBuf;
    PPOOL_VSP_CONTEXT Context;
    VMBPACKET Packet;
    ULONG Length;
    NTSTATUS Status;

    if (SaveBufSize < POOL_VSP_HEADER) {
        return STATUS_INVALID_PARAMETER;
    }
    Length = (ULONG)Record[8] | (ULONG)Record[9] << 8;
    /* A driver that allocates before it validates: the rejection paths must free. */
    Context = (PPOOL_VSP_CONTEXT)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*Context), POOL_VSP_TAG_CONTEXT);
    if (Context == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (PoolVspGetUlong(Record) != POOL_VSP_MAGIC || Length > POOL_VSP_MAX_PAYLOAD ||
        SaveBufSize != POOL_VSP_HEADER + Length) {
#if defined(POOL_BUG_RESTORE_LEAK)
        /* Context is leaked */
#elif defined(POOL_BUG_RESTORE_FOREIGN)
        ExFreePoolWithTag(Context->Payload, POOL_VSP_TAG_PAYLOAD); /* never allocated (NULL) */
        ExFreePoolWithTag(Context, POOL_VSP_TAG_CONTEXT);
        ExFreePoolWithTag(Context, POOL_VSP_TAG_CONTEXT); /* freed twice */
#else
        ExFreePoolWithTag(Context, POOL_VSP_TAG_CONTEXT);
#endif
        return STATUS_INVALID_PARAMETER;
    }
    Context->MessageId = PoolVspGetUlong(Record + 4);
    Context->Length = Length;
    Context->Payload = NULL;
    if (Length != 0) {
        Context->Payload = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, Length, POOL_VSP_TAG_PAYLOAD);
        if (Context->Payload == NULL) {
            ExFreePoolWithTag(Context, POOL_VSP_TAG_CONTEXT);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        RtlCopyMemory(Context->Payload, Record + POOL_VSP_HEADER, Length);
    }
    Packet = VmbPacketAllocate(Channel);
    if (Packet == NULL) {
        PoolVspFreeContext(Context);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Status = VmbPacketRestore(Packet, LibBuf, LibBufSize);
    if (!NT_SUCCESS(Status)) {
        VmbPacketFree(Packet);
        PoolVspFreeContext(Context);
        return Status;
    }
    VmbPacketSetPointer(Packet, Context);
    return STATUS_SUCCESS;
}

NTSTATUS VspConformanceInitChannel(VMBCHANNEL Channel) {
    return VmbServerChannelInitSetSaveRestorePacketCallbacks(Channel, EvtVmbChannelSavePacket,
                                                             EvtVmbChannelRestorePacket);
}

NTSTATUS VspConformancePreparePacket(VMBCHANNEL Channel, VMBPACKET Packet, const UINT8 *Seed, UINT32 SeedSize,
                                     BOOLEAN *HasState) {
    PPOOL_VSP_CONTEXT Context;
    ULONG MessageId = 0, Length = 0, i;

    UNREFERENCED_PARAMETER(Channel);
    *HasState = FALSE;
    if (SeedSize == 0 || Seed[0] % 2 == 0) {
        VmbPacketSetPointer(Packet, NULL);
        return STATUS_SUCCESS;
    }
    for (i = 0; i < 4; i++) {
        MessageId |= (ULONG)(1 + i < SeedSize ? Seed[1 + i] : 0) << (8 * i);
    }
    if (SeedSize > 5) {
        Length = min(SeedSize - 5, POOL_VSP_MAX_PAYLOAD);
    }
    Context = PoolVspNewContext(MessageId, Length);
    if (Context == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (Length != 0) {
        RtlCopyMemory(Context->Payload, Seed + 5, Length);
    }
    VmbPacketSetPointer(Packet, Context);
    *HasState = TRUE;
    return STATUS_SUCCESS;
}

VOID VspConformanceReleasePacket(VMBCHANNEL Channel, VMBPACKET Packet) {
    PPOOL_VSP_CONTEXT Context = (PPOOL_VSP_CONTEXT)VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    if (Context == NULL) {
        return;
    }
#if defined(POOL_BUG_RELEASE_KEEPS)
    ExFreePoolWithTag(Context, POOL_VSP_TAG_CONTEXT); /* Context->Payload stays allocated */
#else
    PoolVspFreeContext(Context);
#endif
    VmbPacketSetPointer(Packet, NULL);
}
