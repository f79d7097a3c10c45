/*
 * SP5, on a rare state only: requests whose payload is 29 to 43 bytes long
 * take a "medium transfer" path that appends a 4-byte trailer at the end of
 * the caller's buffer (SaveBuf + SaveBufSize) instead of inside the record.
 * None of the deterministic sweep's packet states has such a payload; the
 * coverage-guided stage, which mutates the packet states, must find it.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (NT_SUCCESS(Status) && Ctx != NULL && Ctx->Length >= 29 && Ctx->Length <= 43) {
        memcpy((UINT8 *)SaveBuf + SaveBufSize, "MTRL", 4);
    }
    return Status;
}
