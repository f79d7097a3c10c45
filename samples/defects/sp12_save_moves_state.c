/*
 * SP12: the storage VSP's save "hands the SG list over" to the saved record and
 * forgets it (SgCount = 0) after a successful save, so later probes and saves
 * of the same packet see a different request.
 */
#include "storage/storage_request.h"

STOR_VSP_STATE_HOOKS
STOR_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(VSP_SAVE_PARAMS)
{
    STOR_REQUEST *Req = VmbPacketGetPointer(Packet);
    NTSTATUS Status = StorSavePacket(Channel, Packet, SaveBuf, SaveBufSize, BytesNeeded);

    if (NT_SUCCESS(Status) && Req != NULL) {
        Req->SgCount = 0; /* the pages now belong to the saved record */
    }
    return Status;
}
