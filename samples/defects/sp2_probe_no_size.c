/*
 * SP2: the zero-size probe bails out with STATUS_BUFFER_TOO_SMALL before the
 * record size is computed, leaving *BytesNeeded = 0 (calls with a real
 * buffer report the size correctly).
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    UNREFERENCED_PARAMETER(Channel);
    *BytesNeeded = 0;
    if (SaveBufSize == 0 && VmbPacketGetPointer(Packet) != NULL) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
