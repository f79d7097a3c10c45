/*
 * Could not test (exit 2): VspConformancePreparePacket rejects every seed (it
 * expects a driver-specific header the seeds never carry), so no packet ever
 * gets a state and nothing is tested. vspconform must not call that a pass.
 */
#include "common/mini_vsp.h"

MINI_VSP_SAVE
MINI_VSP_RESTORE

NTSTATUS VspConformancePreparePacket(VMBCHANNEL Channel, VMBPACKET Packet, const UINT8 *Seed,
                                     UINT32 SeedSize, BOOLEAN *HasState)
{
    UNREFERENCED_PARAMETER(Channel);
    UNREFERENCED_PARAMETER(Packet);
    UNREFERENCED_PARAMETER(Seed);
    UNREFERENCED_PARAMETER(SeedSize);
    *HasState = FALSE;
    return STATUS_INVALID_PARAMETER;
}

VOID VspConformanceReleasePacket(VMBCHANNEL Channel, VMBPACKET Packet)
{
    UNREFERENCED_PARAMETER(Channel);
    VspReleaseState(Packet, MiniRecordOps());
}
