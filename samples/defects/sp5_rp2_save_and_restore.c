/*
 * SP5 and RP2 in one module: the save NUL-terminates the record one byte past
 * SaveBuf + SaveBufSize for every state with a payload (nearly every state),
 * and the restore trusts the record's payload length: it copies Length bytes
 * from SaveBuf without checking them against SaveBufSize, so a truncated
 * record makes it read past the end of its input. The common save bug must
 * not hide the restore bug.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (NT_SUCCESS(Status) && Ctx != NULL && Ctx->Length != 0) {
        ((UINT8 *)SaveBuf)[SaveBufSize] = '\0';
    }
    return Status;
}

static NTSTATUS ParseTrustingLength(const UINT8 *Record, UINT32 Size, void **State)
{
    MINI_CTX *Ctx;
    UINT32 Tag, Length;

    if (Size < MINI_HEADER_SIZE) {
        return STATUS_DATA_ERROR;
    }
    memcpy(&Tag, Record, 4);
    Length = (UINT32)Record[4] | (UINT32)Record[5] << 8;
    if (Length > MINI_MAX_PAYLOAD) {
        return STATUS_DATA_ERROR;
    }
    Ctx = MiniAllocate(Tag, Length);
    if (Ctx == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    memcpy(Ctx->Data, Record + MINI_HEADER_SIZE, Length); /* Length never checked against Size */
    *State = Ctx;
    return STATUS_SUCCESS;
}

NTSTATUS EvtVmbChannelRestorePacket(MINI_RESTORE_PARAMS)
{
    VSP_RECORD_OPS Ops = *MiniRecordOps();

    Ops.Parse = ParseTrustingLength;
    return VspRestorePacket(Channel, LibBuf, LibBufSize, SaveBuf, SaveBufSize, &Ops, NULL);
}
