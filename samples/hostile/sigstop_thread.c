/*
 * Correct callbacks, but a thread started by a constructor stops the whole
 * worker (SIGSTOP to its own process) 300 ms after loading. No tester internals
 * are used. The supervisor must notice a stopped worker (SP11) instead of
 * waiting for it forever.
 */
#include "hostile/hostile.h"

#include <pthread.h>
#include <signal.h>

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE
MINI_VSP_RESTORE

static void *StopLater(void *Arg)
{
    (void)Arg;
    usleep(300 * 1000);
    kill(getpid(), SIGSTOP);
    return NULL;
}

__attribute__((constructor)) static void StartStopper(void)
{
    pthread_t Thread;

    if (pthread_create(&Thread, NULL, StopLater, NULL) == 0) {
        pthread_detach(Thread);
    }
}
