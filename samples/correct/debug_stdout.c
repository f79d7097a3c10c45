/*
 * debug_stdout.c - correct: a driver with its debug traces left on; every
 * callback and hook prints to stdout. vspconform must not mistake that output
 * for its own, nor lose it.
 */
#include <stdio.h>

#include "common/mini_vsp.h"

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    printf("storvsp: save channel=%p packet=%p size=%u -> 0x%08x needed=%u\n", (void *)Channel,
           (void *)Packet, (unsigned)SaveBufSize, (unsigned)Status, (unsigned)*BytesNeeded);
    return Status;
}

NTSTATUS EvtVmbChannelRestorePacket(MINI_RESTORE_PARAMS)
{
    NTSTATUS Status = VspRestorePacket(Channel, LibBuf, LibBufSize, SaveBuf, SaveBufSize,
                                       MiniRecordOps(), NULL);

    printf("storvsp: restore lib=%u save=%u -> 0x%08x\n", (unsigned)LibBufSize,
           (unsigned)SaveBufSize, (unsigned)Status);
    return Status;
}

NTSTATUS VspConformancePreparePacket(VMBCHANNEL Channel, VMBPACKET Packet, const UINT8 *Seed,
                                     UINT32 SeedSize, BOOLEAN *HasState)
{
    NTSTATUS Status = MiniPreparePacket(Packet, Seed, SeedSize, HasState);

    printf("storvsp: prepare channel=%p seed=%u bytes -> 0x%08x\n", (void *)Channel,
           (unsigned)SeedSize, (unsigned)Status);
    return Status;
}

VOID VspConformanceReleasePacket(VMBCHANNEL Channel, VMBPACKET Packet)
{
    UNREFERENCED_PARAMETER(Channel);
    puts("storvsp: release");
    VspReleaseState(Packet, MiniRecordOps());
}
