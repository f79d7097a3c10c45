/*
 * big_memory.c - a correct VSP that uses a lot of memory for a while, within the default
 * --memory-limit-mb 4096: its restore callocs and frees 2 GiB (BIG_MEMORY_RESTORE), or its save
 * takes 1.5 GiB of scratch space (BIG_MEMORY_SAVE), every call. The sandbox must let a module
 * free what it allocated (memory is bounded by RLIMIT_AS, not by refusing large munmaps): it passes.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS

/* FALSE when the memory is not there: a call that needs it fails (SP4, RP1), so a sandbox that
 * kept freed memory (refusing the munmap) would make this sample fail, not pass quietly. */
static BOOLEAN UseMemory(size_t Bytes) {
    volatile unsigned char *Scratch = calloc(1, Bytes);

    if (Scratch == NULL) {
        return FALSE;
    }
    Scratch[0] = 1;
    Scratch[Bytes - 1] = 1;
    free((void *)Scratch);
    return TRUE;
}

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS) {
    UNREFERENCED_PARAMETER(Channel);
#ifdef BIG_MEMORY_SAVE
    if (SaveBufSize > 0 && !UseMemory((size_t)1536 << 20)) return STATUS_INSUFFICIENT_RESOURCES;
#endif
    return MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);
}

NTSTATUS EvtVmbChannelRestorePacket(MINI_RESTORE_PARAMS) {
#ifdef BIG_MEMORY_RESTORE
    if (!UseMemory((size_t)2048 << 20)) return STATUS_INSUFFICIENT_RESOURCES;
#endif
    return VspRestorePacket(Channel, LibBuf, LibBufSize, SaveBuf, SaveBufSize, MiniRecordOps(), NULL);
}
