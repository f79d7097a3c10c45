// Behaviour coverage: what the module visibly did in an execution (the size
// its probe asked for, the statuses its calls returned, whether a restored
// packet saved the same bytes), as counters libFuzzer follows next to the
// module's own edge coverage (libFuzzer's "extra counters"). A module built
// without coverage instrumentation has only these; one with instrumentation
// gets a signal for outcomes its edges do not tell apart (two failure
// statuses returned by one line of code).
#pragma once

#include "Runner.h"

namespace vspc {

// Sets the counters for one played case (libFuzzer clears them before each execution).
void NoteBehaviour(const CaseLog &log);
// The counters as the last NoteBehaviour left them.
const uint8_t *BehaviourCounters();
size_t BehaviourCounterCount();

}  // namespace vspc
