/*
 * small_vsp.c - the "small module" of bench/exec_rate.sh: a correct mini VSP (a tag and a payload
 * per packet, samples/common/mini_vsp.h), built with coverage instrumentation, so that the cost
 * measured is the engine's per execution, not the module's.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE
MINI_VSP_RESTORE
