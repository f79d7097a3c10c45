/*
 * probe_status.c - correct: a failing probe returns PROBE_FAILURE_STATUS
 * instead of STATUS_BUFFER_TOO_SMALL (any failure status is accepted).
 * Built twice: with STATUS_BUFFER_OVERFLOW (no warning) and with
 * STATUS_UNSUCCESSFUL (warning SW1).
 * With RARE_OVERRUN (a defect, not a correct sample): the SW1 warning shows at
 * the first probe, and behind it a save of a payload that starts with "PRIO"
 * (compared with memcmp) appends 4 bytes past SaveBuf + SaveBufSize (SP5): a
 * campaign's --max-findings 1 must go on past the warning to the overrun.
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
#ifdef RARE_OVERRUN
    {
        const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);
        if (NT_SUCCESS(Status) && SaveBufSize > 0 && Ctx != NULL && Ctx->Length >= 4 &&
            memcmp(Ctx->Data, "PRIO", 4) == 0) {
            memcpy((UINT8 *)SaveBuf + SaveBufSize, "PRIO", 4);
        }
    }
#endif
    return Status == STATUS_BUFFER_TOO_SMALL ? PROBE_FAILURE_STATUS : Status;
}
