/*
 * SP4: the buffer is checked against the in-memory size of the request
 * (sizeof(MINI_CTX), 16 bytes, instead of the 8-byte serialized header) while
 * *BytesNeeded reports the serialized size N, so a buffer of exactly N (up to
 * N + 7) is refused.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    if (Ctx != NULL && SaveBufSize < sizeof(*Ctx) + Ctx->Length) {
        *BytesNeeded = MiniRecordSize(Ctx);
        return STATUS_BUFFER_TOO_SMALL;
    }
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
