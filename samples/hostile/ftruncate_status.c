/*
 * Correct callbacks; a constructor tries to shrink and to grow the status
 * block's memfd (found through /proc/self/fd). A shrunk memfd would kill the
 * supervisor with SIGBUS when it reads the block: the seals must refuse both,
 * and the run must pass.
 */
#include "hostile/hostile.h"

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE
MINI_VSP_RESTORE

__attribute__((constructor)) static void Truncate(void)
{
    int Fd = HostileStatusFd();

    if (Fd >= 0) {
        int Shrunk = ftruncate(Fd, 0);
        int Grown = ftruncate(Fd, (off_t)1 << 30);

        fprintf(stderr, "ftruncate_status: shrink %s, grow %s\n", Shrunk == 0 ? "succeeded" : "refused",
                Grown == 0 ? "succeeded" : "refused");
    }
}
