/*
 * no_prepare_hook.c - correct: the module exports its callbacks but no
 * VspConformancePreparePacket, so vspconform can only check stateless packets
 * (and restore); it must say so loudly. The release hook still frees the state
 * of packets its restore created.
 */
#include "common/mini_vsp.h"

MINI_VSP_SAVE
MINI_VSP_RESTORE

VOID VspConformanceReleasePacket(VMBCHANNEL Channel, VMBPACKET Packet)
{
    UNREFERENCED_PARAMETER(Channel);
    VspReleaseState(Packet, MiniRecordOps());
}
