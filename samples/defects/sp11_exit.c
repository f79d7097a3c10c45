/*
 * SP11: a leftover debugging "stop here" calls exit(0) when a request with the
 * debug tag (low byte 0xFF) is saved, taking the whole process down.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    if (Ctx != NULL && (Ctx->Tag & 0xFFu) == 0xFFu) {
        exit(0);
    }
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
