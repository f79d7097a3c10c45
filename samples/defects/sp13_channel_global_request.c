/*
 * SP13: the save serializes the channel's "current request" (the last one
 * prepared or restored, kept with VmbChannelSetPointer) instead of the request
 * attached to the packet being saved, so with several packets in flight one
 * packet's save returns another's state.
 */
#include "common/mini_vsp.h"

NTSTATUS VspConformancePreparePacket(VMBCHANNEL Channel, VMBPACKET Packet, const UINT8 *Seed,
                                     UINT32 SeedSize, BOOLEAN *HasState)
{
    NTSTATUS Status = MiniPreparePacket(Packet, Seed, SeedSize, HasState);

    if (NT_SUCCESS(Status) && *HasState) {
        VmbChannelSetPointer(Channel, VmbPacketGetPointer(Packet));
    }
    return Status;
}

VOID VspConformanceReleasePacket(VMBCHANNEL Channel, VMBPACKET Packet)
{
    if (VmbChannelGetPointer(Channel) == VmbPacketGetPointer(Packet)) {
        VmbChannelSetPointer(Channel, NULL);
    }
    VspReleaseState(Packet, MiniRecordOps());
}

NTSTATUS EvtVmbChannelRestorePacket(MINI_RESTORE_PARAMS)
{
    VMBPACKET Packet = NULL;
    NTSTATUS Status = VspRestorePacket(Channel, LibBuf, LibBufSize, SaveBuf, SaveBufSize,
                                       MiniRecordOps(), &Packet);

    if (NT_SUCCESS(Status) && VmbPacketGetPointer(Packet) != NULL) {
        VmbChannelSetPointer(Channel, VmbPacketGetPointer(Packet));
    }
    return Status;
}

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbChannelGetPointer(Channel);

    if (VmbPacketGetPointer(Packet) == NULL) {
        Ctx = NULL; /* this packet has no request */
    } else if (Ctx == NULL) {
        Ctx = VmbPacketGetPointer(Packet);
    }
    return VspSaveState(Ctx, MiniRecordOps(), SaveBuf, SaveBufSize, BytesNeeded);
}
