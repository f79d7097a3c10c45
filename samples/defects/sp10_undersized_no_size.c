/*
 * SP10 (strict profile only): a non-empty buffer smaller than N is refused
 * with *BytesNeeded = 0; only the zero-size probe reports N. KMCL itself never
 * passes such a buffer, so the kmcl profile passes.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    if (Ctx != NULL && SaveBufSize != 0 && SaveBufSize < MiniRecordSize(Ctx)) {
        *BytesNeeded = 0;
        return STATUS_BUFFER_TOO_SMALL;
    }
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
