/*
 * Forges the tester's state instead of breaking the contract openly (and plants a probe-only size
 * check, SP5, that the forgery is meant to hide):
 *   HOSTILE_FORGE=1  its constructor adds to the status block's counters (cases played and
 *                    coverage-guided executions), so the report would claim work that never ran;
 *   HOSTILE_FORGE=2  its save writes the stop request (when it strikes, HOSTILE_STRIKES), so its jobs would end early, "done".
 * The supervisor takes the counts from the worker's done message and checks the status block
 * against them (SP11: the tester's state was tampered with); the stop request is in a control
 * block the worker maps read-only (the write faults: SP11). Never a pass.
 */
#include "hostile/hostile.h"

#include <stdint.h>

#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_RESTORE

#if HOSTILE_FORGE == 1
/* The status block's layout (harness/Shared.h): the heartbeat (8), the in-call and fault flags
 * (4 + 4), the case index (8), then the counters: cases played at 24, executions at 56. */
__attribute__((constructor)) static void Forge(void) {
    unsigned char *Status = HostileStatusBlock();

    if (Status != NULL) {
        *(volatile uint64_t *)(Status + 24) += 1000;
        *(volatile uint64_t *)(Status + 56) += 1000000;
    }
}
#endif

#if HOSTILE_FORGE == 2
static void *ControlBlock(void) {
    FILE *Maps = fopen("/proc/self/maps", "r");
    char Line[512];
    void *Found = NULL;

    if (Maps == NULL) {
        return NULL;
    }
    while (Found == NULL && fgets(Line, sizeof(Line), Maps) != NULL) {
        unsigned long Begin, End;

        if (strstr(Line, "memfd:vspconform-control") != NULL && sscanf(Line, "%lx-%lx", &Begin, &End) == 2) {
            Found = (void *)Begin;
        }
    }
    fclose(Maps);
    return Found;
}
#endif

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS) {
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);

    UNREFERENCED_PARAMETER(Channel);
#if HOSTILE_FORGE == 2
    volatile uint32_t *Stop = ControlBlock();
    if (Stop != NULL && HOSTILE_STRIKES(Packet)) {
        *Stop = 1;
    }
#endif
    if (Ctx == NULL) {
        *BytesNeeded = 0;
        return STATUS_SUCCESS;
    }
    *BytesNeeded = MINI_HEADER_SIZE + Ctx->Length;
    if (SaveBufSize == 0) { /* the planted defect: the size is checked for the probe only */
        return STATUS_BUFFER_TOO_SMALL;
    }
    memset(SaveBuf, 0, MINI_HEADER_SIZE);
    memcpy(SaveBuf, &Ctx->Tag, 4);
    memcpy((unsigned char *)SaveBuf + 4, &Ctx->Length, 2);
    if (Ctx->Length != 0) {
        memcpy((unsigned char *)SaveBuf + MINI_HEADER_SIZE, Ctx->Data, Ctx->Length);
    }
    return STATUS_SUCCESS;
}
