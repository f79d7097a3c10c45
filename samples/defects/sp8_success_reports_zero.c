/*
 * SP8: the save's common exit path sets *BytesNeeded = 0 ("no more bytes
 * needed"), so a successful save reports 0 instead of the size it wrote.
 *
 * Warning SW2 comes with it by nature: the N bytes written all lie past the
 * reported size 0. The restore side accepts the empty record KMCL would then
 * keep as "no VSP state", so the round trip (RP1) still matches.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);
    UINT32 Needed = Ctx != NULL ? MiniRecordSize(Ctx) : 0;

    UNREFERENCED_PARAMETER(Channel);
    if (SaveBufSize < Needed) {
        *BytesNeeded = Needed;
        return STATUS_BUFFER_TOO_SMALL;
    }
    if (Ctx != NULL) {
        MiniSerialize(Ctx, SaveBuf);
    }
    *BytesNeeded = 0;
    return STATUS_SUCCESS;
}
