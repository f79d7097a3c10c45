/*
 * SP9: the serializer fills in the tag, the length and the payload but leaves
 * the record's 2-byte reserved field alone instead of zeroing it, so those
 * bytes are whatever the buffer held before.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

static void SerializeWithoutReserved(const void *State, UINT8 *Record)
{
    const MINI_CTX *Ctx = State;
    UINT16 Length = (UINT16)Ctx->Length;

    memcpy(Record, &Ctx->Tag, 4); /* the record is little-endian, like the host */
    memcpy(Record + 4, &Length, 2);
    if (Length != 0) {
        memcpy(Record + MINI_HEADER_SIZE, Ctx->Data, Length);
    }
}

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    VSP_RECORD_OPS Ops = *MiniRecordOps();

    UNREFERENCED_PARAMETER(Channel);
    Ops.Serialize = SerializeWithoutReserved;
    return VspSaveState(VmbPacketGetPointer(Packet), &Ops, SaveBuf, SaveBufSize, BytesNeeded);
}
