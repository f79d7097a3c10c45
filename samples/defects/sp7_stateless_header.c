/*
 * SP7: a packet without a request is saved as an empty request (an 8-byte
 * header of zeros), so its probe fails with STATUS_BUFFER_TOO_SMALL and
 * *BytesNeeded = 8 instead of succeeding with 0.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    static const MINI_CTX EmptyRequest = {0, 0, NULL};
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    return VspSaveState(Ctx != NULL ? Ctx : &EmptyRequest, MiniRecordOps(), SaveBuf, SaveBufSize,
                        BytesNeeded);
}
