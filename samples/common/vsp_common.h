/*
 * vsp_common.h - the save/restore protocol done right, shared by the samples.
 *
 * A sample describes its saved-record format with a VSP_RECORD_OPS table and
 * lets these helpers follow the KMCL protocol:
 *
 *  save:    no state          -> STATUS_SUCCESS, *BytesNeeded = 0
 *           SaveBufSize < N   -> STATUS_BUFFER_TOO_SMALL, *BytesNeeded = N,
 *                                nothing written through SaveBuf (the
 *                                SaveBufSize == 0 probe is this case too)
 *           otherwise         -> exactly N bytes written, *BytesNeeded = N
 *  restore: VmbPacketAllocate, VmbPacketRestore with exactly the LibBuf given,
 *           parse the untrusted SaveBuf (an empty one means "no VSP state"),
 *           attach the state; on any failure free the packet again.
 *           Neither buffer is ever written.
 *
 * The defect samples reuse these and break one step each.
 */
#ifndef VSPC_SAMPLES_VSP_COMMON_H
#define VSPC_SAMPLES_VSP_COMMON_H

#include "VmbusKernelModeClientLibApi.h"
#include "VspConformance.h"

/* The names vspconform looks for by default; a sample that defines them exports them. */
VSP_CONFORMANCE_EXPORT EVT_VMB_CHANNEL_SAVE_PACKET EvtVmbChannelSavePacket;
VSP_CONFORMANCE_EXPORT EVT_VMB_CHANNEL_RESTORE_PACKET EvtVmbChannelRestorePacket;

typedef struct VSP_RECORD_OPS {
    /* Size of the saved record for State (never 0). */
    UINT32 (*RecordSize)(const void *State);
    /* Writes exactly RecordSize(State) bytes to Record. */
    void (*Serialize)(const void *State, UINT8 *Record);
    /* Builds a new state from an untrusted record of Size (> 0) bytes. */
    NTSTATUS (*Parse)(const UINT8 *Record, UINT32 Size, void **State);
    void (*Free)(void *State);
} VSP_RECORD_OPS;

static inline NTSTATUS VspSaveState(const void *State, const VSP_RECORD_OPS *Ops, PVOID SaveBuf,
                                    UINT32 SaveBufSize, PUINT32 BytesNeeded)
{
    UINT32 Needed;

    if (State == NULL) {
        /* No request in flight on this packet: nothing to save. */
        *BytesNeeded = 0;
        return STATUS_SUCCESS;
    }
    Needed = Ops->RecordSize(State);
    *BytesNeeded = Needed;
    if (SaveBufSize < Needed) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    Ops->Serialize(State, (UINT8 *)SaveBuf);
    return STATUS_SUCCESS;
}

/* Restore; *Restored (optional) receives the new packet on success. */
static inline NTSTATUS VspRestorePacket(VMBCHANNEL Channel, PVOID LibBuf, UINT32 LibBufSize,
                                        PVOID SaveBuf, UINT32 SaveBufSize,
                                        const VSP_RECORD_OPS *Ops, VMBPACKET *Restored)
{
    VMBPACKET Packet;
    void *State = NULL;
    NTSTATUS Status;

    Packet = VmbPacketAllocate(Channel);
    if (Packet == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Status = VmbPacketRestore(Packet, LibBuf, LibBufSize);
    if (NT_SUCCESS(Status) && SaveBufSize != 0) {
        Status = Ops->Parse((const UINT8 *)SaveBuf, SaveBufSize, &State);
    }
    if (!NT_SUCCESS(Status)) {
        VmbPacketFree(Packet);
        return Status;
    }
    VmbPacketSetPointer(Packet, State);
    if (Restored != NULL) {
        *Restored = Packet;
    }
    return STATUS_SUCCESS;
}

/* Attaches a prepared state (NULL: stateless packet), dropping any older one. */
static inline void VspAttachState(VMBPACKET Packet, void *State, const VSP_RECORD_OPS *Ops,
                                  BOOLEAN *HasState)
{
    void *Old = VmbPacketGetPointer(Packet);

    if (Old != NULL) {
        Ops->Free(Old);
    }
    VmbPacketSetPointer(Packet, State);
    *HasState = State != NULL;
}

static inline void VspReleaseState(VMBPACKET Packet, const VSP_RECORD_OPS *Ops)
{
    void *State = VmbPacketGetPointer(Packet);

    VmbPacketSetPointer(Packet, NULL);
    if (State != NULL) {
        Ops->Free(State);
    }
}

/* ---- Definitions of the exported entry points ----------------------------- */

/* The callback parameter lists, so that a sample's own callback reads like the driver's. */
#define VSP_SAVE_PARAMS                                                                    \
    VMBCHANNEL Channel, VMBPACKET Packet, PVOID SaveBuf, UINT32 SaveBufSize, PUINT32 BytesNeeded
#define VSP_RESTORE_PARAMS                                                                 \
    VMBCHANNEL Channel, PVOID LibBuf, UINT32 LibBufSize, PVOID SaveBuf, UINT32 SaveBufSize

/*
 * VspConformancePreparePacket and VspConformanceReleasePacket for a format:
 * PREPARE(Packet, Seed, SeedSize, HasState) builds and attaches the state,
 * OPS() returns the format's VSP_RECORD_OPS.
 */
#define VSP_DEFINE_STATE_HOOKS(PREPARE, OPS)                                               \
    NTSTATUS VspConformancePreparePacket(VMBCHANNEL Channel, VMBPACKET Packet,             \
                                         const UINT8 *Seed, UINT32 SeedSize,               \
                                         BOOLEAN *HasState)                                \
    {                                                                                      \
        UNREFERENCED_PARAMETER(Channel);                                                   \
        return PREPARE(Packet, Seed, SeedSize, HasState);                                  \
    }                                                                                      \
    VOID VspConformanceReleasePacket(VMBCHANNEL Channel, VMBPACKET Packet)                 \
    {                                                                                      \
        UNREFERENCED_PARAMETER(Channel);                                                   \
        VspReleaseState(Packet, OPS());                                                    \
    }

/* A correct save callback named NAME (prefix with static to keep it private). */
#define VSP_DEFINE_SAVE(NAME, OPS)                                                         \
    NTSTATUS NAME(VSP_SAVE_PARAMS)                                                         \
    {                                                                                      \
        UNREFERENCED_PARAMETER(Channel);                                                   \
        return VspSaveState(VmbPacketGetPointer(Packet), OPS(), SaveBuf, SaveBufSize,      \
                            BytesNeeded);                                                  \
    }

/* A correct restore callback named NAME. */
#define VSP_DEFINE_RESTORE(NAME, OPS)                                                      \
    NTSTATUS NAME(VSP_RESTORE_PARAMS)                                                      \
    {                                                                                      \
        return VspRestorePacket(Channel, LibBuf, LibBufSize, SaveBuf, SaveBufSize, OPS(),  \
                                NULL);                                                     \
    }

#endif /* VSPC_SAMPLES_VSP_COMMON_H */
