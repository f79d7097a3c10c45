/*
 * SP5, 248 bytes long: after a successful save the module appends its 248-byte
 * trace block with memcpy at SaveBuf + SaveBufSize, past the end of the caller's
 * buffer (it meant SaveBuf + *BytesNeeded, inside a buffer it thought was larger).
 * The report gives the whole extent: offsets SaveBufSize to SaveBufSize + 247.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

typedef struct TRACE_BLOCK {
    char Text[240];
    UINT64 Sequence;
} TRACE_BLOCK;

_Static_assert(sizeof(TRACE_BLOCK) == 248, "the trace block is 248 bytes");

static TRACE_BLOCK g_Trace;

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS) {
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
    size_t i;

    UNREFERENCED_PARAMETER(Channel);
    for (i = 0; i < sizeof(g_Trace.Text); ++i) {
        g_Trace.Text[i] = (char)('A' + i % 26);
    }
    g_Trace.Sequence = 0x0123456789ABCDEFull;
    if (NT_SUCCESS(Status) && *BytesNeeded != 0) {
        memcpy((UINT8 *)SaveBuf + SaveBufSize, &g_Trace, sizeof(g_Trace));
    }
    return Status;
}
