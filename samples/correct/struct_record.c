/*
 * A VSP whose saved record is a C struct written in place through a SAVED_REQUEST pointer to
 * SaveBuf (a header with a flexible payload array), the way much driver code does it. Built with
 * -g, the reports name the record field a finding's offset falls in:
 *   -DSTRUCT_BUG_RESERVED      the save never writes SAVED_REQUEST.Reserved: it keeps whatever
 *                              SaveBuf held (SP9, at offset 20: SAVED_REQUEST.Reserved)
 *   -DSTRUCT_BUG_WRITES_FLAGS  the restore clears SAVED_REQUEST.Flags in SaveBuf, its input
 *                              (RP4, at offset 6: SAVED_REQUEST.Flags)
 * Seed: byte 0 even -> no state; else RequestId = bytes 1..8, Flags = byte 9, the payload = the
 * bytes after byte 9 (at most 64).
 */
#include <stdlib.h>
#include <string.h>

#include "VmbusKernelModeClientLibApi.h"
#include "VspConformance.h"

#define SAVED_REQUEST_MAGIC 0x51455253u /* 'SREQ' */
#define MAX_PAYLOAD 64u

typedef struct _SAVED_REQUEST {
    UINT32 Magic;
    UINT16 Version;
    UINT16 Flags;
    UINT64 RequestId;
    UINT32 PayloadLength;
    UINT32 Reserved;
    UINT8 Payload[];
} SAVED_REQUEST;

_Static_assert(sizeof(SAVED_REQUEST) == 24, "a 24-byte header");

typedef struct _REQUEST_CONTEXT {
    UINT64 RequestId;
    UINT16 Flags;
    UINT32 PayloadLength;
    UINT8 Payload[MAX_PAYLOAD];
} REQUEST_CONTEXT;

NTSTATUS EvtVmbChannelSavePacket(VMBCHANNEL Channel, VMBPACKET Packet, PVOID SaveBuf, UINT32 SaveBufSize,
                                 PUINT32 BytesNeeded)
{
    const REQUEST_CONTEXT *Context = VmbPacketGetPointer(Packet);
    SAVED_REQUEST *Saved = SaveBuf;
    UINT32 Size;

    (void)Channel;
    if (Context == NULL) {
        *BytesNeeded = 0;
        return STATUS_SUCCESS;
    }
    Size = (UINT32)sizeof(SAVED_REQUEST) + Context->PayloadLength;
    *BytesNeeded = Size;
    if (SaveBufSize < Size) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    Saved->Magic = SAVED_REQUEST_MAGIC;
    Saved->Version = 1;
    Saved->Flags = Context->Flags;
    Saved->RequestId = Context->RequestId;
    Saved->PayloadLength = Context->PayloadLength;
#ifndef STRUCT_BUG_RESERVED
    Saved->Reserved = 0;
#endif
    memcpy(Saved->Payload, Context->Payload, Context->PayloadLength);
    return STATUS_SUCCESS;
}

NTSTATUS EvtVmbChannelRestorePacket(VMBCHANNEL Channel, PVOID LibBuf, UINT32 LibBufSize, PVOID SaveBuf,
                                    UINT32 SaveBufSize)
{
    SAVED_REQUEST *Saved = SaveBuf;
    REQUEST_CONTEXT *Context;
    VMBPACKET Packet;
    NTSTATUS Status;

    if (SaveBufSize < sizeof(SAVED_REQUEST) || Saved->Magic != SAVED_REQUEST_MAGIC || Saved->Version != 1 ||
        Saved->PayloadLength > MAX_PAYLOAD || SaveBufSize != sizeof(SAVED_REQUEST) + Saved->PayloadLength) {
        return STATUS_INVALID_PARAMETER;
    }
    Context = calloc(1, sizeof(*Context));
    if (Context == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Context->RequestId = Saved->RequestId;
    Context->Flags = Saved->Flags;
    Context->PayloadLength = Saved->PayloadLength;
    memcpy(Context->Payload, Saved->Payload, Saved->PayloadLength);
#ifdef STRUCT_BUG_WRITES_FLAGS
    Saved->Flags = 0; /* "consumed": but SaveBuf is the caller's, read-only input */
#endif
    Packet = VmbPacketAllocate(Channel);
    if (Packet == NULL) {
        free(Context);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Status = VmbPacketRestore(Packet, LibBuf, LibBufSize);
    if (!NT_SUCCESS(Status)) {
        VmbPacketFree(Packet);
        free(Context);
        return Status;
    }
    VmbPacketSetPointer(Packet, Context);
    return STATUS_SUCCESS;
}

NTSTATUS VspConformancePreparePacket(VMBCHANNEL Channel, VMBPACKET Packet, const UINT8 *Seed, UINT32 SeedSize,
                                     BOOLEAN *HasState)
{
    REQUEST_CONTEXT *Context;
    UINT32 i;

    (void)Channel;
    *HasState = FALSE;
    VmbPacketSetPointer(Packet, NULL);
    if (SeedSize == 0 || Seed[0] % 2 == 0) {
        return STATUS_SUCCESS;
    }
    Context = calloc(1, sizeof(*Context));
    if (Context == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    for (i = 0; i < 8; ++i) {
        Context->RequestId |= (UINT64)(1 + i < SeedSize ? Seed[1 + i] : 0) << (8 * i);
    }
    Context->Flags = SeedSize > 9 ? Seed[9] : 0;
    Context->PayloadLength = SeedSize > 10 ? SeedSize - 10 : 0;
    if (Context->PayloadLength > MAX_PAYLOAD) {
        Context->PayloadLength = MAX_PAYLOAD;
    }
    memcpy(Context->Payload, Seed + 10, Context->PayloadLength);
    VmbPacketSetPointer(Packet, Context);
    *HasState = TRUE;
    return STATUS_SUCCESS;
}

VOID VspConformanceReleasePacket(VMBCHANNEL Channel, VMBPACKET Packet)
{
    (void)Channel;
    free(VmbPacketGetPointer(Packet));
    VmbPacketSetPointer(Packet, NULL);
}
