/*
 * hook_faults.c - correct save and restore callbacks, but a test hook that misbehaves. A fault in
 * the hooks (VspConformancePreparePacket, VspConformanceReleasePacket: the module author's test
 * code) is a harness error: the run exits 2 and names the hook, never a finding against the
 * callbacks under test.
 *   HOOK_FAULT=1  the prepare hook hangs on seeds whose first byte is 0xFF
 *   HOOK_FAULT=2  the prepare hook dereferences NULL on seeds whose first byte is 0xFF
 *   HOOK_FAULT=3  the prepare hook allocates a packet object (VmbPacketAllocate) and never frees it:
 *                 the fake KMCL's packets run out
 */
#include "common/mini_vsp.h"

MINI_VSP_SAVE
MINI_VSP_RESTORE

NTSTATUS VspConformancePreparePacket(VMBCHANNEL Channel, VMBPACKET Packet, const UINT8 *Seed, UINT32 SeedSize,
                                     BOOLEAN *HasState) {
#if HOOK_FAULT == 1
    if (SeedSize > 0 && Seed[0] == 0xFF) {
        for (volatile int Spin = 1; Spin;) {}
    }
#elif HOOK_FAULT == 2
    if (SeedSize > 0 && Seed[0] == 0xFF) {
        *(volatile int *)(SeedSize < 1000000 ? NULL : (void *)Seed) = 1;
    }
#elif HOOK_FAULT == 3
    (void)VmbPacketAllocate(Channel); /* a scratch packet, leaked */
#endif
    UNREFERENCED_PARAMETER(Channel);
    return MiniPreparePacket(Packet, Seed, SeedSize, HasState);
}

VOID VspConformanceReleasePacket(VMBCHANNEL Channel, VMBPACKET Packet) {
    UNREFERENCED_PARAMETER(Channel);
    VspReleaseState(Packet, MiniRecordOps());
}
