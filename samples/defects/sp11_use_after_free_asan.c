/*
 * SP11, seen only with ASan: a use after free. For a long record (over 200
 * bytes) the save builds the record in a heap scratch copy, frees the copy, and
 * then reads it back to check the record it returns. Plain builds read the
 * stale bytes silently; ASan reports a heap-use-after-free while the freed
 * block has not been handed out again (its quarantine of freed blocks, the
 * worker's quarantine_size_mb, holds it back from reuse).
 */
#include <stdlib.h>
#include <string.h>

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
    volatile BOOLEAN Same = TRUE; /* what the check would log */
    UINT8 *Scratch;
    ULONG i;

    UNREFERENCED_PARAMETER(Channel);
    (void)Same;
    if (!NT_SUCCESS(Status) || *BytesNeeded <= 200) {
        return Status;
    }
    Scratch = malloc(*BytesNeeded);
    if (Scratch == NULL) {
        return Status;
    }
    memcpy(Scratch, SaveBuf, *BytesNeeded);
    free(Scratch);
    for (i = 0; i < *BytesNeeded; i++) { /* the bug: Scratch was freed above */
        if (Scratch[i] != ((const UINT8 *)SaveBuf)[i]) {
            Same = FALSE;
        }
    }
    return Status;
}
