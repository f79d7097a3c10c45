// The case runner: plays a case against a loaded module the way KMCL would
// (or, in the strict profile, every way the contract allows), with every
// buffer instrumented, and records each call for the judge.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "Arena.h"
#include "Case.h"
#include "Fault.h"
#include "Kmcl.h"
#include "Module.h"
#include "Rules.h"
#include "Shared.h"
#include "Status.h"
#include "WdkSupport.h"

namespace vspc {

enum class Tri : uint8_t { No, Yes, Unknown };

// Why the runner made a call.
enum class Origin : uint8_t {
    Op,         // an op of the case
    Implicit,   // a probe the runner made to learn N before a size relative to N
    KmclProbe,  // the probe of a KMCL save pair (kmcl profile)
    RoundTrip,  // a save of a packet created by restore
    Solo,       // a reference save of a packet alone (SP13)
    Verify,     // a probe after a successful save: did the save change the state? (SP12)
};

enum class PacketOrigin : uint8_t { Case, Restored, Solo };

struct PacketRecord {
    PacketOrigin origin = PacketOrigin::Case;
    int source = -1;  // Restored: the packet whose record was restored; Solo: the packet it mirrors
    Mutation mutation = Mutation::None;
    bool arbitrary = false;  // restored from RestoreBytes
    Tri has_state = Tri::Unknown;
    int restore_call = -1;  // Restored: the restore call that produced it
    int source_probe = -1;  // Solo: the source packet's first probe
    int source_save = -1;   // Solo: the source packet's first valid save (mirrored exactly)
};

struct CallRecord {
    Callback callback = Callback::Save;
    Origin origin = Origin::Op;
    uint16_t packet = 0;  // index into CaseLog::packets
    uint32_t op_index = 0;
    // save
    uint32_t size = 0;
    bool null_buffer = false;
    Placement placement = Placement::Right;
    uint8_t fill = 0;
    uint32_t n_hint = 0;  // N the runner resolved sizes against
    NtStatus status = 0;
    uint32_t bytes_needed = 0;
    bool bytes_needed_written = false;
    StrayWrite stray_save;                    // around SaveBuf (canary window)
    StrayWrite stray_bytes_needed;            // around *BytesNeeded (canary window)
    FaultRecord fault;                        // accesses the guard zones caught (and recovered)
    std::string assertion;                    // an NT_ASSERT that failed in the call (WdkCompat.h): "expr|file|line"
    int64_t changed_past_reported = -1;       // SW2: first buffer offset >= reported size that changed
    uint32_t data_offset = 0, data_size = 0;  // saved bytes, in CaseLog::bytes
    // restore
    uint32_t input_offset = 0, input_size = 0;  // the SaveBuf given, in CaseLog::bytes
    uint32_t lib_buf_size = 0;
    Mutation mutation = Mutation::None;
    bool arbitrary = false;  // RestoreBytes: not a record the module saved
    int record_call = -1;    // the save whose record was given (mutated as `mutation` says); -1: the case's bytes
    RestoreWatch watch;
    int restored_packet = -1;  // the packet a successful restore produced
    // Pool (WdkCompat.h's ExAllocatePool*, the rules SP14 and RP5): whether the module had allocated
    // pool by the end of the call; the call's first and end allocation numbers; what it did to the
    // pool (the blocks it allocated still live when it returned, the frees the pool refused or
    // questioned), in CaseLog::pool_uses (-1: nothing).
    bool pool_used = false;
    uint64_t pool_allocations_begin = 0, pool_allocations_end = 0;
    int pool_use = -1;
    // Restore that produced a packet: once VspConformanceReleasePacket released it, the blocks the
    // restore allocated still live, and the release's own refused or questioned frees (-1: nothing;
    // `released`: the module has a release hook, so the question was asked).
    bool released = false;
    int after_release = -1;
};

// What one case may keep of the bytes it saved and restored (CaseLog::bytes). Once a case's log
// holds this much, its remaining ops are not played (CaseLog::capped): states of many MiB restored
// op after op (the sweep's bit-flip walk) would otherwise take gigabytes of the worker's address
// space and end in an allocation failure of the tester, not of the module. A budget in bytes keeps
// the cost of a case in proportion to its states' size and the verdict deterministic.
constexpr size_t kCaseLogBytes = size_t{256} << 20;

struct CaseLog {
    std::vector<PacketRecord> packets;
    std::vector<CallRecord> calls;
    std::vector<uint8_t> bytes;
    std::vector<PoolUse> pool_uses;  // see CallRecord::pool_use
    bool skipped = false;
    std::string skip_reason;
    uint32_t restore_ops_skipped = 0;  // module has no restore callback
    uint32_t state_saves = 0;          // successful sized saves of packets with state
    bool cut = false;                  // stopped before its last op (the run's time cap)
    bool capped = false;               // stopped before its last op: bytes reached kCaseLogBytes

    void Clear();
    std::span<const uint8_t> Bytes(uint32_t offset, uint32_t size) const { return {bytes.data() + offset, size}; }
    const PoolUse *PoolUseOf(int index) const { return index >= 0 ? &pool_uses[index] : nullptr; }
};

class Runner {
public:
    // `status` (may be null) is the worker's shared block: the heartbeat, the
    // call in progress for the supervisor, and the stop request checked between ops.
    Runner(const Module &module, Kmcl &kmcl, SharedStatus *status = nullptr)
        : module_(module), kmcl_(kmcl), status_(status) {}

    // Plays `c` and fills `log`. `trace`, when set, is told about each call as it ends.
    void Run(const Case &c, Profile profile, CaseLog &log);
    void SetTrace(std::function<void(const CaseLog &, const CallRecord &)> trace) { trace_ = std::move(trace); }
    // `before`, when set, is told about each call just before it is made: the
    // call's number in the log (-1 for a release, which is not logged) and the
    // bytes it is given (prepare: the seed; restore: SaveBuf and LibBuf).
    using BeforeCall = std::function<void(const CallRecord &, int index, std::span<const uint8_t> input,
                                          std::span<const uint8_t> lib)>;
    void SetBeforeCall(BeforeCall before) { before_ = std::move(before); }
    // See GuardedArena::SetGap: once an overrun of SaveBuf is a known finding.
    void SetSaveBufGap(uint32_t gap) { save_arena_.SetGap(gap); }
    // What one case may keep (kCaseLogBytes unless a test wants a smaller budget).
    void SetCaseLogBytes(size_t bytes) { case_log_bytes_ = bytes; }
    // Module calls that returned, counted in this process's own memory (the status block's count
    // is the module's to write too).
    uint64_t calls_returned() const { return calls_returned_; }
    // Told when the tester cannot go on because of the module's test hooks (every packet object in
    // use): a harness error, not a finding. Without it, the case is skipped.
    void SetHarnessErrorHandler(std::function<void(const std::string &)> h) { on_harness_error_ = std::move(h); }

private:
    struct Slot {
        FakePacket *packet = nullptr;
        int record = -1;  // index in CaseLog::packets
        bool known_n = false;
        uint32_t n = 0;
        bool saved = false;    // a save with a buffer succeeded (the state may have changed since)
        int first_probe = -1;  // call index of the first probe before any successful save
        int first_save = -1;   // call index of the first valid save (1 <= reported <= SaveBufSize, N)
        int last_save = -1;    // call index of the last one: the record restores are fed
    };

    int NewPacketRecord(PacketOrigin origin, Tri has_state, CaseLog &log);
    bool Prepare(Slot &slot, const std::vector<uint8_t> &seed, CaseLog &log);
    int Save(Slot &slot, uint32_t size, bool null_buffer, Placement placement, uint8_t fill, Origin origin,
             CaseLog &log);
    void SaveAndVerify(Slot &slot, uint32_t size, bool null_buffer, Placement placement, uint8_t fill, Origin origin,
                       CaseLog &log);
    void LearnN(Slot &slot, Origin origin, CaseLog &log);
    void KmclSave(Slot &slot, const Op &op, Origin origin, CaseLog &log);
    void RestoreOp(const Op &op, Profile profile, CaseLog &log);
    void Restore(const uint8_t *input, uint32_t size, Placement placement, int source, int pattern_call,
                 Mutation mutation, bool arbitrary, Profile profile, CaseLog &log);
    void SaveRestored(Slot &restored, const CallRecord *pattern, Profile profile, CaseLog &log);
    // `pool` (may be null): the release's pool use (its refused or questioned frees).
    void Release(Slot &slot, PoolUse *pool = nullptr);
    void InModuleFile(PoolUse &use) const;
    void Solo(const Case &c, int packet, CaseLog &log);
    void PacketPoolExhausted();
    // Module-allocated packets held between cases beyond those held before the first case: a leak.
    static constexpr int kLeakedPacketLimit = kPacketPoolSize / 4;
    int module_packets_at_start_ = -1;
    void BeginCall(Callback cb, const CallRecord &rec, int index, const GuardedRegion *regions = nullptr,
                   int count = 0);
    FaultRecord EndCall(CallRecord *rec = nullptr, CaseLog *log = nullptr);
    void Emit(const CaseLog &log) {
        if (trace_) trace_(log, log.calls.back());
    }

    const Module &module_;
    Kmcl &kmcl_;
    SharedStatus *status_;
    GuardedArena save_arena_, bytes_needed_arena_;
    ReadOnlyArena restore_input_, restore_lib_;
    FaultContext faults_;
    bool code_known_ = false;  // faults_ knows where the module's code is (once it is loaded)
    ModuleCode code_;          // the same, for the pool's return addresses
    uint64_t assertions_before_ = 0;
    PoolMark pool_before_;
    PoolUse pool_use_;  // of the last call EndCall was given a record for
    std::array<Slot, kMaxPackets> slots_;
    std::vector<uint8_t> scratch_;
    uint32_t op_index_ = 0;
    uint64_t calls_returned_ = 0;
    size_t case_log_bytes_ = kCaseLogBytes;
    uint32_t restore_seq_ = 0;
    std::function<void(const CaseLog &, const CallRecord &)> trace_;
    BeforeCall before_;
    std::function<void(const std::string &)> on_harness_error_;
};

// The LibBuf the tester passes to restore: recognisable, and different per restore.
constexpr uint32_t kLibBufSize = 48;
constexpr uint32_t kBytesNeededPoison = 0xCDCDCDCDu;

}  // namespace vspc
