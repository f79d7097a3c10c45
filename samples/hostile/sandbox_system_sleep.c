/*
 * Hostile (sandbox, escape): a correct VSP whose constructor starts a background process with
 * system("sleep ... &"), as some driver code shells out for logging. The sleep must neither
 * hold the worker's message pipe open (the run stays as fast as without it) nor outlive the
 * worker (its PID namespace ends with it). A driver cannot start processes: the worker's filter
 * traps the fork (a sandbox violation, SP11). Expected: FAIL (SP11), bounded time, no sleep left.
 */
#include <stdlib.h>

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE
MINI_VSP_RESTORE

__attribute__((constructor)) static void StartSleeper(void) {
    int ignored = system("sleep 25.0417 &");
    (void)ignored;
}
