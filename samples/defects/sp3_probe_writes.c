/*
 * SP3: the save stamps the first byte of the record (the tag's low byte) into
 * any non-NULL SaveBuf before it checks SaveBufSize, so a zero-size probe with
 * a non-NULL pointer writes through it.
 *
 * Only one byte is stamped, so undersized (but non-empty) buffers of the strict
 * profile stay in bounds: the sample breaks SP3 alone. The kmcl profile probes
 * with SaveBuf = NULL only, so it passes there.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    if (Ctx != NULL && SaveBuf != NULL) {
        *(UINT8 *)SaveBuf = (UINT8)Ctx->Tag;
    }
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
