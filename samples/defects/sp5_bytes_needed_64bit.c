/*
 * SP5: *BytesNeeded is stored through a UINT64 pointer (the size variable used
 * to be a SIZE_T), writing 4 bytes past the caller's UINT32 on every call.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    UINT32 Needed = 0;
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, &Needed);

    UNREFERENCED_PARAMETER(Channel);
    *(PUINT64)BytesNeeded = Needed;
    return Status;
}
