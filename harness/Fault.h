// Turning a fault inside a module call into a precise finding: the signal
// handler looks the faulting address up among the buffers of the call in
// progress and records region, offset and access (read/write) in the shared
// block before letting the process die.
#pragma once

#include <cstdint>

#include "Shared.h"

namespace vspc {

struct GuardedRegion {
    uintptr_t begin = 0, end = 0;  // the whole mapping, guard pages included
    uintptr_t buffer = 0;          // what the module was given
    uint32_t size = 0;
    FaultRegion kind = FaultRegion::None;
};

// Set by the runner around each module call; read by the signal handler.
struct CallRegions {
    GuardedRegion regions[2];
    int count = 0;
    bool null_save_buffer = false;
};

extern CallRegions g_regions;

void InstallFaultHandlers();

}  // namespace vspc
