/*
 * Correct callbacks; a constructor changes the worker's directory to /. A
 * relative --report-dir must still get the reports (the tester resolves every
 * path before a worker starts), and the run must pass.
 */
#include "hostile/hostile.h"

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE
MINI_VSP_RESTORE

__attribute__((constructor)) static void MoveAway(void)
{
    if (chdir("/") != 0) {
        _exit(99);
    }
}
