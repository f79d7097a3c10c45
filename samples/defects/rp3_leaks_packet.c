/*
 * RP3: when the saved record is rejected, restore returns the error without
 * freeing the packet it has already allocated and restored.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE

NTSTATUS EvtVmbChannelRestorePacket(MINI_RESTORE_PARAMS)
{
    void *State = NULL;
    VMBPACKET Packet = VmbPacketAllocate(Channel);
    NTSTATUS Status = Packet != NULL ? VmbPacketRestore(Packet, LibBuf, LibBufSize)
                                     : STATUS_INSUFFICIENT_RESOURCES;

    if (NT_SUCCESS(Status) && SaveBufSize != 0) {
        Status = MiniParse(SaveBuf, SaveBufSize, &State);
    }
    if (NT_SUCCESS(Status)) {
        VmbPacketSetPointer(Packet, State);
    }
    return Status;
}
