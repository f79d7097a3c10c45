/*
 * Load error (exit 2): the save callback is exported under the driver's own
 * name (StorVspSavePacket), and there is no VspConformanceInitChannel, so
 * vspconform finds neither EvtVmbChannelSavePacket nor an init hook.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
VSP_DEFINE_SAVE(StorVspSavePacket, MiniRecordOps)
VSP_DEFINE_RESTORE(StorVspRestorePacket, MiniRecordOps)
