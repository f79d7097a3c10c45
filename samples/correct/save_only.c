/*
 * save_only.c - correct: the module exports the save callback but no restore
 * callback (the restore side lives elsewhere in the driver); the restore
 * rules RP1-RP4 are skipped.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE
