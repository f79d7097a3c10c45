/*
 * SP11 with a shorter time limit: the save callback is exported as
 * SerialSavePacket (not EvtVmbChannelSavePacket), and for requests flagged
 * "in progress" (a tag whose low byte is 0xFF) it waits 600 ms for them to complete. That is a
 * hang under --timeout-ms 300, not under the default 2000 ms: its reproducer
 * replays only with both --save-symbol and --timeout-ms, which the printed
 * replay command must carry.
 */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "common/mini_vsp.h"

#define MINI_TAG_IN_PROGRESS 0xFFu

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

__attribute__((visibility("default"))) NTSTATUS SerialSavePacket(MINI_SAVE_PARAMS);

NTSTATUS SerialSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
    if (Ctx != NULL && (Ctx->Tag & MINI_TAG_IN_PROGRESS) == MINI_TAG_IN_PROGRESS && SaveBufSize != 0) {
        struct timespec wait = {0, 600 * 1000 * 1000};
        nanosleep(&wait, NULL);
    }
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
