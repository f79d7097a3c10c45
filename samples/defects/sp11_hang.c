/*
 * SP11: the save waits for a request flagged "in progress" (tag bit 0) to be
 * completed, but nothing completes requests while the channel is being saved,
 * so it spins forever.
 */
#include "common/mini_vsp.h"

#define MINI_TAG_IN_PROGRESS 0x1u

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    volatile const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    while (Ctx != NULL && (Ctx->Tag & MINI_TAG_IN_PROGRESS) != 0) {
        /* wait for the completion path to clear the flag */
    }
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
