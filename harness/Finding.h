// A finding: one broken rule, seen once, with everything needed to understand
// and reproduce it. The judge (from a call log) and death attribution (from a
// worker that died) both make Findings; reports, deduplication and the worker
// protocol all consume this one type. Signature() is the one definition of
// "the same defect".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "Case.h"
#include "Rules.h"
#include "Shared.h"
#include "Status.h"

namespace vspc {

// Which part of a run made the finding (Compat: restores of another build's records).
enum class Stage : uint8_t { Sweep, Fuzz, Replay, Compat };

// Which way a record crossed builds: Forward, a newer build restores what an older
// one saved (live migration to a newer host); Rollback, the other way round.
enum class CompatDirection : uint8_t { Forward, Rollback };

// A finding of a restore of another build's record (compat, check --restore-corpus).
struct CompatInfo {
    CompatDirection direction = CompatDirection::Forward;
    std::string old_sha256;       // the older build (or the archive's module), which saved forward records
    std::string new_sha256;       // the newer build (empty: not known)
    std::vector<uint8_t> record;  // the other build's record, as it saved it (before any mutation)

    bool operator==(const CompatInfo &) const = default;
};

// An access outside a buffer (or a write into a read-only one).
struct Location {
    FaultRegion region = FaultRegion::None;
    int64_t offset = 0;  // of the first stray byte (the one nearest to the buffer), from the start of the buffer
    uint32_t buffer_size = 0;
    Access access = Access::Unknown;
    bool guard_page = false;  // caught by a guard page (else by the canary window)
    uint32_t count = 0;       // stray bytes a write changed (canary, guard zone), or faults (a read)
    // A write's extent: the stray byte farthest from the buffer (on the side of `offset`), and the
    // bytes from `offset` to it inclusive. 0: not measured (a read, a write into an input, a death).
    int64_t last_offset = 0;
    uint32_t extent = 0;

    bool operator==(const Location &) const = default;
};

enum class DeathKind : uint8_t { Crash, Exit, Hang };

// How a worker died, when the finding is a death.
struct Death {
    DeathKind kind = DeathKind::Crash;
    int signo = 0;
    int exit_code = 0;
    Callback callback = Callback::None;         // the call in progress (None: outside any module call)
    std::string sanitizer;                      // the sanitizer's one-line summary, if it reported
    Access sanitizer_access = Access::Unknown;  // the sanitizer's "READ/WRITE of size N"
    uint32_t sanitizer_size = 0;

    bool operator==(const Death &) const = default;
};

// The call that showed the finding.
struct CallInfo {
    int index = -1;  // in the case's call log (-1: not known, e.g. a death)
    Callback callback = Callback::None;
    uint32_t packet = 0;
    uint32_t size = 0;  // SaveBufSize (save) or the input's size (restore)
    bool null_buffer = false;
    Placement placement = Placement::Right;
    uint8_t fill = 0;
    bool returned = true;  // false: the call never returned (the finding is its death)
    NtStatus status = 0;
    std::optional<uint32_t> bytes_needed;  // save: *BytesNeeded if written
    uint32_t lib_buf_size = 0;             // restore
    std::string text;                      // one line, as replay prints it

    bool operator==(const CallInfo &) const = default;
};

// Where in the module's code a finding happened.
enum class CodeWhere : uint8_t {
    Fault,      // the faulting instruction (guard page, or the sanitizer's first frame)
    Caller,     // the call in the module that led to a fault in a callee outside it (memcpy)
    Entry,      // the callback's entry point: the finding has no faulting instruction
    Assertion,  // an NT_ASSERT's file and line (no address)
};

struct CodeLocation {
    uint64_t offset = 0;  // a virtual address of the module's ELF file (what a symbolizer takes)
    CodeWhere where = CodeWhere::Entry;
    // Filled by the symbolizer from the module's debug info (empty/0: none).
    std::string function;
    std::string file;
    uint32_t line = 0, column = 0;

    bool operator==(const CodeLocation &) const = default;
};

// A byte of a record a finding is about (SP9's first differing byte, a restore's stray access into
// its input), and the field of the module's record type it falls in, named after the run from the
// module's DWARF (Dwarf.h).
struct RecordRef {
    uint64_t offset = 0;
    uint64_t size = 0;                   // the record's size (what the record type is chosen by)
    Callback callback = Callback::Save;  // whose record type: the save's or the restore's
    std::string field;                   // "SAVED_REQUEST.Reserved" ("": not known)

    bool operator==(const RecordRef &) const = default;
};

struct Finding {
    RuleId rule = RuleId::SP1;
    std::string kind;  // short stable key of what went wrong, for findings without location or death
    std::string message;
    std::optional<Location> location;
    std::optional<Death> death;
    std::optional<CallInfo> call;
    std::optional<CodeLocation> code;
    std::optional<CompatInfo> compat;
    std::optional<RecordRef> record;
    uint32_t op_index = 0;  // the op being played (reproducers are cut after it)
    Stage stage = Stage::Sweep;
    // The profile its case was judged under, so replay and minimization play it the same way
    // (the exploration tier's cases are KMCL's calls: their sizes mean something else in strict).
    Profile profile = Profile::Strict;
    std::vector<uint8_t> reproducer;  // a case file's bytes
    uint64_t occurrences = 1;
    double found_after = -1;  // seconds from the start of the run (-1: unknown)
    std::string case_file;    // relative to the report dir, once written

    // What makes two findings of one rule the same defect.
    std::string Signature() const;
    std::string Key() const;  // "SP5|SaveBuf overrun write"
    Severity severity() const { return RuleFor(rule).severity; }

    bool operator==(const Finding &) const = default;
};

std::string_view StageName(Stage s);
std::optional<Stage> StageByName(std::string_view name);
std::string_view DirectionName(CompatDirection d);  // "forward", "rollback"
std::optional<CompatDirection> DirectionByName(std::string_view name);
std::string_view RegionName(FaultRegion r);
std::string_view AccessName(Access a);
std::string_view CallbackName(Callback cb);
std::string_view DirectionOf(const Location &l);  // "underrun", "overrun", "inside"
// "write SaveBuf at offset 8 (8 bytes): overrun of 1 byte", "write SaveBuf at offsets 8 to 255 (8 bytes):
// overrun of 248 bytes"
std::string DescribeLocation(const Location &l);
// The extent as the signature has it: "1 byte", "2-8 bytes", "9-4096 bytes", "over 4096 bytes"
// (empty: not measured). Coarse on purpose: one defect's overruns stay in one class.
std::string_view ExtentClass(uint32_t extent);
std::string DescribeDeath(const Death &d, uint32_t timeout_ms);
std::string SignalName(int signo);
std::string_view CodeWhereName(CodeWhere w);
// "EvtVmbChannelSavePacket at sp5.c:17:9" (the file relative to `source_root` when under it), or
// "offset 0x1139 in the module" without debug info.
std::string DescribeCode(const CodeLocation &c, const std::string &source_root = "");
// The callback a finding is about (the call's, or the death's), or None.
Callback CallbackOf(const Finding &f);

// The rule an access outside the buffers of a call breaks: SP3 (probe, or
// through a NULL SaveBuf), SP5 (sized save), RP2 (restore read) or RP4
// (restore write). The judge and death attribution both use it.
RuleId RuleForStrayAccess(FaultRegion region, Access access, uint32_t save_buf_size);

// The one codec of a Finding (worker protocol and report.json).
nlohmann::json ToJson(const Finding &f);
// Strict: every field checked; returns an empty string, or what is wrong.
std::string FindingFromJson(const nlohmann::json &j, Finding &out);

// Where a finding came from, in an order that does not depend on timing: the
// job (in the order the run defines its jobs), the worker's generation within
// the job (restarts), and the message's place in that worker's output.
struct FindingOrigin {
    uint32_t job = 0;
    uint32_t generation = 0;
    uint64_t seq = 0;
    auto operator<=>(const FindingOrigin &) const = default;
};

// Findings deduplicated by rule and signature. Of the findings with one key,
// the one with the least FindingOrigin represents them all, so that the reports (and
// the reproducer kept) are the same whichever worker got there first.
class FindingSet {
public:
    // Adds a finding; returns false (and counts an occurrence) when it repeats a known one.
    bool Add(Finding f, FindingOrigin origin = {});
    void AddOccurrences(const std::string &key, uint64_t n);
    bool Contains(const std::string &key) const { return index_.count(key) != 0; }
    size_t size() const { return findings_.size(); }
    // The findings, sorted by rule (stable: first seen first within a rule).
    std::vector<Finding> Sorted() const;

private:
    std::vector<Finding> findings_;
    std::vector<FindingOrigin> origins_;
    std::map<std::string, size_t> index_;
};

}  // namespace vspc
