/*
 * SP5, on a rare state only: a request whose payload is the NUL-terminated 6-character
 * command tag "RESYNC" (compared with strcmp; seed bytes 4..10) gets a 4-byte resync marker
 * appended at the end of the caller's buffer (SaveBuf + SaveBufSize) instead of inside the
 * record. No sweep state carries the tag: the coverage-guided stage must find it, which it
 * can only because the module's strcmp reaches libFuzzer's compare hooks (the host's
 * interceptors, and -fno-builtin-strcmp so that -O1 keeps the call).
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

static BOOLEAN IsResync(const MINI_CTX *Ctx)
{
    /* The tag is a C string: only a payload with a NUL in it is compared. */
    if (Ctx->Length == 0 || memchr(Ctx->Data, 0, Ctx->Length) == NULL) {
        return FALSE;
    }
    return strcmp((const char *)Ctx->Data, "RESYNC") == 0;
}

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (NT_SUCCESS(Status) && Ctx != NULL && IsResync(Ctx)) {
        memcpy((UINT8 *)SaveBuf + SaveBufSize, "RSYN", 4);
    }
    return Status;
}
