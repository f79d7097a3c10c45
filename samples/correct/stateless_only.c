/*
 * stateless_only.c - correct: a VSP that keeps no per-packet state for the
 * packets it sends (every prepared packet is stateless), so every probe
 * succeeds with *BytesNeeded = 0. Records handed to restore still go through
 * the mini VSP's validating parser.
 */
#include "common/mini_vsp.h"

MINI_VSP_SAVE
MINI_VSP_RESTORE

NTSTATUS VspConformancePreparePacket(VMBCHANNEL Channel, VMBPACKET Packet, const UINT8 *Seed,
                                     UINT32 SeedSize, BOOLEAN *HasState)
{
    UNREFERENCED_PARAMETER(Channel);
    UNREFERENCED_PARAMETER(Seed);
    UNREFERENCED_PARAMETER(SeedSize);
    VspAttachState(Packet, NULL, MiniRecordOps(), HasState);
    return STATUS_SUCCESS;
}

VOID VspConformanceReleasePacket(VMBCHANNEL Channel, VMBPACKET Packet)
{
    UNREFERENCED_PARAMETER(Channel);
    VspReleaseState(Packet, MiniRecordOps());
}
