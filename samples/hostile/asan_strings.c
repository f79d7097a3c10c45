/*
 * A plain, correct module whose data holds the names of the ASan and coverage
 * runtimes' entry points as strings. It needs neither runtime: vspconform must
 * read instrumentation from the module's undefined dynamic symbols, not from
 * strings, and must not preload ASan for it.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE
MINI_VSP_RESTORE

const char *const HostileRuntimeNames[] = {"__asan_init", "__sanitizer_cov_8bit_counters_init",
                                           "__sanitizer_cov_trace_pc_guard_init"};
