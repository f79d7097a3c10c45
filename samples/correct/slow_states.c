/*
 * slow_states.c - correct, but slow: for a third of its states (tag % 3 == 0)
 * every save and restore call takes SLOW_STATE_US microseconds (default 20000:
 * the driver waits for a hardware queue to drain before it serializes). vspconform must finish within its
 * time cap, pass the module, and say what it could not do in that time.
 */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "common/mini_vsp.h"

#ifndef SLOW_STATE_US
#define SLOW_STATE_US 20000
#endif

MINI_VSP_STATE_HOOKS

static void DrainQueue(UINT32 Tag)
{
    struct timespec Wait = {0, SLOW_STATE_US * 1000L};

    if (Tag % 3 == 0) {
        nanosleep(&Wait, NULL);
    }
}

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    if (Ctx != NULL) {
        DrainQueue(Ctx->Tag);
    }
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}

NTSTATUS EvtVmbChannelRestorePacket(MINI_RESTORE_PARAMS)
{
    UINT32 Tag = 0;

    if (SaveBuf != NULL && SaveBufSize >= 4) {
        memcpy(&Tag, SaveBuf, 4);
    }
    DrainQueue(Tag);
    return VspRestorePacket(Channel, LibBuf, LibBufSize, SaveBuf, SaveBufSize, MiniRecordOps(), NULL);
}
