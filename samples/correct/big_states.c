/*
 * big_states.c - a correct VSP whose state size the seed chooses: seed byte 0 is k
 * (0..BIG_STATE_MAX_LOG2), the state is 2^k bytes derived from seed byte 1; the record
 * is the state itself. The sample big_states has states up to 1 MiB
 * (-DBIG_STATE_MAX_LOG2=20); the state-size benchmark (bench/vspc_bench.cpp) builds it
 * with the default, up to 16 MiB.
 */
#include <stdlib.h>
#include <string.h>

#include "common/vsp_common.h"

#ifndef BIG_STATE_MAX_LOG2
#define BIG_STATE_MAX_LOG2 24
#endif

typedef struct BIG_CTX {
    UINT32 Length;
    UINT8 Data[];
} BIG_CTX;

static UINT32 BigRecordSize(const void *State) { return ((const BIG_CTX *)State)->Length; }

static void BigSerialize(const void *State, UINT8 *Record) {
    const BIG_CTX *Ctx = State;
    memcpy(Record, Ctx->Data, Ctx->Length);
}

static NTSTATUS BigParse(const UINT8 *Record, UINT32 Size, void **State) {
    BIG_CTX *Ctx = malloc(sizeof(*Ctx) + Size);
    if (Ctx == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Ctx->Length = Size;
    memcpy(Ctx->Data, Record, Size);
    *State = Ctx;
    return STATUS_SUCCESS;
}

static void BigFree(void *State) { free(State); }

static const VSP_RECORD_OPS *BigOps(void) {
    static const VSP_RECORD_OPS Ops = {BigRecordSize, BigSerialize, BigParse, BigFree};
    return &Ops;
}

static NTSTATUS BigPrepare(VMBPACKET Packet, const UINT8 *Seed, UINT32 SeedSize, BOOLEAN *HasState) {
    BIG_CTX *Ctx = NULL;
    if (SeedSize != 0) {
        UINT32 Length = 1u << (Seed[0] > BIG_STATE_MAX_LOG2 ? BIG_STATE_MAX_LOG2 : Seed[0]);
        Ctx = malloc(sizeof(*Ctx) + Length);
        if (Ctx == NULL) {
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        Ctx->Length = Length;
        memset(Ctx->Data, SeedSize > 1 ? Seed[1] : 0x5A, Length);
    }
    VspAttachState(Packet, Ctx, BigOps(), HasState);
    return STATUS_SUCCESS;
}

VSP_DEFINE_STATE_HOOKS(BigPrepare, BigOps)
VSP_DEFINE_SAVE(EvtVmbChannelSavePacket, BigOps)
VSP_DEFINE_RESTORE(EvtVmbChannelRestorePacket, BigOps)
