/*
 * SP5, only with three urgent requests in flight at once. A request is urgent when its
 * payload starts with the 4-byte class "PRIO" (compared with memcmp; seed bytes 4..7).
 * The channel keeps its outstanding urgent requests on a queue (filled when a request is
 * prepared, emptied when it is released); the firmware's fast path holds two of them, and
 * the save of an urgent request while more than two are queued writes the 4-byte spill
 * marker at the end of the caller's buffer (SaveBuf + SaveBufSize) instead of inside the
 * record.
 *
 * No sweep state is urgent, and a state the exploration tier promotes is played next to at
 * most one copy of itself: only a case with three urgent packets in flight shows the bug.
 */
#include "common/mini_vsp.h"

MINI_VSP_RESTORE

#define URGENT_FAST_SLOTS 2u
#define URGENT_QUEUE_MAX 8u

/* The channel's urgent queue (one channel per module instance). */
static VMBPACKET UrgentQueue[URGENT_QUEUE_MAX];
static UINT32 UrgentQueued;

static BOOLEAN IsUrgent(const MINI_CTX *Ctx)
{
    return Ctx != NULL && Ctx->Length >= 4 && memcmp(Ctx->Data, "PRIO", 4) == 0;
}

static void Dequeue(VMBPACKET Packet)
{
    UINT32 i;

    for (i = 0; i < UrgentQueued; ++i) {
        if (UrgentQueue[i] == Packet) {
            UrgentQueue[i] = UrgentQueue[--UrgentQueued];
            return;
        }
    }
}

NTSTATUS VspConformancePreparePacket(VMBCHANNEL Channel, VMBPACKET Packet, const UINT8 *Seed,
                                     UINT32 SeedSize, BOOLEAN *HasState)
{
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(Channel);
    Dequeue(Packet); /* a packet prepared again replaces its state */
    Status = MiniPreparePacket(Packet, Seed, SeedSize, HasState);
    if (NT_SUCCESS(Status) && IsUrgent(VmbPacketGetPointer(Packet)) &&
        UrgentQueued < URGENT_QUEUE_MAX) {
        UrgentQueue[UrgentQueued++] = Packet;
    }
    return Status;
}

VOID VspConformanceReleasePacket(VMBCHANNEL Channel, VMBPACKET Packet)
{
    UNREFERENCED_PARAMETER(Channel);
    Dequeue(Packet);
    VspReleaseState(Packet, MiniRecordOps());
}

NTSTATUS EvtVmbChannelSavePacket(MINI_SAVE_PARAMS)
{
    const MINI_CTX *Ctx = VmbPacketGetPointer(Packet);
    NTSTATUS Status = MiniSavePacket(Packet, SaveBuf, SaveBufSize, BytesNeeded);

    UNREFERENCED_PARAMETER(Channel);
    if (NT_SUCCESS(Status) && IsUrgent(Ctx) && UrgentQueued > URGENT_FAST_SLOTS) {
        memcpy((UINT8 *)SaveBuf + SaveBufSize, "SPIL", 4);
    }
    return Status;
}
