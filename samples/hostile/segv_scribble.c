/*
 * Crashes in a sized save it strikes at (HOSTILE_STRIKES), from a SIGSEGV handler of its
 * own that rewrites the status block (case_index = UINT64_MAX, in_call = 0,
 * finished = 1) and then exits with status 0. The supervisor must see an exit
 * without `done` (SP11), not a finished job, and must not trust the forged
 * case index.
 */
#include "hostile/hostile.h"

#include <signal.h>
#include <stdint.h>

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

static unsigned char *StatusBlock;

static void OnSegv(int Signo)
{
    (void)Signo;
    if (StatusBlock != NULL) {
        uint64_t Forged = UINT64_MAX;
        uint32_t Zero = 0, One = 1;

        memcpy(StatusBlock + 8, &Zero, 4);    /* in_call */
        memcpy(StatusBlock + 12, &Zero, 4);   /* faulted */
        memcpy(StatusBlock + 20, &One, 4);    /* finished */
        memcpy(StatusBlock + 24, &Forged, 8); /* case_index */
    }
    _exit(0);
}

__attribute__((constructor)) static void FindStatus(void)
{
    StatusBlock = HostileStatusBlock();
}

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (SaveBufSize > 0 && NT_SUCCESS(Status) && *BytesNeeded != 0 && HOSTILE_STRIKES(Packet)) {
        struct sigaction Action;

        memset(&Action, 0, sizeof(Action));
        Action.sa_handler = OnSegv;
        sigaction(SIGSEGV, &Action, NULL);
        *(volatile int *)(uintptr_t)8 = 1;
    }
    return Status;
}
