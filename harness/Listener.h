// Live output of a run, as googletest's TestEventListener: the session tells every listener what
// happens as it happens (a worker loaded the module, a message, a finding not seen before, a
// worker the module killed, progress), and the pipeline tells them the run's end. The fuzz
// progress line, the FOUND lines and replay's call trace are listeners; a command picks which
// it wants. Listeners only print or write: what a run concludes is the session's and the summary's.
#pragma once

#include <cstdint>

#include "Finding.h"
#include "Pool.h"
#include "Protocol.h"

namespace vspc {

struct RunSummary;

// What the run has done so far, for a progress line.
struct LiveStats {
    uint64_t execs = 0, calls = 0, cases = 0;
    uint64_t edges = 0;  // the most module edges one fuzz worker reached
    uint64_t findings = 0;
    uint64_t violations = 0;  // findings of rules whose severity is an error
    uint32_t restarts = 0;
    unsigned workers = 0;
};

class RunListener {
public:
    virtual ~RunListener() = default;
    // Every message a worker sent (after the supervisor checked it), in the worker's order.
    virtual void OnMessage(const Job & /*job*/, const Message & /*message*/) {}
    // A finding the run had not seen before (by rule and signature), as it comes.
    virtual void OnFinding(const Finding & /*finding*/) {}
    // A worker the module killed (or hung, or whose messages it corrupted), and what it stands for.
    virtual void OnDeath(const Job & /*job*/, const WorkerEnd & /*end*/, const Finding & /*death*/) {}
    // About every 200 ms while workers run.
    virtual void OnProgress(const LiveStats & /*stats*/) {}
    // The run is over: its summary, before the reports are written.
    virtual void OnRunEnd(const RunSummary & /*run*/) {}
};

}  // namespace vspc
