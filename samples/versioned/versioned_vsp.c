/*
 * versioned_vsp.c - a small VSP whose saved record format has two versions,
 * built as two releases of one driver (the samples of `vspconform compat`).
 * The default build is release 2: it saves version 2 records; its restore also
 * accepts the version 1 records that release 1 wrote (live migration from an
 * older host). The state of a packet is a tag, a priority (new in version 2)
 * and an opaque payload.
 *
 * Seed: empty -> stateless packet; otherwise Tag = bytes 0..3, Priority =
 * bytes 4..5 (little-endian, zero-padded), payload = the bytes after them.
 * Every release maps a seed to the same logical state (the contract compat
 * needs): release 1, which has no priority, rejects a seed whose bytes 4..5
 * are not zero (it cannot represent that state), and release 2 restores a
 * version 1 record with priority 0.
 *
 * Builds:
 *   (default)                     release 2, correct
 *   -DVERSIONED_V1                release 1: saves and restores version 1 only
 *   -DVERSIONED_DROPS_V1          release 2 that no longer restores version 1 (CP1)
 *   -DVERSIONED_V1_LOSES_TAG      release 2 whose version 1 reader forgets the tag (CP2)
 *   -DVERSIONED_V1_TRUSTS_LENGTH  release 2 whose version 1 reader trusts Length (RP2)
 *
 * Version 2 record (little-endian):          Version 1 record (older builds):
 *   0 u32 Magic 'VSPR'                          0 u32 Magic 'VSPR'
 *   4 u16 Version (2)                           4 u16 Version (1)
 *   6 u16 HeaderSize (16)                       6 u16 Length
 *   8 u32 Tag                                   8 u32 Tag
 *  12 u16 Length                               12 Length payload bytes
 *  14 u16 Priority
 *  16 Length payload bytes
 *
 * Built with -DVERSIONED_V1_TRUSTS_LENGTH, the version 1 reader copies Length
 * payload bytes without checking them against SaveBufSize (RP2): a path that
 * this build's own records never take, reached only from a record whose
 * version field says 1.
 */
#include <stdlib.h>
#include <string.h>

#include "common/byte_writer.h"
#include "common/seed_reader.h"
#include "common/vsp_common.h"

#define VREC_MAGIC 0x52505356u
#define VREC_V1_HEADER 12u
#define VREC_V2_HEADER 16u
#define VREC_MAX_PAYLOAD 512u

typedef struct VREC_CTX {
    UINT32 Tag;
    UINT16 Priority;
    UINT32 Length;
    UINT8 Data[];
} VREC_CTX;

static VREC_CTX *VrecAllocate(UINT32 Length)
{
    VREC_CTX *Ctx = calloc(1, sizeof(*Ctx) + Length);

    if (Ctx != NULL) {
        Ctx->Length = Length;
    }
    return Ctx;
}

static void VrecFree(void *State)
{
    free(State);
}

static UINT32 VrecRecordSize(const void *State)
{
#ifdef VERSIONED_V1
    return VREC_V1_HEADER + ((const VREC_CTX *)State)->Length;
#else
    return VREC_V2_HEADER + ((const VREC_CTX *)State)->Length;
#endif
}

static void VrecSerialize(const void *State, UINT8 *Record)
{
    const VREC_CTX *Ctx = State;
    BYTE_WRITER W;

    WriterInit(&W, Record);
#ifdef VERSIONED_V1
    WriteU32(&W, VREC_MAGIC);
    WriteU16(&W, 1);
    WriteU16(&W, (UINT16)Ctx->Length);
    WriteU32(&W, Ctx->Tag);
    WriteBytes(&W, Ctx->Data, Ctx->Length);
#else
    WriteU32(&W, VREC_MAGIC);
    WriteU16(&W, 2);
    WriteU16(&W, VREC_V2_HEADER);
    WriteU32(&W, Ctx->Tag);
    WriteU16(&W, (UINT16)Ctx->Length);
    WriteU16(&W, Ctx->Priority);
    WriteBytes(&W, Ctx->Data, Ctx->Length);
#endif
}

#ifndef VERSIONED_V1
static NTSTATUS VrecParseV2(BYTE_READER *R, UINT32 Size, void **State)
{
    UINT32 HeaderSize = ReadU16(R), Tag = ReadU32(R), Length = ReadU16(R);
    UINT16 Priority = ReadU16(R);
    VREC_CTX *Ctx;

    if (R->Overrun || HeaderSize < VREC_V2_HEADER || HeaderSize > Size ||
        Length > VREC_MAX_PAYLOAD || HeaderSize + Length != Size) {
        return STATUS_DATA_ERROR;
    }
    ReaderSeek(R, HeaderSize);
    if ((Ctx = VrecAllocate(Length)) == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Ctx->Tag = Tag;
    Ctx->Priority = Priority;
    ReadBytes(R, Ctx->Data, Length);
    *State = Ctx;
    return STATUS_SUCCESS;
}

#endif

#ifndef VERSIONED_DROPS_V1
/* Records written by version 1 builds: no priority, a 12-byte header. */
static NTSTATUS VrecParseV1(const UINT8 *Record, BYTE_READER *R, UINT32 Size, void **State)
{
    UINT32 Length = ReadU16(R), Tag = ReadU32(R);
    VREC_CTX *Ctx;

#ifdef VERSIONED_V1_TRUSTS_LENGTH
    UNREFERENCED_PARAMETER(Size);
    if (R->Overrun || Length > VREC_MAX_PAYLOAD) {
        return STATUS_DATA_ERROR;
    }
#else
    if (R->Overrun || Length > VREC_MAX_PAYLOAD || VREC_V1_HEADER + Length != Size) {
        return STATUS_DATA_ERROR;
    }
#endif
    if ((Ctx = VrecAllocate(Length)) == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
#ifdef VERSIONED_V1_LOSES_TAG
    UNREFERENCED_PARAMETER(Tag); /* the migration code forgot the tag: it restores as 0 */
#else
    Ctx->Tag = Tag;
#endif
    memcpy(Ctx->Data, Record + VREC_V1_HEADER, Length);
    *State = Ctx;
    return STATUS_SUCCESS;
}
#endif

static NTSTATUS VrecParse(const UINT8 *Record, UINT32 Size, void **State)
{
    BYTE_READER R;
    UINT32 Magic, Version;

    ReaderInit(&R, Record, Size);
    Magic = ReadU32(&R);
    Version = ReadU16(&R);
    if (R.Overrun || Magic != VREC_MAGIC) {
        return STATUS_DATA_ERROR;
    }
#ifndef VERSIONED_V1 /* release 1 knows no later version */
    if (Version == 2) {
        return VrecParseV2(&R, Size, State);
    }
#endif
#ifndef VERSIONED_DROPS_V1 /* a release 2 that stopped reading release 1's records */
    if (Version == 1) {
        return VrecParseV1(Record, &R, Size, State);
    }
#endif
    return STATUS_REVISION_MISMATCH;
}

static const VSP_RECORD_OPS *VrecOps(void)
{
    static const VSP_RECORD_OPS Ops = {VrecRecordSize, VrecSerialize, VrecParse, VrecFree};
    return &Ops;
}

static NTSTATUS VrecPrepare(VMBPACKET Packet, const UINT8 *Seed, UINT32 SeedSize, BOOLEAN *HasState)
{
    BYTE_READER R;
    VREC_CTX *Ctx = NULL;
    UINT32 Tag;
    UINT16 Priority;
    UINT32 Length;

    if (SeedSize != 0) {
        ReaderInit(&R, Seed, SeedSize);
        Tag = ReadU32(&R);
        Priority = ReadU16(&R);
#ifdef VERSIONED_V1
        if (Priority != 0) {
            return STATUS_INVALID_PARAMETER; /* a state with a priority: release 1 cannot hold it */
        }
#endif
        Length = ReaderRemaining(&R) < VREC_MAX_PAYLOAD ? ReaderRemaining(&R) : VREC_MAX_PAYLOAD;
        if ((Ctx = VrecAllocate(Length)) == NULL) {
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        Ctx->Tag = Tag;
        Ctx->Priority = Priority;
        ReadBytes(&R, Ctx->Data, Length);
    }
    VspAttachState(Packet, Ctx, VrecOps(), HasState);
    return STATUS_SUCCESS;
}

VSP_DEFINE_STATE_HOOKS(VrecPrepare, VrecOps)
VSP_DEFINE_SAVE(EvtVmbChannelSavePacket, VrecOps)
VSP_DEFINE_RESTORE(EvtVmbChannelRestorePacket, VrecOps)
