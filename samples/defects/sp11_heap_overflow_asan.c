/*
 * SP11, seen only with ASan: the save copies a long record (over 200 bytes; short
 * ones stay on the stack) through a heap scratch buffer one byte too small and
 * reads its last byte back. The module's own heap
 * is not one of the tester's guarded buffers, so only AddressSanitizer (the asan
 * build) sees the overflow; the finding names ASan's access ("READ of size 1")
 * and the source line.
 */
#include <stdlib.h>
#include <string.h>

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (NT_SUCCESS(Status) && *BytesNeeded > 200) {
        UINT8 *Scratch = malloc(*BytesNeeded - 1);
        volatile UINT8 Last;

        if (Scratch == NULL) {
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        memcpy(Scratch, SaveBuf, *BytesNeeded - 1);
        Last = Scratch[*BytesNeeded - 1]; /* one past the scratch buffer */
        (void)Last;
        free(Scratch);
    }
    return Status;
}
