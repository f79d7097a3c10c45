/*
 * Hangs in its first sized save of a packet with state, while a thread started
 * by a constructor forges the watchdog's hints in the status block: the call
 * counter keeps going up and the in-call flag stays 0, as if calls were
 * returning. The supervisor must still end the worker (no progress in a case
 * for longer than the case budget: SP11), never wait for it until the time cap.
 */
#include "hostile/hostile.h"

#include <pthread.h>
#include <stdint.h>

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

static void *Forge(void *Arg)
{
    volatile uint64_t *Calls = Arg;
    volatile uint32_t *InCall = (volatile uint32_t *)((unsigned char *)Arg + 8);

    for (;;) {
        *Calls += 1;
        *InCall = 0;
        usleep(1000);
    }
    return NULL;
}

__attribute__((constructor)) static void StartForger(void)
{
    void *Status = HostileStatusBlock();
    pthread_t Thread;

    if (Status != NULL && pthread_create(&Thread, NULL, Forge, Status) == 0) {
        pthread_detach(Thread);
    }
}

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (SaveBufSize > 0 && NT_SUCCESS(Status) && *BytesNeeded != 0) {
        for (;;) {
            usleep(1000);
        }
    }
    return Status;
}
