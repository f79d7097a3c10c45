/*
 * SP5, on a rare state only: for vendor pass-through requests (payload
 * starting with the 4-byte opcode "VPT!", i.e. seed bytes 4..7) the save appends a 4-byte
 * vendor trailer at the end of the caller's buffer (SaveBuf + SaveBufSize)
 * instead of inside the record. Built with coverage instrumentation: the
 * deterministic sweep does not hit the magic, the coverage-guided stage must.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

static BOOLEAN IsVendorPassThrough(const MINI_CTX *Ctx)
{
    UINT32 Opcode;

    if (Ctx->Length < 4) {
        return FALSE;
    }
    memcpy(&Opcode, Ctx->Data, 4);
    return Opcode == 0x21545056; /* "VPT!" */
}

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (NT_SUCCESS(Status) && Ctx != NULL && IsVendorPassThrough(Ctx)) {
        memcpy((UINT8 *)SaveBuf + SaveBufSize, "VNDR", 4);
    }
    return Status;
}
