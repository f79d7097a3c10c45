/*
 * Hostile (sandbox, resources): the save callback, once the packet has state, allocates and
 * touches memory until malloc fails, then aborts. The address-space limit (--memory-limit-mb)
 * makes malloc fail early instead of the machine running out of memory. Expected: SP11 only
 * (the worker dies in save), exit 1, bounded time.
 */
#include <stdlib.h>
#include <string.h>

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

void *volatile HostileHoard; /* the chain of blocks: kept, so the allocations are not optimized away */

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS) {
    UNREFERENCED_PARAMETER(Channel);
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
    if (SaveBufSize > 0 && NT_SUCCESS(Status) && *BytesNeeded > 0) {
        for (;;) {
            void **p = malloc(64u << 20);
            if (!p) abort();
            memset(p, 0x5A, 64u << 20);
            *p = HostileHoard;
            HostileHoard = p;
        }
    }
    return Status;
}
