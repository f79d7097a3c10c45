/*
 * SP5: after a successful save the record is NUL-terminated like a C string at
 * SaveBuf[SaveBufSize], one byte past the end of the caller's buffer (with a
 * buffer of exactly N: one byte past N).
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (NT_SUCCESS(Status) && *BytesNeeded != 0) {
        ((UINT8 *)SaveBuf)[SaveBufSize] = '\0';
    }
    return Status;
}
