/*
 * slow_saves.c - every save call takes SLOW_SAVE_US microseconds (default 20000: the driver waits for
 * a hardware queue to drain before it serializes), which the contract allows. vspconform must play
 * its whole contract sweep before it gives a verdict: with the default --max-time, a correct build
 * passes and one with the guide's section-5 bug (SLOW_SAVES_PROBE_ONLY_CHECK: the size is checked
 * for the probe only) fails; with a --max-time below what the sweep needs, the run is not a pass.
 */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "common/mini_vsp.h"

#ifndef SLOW_SAVE_US
#define SLOW_SAVE_US 20000
#endif

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS) {
    struct timespec Wait = {0, SLOW_SAVE_US * 1000L};
    UNREFERENCED_PARAMETER(Channel);
    nanosleep(&Wait, NULL);
#ifdef SLOW_SAVES_PROBE_ONLY_CHECK
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);
    if (Ctx != NULL) {
        UINT32 Needed = MINI_HEADER_SIZE + Ctx->Length;

        *BytesNeeded = Needed;
        if (SaveBufSize == 0) { /* the guide's section 5: was SaveBufSize < Needed */
            return STATUS_BUFFER_TOO_SMALL;
        }
        memset(SaveBuf, 0, MINI_HEADER_SIZE);
        memcpy(SaveBuf, &Ctx->Tag, 4);
        memcpy((UINT8 *)SaveBuf + 4, &Ctx->Length, 2);
        if (Ctx->Length != 0) memcpy((UINT8 *)SaveBuf + MINI_HEADER_SIZE, Ctx->Data, Ctx->Length);
        return STATUS_SUCCESS;
    }
#endif
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
