/*
 * RP4: after a successful restore the record's length field is zeroed in
 * place, "to catch a double restore", writing into the caller's SaveBuf.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE

NTSTATUS EvtVmbChannelRestorePacket(MINI_RESTORE_PARAMS)
{
    NTSTATUS Status = VspRestorePacket(Channel, LibBuf, LibBufSize, SaveBuf, SaveBufSize,
                                       MiniRecordOps(), NULL);

    if (NT_SUCCESS(Status) && SaveBufSize >= MINI_HEADER_SIZE) {
        ((UINT8 *)SaveBuf)[4] = 0;
        ((UINT8 *)SaveBuf)[5] = 0;
    }
    return Status;
}
