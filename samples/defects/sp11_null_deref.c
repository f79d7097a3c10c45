/*
 * SP11: the save stamps the request's CDB opcode (its first payload byte) into
 * the record's reserved field for diagnostics, without checking that the
 * request has a payload: for seeds of 1 to 4 bytes Data is NULL and the save
 * crashes.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (NT_SUCCESS(Status) && Ctx != NULL) {
        ((UINT8 *)SaveBuf)[6] = Ctx->Data[0];
    }
    return Status;
}
