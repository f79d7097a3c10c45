/*
 * Covers the fds it inherited (stdout, stderr, the message pipe, the status
 * memfd) with /dev/null at its first sized save, then writes a NUL one byte past
 * SaveBuf (SP5). The tester loses the worker's messages: the supervisor must
 * take the end of the pipe before `done` for a death, never for the end of a
 * clean run (the forged PASS).
 */
#include "hostile/hostile.h"

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

static void Cover(int Fd, const char *Target, void *Ctx)
{
    int Null = *(int *)Ctx;

    if (Fd != Null && (Fd <= 2 || strncmp(Target, "pipe:", 5) == 0 || strstr(Target, "memfd:vspconform-status"))) {
        dup2(Null, Fd);
    }
}

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    static int Covered;
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (SaveBufSize > 0 && !Covered) {
        int Null = open("/dev/null", O_RDWR);

        Covered = 1;
        HostileForEachFd(Cover, &Null);
    }
    if (NT_SUCCESS(Status) && *BytesNeeded != 0) {
        ((UINT8 *)SaveBuf)[SaveBufSize] = '\0';
    }
    return Status;
}
