/*
 * RP3: restore copies KMCL's LibBuf into a private allocation (to align it)
 * and restores the packet from that copy instead of the buffer it was given.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE

NTSTATUS EvtVmbChannelRestorePacket(MINI_RESTORE_PARAMS)
{
    NTSTATUS Status;
    void *Copy = malloc(LibBufSize != 0 ? LibBufSize : 1);

    if (Copy == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    memcpy(Copy, LibBuf, LibBufSize);
    Status = VspRestorePacket(Channel, Copy, LibBufSize, SaveBuf, SaveBufSize, MiniRecordOps(),
                              NULL);
    free(Copy);
    return Status;
}
