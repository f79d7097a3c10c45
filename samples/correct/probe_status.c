/*
 * probe_status.c - correct: a failing probe returns PROBE_FAILURE_STATUS
 * instead of STATUS_BUFFER_TOO_SMALL (any failure status is accepted).
 * Built twice: with STATUS_BUFFER_OVERFLOW (no warning) and with
 * STATUS_UNSUCCESSFUL (warning SW1).
 */
#include "common/mini_vsp.h"

#ifndef PROBE_FAILURE_STATUS
#error "build with -DPROBE_FAILURE_STATUS=<status>"
#endif

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    return Status == STATUS_BUFFER_TOO_SMALL ? PROBE_FAILURE_STATUS : Status;
}
