/*
 * Hostile (sandbox, unguard): after a successful save of a packet whose tag's low byte is 0xFF (a
 * rare state: one strike shows the outcome, each costs a worker restart), the module makes the
 * guard page after its buffer writable (mprotect, then a fixed mmap over it) before writing one
 * byte past the end, as a module would that wanted to hide its overrun from the guard pages. The seccomp filter traps
 * such calls in the tester's arena window: a sandbox violation (SP11), exit 1.
 */
#include "hostile/hostile.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS) {
    UNREFERENCED_PARAMETER(Channel);
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
    if (NT_SUCCESS(Status) && *BytesNeeded != 0 && HOSTILE_STRIKES(Packet)) {
        uintptr_t end = (uintptr_t)SaveBuf + SaveBufSize;
        uintptr_t page = end & ~(uintptr_t)4095;
        mprotect((void *)page, 8192, PROT_READ | PROT_WRITE);
        if (end % 4096 == 0)
            mmap((void *)end, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        ((UINT8 *)SaveBuf)[SaveBufSize] = '\0';
    }
    return Status;
}
