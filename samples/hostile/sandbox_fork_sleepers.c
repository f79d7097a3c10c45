/*
 * Hostile (sandbox, escape): a correct VSP whose constructor forks 150 children that sleep for
 * 30 s (named "vspc-sbx-sleep"). They must all die with their worker; the worker's filter traps
 * the first fork (a sandbox violation, SP11). Expected: FAIL (SP11), bounded time, no sleeper left.
 */
#include <sys/prctl.h>
#include <unistd.h>

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE
MINI_VSP_RESTORE

__attribute__((constructor)) static void ForkSleepers(void) {
    for (int i = 0; i < 150; ++i) {
        if (fork() == 0) {
            prctl(PR_SET_NAME, "vspc-sbx-sleep");
            sleep(30);
            _exit(0);
        }
    }
}
