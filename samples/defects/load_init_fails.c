/*
 * Load error (exit 2): VspConformanceInitChannel fails with STATUS_UNSUCCESSFUL
 * (the driver's channel set-up step gives up) before registering any callback,
 * so the module cannot be tested.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS

NTSTATUS VspConformanceInitChannel(VMBCHANNEL Channel)
{
    UNREFERENCED_PARAMETER(Channel);
    return STATUS_UNSUCCESSFUL;
}
