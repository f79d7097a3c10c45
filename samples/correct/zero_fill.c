/*
 * zero_fill.c - correct, with warning SW2: before a save the driver clears the
 * whole buffer it was given, so bytes past the reported size change (harmless).
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    if (Ctx != NULL && SaveBufSize >= MiniRecordSize(Ctx)) {
        memset(SaveBuf, 0, SaveBufSize);
    }
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
