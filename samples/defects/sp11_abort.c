/*
 * SP11: the save asserts (abort()) that the payload is a whole number of
 * 16-bit words, which requests with an odd payload length are not.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    if (Ctx != NULL && (Ctx->Length & 1) != 0) {
        abort(); /* NT_ASSERT(Ctx->Length % 2 == 0) */
    }
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
