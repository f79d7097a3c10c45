/*
 * SP6 and SP8: a successful save reports the record size rounded up to a
 * multiple of 64, which exceeds SaveBufSize when the buffer is exactly N.
 *
 * Both rules break by nature: with SaveBufSize >= N, a reported size above
 * SaveBufSize is also above the probed N (SP8: "reports the size it saved,
 * from 1 to N").
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (NT_SUCCESS(Status)) {
        *BytesNeeded = (*BytesNeeded + 63u) & ~63u;
    }
    return Status;
}
