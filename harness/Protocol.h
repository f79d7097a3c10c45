// The worker protocol: what the supervisor tells a worker (WorkerConfig, on its
// command line) and what the worker says back (Messages, one JSON line each on
// a pipe). One codec for each, strict: a message that does not decode is a
// ProtocolError value for the supervisor to act on, never an exception.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "Finding.h"
#include "JobKind.h"
#include "Module.h"
#include "Rules.h"
#include "Sandbox.h"

namespace vspc {

// The kinds of job (JobKinds.def): Sweep: cases [begin, end) of the sweep. Fuzz: a
// coverage-guided shard. Contract: the full contract for states a shard promoted (files in
// `cases`). Replay: case files. Records: the records the module saves for the sweep's states
// [begin, end). Migrate: the records of another build (the archive in `archive`), entries
// [begin, end), restored as they are and mutated (compat). Minimize: the case file in `cases`
// shrunk while it still shows the finding `target` (written to `output`). Coverage: the case
// files in `cases` played once each, for the module's edge coverage.

// The plateau's unit: an execution whose case kept more than this many bytes (the records it saved and
// restored, CaseLog::bytes) counts once more toward --plateau for each further such share, so a module
// with states of many MiB reaches its plateau in proportion to the bytes moved, not in executions
// that each cost milliseconds. Modules with records of a few KiB count one per execution.
constexpr uint64_t kPlateauExecutionBytes = uint64_t{64} << 10;

struct WorkerConfig {
    WorkerMode mode = WorkerMode::Sweep;
    ModuleOptions module;
    Profile profile = Profile::Strict;
    uint64_t seed = 1;                   // the run's seed (sweep states, libFuzzer -seed)
    uint64_t begin = 0, end = 0;         // Sweep: case indices [begin, end)
    uint32_t shard = 0;                  // Fuzz: which of the run's fuzz shards
    uint32_t generation = 0;             // restarts of this job before this worker
    uint64_t runs = 0;                   // Fuzz: executions still to run
    uint64_t plateau = 0;                // Fuzz: end after this many executions that add no input (0: never)
    std::string corpus;                  // Fuzz: the shard's corpus directory
    std::vector<std::string> corpus_in;  // Fuzz: more corpus directories, read at the start (a user's corpus)
    std::vector<std::string> cases;      // Replay: case files; Contract: state files
    bool quiet_engine = true;            // Fuzz: keep libFuzzer's own output out of the log
    bool dump = false;                   // Replay: also trace every input byte (replay --dump)
    // Replay, Cases, Minimize: a case file whose header names a profile (or a compat direction) is
    // played under it, not under `profile` (the user did not name one).
    bool header_profile = false;
    // Migrate, and Fuzz or Replay of another build's records: the archive and which way its
    // records cross builds (every finding carries it, with the two builds' SHA-256).
    std::string archive;
    bool compat = false;
    CompatDirection direction = CompatDirection::Forward;
    std::string old_sha256, new_sha256;
    // Fuzz: the corpus is shared with other shards of a campaign (libFuzzer reloads it;
    // seeds are added to it rather than only to an empty one).
    bool shared_corpus = false;
    // Fuzz: where promoted states are written (empty: promoted/ beside the corpus). A campaign's
    // corpus may be the user's: its promoted states go to the run's scratch space instead.
    std::string promoted;
    uint32_t max_len = 4096;  // Fuzz: libFuzzer's -max_len
    // Minimize: the finding's key, whether it is a death (candidates that show it kill the
    // worker, so the first one is not played), candidates (numbered since the last accepted
    // one) that killed a worker with another signature, and where the best case goes.
    std::string target;
    bool target_death = false;
    std::vector<uint64_t> reject;
    std::string output;
    // The sandbox (Sandbox.h): asked for, and the supervisor's namespaces (pid, mnt, net, user
    // inode numbers) for the worker to see which of its own are new.
    bool sandbox = false;
    std::vector<uint64_t> host_ns;
    int shm_fd = -1;
    int ctl_fd = -1;  // the control block (Shared.h: WorkerControl), sealed against writes
    int out_fd = -1;

    bool operator==(const WorkerConfig &) const = default;
};

// Where a Fuzz job's promoted states go (config.promoted, or promoted/ beside its corpus).
std::string PromotedDir(const WorkerConfig &c);

std::string EncodeConfig(const WorkerConfig &c);
// Empty string on success, else what is wrong with the text.
std::string DecodeConfig(std::string_view text, WorkerConfig &out);

// What the worker found in the module.
struct Hooks {
    bool save = false, restore = false, prepare = false, release = false, init_hook = false;
    uint64_t coverage_counters = 0;  // the module's inline 8-bit counters (0: not instrumented)
    // Entry points of the callbacks as file addresses of the module (0: not in its code), also
    // for callbacks an init hook registered: findings without a faulting instruction point there.
    uint64_t save_entry = 0, restore_entry = 0;
    bool operator==(const Hooks &) const = default;
};

namespace msg {
struct Loaded {
    Hooks hooks;
    SandboxState sandbox;  // what was in force in the worker when it loaded the module
    bool operator==(const Loaded &) const = default;
};
struct LoadError {
    std::string message;
    bool operator==(const LoadError &) const = default;
};
struct Found {
    Finding finding;
    bool operator==(const Found &) const = default;
};
struct Trace {  // replay: one call, as text
    std::string text;
    bool operator==(const Trace &) const = default;
};
struct CaseBegin {
    uint64_t index = 0;
    std::string file;
    Profile profile = Profile::Strict;  // the profile it is played under
    bool operator==(const CaseBegin &) const = default;
};
struct CaseEnd {
    uint64_t index = 0;
    bool skipped = false;
    std::string reason;
    uint32_t restore_ops_skipped = 0;
    bool operator==(const CaseEnd &) const = default;
};
struct Promoted {  // fuzz: a state worth the full contract, written to `file`
    std::string file;
    bool operator==(const Promoted &) const = default;
};
struct Saved {  // records: the record the module saved for one of the sweep's states
    uint64_t state = 0;
    std::vector<uint8_t> seed, record;
    bool operator==(const Saved &) const = default;
};
struct Minimized {  // minimize: a smaller case was written to `file` (final: the job's result)
    std::string file;
    uint64_t tries = 0, accepted = 0;
    bool reproduced = false, final = false;
    bool operator==(const Minimized &) const = default;
};
struct Covered {  // coverage: per inline counter of the module, its PC (a file address) and flags
    std::vector<uint64_t> pcs;
    std::vector<uint8_t> flags;  // kCoverEntry: a function's entry block; kCoverHit: reached
    uint64_t inputs = 0;         // case files played
    bool operator==(const Covered &) const = default;
};
constexpr uint8_t kCoverEntry = 1, kCoverHit = 2;
struct Done {  // the job's end; repeats of findings already sent
    std::vector<std::pair<std::string, uint64_t>> repeats;
    bool finished = true;  // it ran its job to the end (false: it stopped early, on request)
    // What the worker counted in its own memory; the supervisor checks the status block against it.
    uint64_t cases_run = 0, cases_skipped = 0, calls = 0, execs = 0, state_saves = 0;
    Evidence evidence{};
    bool operator==(const Done &) const = default;
};
}  // namespace msg

using Message = std::variant<msg::Loaded, msg::LoadError, msg::Found, msg::Trace, msg::CaseBegin, msg::CaseEnd,
                             msg::Promoted, msg::Saved, msg::Minimized, msg::Covered, msg::Done>;

struct ProtocolError {
    std::string what;
};

// A line longer than this is a protocol error (and is not buffered further).
constexpr size_t kMaxMessageBytes = size_t{4} << 20;

std::string EncodeMessage(const Message &m);  // one line, without the newline
std::variant<Message, ProtocolError> DecodeMessage(std::string_view line);

}  // namespace vspc
