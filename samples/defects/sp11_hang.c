/*
 * SP11: the save waits for a request flagged "in progress" (a tag whose low byte
 * is 0xFF) to be completed, but nothing completes requests while the channel is
 * being saved, so it spins forever. (A rare flag: each hang costs the run a call
 * timeout and a worker restart.)
 */
#include "common/mini_vsp.h"

#define MINI_TAG_IN_PROGRESS 0xFFu

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    volatile const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    while (Ctx != NULL && (Ctx->Tag & MINI_TAG_IN_PROGRESS) == MINI_TAG_IN_PROGRESS) {
        /* wait for the completion path to clear the flag */
    }
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
