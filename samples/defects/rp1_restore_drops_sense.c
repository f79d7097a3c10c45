/*
 * RP1: the storage VSP's restore resets the request's autosense buffer like a
 * freshly built request, dropping the saved sense data, so a restored request
 * saves differently from the original.
 */
#include "storage/storage_request.h"

STOR_VSP_STATE_HOOKS
STOR_VSP_SAVE

static NTSTATUS ParseRecordResettingSense(const UINT8 *Record, UINT32 Size, void **State)
{
    NTSTATUS Status = StorParseRecord(Record, Size, State);

    if (NT_SUCCESS(Status)) {
        ((STOR_REQUEST *)*State)->SenseLength = 0;
    }
    return Status;
}

NTSTATUS EvtVmbChannelRestorePacket(VSP_RESTORE_PARAMS)
{
    VSP_RECORD_OPS Ops = *StorRecordOps();

    Ops.Parse = ParseRecordResettingSense;
    return VspRestorePacket(Channel, LibBuf, LibBufSize, SaveBuf, SaveBufSize, &Ops, NULL);
}
