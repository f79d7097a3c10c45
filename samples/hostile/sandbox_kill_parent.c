/*
 * Hostile (sandbox, kill): a correct VSP that sends SIGKILL (or, built with -DHOSTILE_SIGNAL=SIGSTOP,
 * SIGSTOP) to its parent on every save. Its parent is the worker's init (pid 1 of the worker's
 * PID namespace), which takes no such signal from inside; without a PID namespace the seccomp
 * filter refuses it. The tool must not die or stop. Expected: pass, exit 0, bounded time.
 */
#include <signal.h>
#include <unistd.h>

#include "common/mini_vsp.h"

#ifndef HOSTILE_SIGNAL
#define HOSTILE_SIGNAL SIGKILL
#endif

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS) {
    UNREFERENCED_PARAMETER(Channel);
    kill(getppid(), HOSTILE_SIGNAL);
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
