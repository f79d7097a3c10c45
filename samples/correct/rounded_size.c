/*
 * rounded_size.c - correct: the probe reports the record size rounded up to a
 * multiple of 64 (the driver sizes its save buffers in 64-byte units), asks
 * for that much, and a successful save reports the real, smaller size.
 */
#include "common/mini_vsp.h"

#define ROUND_UP_64(x) (((x) + 63u) & ~63u)

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    if (Ctx != NULL && SaveBufSize < ROUND_UP_64(MiniRecordSize(Ctx))) {
        *BytesNeeded = ROUND_UP_64(MiniRecordSize(Ctx));
        return STATUS_BUFFER_TOO_SMALL;
    }
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
