/*
 * SP11 (and RP2): driver code built with WdkCompat.h asserts its own invariants, and
 * they do not hold. The save asserts that an in-flight request's payload fits the
 * fixed staging buffer the driver once used (NT_ASSERT(Length <= 48)), which long
 * requests break; the restore asserts that a record's length field matches its size
 * before it checks it, which a truncated record breaks. A failed NT_ASSERT is a
 * finding of the call it fired in, and the call goes on (as under a debugger that
 * continues), so the worker survives and both are reported.
 */
#include "WdkCompat.h"

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    if (Ctx != NULL) {
        NT_ASSERT(Ctx->Length <= 48);
    }
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}

NTSTATUS EvtVmbChannelRestorePacket(MINI_RESTORE_PARAMS)
{
    if (SaveBufSize >= MINI_HEADER_SIZE) {
        const UINT8 *Record = SaveBuf;
        UINT32 Length = (UINT32)Record[4] | (UINT32)Record[5] << 8;

        NT_ASSERT(MINI_HEADER_SIZE + Length == SaveBufSize);
    }
    return VspRestorePacket(Channel, LibBuf, LibBufSize, SaveBuf, SaveBufSize, MiniRecordOps(), NULL);
}
