/*
 * storage_vsp.c - the reference sample: a storage VSP's packet save/restore
 * code, as it is compiled into a vspconform module. Conformant: every rule
 * passes under both profiles.
 *
 * The in-flight request, the versioned record format, the seed parser and
 * the validating record parser are in storage_request.h; the protocol steps
 * (probe, size checks, restore sequence) in common/vsp_common.h.
 *
 * By default the callbacks are exported as EvtVmbChannelSavePacket and
 * EvtVmbChannelRestorePacket. Built with -DSTORAGE_VSP_INIT_HOOK they stay
 * static and VspConformanceInitChannel registers them through
 * VmbServerChannelInitSetSaveRestorePacketCallbacks, as the driver does when
 * it initializes its channel.
 */
#include "storage/storage_request.h"

#ifdef STORAGE_VSP_INIT_HOOK

static VSP_DEFINE_SAVE(StorVspSavePacket, StorRecordOps)
static VSP_DEFINE_RESTORE(StorVspRestorePacket, StorRecordOps)

NTSTATUS VspConformanceInitChannel(VMBCHANNEL Channel)
{
    return VmbServerChannelInitSetSaveRestorePacketCallbacks(Channel, StorVspSavePacket,
                                                              StorVspRestorePacket);
}

#else

STOR_VSP_SAVE
STOR_VSP_RESTORE

#endif

STOR_VSP_STATE_HOOKS
