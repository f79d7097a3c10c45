/*
 * Correct callbacks that flood stdout and stderr: 32 MiB when loaded, then a
 * 1 KiB line per save. worker.log must stay capped (head and tail of each
 * worker's output kept), and the run must pass.
 */
#include "hostile/hostile.h"

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

static char Line[1024];

__attribute__((constructor)) static void Flood(void)
{
    memset(Line, 'f', sizeof(Line) - 1);
    Line[sizeof(Line) - 1] = '\n';
    HostileWriteAll(1, "flood: the head of this worker's output\n", 40);
    for (int i = 0; i < 16 * 1024; ++i) {
        HostileWriteAll(1, Line, sizeof(Line));
        HostileWriteAll(2, Line, sizeof(Line));
    }
}

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    UNREFERENCED_PARAMETER(Channel);
    HostileWriteAll(1, Line, sizeof(Line));
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}
