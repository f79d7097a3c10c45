/*
 * SP11: a leftover debugging "stop here" calls exit(0) when the first request
 * is saved, taking the whole process down.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    UNREFERENCED_PARAMETER(Channel);
    if (VmbPacketGetPointer(Packet) != NULL) {
        exit(0);
    }
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
