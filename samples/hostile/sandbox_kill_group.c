/*
 * Hostile (sandbox, kill): kill(0, SIGKILL) in the save callback of a packet whose tag's low byte
 * is 0xFF (a rare state: one strike shows the outcome, each costs a worker restart): the worker's
 * process group, which holds the worker and what it forked, never the tool. Expected:
 * the worker dies in save, SP11 only, exit 1, the tool alive and its reports written.
 */
#include "hostile/hostile.h"

#include <signal.h>

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS) {
    UNREFERENCED_PARAMETER(Channel);
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
    if (SaveBufSize > 0 && NT_SUCCESS(Status) && *BytesNeeded > 0 && HOSTILE_STRIKES(Packet)) kill(0, SIGKILL);
    return Status;
}
