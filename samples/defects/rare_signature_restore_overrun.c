/*
 * RP2, on a rare record only: a record whose payload starts with the 8-byte checkpoint
 * signature "VSPCKPT1" (compared with memcmp) is taken to carry an 8-byte sequence trailer
 * after its payload, and the restore reads it from SaveBuf + SaveBufSize, past the end of
 * the record. No sweep state or record has the signature: the coverage-guided stage must
 * find it, which it can only because the module's memcmp reaches libFuzzer's compare hooks
 * (the host's interceptors, and -fno-builtin-memcmp so that -O1 keeps the call).
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE

#define CHECKPOINT_SIGNATURE "VSPCKPT1"
#define CHECKPOINT_SIGNATURE_SIZE 8u

NTSTATUS EvtVmbChannelRestorePacket(MINI_RESTORE_PARAMS)
{
    const UINT8 *Record = SaveBuf;

    if (Record != NULL && SaveBufSize >= MINI_HEADER_SIZE + CHECKPOINT_SIGNATURE_SIZE &&
        memcmp(Record + MINI_HEADER_SIZE, CHECKPOINT_SIGNATURE, CHECKPOINT_SIGNATURE_SIZE) == 0) {
        /* The trailer is assumed to follow the payload: it is past the record. */
        volatile UINT8 Sequence[8];
        UINT32 i;

        for (i = 0; i < sizeof(Sequence); i++) {
            Sequence[i] = Record[SaveBufSize + i];
        }
    }
    return VspRestorePacket(Channel, LibBuf, LibBufSize, SaveBuf, SaveBufSize, MiniRecordOps(), NULL);
}
