#include "Runner.h"

#include <fmt/format.h>

#include "WdkSupport.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace vspc {

void CaseLog::Clear() {
    packets.clear();
    calls.clear();
    bytes.clear();
    pool_uses.clear();
    skipped = false;
    skip_reason.clear();
    restore_ops_skipped = 0;
    state_saves = 0;
    cut = false;
    capped = false;
}

namespace {

uint32_t ClampSize(uint64_t n) { return static_cast<uint32_t>(std::min<uint64_t>(n, kMaxSaveBufSize)); }

}  // namespace

void Runner::BeginCall(Callback cb, const CallRecord &rec, int index, const GuardedRegion *regions, int count) {
    if (SharedStatus *s = status_) {
        s->call = CurrentCall{cb,
                              static_cast<uint8_t>(rec.packet),
                              rec.null_buffer,
                              static_cast<uint8_t>(rec.placement),
                              rec.fill,
                              rec.size,
                              rec.op_index,
                              index,
                              rec.arbitrary};
        s->faulted.store(0, std::memory_order_relaxed);
        s->calls_started.store(s->calls_started.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        s->in_call.store(1, std::memory_order_relaxed);
    }
    assertions_before_ = FailedAssertionCount();
    pool_before_ = CurrentPoolMark();
    if (!code_known_ && module_.handle) {
        code_ = ModuleCodeOf(module_.handle);
        faults_.SetModuleCode(code_);
        code_known_ = true;
    }
    faults_.BeginCall(regions, count, rec.null_buffer, status_);
}

// The pool's return addresses in the module's code as file addresses of the module (what the
// symbolizer takes); 0 when elsewhere. The issues' addresses are converted once (they already are
// when they come from pool_use_).
void Runner::InModuleFile(PoolUse &use) const {
    auto file_address = [&](uintptr_t pc) -> uintptr_t {
        return code_.end && pc >= code_.begin && pc < code_.end ? pc - code_.base : 0;
    };
    use.live_pc = file_address(use.live_pc);
    for (auto *issue : {&use.first_bad_free, &use.first_wrong_tag})
        if (*issue) (*issue)->pc = file_address((*issue)->pc);
}

FaultRecord Runner::EndCall(CallRecord *rec, CaseLog *log) {
    FaultRecord r = faults_.EndCall();
    if (rec) {
        const PoolMark after = CurrentPoolMark();
        rec->pool_used = PoolUsed();
        rec->pool_allocations_begin = pool_before_.allocations;
        rec->pool_allocations_end = after.allocations;
        if (after != pool_before_) {
            pool_use_ = PoolUseBetween(pool_before_, after);
            InModuleFile(pool_use_);
            if (log && (pool_use_.live_blocks || pool_use_.bad_frees || pool_use_.wrong_tags)) {
                rec->pool_use = static_cast<int>(log->pool_uses.size());
                log->pool_uses.push_back(pool_use_);
            }
        } else {
            pool_use_ = PoolUse{};
        }
    }
    if (FailedAssertionCount() != assertions_before_) {
        // The module asserted (WdkCompat.h's NT_ASSERT): a finding of this call, then a clean slate.
        if (auto a = FirstFailedAssertion(); a && rec)
            rec->assertion = fmt::format("{}|{}|{}", a->expression, a->file, a->line);
        ResetFailedAssertions();
    }
    ++calls_returned_;
    if (SharedStatus *s = status_) {
        s->in_call.store(0, std::memory_order_relaxed);
        s->counters.calls.Add(1);
    }
    return r;
}

int Runner::NewPacketRecord(PacketOrigin origin, Tri has_state, CaseLog &log) {
    PacketRecord rec;
    rec.origin = origin;
    rec.has_state = has_state;
    log.packets.push_back(rec);
    return static_cast<int>(log.packets.size() - 1);
}

bool Runner::Prepare(Slot &slot, const std::vector<uint8_t> &seed, CaseLog &log) {
    PacketRecord &pr = log.packets[slot.record];
    if (!module_.prepare) {
        pr.has_state = Tri::No;
        return true;
    }
    CallRecord rec;
    rec.callback = Callback::Prepare;
    rec.packet = static_cast<uint16_t>(slot.record);
    rec.op_index = op_index_;
    rec.size = static_cast<uint32_t>(seed.size());
    uint8_t has_state = 0;
    const int index = static_cast<int>(log.calls.size());
    if (before_) before_(rec, index, seed, {});
    BeginCall(Callback::Prepare, rec, index);
    rec.status =
        module_.prepare(module_.channel, slot.packet, seed.data(), static_cast<uint32_t>(seed.size()), &has_state);
    rec.fault = EndCall(&rec, &log);
    rec.bytes_needed = has_state;
    log.calls.push_back(rec);
    Emit(log);
    if (!NtSuccess(rec.status)) return false;
    log.packets[slot.record].has_state = has_state ? Tri::Yes : Tri::No;
    return true;
}

int Runner::Save(Slot &slot, uint32_t size, bool null_buffer, Placement placement, uint8_t fill, Origin origin,
                 CaseLog &log) {
    CallRecord rec;
    rec.callback = Callback::Save;
    rec.origin = origin;
    rec.packet = static_cast<uint16_t>(slot.record);
    rec.op_index = op_index_;
    rec.size = size;
    rec.null_buffer = null_buffer && size == 0;
    rec.placement = placement;
    rec.fill = fill;
    rec.n_hint = slot.n;

    auto *bn = reinterpret_cast<uint32_t *>(bytes_needed_arena_.Place(4, placement, 0));
    *bn = kBytesNeededPoison;
    uint8_t *buf = rec.null_buffer ? nullptr : save_arena_.Place(size, placement, fill);
    GuardedRegion regions[2];
    int count = 0;
    if (buf) regions[count++] = save_arena_.Region(buf, size, FaultRegion::SaveBuf);
    regions[count++] = bytes_needed_arena_.Region(bn, 4, FaultRegion::BytesNeeded);

    if (before_) before_(rec, static_cast<int>(log.calls.size()), {}, {});
    BeginCall(Callback::Save, rec, static_cast<int>(log.calls.size()), regions, count);
    rec.status = module_.save(module_.channel, slot.packet, buf, size, bn);
    rec.fault = EndCall(&rec, &log);

    rec.bytes_needed = *bn;
    rec.bytes_needed_written = rec.bytes_needed != kBytesNeededPoison;
    if (buf) {
        if (NtSuccess(rec.status)) {
            uint32_t reported = rec.bytes_needed_written ? rec.bytes_needed : 0;
            uint32_t kept = std::min(reported, size);
            rec.data_offset = static_cast<uint32_t>(log.bytes.size());
            rec.data_size = kept;
            log.bytes.insert(log.bytes.end(), buf, buf + kept);
            rec.changed_past_reported = save_arena_.FirstChanged(buf, kept, size, fill);
        }
        rec.stray_save = save_arena_.CheckAndReset(buf, size, placement);
    }
    rec.stray_bytes_needed = bytes_needed_arena_.CheckAndReset(reinterpret_cast<uint8_t *>(bn), 4, placement);
    log.calls.push_back(rec);
    int index = static_cast<int>(log.calls.size() - 1);
    if (size == 0 && !slot.known_n) {
        slot.known_n = true;
        slot.n = NtSuccess(rec.status) || !rec.bytes_needed_written ? 0 : ClampSize(rec.bytes_needed);
        if (slot.n > 0 && status_) status_->counters.bytes_needed[std::bit_width(slot.n)].Add(1);
    }
    if (size == 0 && slot.first_probe < 0 && !slot.saved) slot.first_probe = index;
    if (size > 0 && NtSuccess(rec.status)) {
        slot.saved = true;
        if (log.packets[slot.record].has_state == Tri::Yes) ++log.state_saves;
    }
    bool valid_record = NtSuccess(rec.status) && rec.bytes_needed_written && rec.bytes_needed > 0 &&
                        rec.bytes_needed <= size && (slot.n == 0 || rec.bytes_needed <= slot.n);
    if (valid_record) {
        slot.last_save = index;
        if (slot.first_save < 0) slot.first_save = index;
    }
    Emit(log);
    return index;
}

void Runner::SaveAndVerify(Slot &slot, uint32_t size, bool null_buffer, Placement placement, uint8_t fill,
                           Origin origin, CaseLog &log) {
    int call = Save(slot, size, null_buffer, placement, fill, origin, log);
    // Probe right after a successful save: a save that changed the state shows
    // at once, before later calls could be blamed for it (SP12).
    if (size > 0 && NtSuccess(log.calls[call].status)) Save(slot, 0, true, Placement::Right, 0, Origin::Verify, log);
}

void Runner::LearnN(Slot &slot, Origin origin, CaseLog &log) {
    if (!slot.known_n) Save(slot, 0, true, Placement::Right, 0, origin, log);
}

void Runner::KmclSave(Slot &slot, const Op &op, Origin origin, CaseLog &log) {
    // KMCL's own sequence: a zero-size probe with SaveBuf = NULL, then, if it
    // failed, one call with a buffer of at least *BytesNeeded bytes.
    int probe = Save(slot, 0, true, Placement::Right, 0, origin == Origin::Op ? Origin::KmclProbe : origin, log);
    const CallRecord &p = log.calls[probe];
    if (NtSuccess(p.status)) return;
    uint32_t n = p.bytes_needed_written ? ClampSize(p.bytes_needed) : 0;
    uint32_t size =
        op.size_kind == SizeKind::Absolute ? ClampSize(op.size_value) : ResolveSize(op.size_kind, op.size_value, n);
    Save(slot, std::max(size, n), false, op.placement, op.fill, origin, log);
}

void Runner::Release(Slot &slot, PoolUse *pool) {
    if (!slot.packet) return;
    if (module_.release) {
        CallRecord rec;
        rec.callback = Callback::Release;
        rec.packet = static_cast<uint16_t>(slot.record);
        if (before_) before_(rec, -1, {}, {});
        BeginCall(Callback::Release, rec, -1);
        module_.release(module_.channel, slot.packet);
        EndCall(pool ? &rec : nullptr);
        if (pool) *pool = pool_use_;
    }
    kmcl_.FreePacket(slot.packet);
    slot.packet = nullptr;
}

void Runner::SaveRestored(Slot &restored, const CallRecord *pattern, Profile profile, CaseLog &log) {
    (void)profile;  // a restored packet is saved the way KMCL saves any packet
    int probe = Save(restored, 0, true, Placement::Right, 0, Origin::RoundTrip, log);
    const CallRecord &p = log.calls[probe];
    if (NtSuccess(p.status)) return;
    uint32_t n = p.bytes_needed_written ? ClampSize(p.bytes_needed) : 0;
    if (pattern)
        Save(restored, std::max(pattern->size, n), false, pattern->placement, pattern->fill, Origin::RoundTrip, log);
    else
        Save(restored, n, false, Placement::Right, 0x5A, Origin::RoundTrip, log);
}

void Runner::Restore(const uint8_t *input, uint32_t size, Placement placement, int source, int pattern_call,
                     Mutation mutation, bool arbitrary, Profile profile, CaseLog &log) {
    CallRecord rec;
    rec.callback = Callback::Restore;
    rec.packet = static_cast<uint16_t>(source >= 0 ? source : 0);
    rec.op_index = op_index_;
    rec.size = size;
    rec.placement = placement;
    rec.input_offset = static_cast<uint32_t>(log.bytes.size());
    rec.input_size = size;
    log.bytes.insert(log.bytes.end(), input, input + size);
    rec.lib_buf_size = kLibBufSize;
    rec.mutation = mutation;
    rec.arbitrary = arbitrary;
    rec.record_call = arbitrary ? -1 : pattern_call;

    std::array<uint8_t, kLibBufSize> lib{};
    std::memcpy(lib.data(), "VSPCLIB1", 8);
    uint32_t seq = ++restore_seq_;
    std::memcpy(lib.data() + 8, &seq, 4);
    for (uint32_t i = 12; i < kLibBufSize; ++i) lib[i] = FillByte(static_cast<uint8_t>(seq), i);
    const uint8_t *lib_ro = restore_lib_.Place(lib.data(), kLibBufSize, placement);
    const uint8_t *in_ro = restore_input_.Place(input, size, placement);
    GuardedRegion regions[2] = {restore_input_.Region(in_ro, size, FaultRegion::RestoreSaveBuf),
                                restore_lib_.Region(lib_ro, kLibBufSize, FaultRegion::RestoreLibBuf)};

    RestoreWatch &watch = kmcl_.Watch();
    watch = RestoreWatch{};
    watch.active = true;
    watch.lib_buf = lib_ro;
    watch.lib_buf_size = kLibBufSize;
    if (before_) before_(rec, static_cast<int>(log.calls.size()), {in_ro, size}, {lib_ro, kLibBufSize});
    BeginCall(Callback::Restore, rec, static_cast<int>(log.calls.size()), regions, 2);
    rec.status = module_.restore(module_.channel, const_cast<uint8_t *>(lib_ro), kLibBufSize,
                                 const_cast<uint8_t *>(in_ro), size);
    rec.fault = EndCall(&rec, &log);
    watch.active = false;
    rec.watch = watch;

    // The tester owns every packet object: take back the ones left behind.
    Slot restored;
    bool bound_alive = watch.bound && watch.bound->in_use;
    for (int i = 0; i < std::min(watch.allocations, kMaxWatchedAllocations); ++i) {
        FakePacket *p = watch.allocated[i];
        if (!p->in_use) continue;
        if (NtSuccess(rec.status) && p == watch.bound && bound_alive) continue;
        kmcl_.FreePacket(p);
    }
    if (NtSuccess(rec.status) && bound_alive) {
        bool faithful = mutation == Mutation::None && !arbitrary;
        Tri has_state = faithful && source >= 0 ? log.packets[source].has_state : Tri::Unknown;
        restored.packet = watch.bound;
        restored.record = NewPacketRecord(PacketOrigin::Restored, has_state, log);
        PacketRecord &pr = log.packets[restored.record];
        pr.source = source;
        pr.mutation = mutation;
        pr.arbitrary = arbitrary;
        pr.restore_call = static_cast<int>(log.calls.size());
        rec.restored_packet = restored.record;
    }
    log.calls.push_back(rec);
    const size_t restore_call = log.calls.size() - 1;
    Emit(log);
    if (restored.packet) {
        CallRecord pattern;
        bool faithful = mutation == Mutation::None && !arbitrary && pattern_call >= 0;
        if (faithful) pattern = log.calls[pattern_call];
        SaveRestored(restored, faithful ? &pattern : nullptr, profile, log);
        // The restored packet's blocks (what the restore allocated) go with it (RP5).
        PoolUse release;
        Release(restored, &release);
        CallRecord &r = log.calls[restore_call];
        r.released = module_.release != nullptr;
        if (r.released) {
            PoolUse after =
                PoolUseBetween(PoolMark{r.pool_allocations_begin, 0, 0}, PoolMark{r.pool_allocations_end, 0, 0});
            InModuleFile(after);
            after.bad_frees = release.bad_frees;
            after.wrong_tags = release.wrong_tags;
            after.first_bad_free = release.first_bad_free;
            after.first_wrong_tag = release.first_wrong_tag;
            if (after.live_blocks || after.bad_frees || after.wrong_tags) {
                r.after_release = static_cast<int>(log.pool_uses.size());
                log.pool_uses.push_back(after);
            }
        }
    }
}

void Runner::RestoreOp(const Op &op, Profile profile, CaseLog &log) {
    if (!module_.restore) {
        ++log.restore_ops_skipped;
        return;
    }
    if (op.kind == OpKind::RestoreBytes) {
        Restore(op.bytes.data(), static_cast<uint32_t>(op.bytes.size()), op.placement, -1, -1, Mutation::None, true,
                profile, log);
        return;
    }
    Slot &src = slots_[op.packet];
    if (src.last_save < 0) {  // nothing saved yet: save it first, as KMCL would
        Op implicit;
        implicit.placement = Placement::Right;
        implicit.fill = 0x5A;
        if (profile == Profile::Kmcl) {
            KmclSave(src, implicit, Origin::Implicit, log);
        } else {
            LearnN(src, Origin::Implicit, log);
            if (src.n > 0) SaveAndVerify(src, src.n, false, Placement::Right, 0x5A, Origin::Implicit, log);
        }
    }
    if (src.last_save < 0) return;  // stateless packet: no record to restore
    const CallRecord &rec = log.calls[src.last_save];
    auto record = log.Bytes(rec.data_offset, rec.data_size);
    scratch_.assign(record.begin(), record.end());
    uint32_t len = static_cast<uint32_t>(scratch_.size());
    switch (op.mutation) {
    case Mutation::None: break;
    case Mutation::Truncate:
        if (op.param >= len) return;  // the record is not that long: nothing new to try
        scratch_.resize(op.param);
        break;
    case Mutation::FlipBit:
        if (op.param / 8 >= len) return;
        scratch_[op.param / 8] ^= static_cast<uint8_t>(1u << (op.param % 8));
        break;
    case Mutation::Extend: {
        uint32_t extra = 1 + op.param % 64;
        for (uint32_t i = 0; i < extra; ++i) scratch_.push_back(FillByte(static_cast<uint8_t>(op.param), i));
        break;
    }
    case Mutation::Splice: {
        const Slot &other = slots_[op.other];
        if (other.last_save >= 0 && op.other != op.packet) {
            const CallRecord &o = log.calls[other.last_save];
            auto tail = log.Bytes(o.data_offset, o.data_size);
            uint32_t cut = op.param % (len + 1);
            scratch_.resize(cut);
            if (cut < tail.size()) scratch_.insert(scratch_.end(), tail.begin() + cut, tail.end());
        }
        break;
    }
    }
    int pattern = src.last_save;
    Restore(scratch_.data(), static_cast<uint32_t>(scratch_.size()), op.placement, src.record, pattern, op.mutation,
            false, profile, log);
}

// Every packet object of the fake KMCL is in use between cases: something allocates packets it
// never frees. The tester cannot go on (it would hand the callbacks a NULL VMBPACKET), and it is
// not the callbacks' doing: a harness error.
void Runner::PacketPoolExhausted() {
    std::string why = fmt::format(
        "the fake KMCL's packet objects run out ({} of {} in use between cases, {} of them allocated by the module): "
        "the module allocates packets (VmbPacketAllocate) that are never freed, most likely in "
        "VspConformancePreparePacket or VspConformanceReleasePacket (a restore's packet is the tester's to free; the "
        "hooks must free what they allocate themselves)",
        kmcl_.PacketsInUse(), kPacketPoolSize, kmcl_.ModulePacketsInUse());
    if (on_harness_error_) on_harness_error_(why);
}

void Runner::Solo(const Case &c, int index, CaseLog &log) {
    const Slot &orig = slots_[index];
    if (orig.first_probe < 0) return;
    CallRecord base = orig.first_save >= 0 ? log.calls[orig.first_save] : log.calls[orig.first_probe];
    Slot solo;
    solo.packet = kmcl_.NewPacket(module_.channel);
    if (!solo.packet) return PacketPoolExhausted();
    solo.record = NewPacketRecord(PacketOrigin::Solo, Tri::Unknown, log);
    log.packets[solo.record].source = orig.record;
    log.packets[solo.record].source_probe = orig.first_probe;
    log.packets[solo.record].source_save = orig.first_save;
    if (Prepare(solo, c.seeds[index], log)) {
        int probe = Save(solo, 0, true, Placement::Right, 0, Origin::Solo, log);
        const CallRecord &p = log.calls[probe];
        if (!NtSuccess(p.status)) {
            uint32_t n = p.bytes_needed_written ? ClampSize(p.bytes_needed) : 0;
            Save(solo, std::max(base.size, n), false, base.placement, base.fill, Origin::Solo, log);
        }
    }
    Release(solo);
}

void Runner::Run(const Case &c, Profile profile, CaseLog &log) {
    log.Clear();
    op_index_ = 0;
    // Packets the module allocated and still holds between cases: a few may be its own (made at
    // load), but a count that keeps growing is a leak that would run the pool dry in the middle of a
    // case and make a callback fail for want of a packet. Say so while there is still room.
    const int held = kmcl_.ModulePacketsInUse();
    if (module_packets_at_start_ < 0) module_packets_at_start_ = held;
    if (held - module_packets_at_start_ >= kLeakedPacketLimit) {
        log.skipped = true;
        log.skip_reason = "the module's packet objects leak";
        return PacketPoolExhausted();
    }
    size_t packets = std::min(c.seeds.size(), kMaxPackets);
    for (size_t i = 0; i < packets; ++i) slots_[i] = Slot{};
    for (size_t i = 0; i < packets; ++i) {
        Slot &s = slots_[i];
        s.packet = kmcl_.NewPacket(module_.channel);
        if (!s.packet) {
            for (size_t j = 0; j < i; ++j) Release(slots_[j]);
            log.skipped = true;
            log.skip_reason = "no packet object was free";
            return PacketPoolExhausted();
        }
        s.record = NewPacketRecord(PacketOrigin::Case, Tri::Unknown, log);
        if (!Prepare(s, c.seeds[i], log)) {
            log.skipped = true;
            log.skip_reason = "VspConformancePreparePacket rejected the seed";
            for (size_t j = 0; j <= i; ++j) Release(slots_[j]);
            return;
        }
    }
    for (const Op &op : c.ops) {
        if (status_ && StopRequested()) {
            log.cut = true;
            break;
        }
        if (log.bytes.size() >= case_log_bytes_) {
            log.capped = true;
            break;
        }
        switch (op.kind) {
        case OpKind::Save: {
            Slot &s = slots_[op.packet % packets];
            if (profile == Profile::Kmcl) {
                KmclSave(s, op, Origin::Op, log);
                break;
            }
            // Learn N from the untouched state first, whatever the size is relative to.
            if (!(op.size_kind == SizeKind::Absolute && op.size_value == 0)) LearnN(s, Origin::Implicit, log);
            uint32_t size = op.size_kind == SizeKind::Absolute ? ClampSize(op.size_value)
                                                               : ResolveSize(op.size_kind, op.size_value, s.n);
            SaveAndVerify(s, size, op.null_buffer, op.placement, op.fill, Origin::Op, log);
            break;
        }
        case OpKind::Restore:
        case OpKind::RestoreBytes: RestoreOp(op, profile, log); break;
        }
        ++op_index_;
    }
    for (size_t i = 0; i < packets; ++i) Release(slots_[i]);
    if (packets > 1 && !log.cut)
        for (size_t i = 0; i < packets; ++i) Solo(c, static_cast<int>(i), log);
}

}  // namespace vspc
