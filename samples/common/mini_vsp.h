/*
 * mini_vsp.h - a minimal VSP for the small samples: each packet's in-flight
 * state is a tag and an opaque payload (at most MINI_MAX_PAYLOAD bytes).
 *
 * Seed: empty -> stateless packet; otherwise Tag = the first 4 bytes
 * (little-endian, zero-padded) and the payload = the bytes after them.
 *
 * Saved record (little-endian): u32 Tag, u16 Length, u16 reserved (written 0,
 * ignored on read), then Length payload bytes. N = 8 + Length.
 *
 * The MINI_VSP_* macros define the exported callbacks and hooks correctly; a
 * defect sample defines one of them itself, with its bug.
 */
#ifndef VSPC_SAMPLES_MINI_VSP_H
#define VSPC_SAMPLES_MINI_VSP_H

#include <stdlib.h>
#include <string.h>

#include "common/byte_writer.h"
#include "common/seed_reader.h"
#include "common/vsp_common.h"

#define MINI_HEADER_SIZE 8u
#define MINI_MAX_PAYLOAD 512u

typedef struct MINI_CTX {
    UINT32 Tag;
    UINT32 Length;
    UINT8 *Data; /* NULL when Length == 0 */
} MINI_CTX;

static inline MINI_CTX *MiniAllocate(UINT32 Tag, UINT32 Length)
{
    MINI_CTX *Ctx = calloc(1, sizeof(*Ctx));

    if (Ctx != NULL && Length != 0) {
        Ctx->Data = malloc(Length);
        if (Ctx->Data == NULL) {
            free(Ctx);
            return NULL;
        }
    }
    if (Ctx != NULL) {
        Ctx->Tag = Tag;
        Ctx->Length = Length;
    }
    return Ctx;
}

static inline void MiniFree(void *State)
{
    MINI_CTX *Ctx = State;

    free(Ctx->Data);
    free(Ctx);
}

static inline UINT32 MiniRecordSize(const void *State)
{
    return MINI_HEADER_SIZE + ((const MINI_CTX *)State)->Length;
}

static inline void MiniSerialize(const void *State, UINT8 *Record)
{
    const MINI_CTX *Ctx = State;
    BYTE_WRITER W;

    WriterInit(&W, Record);
    WriteU32(&W, Ctx->Tag);
    WriteU16(&W, (UINT16)Ctx->Length);
    WriteU16(&W, 0); /* reserved */
    WriteBytes(&W, Ctx->Data, Ctx->Length);
}

static inline NTSTATUS MiniParse(const UINT8 *Record, UINT32 Size, void **State)
{
    BYTE_READER R;
    MINI_CTX *Ctx;
    UINT32 Tag, Length;

    ReaderInit(&R, Record, Size);
    Tag = ReadU32(&R);
    Length = ReadU16(&R);
    (void)ReadU16(&R); /* reserved */
    if (R.Overrun || Length > MINI_MAX_PAYLOAD || Length != ReaderRemaining(&R)) {
        return STATUS_DATA_ERROR;
    }
    Ctx = MiniAllocate(Tag, Length);
    if (Ctx == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    ReadBytes(&R, Ctx->Data, Length);
    *State = Ctx;
    return STATUS_SUCCESS;
}

static inline const VSP_RECORD_OPS *MiniRecordOps(void)
{
    static const VSP_RECORD_OPS Ops = {MiniRecordSize, MiniSerialize, MiniParse, MiniFree};
    return &Ops;
}

static inline NTSTATUS MiniPreparePacket(VMBPACKET Packet, const UINT8 *Seed, UINT32 SeedSize,
                                         BOOLEAN *HasState)
{
    BYTE_READER R;
    MINI_CTX *Ctx = NULL;
    UINT32 Tag, Length;

    if (SeedSize != 0) {
        ReaderInit(&R, Seed, SeedSize);
        Tag = ReadU32(&R);
        Length = ReaderRemaining(&R) < MINI_MAX_PAYLOAD ? ReaderRemaining(&R) : MINI_MAX_PAYLOAD;
        Ctx = MiniAllocate(Tag, Length);
        if (Ctx == NULL) {
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        ReadBytes(&R, Ctx->Data, Length);
    }
    VspAttachState(Packet, Ctx, MiniRecordOps(), HasState);
    return STATUS_SUCCESS;
}

static inline NTSTATUS MiniSavePacket(VMBPACKET Packet, PVOID SaveBuf, UINT32 SaveBufSize,
                                      PUINT32 BytesNeeded)
{
    return VspSaveState(VmbPacketGetPointer(Packet), MiniRecordOps(), SaveBuf, SaveBufSize,
                        BytesNeeded);
}

#define MINI_SAVE_PARAMS VSP_SAVE_PARAMS
#define MINI_RESTORE_PARAMS VSP_RESTORE_PARAMS

/* Correct exported entry points of the mini VSP. */
#define MINI_VSP_STATE_HOOKS VSP_DEFINE_STATE_HOOKS(MiniPreparePacket, MiniRecordOps)
#define MINI_VSP_SAVE VSP_DEFINE_SAVE(EvtVmbChannelSavePacket, MiniRecordOps)
#define MINI_VSP_RESTORE VSP_DEFINE_RESTORE(EvtVmbChannelRestorePacket, MiniRecordOps)

#endif /* VSPC_SAMPLES_MINI_VSP_H */
