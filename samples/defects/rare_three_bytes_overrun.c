/*
 * SP5, on a rare state only: a request is "urgent" when three separate payload
 * bytes carry the firmware's priority markers (payload bytes 3, 11 and 19 equal
 * 0x5A, 0xC3 and 0x7E); the save then appends a 4-byte priority trailer at the
 * end of the caller's buffer (SaveBuf + SaveBufSize) instead of inside the
 * record. Built with coverage instrumentation: no sweep state has the three
 * markers, and the three single-byte comparisons must be solved one by one.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

static BOOLEAN IsUrgent(const MINI_CTX *Ctx)
{
    return Ctx->Length >= 20 && Ctx->Data[3] == 0x5A && Ctx->Data[11] == 0xC3 &&
           Ctx->Data[19] == 0x7E;
}

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (NT_SUCCESS(Status) && Ctx != NULL && IsUrgent(Ctx)) {
        memcpy((UINT8 *)SaveBuf + SaveBufSize, "URGT", 4);
    }
    return Status;
}
