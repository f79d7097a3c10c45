#include "Judge.h"

#include <cstdlib>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "WdkSupport.h"

namespace vspc {
namespace {

struct PacketState {
    bool probe_seen = false;
    bool probe_failed = false;
    uint32_t probe_n = 0;
    int probe_index = -1;
    int base_save = -1;
    bool saved = false;    // a save succeeded (state may have been changed from here on)
    bool drifted = false;  // SP12 seen: state no longer what Prepare built
};

std::string Hex(std::span<const uint8_t> b, size_t max = 16) {
    std::string s;
    for (size_t i = 0; i < b.size() && i < max; ++i) s += fmt::format("{:02x}", b[i]);
    if (b.size() > max) s += "..";
    return s;
}

// First differing offset, or -1 when equal.
int64_t FirstDifference(std::span<const uint8_t> a, std::span<const uint8_t> b) {
    size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < n; ++i)
        if (a[i] != b[i]) return static_cast<int64_t>(i);
    return a.size() == b.size() ? -1 : static_cast<int64_t>(n);
}

bool IsBufferStatus(NtStatus s) { return s == kStatusBufferTooSmall || s == kStatusBufferOverflow; }

class Judge {
public:
    Judge(const CaseLog &log, Profile profile, std::vector<Finding> &out, Evidence &evidence,
          std::vector<PacketState> &state)
        : log_(log), profile_(profile), out_(out), evidence_(evidence), state_(state), first_(out.size()) {
        state_.assign(log.packets.size(), PacketState{});
        int case_packets = 0;
        for (const PacketRecord &p : log.packets) case_packets += p.origin == PacketOrigin::Case;
        multi_ = case_packets > 1;
    }

    void Run() {
        for (size_t i = 0; i < log_.calls.size(); ++i) {
            const CallRecord &c = log_.calls[i];
            if (!c.assertion.empty()) Assertion(static_cast<int>(i), c);
            if (c.callback == Callback::Prepare) Exercise(RuleId::SP11);
            if (c.callback == Callback::Save) JudgeSave(static_cast<int>(i), c);
            if (c.callback == Callback::Restore) {
                JudgeRestore(static_cast<int>(i), c);
                last_restore_ = static_cast<int>(i);
            }
        }
    }

private:
    void Exercise(RuleId rule) { ++evidence_[static_cast<size_t>(rule)]; }

    void Add(RuleId rule, int call, std::string kind, std::string message,
             std::optional<Location> location = std::nullopt, std::optional<CodeLocation> code = std::nullopt) {
        Finding f;
        f.rule = rule;
        f.kind = std::move(kind);
        f.location = location;
        f.code = std::move(code);
        std::string signature = f.Signature();
        for (size_t i = first_; i < out_.size(); ++i)
            if (out_[i].rule == rule && out_[i].Signature() == signature) return;
        f.message = std::move(message);
        if (call >= 0) {
            f.call = CallInfoOf(log_, call);
            f.op_index = log_.calls[call].op_index;
        }
        out_.push_back(std::move(f));
    }

    // Add, with the record byte the finding is about (its field is named after the run).
    void AddAt(RuleId rule, int call, std::string kind, std::string message, RecordRef record) {
        size_t before = out_.size();
        Add(rule, call, std::move(kind), std::move(message));
        if (out_.size() > before) out_.back().record = std::move(record);
    }

    // An access outside the call's buffers, seen by the canary window or a guard zone.
    void Stray(int call, const CallRecord &c, const Location &l) {
        std::optional<CodeLocation> code;
        if (l.guard_page && c.fault.code_where != kCodeNone) {
            code = CodeLocation{};
            code->offset = c.fault.code_offset;
            code->where = c.fault.code_where == kCodeFault ? CodeWhere::Fault : CodeWhere::Caller;
        }
        size_t before = out_.size();
        Add(RuleForStrayAccess(l.region, l.access, c.size), call, "", DescribeLocation(l), l, code);
        // A restore's access to its record (SaveBuf): the record byte, by the size of the record it
        // was made from (the offset names a field of the layout the restore reads).
        if (out_.size() > before && l.region == FaultRegion::RestoreSaveBuf && l.offset >= 0) {
            uint64_t size = c.record_call >= 0 ? log_.calls[c.record_call].data_size : c.input_size;
            out_.back().record = RecordRef{static_cast<uint64_t>(l.offset), size, Callback::Restore, ""};
        }
    }

    // NT_ASSERT failing in a callback (WdkCompat.h): the module's own invariant broke. In a
    // checked build it breaks into the debugger; on a live host the call goes on regardless.
    void Assertion(int i, const CallRecord &c) {
        std::string_view a = c.assertion;
        size_t p1 = a.find('|'), p2 = a.rfind('|');
        std::string_view file = a.substr(p1 + 1, p2 - p1 - 1), line = a.substr(p2 + 1);
        std::string_view base =
            file.substr(file.find_last_of('/') == std::string_view::npos ? 0 : file.find_last_of('/') + 1);
        RuleId rule = c.callback == Callback::Restore ? RuleId::RP2 : RuleId::SP11;
        CodeLocation code;
        code.where = CodeWhere::Assertion;
        code.file = std::string(file);
        code.line = static_cast<uint32_t>(std::strtoul(std::string(line).c_str(), nullptr, 10));
        // The signature names the file's base name and line: it survives a build in another directory.
        Add(rule, i, fmt::format("assertion {}:{}", base, line),
            fmt::format("NT_ASSERT({}) failed in {} at {}:{}", a.substr(0, p1), CallbackName(c.callback), file, line),
            std::nullopt, code);
    }

    // The canary window of a region (the save's buffers have one), or null.
    static const StrayWrite *WindowOf(const CallRecord &c, FaultRegion region) {
        if (region == FaultRegion::SaveBuf && c.stray_save.found) return &c.stray_save;
        if (region == FaultRegion::BytesNeeded && c.stray_bytes_needed.found) return &c.stray_bytes_needed;
        return nullptr;
    }

    // How far a stray write on one side of a buffer went: the bytes the guard zone measured and the
    // canary window's, together (an overrun through the gap into the guard zone is one overrun).
    static void MeasureExtent(const CallRecord &c, Location &l) {
        std::string_view dir = DirectionOf(l);
        if (l.access == Access::Read || (dir != "overrun" && dir != "underrun")) return;
        bool over = dir == "overrun";
        int64_t nearest = l.offset, farthest = l.offset;
        uint32_t bytes = 0;
        auto add = [&](int64_t near, int64_t far, uint32_t n) {
            nearest = over ? std::min(nearest, near) : std::max(nearest, near);
            farthest = over ? std::max(farthest, far) : std::min(farthest, far);
            bytes += n;
        };
        if (const GuardStrays *g = c.fault.Strays(l.region, over)) add(g->nearest, g->farthest, g->bytes);
        if (const StrayWrite *w = WindowOf(c, l.region); w && (w->offset >= 0) == over)
            add(w->offset, w->last, w->count);
        l.offset = nearest;
        l.last_offset = farthest;
        l.extent = static_cast<uint32_t>((over ? farthest - nearest : nearest - farthest) + 1);
        l.count = std::max<uint32_t>(bytes, 1);
    }

    void StraysOf(int i, const CallRecord &c, uint32_t buffer_size) {
        // The sides (region, overrun) already reported for this call.
        std::pair<FaultRegion, std::string_view> done[8];
        int done_count = 0;
        auto report = [&](Location &l) {
            for (int k = 0; k < done_count; ++k)
                if (done[k].first == l.region && done[k].second == DirectionOf(l)) return;
            MeasureExtent(c, l);
            if (done_count < 8) done[done_count++] = {l.region, DirectionOf(l)};
            Stray(i, c, l);
        };
        if (c.fault.found) {  // the first fault of the call
            Location l;
            l.region = c.fault.region;
            l.offset = c.fault.offset;
            l.last_offset = c.fault.offset;
            l.buffer_size = c.fault.buffer_size;
            l.access = c.fault.access;
            l.guard_page = true;
            l.count = c.fault.count;  // faults, for a read (a write's extent counts bytes)
            report(l);
        }
        auto window = [&](FaultRegion region, const StrayWrite &w, uint32_t size) {
            if (!w.found) return;
            Location l;
            l.region = region;
            l.offset = w.offset;
            l.last_offset = w.offset;
            l.buffer_size = size;
            l.access = Access::Write;
            l.count = w.count;
            report(l);
        };
        window(FaultRegion::SaveBuf, c.stray_save, buffer_size);
        window(FaultRegion::BytesNeeded, c.stray_bytes_needed, 4);
        // Writes into the guard zone of another buffer than the first fault's.
        for (const GuardStrays &g : c.fault.strays) {
            if (!g.bytes) continue;
            Location l;
            l.region = g.region;
            l.offset = g.nearest;
            l.last_offset = g.nearest;
            l.buffer_size = g.buffer_size;
            l.access = Access::Write;
            l.guard_page = true;
            report(l);
        }
    }

    // Frees the pool refused or questioned (SP14 in a save, RP5 in a restore or the release of a
    // restored packet). Driver Verifier: BAD_POOL_CALLER (0xC2) 0x0A for the wrong tag, 0x07 for a
    // double free, 0x46 for an address that is no pool block.
    // The module's call of a pool routine (an allocation, a free), as a code location.
    static std::optional<CodeLocation> PoolCall(uintptr_t file_address) {
        if (!file_address) return std::nullopt;
        CodeLocation code;
        code.offset = file_address - 1;  // inside the call instruction
        code.where = CodeWhere::Caller;
        return code;
    }

    void PoolFrees(RuleId rule, int i, const PoolUse &u, std::string_view where) {
        auto more = [](uint64_t n) { return n > 1 ? fmt::format(" ({} such frees in the call)", n) : std::string(); };
        if (u.wrong_tags && u.first_wrong_tag) {
            const PoolFreeIssue &w = *u.first_wrong_tag;
            Add(rule, i, fmt::format("pool freed with the wrong tag '{}'", PoolTagName(w.block_tag)),
                fmt::format("{} freed a {}-byte pool block allocated with tag '{}' using tag '{}'{}: Windows stops "
                            "with BAD_POOL_CALLER (0xC2, 0x0A) here",
                            where, w.block_size, PoolTagName(w.block_tag), PoolTagName(w.freed_tag),
                            more(u.wrong_tags)),
                std::nullopt, PoolCall(w.pc));
        }
        if (u.bad_frees && u.first_bad_free) {
            const PoolFreeIssue &b = *u.first_bad_free;
            Add(rule, i, "free of a block that is not allocated",
                fmt::format("{} freed a pointer that is no live pool block (never allocated, freed already, or "
                            "NULL; the free gave tag '{}'){}: Windows stops with BAD_POOL_CALLER (0xC2) here; the "
                            "tester did not free it",
                            where, b.freed_tag ? PoolTagName(b.freed_tag) : std::string("none"), more(u.bad_frees)),
                std::nullopt, PoolCall(b.pc));
        }
    }

    static std::string Blocks(const PoolUse &u) {
        if (u.live_blocks == 1)
            return fmt::format("a {}-byte pool block (tag '{}')", u.live_size, PoolTagName(u.live_tag));
        return fmt::format("{} pool blocks of {} bytes in all (the first: {} bytes, tag '{}')", u.live_blocks,
                           u.live_bytes, u.live_size, PoolTagName(u.live_tag));
    }

    // SP14: a save keeps no block it allocated and frees only live blocks with their own tags.
    void JudgeSavePool(int i, const CallRecord &c) {
        if (!c.pool_used) return;  // no pool use seen yet: nothing says the module's memory is tracked
        Exercise(RuleId::SP14);
        const PoolUse *u = log_.PoolUseOf(c.pool_use);
        if (!u) return;
        if (u->live_blocks)
            Add(RuleId::SP14, i, fmt::format("pool leak, tag '{}'", PoolTagName(u->live_tag)),
                fmt::format("the save (SaveBufSize {}) left {} allocated that it did not have before: one more leak "
                            "every time the packet is saved (Driver Verifier's pool tracking: bug check 0xC4, "
                            "0x62 when the driver unloads)",
                            c.size, Blocks(*u)),
                std::nullopt, PoolCall(u->live_pc));
        PoolFrees(RuleId::SP14, i, *u, "the save");
    }

    // RP5: a failed restore leaves no block; a restored packet's blocks go when it is released.
    void JudgeRestorePool(int i, const CallRecord &c) {
        if (!c.pool_used) return;
        Exercise(RuleId::RP5);
        if (const PoolUse *u = log_.PoolUseOf(c.pool_use)) {
            if (!NtSuccess(c.status) && u->live_blocks)
                Add(RuleId::RP5, i, fmt::format("pool leak on failure, tag '{}'", PoolTagName(u->live_tag)),
                    fmt::format("restore failed with {} but left {} allocated: nothing owns {} now (Driver "
                                "Verifier's pool tracking: bug check 0xC4, 0x62 when the driver unloads)",
                                StatusName(c.status), Blocks(*u), u->live_blocks == 1 ? "it" : "them"),
                    std::nullopt, PoolCall(u->live_pc));
            PoolFrees(RuleId::RP5, i, *u, "the restore");
        }
        const PoolUse *r = log_.PoolUseOf(c.after_release);
        if (!r) return;
        if (r->live_blocks)
            Add(RuleId::RP5, i, fmt::format("pool kept after release, tag '{}'", PoolTagName(r->live_tag)),
                fmt::format("the restore allocated {} that {} still allocated after VspConformanceReleasePacket "
                            "released the restored packet: the packet's state is not freed with it (bug check 0xC4, "
                            "0x62 when the driver unloads)",
                            Blocks(*r), r->live_blocks == 1 ? "is" : "are"),
                std::nullopt, PoolCall(r->live_pc));
        PoolFrees(RuleId::RP5, i, *r, "releasing the restored packet");
    }

    void JudgeSave(int i, const CallRecord &c) {
        const PacketRecord &pr = log_.packets[c.packet];
        PacketState &ps = state_[c.packet];
        bool probe = c.size == 0;
        bool ok = NtSuccess(c.status);
        Exercise(RuleId::SP11);
        Exercise(RuleId::SP5);
        if (probe) Exercise(RuleId::SP3);
        StraysOf(i, c, c.size);
        JudgeSavePool(i, c);
        if (ok) Exercise(RuleId::SP6);
        if (ok && c.bytes_needed_written && c.bytes_needed > c.size)
            Add(RuleId::SP6, i, "reported more than SaveBufSize",
                fmt::format("succeeded with SaveBufSize {} but reported *BytesNeeded = {}", c.size, c.bytes_needed));
        if (ok && !c.bytes_needed_written && !probe)
            Add(RuleId::SP6, i, "never wrote *BytesNeeded",
                fmt::format("succeeded with SaveBufSize {} but never wrote *BytesNeeded", c.size));
        if (ok && !probe) Exercise(RuleId::SW2);
        if (ok && !probe && c.changed_past_reported >= 0)
            Add(RuleId::SW2, i, "changed bytes past the reported size",
                fmt::format("reported {} bytes saved but changed the buffer at offset {} (of {})",
                            c.bytes_needed_written ? c.bytes_needed : 0, c.changed_past_reported, c.size));
        if (ps.drifted) return;
        if (pr.origin == PacketOrigin::Solo) {
            JudgeSolo(i, c, pr, ps);
            return;
        }
        // With several packets in flight, a packet's behaviour may come from
        // another packet's state: that is SP13's question, answered by comparing
        // with the packet saved alone, not by this packet's own rules.
        if (multi_ && pr.origin == PacketOrigin::Case) return;
        if (probe)
            JudgeProbe(i, c, pr, ps);
        else
            JudgeSized(i, c, pr, ps);
    }

    // A packet prepared and saved alone, mirroring a packet of a multi-packet case.
    void JudgeSolo(int i, const CallRecord &c, const PacketRecord &pr, PacketState &ps) {
        if (pr.source < 0) return;
        std::string which = fmt::format("packet {} (prepared from the same seed)", pr.source);
        if (c.size == 0 && !ps.probe_seen && pr.source_probe >= 0) {
            ps.probe_seen = true;
            Exercise(RuleId::SP13);
            const CallRecord &b = log_.calls[pr.source_probe];
            bool failed = !NtSuccess(c.status), was = !NtSuccess(b.status);
            uint32_t n = c.bytes_needed_written ? c.bytes_needed : 0,
                     was_n = b.bytes_needed_written ? b.bytes_needed : 0;
            if (failed != was || (failed && n != was_n))
                Add(RuleId::SP13, i, "probe depends on other packets",
                    fmt::format("with other packets in flight, {}'s probe {}; alone, it {}: its save depends on other "
                                "packets",
                                which, was ? fmt::format("failed with N = {}", was_n) : std::string("succeeded"),
                                failed ? fmt::format("fails with N = {}", n) : std::string("succeeds")));
            return;
        }
        if (c.size == 0 || !NtSuccess(c.status) || pr.source_save < 0 || ps.base_save >= 0) return;
        ps.base_save = i;
        Exercise(RuleId::SP13);
        const CallRecord &b = log_.calls[pr.source_save];
        auto before = log_.Bytes(b.data_offset, b.data_size), alone = log_.Bytes(c.data_offset, c.data_size);
        int64_t diff = FirstDifference(before, alone);
        if (diff >= 0)
            AddAt(
                RuleId::SP13, i, "saved bytes depend on other packets",
                fmt::format("{} saved with other packets in flight gave {} bytes; the same save alone gives {} bytes; "
                            "they differ from offset {}: its save depends on other packets",
                            which, before.size(), alone.size(), diff),
                RecordRef{static_cast<uint64_t>(diff), alone.size(), Callback::Save, ""});
    }

    void JudgeProbe(int i, const CallRecord &c, const PacketRecord &pr, PacketState &ps) {
        bool failed = !NtSuccess(c.status);
        uint32_t n = c.bytes_needed_written ? c.bytes_needed : 0;
        bool changed = ps.probe_seen && (failed != ps.probe_failed || (failed && n != ps.probe_n));
        if (changed && last_restore_ > ps.probe_index) {
            // A restore since the baseline may have changed module state this
            // packet shares: nothing can be blamed; start a new baseline.
            ps = PacketState{};
            changed = false;
        }
        if (ps.probe_seen) Exercise(ps.saved ? RuleId::SP12 : RuleId::SP8);
        if (changed) {
            std::string before = ps.probe_failed ? fmt::format("failed with N = {}", ps.probe_n) : "succeeded";
            std::string now = failed ? fmt::format("failed with N = {}", n) : "succeeded";
            if (ps.saved) {
                Add(RuleId::SP12, i, "probe changed after a save",
                    fmt::format("after a successful save the probe {}; before it, it {}: the save changed the "
                                "packet's state",
                                now, before));
                ps.drifted = true;
            } else {
                Add(RuleId::SP8, i, "probe changed",
                    fmt::format("for unchanged state the probe first {}, now {}", before, now));
            }
            return;
        }
        if (!ps.probe_seen) {
            ps.probe_seen = true;
            ps.probe_failed = failed;
            ps.probe_n = n;
            ps.probe_index = i;
        }
        const char *ptr = c.null_buffer ? "NULL" : "non-NULL";
        if (pr.has_state == Tri::Yes) {
            Exercise(RuleId::SP1);
            if (failed) Exercise(RuleId::SP2);
            if (failed && n > 0) Exercise(RuleId::SW1);
            if (!failed)
                Add(RuleId::SP1, i, "probe succeeded",
                    fmt::format("probe (SaveBufSize 0, SaveBuf {}) returned {} although the packet has state", ptr,
                                StatusName(c.status)));
            else if (n == 0)
                Add(RuleId::SP2, i, "no size",
                    fmt::format("probe failed with {} but {}", StatusName(c.status),
                                c.bytes_needed_written ? "set *BytesNeeded = 0" : "never wrote *BytesNeeded"));
            else if (!IsBufferStatus(c.status))
                Add(RuleId::SW1, i, "other failure status",
                    fmt::format("probe failed with {}; STATUS_BUFFER_TOO_SMALL is expected", StatusName(c.status)));
        } else if (pr.has_state == Tri::No) {
            Exercise(RuleId::SP7);
            if (failed)
                Add(RuleId::SP7, i, "probe failed",
                    fmt::format("probe of a packet without state failed with {} (*BytesNeeded = {})",
                                StatusName(c.status), n));
            else if (!c.bytes_needed_written || c.bytes_needed != 0)
                Add(RuleId::SP7, i, "size not 0",
                    c.bytes_needed_written
                        ? fmt::format("probe of a packet without state succeeded but set *BytesNeeded = {}", n)
                        : std::string("probe of a packet without state succeeded but never wrote *BytesNeeded"));
        } else if (failed) {
            Exercise(RuleId::SP2);
            if (n == 0)
                Add(RuleId::SP2, i, "no size",
                    fmt::format("probe failed with {} but reported *BytesNeeded = 0", StatusName(c.status)));
        }
    }

    void JudgeSized(int i, const CallRecord &c, const PacketRecord &pr, PacketState &ps) {
        bool ok = NtSuccess(c.status);
        uint32_t n = ps.probe_seen && ps.probe_failed ? ps.probe_n : c.n_hint;
        uint32_t reported = c.bytes_needed_written ? c.bytes_needed : 0;
        if (pr.has_state != Tri::Yes || n == 0) {
            if (ok) ps.saved = true;
            return;
        }
        if (c.size >= n) Exercise(RuleId::SP4);
        if (c.size < n && profile_ == Profile::Strict) Exercise(RuleId::SP10);
        if (!ok) {
            if (c.size >= n)
                Add(RuleId::SP4, i, "failed",
                    fmt::format("failed with {} although SaveBufSize {} >= N = {}", StatusName(c.status), c.size, n));
            else if (profile_ == Profile::Strict && reported != n)
                Add(RuleId::SP10, i, "wrong size",
                    fmt::format("undersized call (SaveBufSize {} < N = {}) failed but set *BytesNeeded = {}, not N",
                                c.size, n, reported));
            return;
        }
        if (c.size < n && profile_ == Profile::Strict) {
            Add(RuleId::SP10, i, "succeeded",
                fmt::format("succeeded with an undersized buffer (SaveBufSize {} < N = {})", c.size, n));
            ps.saved = true;
            return;
        }
        Exercise(RuleId::SP8);
        bool valid = c.bytes_needed_written && reported >= 1 && reported <= c.size && reported <= n;
        if (c.bytes_needed_written && reported <= c.size && !valid)
            Add(RuleId::SP8, i, "saved size out of range",
                fmt::format("successful save reported {} bytes saved; it must be from 1 to N = {}", reported, n));
        if (valid) CompareWithBase(i, c, pr, ps);
        ps.saved = true;
    }

    void CompareWithBase(int i, const CallRecord &c, const PacketRecord &pr, PacketState &ps) {
        if (ps.base_save < 0) {
            ps.base_save = i;
            if (pr.origin == PacketOrigin::Restored) CompareRoundTrip(i, c, pr);
            return;
        }
        if (last_restore_ > ps.base_save) {  // see JudgeProbe: a new baseline
            ps.base_save = i;
            return;
        }
        const CallRecord &b = log_.calls[ps.base_save];
        auto now = log_.Bytes(c.data_offset, c.data_size);
        auto base = log_.Bytes(b.data_offset, b.data_size);
        int64_t diff = FirstDifference(base, now);
        bool same_call = c.size == b.size && c.placement == b.placement && c.fill == b.fill;
        Exercise(same_call ? RuleId::SP12 : RuleId::SP9);
        if (diff < 0) return;
        if (same_call) {
            AddAt(RuleId::SP12, i, "saved bytes changed",
                  fmt::format("the same save (SaveBufSize {}) made again gives different bytes from offset {}: "
                              "the earlier save changed the packet's state",
                              c.size, diff),
                  RecordRef{static_cast<uint64_t>(diff), now.size(), Callback::Save, ""});
            ps.drifted = true;
            return;
        }
        bool left_over = static_cast<size_t>(diff) < now.size() && now[diff] == FillByte(c.fill, diff);
        AddAt(RuleId::SP9, i, "saved bytes differ",
              fmt::format("saved bytes differ from the first save from offset {} (SaveBufSize {} vs {}, {} vs {} "
                          "bytes){}",
                          diff, c.size, b.size, now.size(), base.size(),
                          left_over ? "; the byte there is the buffer's prior content: it was never written" : ""),
              RecordRef{static_cast<uint64_t>(diff), now.size(), Callback::Save, ""});
    }

    void CompareRoundTrip(int i, const CallRecord &c, const PacketRecord &pr) {
        if (pr.restore_call < 0 || pr.mutation != Mutation::None || pr.arbitrary) return;
        const CallRecord &r = log_.calls[pr.restore_call];
        auto record = log_.Bytes(r.input_offset, r.input_size);
        auto again = log_.Bytes(c.data_offset, c.data_size);
        int64_t diff = FirstDifference(record, again);
        Exercise(RuleId::RP1);
        if (diff >= 0)
            AddAt(RuleId::RP1, i, "restored packet saves different bytes",
                  fmt::format("restoring a {}-byte record and saving the restored packet gave {} bytes that differ "
                              "from offset {} (saved {}, restored-then-saved {})",
                              record.size(), again.size(), diff, Hex(record.subspan(diff)),
                              Hex(again.subspan(std::min<size_t>(diff, again.size())))),
                  RecordRef{static_cast<uint64_t>(diff), record.size(), Callback::Save, ""});
    }

    void JudgeRestore(int i, const CallRecord &c) {
        const RestoreWatch &w = c.watch;
        bool ok = NtSuccess(c.status);
        bool faithful = c.mutation == Mutation::None && !c.arbitrary;
        int left = std::max(0, w.allocations - w.frees_of_allocated);
        Exercise(RuleId::RP3);
        Exercise(RuleId::RP4);
        if (!faithful) Exercise(RuleId::RP2);
        StraysOf(i, c, c.input_size);
        JudgeRestorePool(i, c);
        if (ok) {
            if (w.allocations != 1)
                Add(RuleId::RP3, i, "allocation count",
                    fmt::format("successful restore allocated {} packets; it must allocate exactly one",
                                w.allocations));
            if (w.restore_calls != 1 || !w.bound)
                Add(RuleId::RP3, i, "VmbPacketRestore count",
                    fmt::format("successful restore called VmbPacketRestore {} time(s) and kept {} bound packet; it "
                                "must call it once on the packet it allocated",
                                w.restore_calls, w.bound ? "a" : "no"));
            else if (!w.lib_buf_exact)
                Add(RuleId::RP3, i, "LibBuf",
                    "VmbPacketRestore was not given exactly the LibBuf pointer and LibBufSize that restore received");
            if (w.restored_foreign)
                Add(RuleId::RP3, i, "foreign", "VmbPacketRestore was called on a packet this restore did not allocate");
            if (left > 1)
                Add(RuleId::RP3, i, "leak", fmt::format("successful restore left {} allocated packets behind", left));
        } else if (left > 0) {
            Add(RuleId::RP3, i, "leak on failure",
                fmt::format("restore failed with {} but left {} allocated packet(s) behind (VmbPacketFree them)",
                            StatusName(c.status), left));
        }
        if (w.foreign_frees > 0)
            Add(RuleId::RP3, i, "foreign free", "restore called VmbPacketFree on a packet it does not own");
        if (faithful && log_.packets[c.packet].has_state == Tri::Yes) Exercise(RuleId::RP1);
        if (!ok && faithful)
            Add(RuleId::RP1, i, "restore of its own record failed",
                fmt::format("restore of an unmodified {}-byte record it saved failed with {}", c.input_size,
                            StatusName(c.status)));
    }

    const CaseLog &log_;
    Profile profile_;
    std::vector<Finding> &out_;
    Evidence &evidence_;
    std::vector<PacketState> &state_;
    size_t first_;
    bool multi_ = false;
    int last_restore_ = -1;
};

}  // namespace

void JudgeCase(const CaseLog &log, Profile profile, std::vector<Finding> &out, Evidence &evidence) {
    if (log.skipped) return;
    thread_local std::vector<PacketState> state;  // reused: judging a case allocates nothing
    Judge(log, profile, out, evidence, state).Run();
}

void JudgeMigration(const CaseLog &log, CompatDirection direction, std::vector<Finding> &out, Evidence &evidence) {
    if (log.skipped) return;
    auto valid_save = [&](const CallRecord &c, int packet) {
        return c.callback == Callback::Save && c.packet == packet && c.size > 0 && NtSuccess(c.status) &&
               c.bytes_needed_written && c.data_size > 0;
    };
    int own = -1, restore = -1;
    for (size_t i = 0; i < log.calls.size(); ++i) {
        const CallRecord &c = log.calls[i];
        if (own < 0 && log.packets[c.packet].origin == PacketOrigin::Case && valid_save(c, c.packet))
            own = static_cast<int>(i);
        if (restore < 0 && c.callback == Callback::Restore && c.arbitrary) restore = static_cast<int>(i);
    }
    // This build has no state (or no record) for the seed, or no restore callback: nothing to compare.
    if (own < 0 || restore < 0 || log.packets[log.calls[own].packet].has_state != Tri::Yes) return;
    const CallRecord &r = log.calls[restore];
    auto add = [&](RuleId rule, int call, std::string kind, std::string message) {
        Finding f;
        f.rule = rule;
        f.kind = std::move(kind);
        f.message = std::move(message);
        f.call = CallInfoOf(log, call);
        f.op_index = log.calls[call].op_index;
        out.push_back(std::move(f));
    };
    const bool forward = direction == CompatDirection::Forward;
    const RuleId restores = forward ? RuleId::CP1 : RuleId::CP3, keeps = forward ? RuleId::CP2 : RuleId::CP3;
    const char *other = forward ? "an older build" : "a newer build";
    ++evidence[static_cast<size_t>(restores)];
    if (!NtSuccess(r.status)) {
        if (forward)
            add(RuleId::CP1, restore, "rejected the older build's record",
                fmt::format("restore of a {}-byte record {} saved for this seed failed with {}: a packet saved on an "
                            "older host cannot be migrated to this build",
                            r.input_size, other, StatusName(r.status)));
        return;  // a rollback may fail: cleanly is all CP3 asks (RP3 checks the leaks)
    }
    if (!forward) ++evidence[static_cast<size_t>(keeps)];
    int again = -1;
    for (size_t i = restore + 1; i < log.calls.size(); ++i)
        if (r.restored_packet >= 0 && valid_save(log.calls[i], r.restored_packet)) {
            again = static_cast<int>(i);
            break;
        }
    if (forward) ++evidence[static_cast<size_t>(keeps)];
    const CallRecord &o = log.calls[own];
    auto mine = log.Bytes(o.data_offset, o.data_size);
    if (again < 0) {
        add(keeps, restore, forward ? "migrated packet saves nothing" : "accepted a newer record, saves nothing",
            fmt::format("restore of a {}-byte record {} saved succeeded, but the restored packet saves no record; "
                        "this build's own state for the same seed saves {} bytes",
                        r.input_size, other, mine.size()));
        return;
    }
    const CallRecord &a = log.calls[again];
    auto migrated = log.Bytes(a.data_offset, a.data_size);
    int64_t diff = FirstDifference(mine, migrated);
    if (diff < 0) return;
    size_t before = out.size();
    add(keeps, again, forward ? "migrated packet differs" : "misread a newer record",
        fmt::format("{}: after restoring the {}-byte record {} saved for this seed, this build saves {} bytes that "
                    "differ from offset {} from its own save of the same seed's state ({} bytes): own {}, migrated {}",
                    forward ? "the migration lost or changed state"
                            : "the older build accepted a newer record and "
                              "misread it",
                    r.input_size, other, migrated.size(), diff, mine.size(),
                    Hex(mine.subspan(std::min<size_t>(diff, mine.size()))),
                    Hex(migrated.subspan(std::min<size_t>(diff, migrated.size())))));
    if (out.size() > before)
        out.back().record = RecordRef{static_cast<uint64_t>(diff), mine.size(), Callback::Save, ""};
}

CallInfo CallInfoOf(const CaseLog &log, int index) {
    const CallRecord &c = log.calls[index];
    CallInfo i;
    i.index = index;
    i.callback = c.callback;
    i.packet = c.packet;
    i.size = c.callback == Callback::Restore ? c.input_size : c.size;
    i.null_buffer = c.null_buffer;
    i.placement = c.placement;
    i.fill = c.fill;
    i.status = c.status;
    if (c.callback == Callback::Save && c.bytes_needed_written) i.bytes_needed = c.bytes_needed;
    i.lib_buf_size = c.lib_buf_size;
    i.text = DescribeCall(log, c);
    return i;
}

std::string DescribeCall(const CaseLog &log, const CallRecord &c) {
    (void)log;  // the call's bytes are replay --dump's
    const char *place = c.placement == Placement::Right ? "right-aligned" : "left-aligned";
    switch (c.callback) {
    case Callback::Prepare:
        return fmt::format("prepare packet {} from a {}-byte seed -> {}, HasState = {}", c.packet, c.size,
                           StatusName(c.status), c.bytes_needed ? "TRUE" : "FALSE");
    case Callback::Save: {
        std::string buf = c.null_buffer ? "NULL" : fmt::format("{}, fill {:#04x}", place, c.fill);
        std::string bn = c.bytes_needed_written ? fmt::format("{}", c.bytes_needed) : "(not written)";
        return fmt::format("save   packet {}: SaveBuf {}, SaveBufSize {} -> {}, *BytesNeeded = {}", c.packet, buf,
                           c.size, StatusName(c.status), bn);
    }
    case Callback::Restore: {
        std::string result = c.restored_packet >= 0 ? fmt::format(", restored packet {}", c.restored_packet) : "";
        // The bytes themselves: replay --dump (every one; a preview here would cut the ones that matter).
        std::string from = c.arbitrary ? "the case's bytes" : fmt::format("packet {}'s record", c.packet);
        return fmt::format("restore from {}: SaveBuf {} ({} bytes), LibBufSize {} -> {}{}", from, place, c.input_size,
                           c.lib_buf_size, StatusName(c.status), result);
    }
    case Callback::Release: return fmt::format("release packet {}", c.packet);
    default: return std::string(CallbackName(c.callback));
    }
}

}  // namespace vspc
