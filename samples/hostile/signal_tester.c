/*
 * At its first sized save it strikes at (HOSTILE_STRIKES), signals what is not its own, by HOSTILE_SIGNAL:
 *   1 kill(getppid(), SIGKILL)   the supervisor
 *   2 kill(getppid(), SIGSTOP)   the supervisor, stopped
 *   3 kill(0, SIGKILL)           its process group
 * then writes a NUL one byte past SaveBuf (SP5), if it is still alive. The tester
 * must survive and report (a PID namespace keeps the supervisor out of reach).
 * SAFETY: the tests run this only under `timeout -s KILL 120 setsid`.
 */
#include "hostile/hostile.h"

#include <signal.h>

#include "common/mini_vsp.h"

#ifndef HOSTILE_SIGNAL
#define HOSTILE_SIGNAL 3
#endif

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    static int Sent;
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (SaveBufSize > 0 && !Sent && HOSTILE_STRIKES(Packet)) {
        Sent = 1;
#if HOSTILE_SIGNAL == 1
        kill(getppid(), SIGKILL);
#elif HOSTILE_SIGNAL == 2
        kill(getppid(), SIGSTOP);
#else
        kill(0, SIGKILL);
#endif
    }
    if (NT_SUCCESS(Status) && *BytesNeeded != 0) {
        ((UINT8 *)SaveBuf)[SaveBufSize] = '\0';
    }
    return Status;
}
