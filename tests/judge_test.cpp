// The judge on hand-built call logs, the runner against a fake module in this
// process (guard-zone faults recovered: the call goes on and the stray access
// is in its record), and what the run's outcomes make of the evidence.
#include <csignal>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "Fault.h"
#include "Judge.h"
#include "Player.h"
#include "Summary.h"
#include "VmbusKernelModeClientLibApi.h"

namespace vspc {
namespace {

// ---- hand-built logs ---------------------------------------------------------------------

struct LogBuilder {
    CaseLog log;
    int Packet(Tri state, PacketOrigin origin = PacketOrigin::Case) {
        PacketRecord p;
        p.origin = origin;
        p.has_state = state;
        log.packets.push_back(p);
        return static_cast<int>(log.packets.size() - 1);
    }
    CallRecord &Save(int packet, uint32_t size, NtStatus status, uint32_t bytes_needed) {
        CallRecord c;
        c.callback = Callback::Save;
        c.packet = static_cast<uint16_t>(packet);
        c.size = size;
        c.null_buffer = size == 0;
        c.status = status;
        c.bytes_needed = bytes_needed;
        c.bytes_needed_written = true;
        log.calls.push_back(c);
        return log.calls.back();
    }
    CallRecord &Restore(int packet, uint32_t size, NtStatus status, bool faithful) {
        CallRecord c;
        c.callback = Callback::Restore;
        c.packet = static_cast<uint16_t>(packet);
        c.input_size = size;
        c.input_offset = static_cast<uint32_t>(log.bytes.size());
        log.bytes.resize(log.bytes.size() + size, 0x5A);  // the record the restore was given
        c.status = status;
        c.mutation = faithful ? Mutation::None : Mutation::Truncate;
        c.watch.allocations = NtSuccess(status) ? 1 : 0;
        c.watch.restore_calls = NtSuccess(status) ? 1 : 0;
        log.calls.push_back(c);
        return log.calls.back();
    }
    std::vector<Finding> Judge(Evidence *evidence = nullptr, Profile profile = Profile::Strict) {
        std::vector<Finding> out;
        Evidence local{};
        JudgeCase(log, profile, out, evidence ? *evidence : local);
        return out;
    }
};

std::vector<std::string> Keys(const std::vector<Finding> &fs) {
    std::vector<std::string> keys;
    for (const auto &f : fs) keys.push_back(f.Key());
    return keys;
}

using Keys_ = std::vector<std::string>;

TEST(Judge, AStrayWriteDuringAProbeIsSp3WithItsOffset) {
    LogBuilder b;
    int p = b.Packet(Tri::Yes);
    CallRecord &probe = b.Save(p, 0, kStatusBufferTooSmall, 8);
    probe.null_buffer = false;
    probe.stray_save = StrayWrite{true, -2, -2, 1};
    auto found = b.Judge();
    ASSERT_EQ(Keys(found), (Keys_{"SP3|SaveBuf underrun write 1 byte"}));
    ASSERT_TRUE(found[0].location.has_value());
    EXPECT_EQ(found[0].location->offset, -2);
    EXPECT_FALSE(found[0].location->guard_page);
    ASSERT_TRUE(found[0].call.has_value());
    EXPECT_EQ(found[0].call->index, 0);
}

TEST(Judge, AGuardZoneFaultAndACanaryStrayAreTheSameFinding) {
    for (bool guard : {true, false}) {
        LogBuilder b;
        int p = b.Packet(Tri::Yes);
        b.Save(p, 0, kStatusBufferTooSmall, 8);
        CallRecord &save = b.Save(p, 8, kStatusSuccess, 8);
        if (guard) {
            save.fault.found = true;
            save.fault.region = FaultRegion::SaveBuf;
            save.fault.offset = 8;
            save.fault.buffer_size = 8;
            save.fault.access = Access::Write;
            save.fault.count = 1;
        } else {
            save.stray_save = StrayWrite{true, 8, 8, 1};
        }
        auto found = b.Judge();
        EXPECT_EQ(Keys(found), (Keys_{"SP5|SaveBuf overrun write 1 byte"})) << "guard " << guard;
    }
}

TEST(Judge, ProbesOfPacketsWithAndWithoutState) {
    LogBuilder with, without, no_size;
    with.Save(with.Packet(Tri::Yes), 0, kStatusSuccess, 0);              // SP1: must fail
    without.Save(without.Packet(Tri::No), 0, kStatusBufferTooSmall, 8);  // SP7: must succeed with 0
    no_size.Save(no_size.Packet(Tri::Yes), 0, kStatusUnsuccessful, 0);   // SP2: failed without a size
    Evidence ev{};
    EXPECT_EQ(Keys(with.Judge(&ev)), (Keys_{"SP1|probe succeeded"}));
    EXPECT_EQ(Keys(without.Judge(&ev)), (Keys_{"SP7|probe failed"}));
    EXPECT_EQ(Keys(no_size.Judge()), (Keys_{"SP2|no size"}));
    EXPECT_EQ(ev[RuleFor(RuleId::SP1).Index()], 1u);
    EXPECT_EQ(ev[RuleFor(RuleId::SP7).Index()], 1u);
    EXPECT_EQ(ev[RuleFor(RuleId::SP4).Index()], 0u);  // no sized call: SP4 was not exercised
}

TEST(Judge, SizedSavesAgainstTheProbedSize) {
    LogBuilder b;
    int p = b.Packet(Tri::Yes);
    b.Save(p, 0, kStatusBufferTooSmall, 8);
    b.Save(p, 9, kStatusBufferTooSmall, 8);  // SP4: N+1 must succeed
    b.Save(p, 4, kStatusBufferTooSmall, 0);  // SP10 (strict): undersized must report N
    Evidence ev{};
    EXPECT_EQ(Keys(b.Judge(&ev)), (Keys_{"SP4|failed", "SP10|wrong size"}));
    EXPECT_EQ(ev[RuleFor(RuleId::SP4).Index()], 1u);
    EXPECT_EQ(ev[RuleFor(RuleId::SP10).Index()], 1u);
    EXPECT_EQ(Keys(b.Judge(nullptr, Profile::Kmcl)), (Keys_{"SP4|failed"}));  // SP10 is strict only
}

TEST(Judge, AFaithfulRestoreThatFailsIsRp1AndHostileOnesAreRp2Evidence) {
    LogBuilder b;
    int p = b.Packet(Tri::Yes);
    b.Restore(p, 20, kStatusInvalidParameter, true);
    CallRecord &hostile = b.Restore(p, 19, kStatusInvalidParameter, false);
    hostile.fault.found = true;
    hostile.fault.region = FaultRegion::RestoreSaveBuf;
    hostile.fault.offset = 19;
    hostile.fault.buffer_size = 19;
    hostile.fault.access = Access::Read;
    hostile.fault.count = 1;
    Evidence ev{};
    EXPECT_EQ(Keys(b.Judge(&ev)), (Keys_{"RP1|restore of its own record failed", "RP2|restore SaveBuf overrun read"}));
    EXPECT_EQ(ev[RuleFor(RuleId::RP1).Index()], 1u);
    EXPECT_EQ(ev[RuleFor(RuleId::RP2).Index()], 1u);  // only the hostile restore exercised RP2
    EXPECT_EQ(ev[RuleFor(RuleId::RP3).Index()], 2u);
}

TEST(Judge, APacketAmongOthersIsJudgedThroughItsSoloMirror) {
    LogBuilder b;
    int a = b.Packet(Tri::Yes), c = b.Packet(Tri::Yes);
    b.Save(a, 0, kStatusSuccess, 0);  // would be SP1 alone; with others in flight it may be their doing
    b.Save(c, 0, kStatusBufferTooSmall, 8);
    EXPECT_TRUE(b.Judge().empty());
}

TEST(Judge, AFailedAssertionIsAFindingOfItsCall) {
    LogBuilder b;
    int p = b.Packet(Tri::Yes);
    b.Save(p, 0, kStatusBufferTooSmall, 8).assertion = "Length <= 48|/src/driver/save.c|120";
    b.Restore(p, 8, kStatusInvalidParameter, false).assertion = "Size == Expected|/src/driver/restore.c|33";
    auto found = b.Judge();
    EXPECT_EQ(Keys(found), (Keys_{"SP11|assertion save.c:120", "RP2|assertion restore.c:33"}));
    EXPECT_NE(found[0].message.find("NT_ASSERT(Length <= 48)"), std::string::npos) << found[0].message;
}

// SP14 and RP5 from the pool use the runner records per call (hand-built here; the samples
// pool_vsp and sp14_* / rp5_* check them end to end).
TEST(Judge, PoolLeaksAndBadFreesAreSp14InASaveAndRp5InARestore) {
    auto leak = [](uint32_t tag) {
        PoolUse u;
        u.live_blocks = 1;
        u.live_bytes = u.live_size = 12;
        u.live_tag = tag;
        return u;
    };
    PoolUse wrong_tag;
    wrong_tag.wrong_tags = 1;
    wrong_tag.first_wrong_tag = PoolFreeIssue{true, 'xtCP', 'rcSP', 12, 0};
    PoolUse bad_free;
    bad_free.bad_frees = 2;
    bad_free.first_bad_free = PoolFreeIssue{false, 'dlPP', 0, 0, 0};

    LogBuilder b;
    int p = b.Packet(Tri::Yes);
    b.Save(p, 0, kStatusBufferTooSmall, 12).pool_used = true;
    CallRecord &save = b.Save(p, 12, kStatusSuccess, 12);
    save.pool_used = true;
    save.pool_use = 0;
    b.log.pool_uses.push_back(leak('rcSP'));
    CallRecord &save2 = b.Save(p, 13, kStatusSuccess, 12);
    save2.pool_used = true;
    save2.pool_use = 1;
    b.log.pool_uses.push_back(wrong_tag);
    CallRecord &failed = b.Restore(p, 5, kStatusInvalidParameter, false);
    failed.pool_used = true;
    failed.pool_use = 2;
    b.log.pool_uses.push_back(leak('xtCP'));
    CallRecord &foreign = b.Restore(p, 6, kStatusInvalidParameter, false);
    foreign.pool_used = true;
    foreign.pool_use = 3;
    b.log.pool_uses.push_back(bad_free);
    CallRecord &kept = b.Restore(p, 12, kStatusSuccess, false);
    kept.pool_used = kept.released = true;
    kept.after_release = 4;
    b.log.pool_uses.push_back(leak('dlPP'));
    // A successful restore's own blocks belong to its packet: no finding by themselves.
    CallRecord &owns = b.Restore(p, 12, kStatusSuccess, false);
    owns.pool_used = true;
    owns.pool_use = 5;
    b.log.pool_uses.push_back(leak('dlPP'));
    Evidence ev{};
    std::vector<Finding> found;
    for (Finding &f : b.Judge(&ev))  // (the hand-built successful restores bind no packet: RP3)
        if (f.rule == RuleId::SP14 || f.rule == RuleId::RP5) found.push_back(f);
    EXPECT_EQ(Keys(found), (Keys_{"SP14|pool leak, tag 'PScr'", "SP14|pool freed with the wrong tag 'PScr'",
                                  "RP5|pool leak on failure, tag 'PCtx'", "RP5|free of a block that is not allocated",
                                  "RP5|pool kept after release, tag 'PPld'"}));
    EXPECT_EQ(ev[RuleFor(RuleId::SP14).Index()], 3u);
    EXPECT_EQ(ev[RuleFor(RuleId::RP5).Index()], 4u);
    for (const Finding &f : found) EXPECT_NE(f.message.find("0xC"), std::string::npos) << f.message;

    // Before the module has used the pool at all, nothing is judged or counted.
    LogBuilder none;
    none.Save(none.Packet(Tri::Yes), 0, kStatusBufferTooSmall, 12);
    Evidence ev2{};
    EXPECT_TRUE(none.Judge(&ev2).empty());
    EXPECT_EQ(ev2[RuleFor(RuleId::SP14).Index()], 0u);
}

TEST(Judge, ASkippedCaseIsNotJudged) {
    LogBuilder b;
    int p = b.Packet(Tri::Yes);
    b.Save(p, 0, kStatusSuccess, 0);
    b.log.skipped = true;
    Evidence ev{};
    EXPECT_TRUE(b.Judge(&ev).empty());
    for (uint64_t n : ev) EXPECT_EQ(n, 0u);
}

// ---- the runner against a fake module, in this process ---------------------------------------

// A tiny VSP: every packet has a g_state_size-byte state (8 unless a test says otherwise); the save
// writes one byte past SaveBuf when g_overrun, the restore reads one byte past its input when g_overread.
bool g_overrun = false, g_overread = false;
uint32_t g_state_size = 8;

int32_t FakeSave(void *, void *, void *buf, uint32_t size, uint32_t *needed) {
    *needed = g_state_size;
    if (size < g_state_size) return kStatusBufferTooSmall;
    std::memset(buf, 0x11, g_state_size);
    if (g_overrun) static_cast<volatile uint8_t *>(buf)[size] = 0x22;
    return kStatusSuccess;
}
int32_t FakeRestore(void *channel, void *lib, uint32_t lib_size, void *buf, uint32_t size) {
    volatile uint8_t sum = 0;
    for (uint32_t i = 0; i < size + (g_overread ? 1u : 0u); ++i) sum = sum + static_cast<const uint8_t *>(buf)[i];
    (void)sum;
    VMBPACKET packet = VmbPacketAllocate(static_cast<VMBCHANNEL>(channel));
    return VmbPacketRestore(packet, lib, lib_size);
}
int32_t FakePrepare(void *, void *, const uint8_t *, uint32_t, uint8_t *has_state) {
    *has_state = 1;
    return kStatusSuccess;
}

struct FakeModule {
    Kmcl kmcl;
    Module module;
    FakeModule() {
        InstallFaultHandlers(nullptr);
        module.save = FakeSave;
        module.restore = FakeRestore;
        module.prepare = FakePrepare;
        module.channel = kmcl.NewChannel();
    }
};

Case SaveThenRestore() {
    Op save;
    save.kind = OpKind::Save;
    save.size_kind = SizeKind::NPlus;
    Op restore;
    restore.kind = OpKind::Restore;
    return Case{{{1, 2, 3}}, {save, restore}};
}

TEST(Runner, AnOverrunIntoTheGuardZoneIsRecoveredAndRecorded) {
    FakeModule m;
    Player player(m.module, m.kmcl);
    g_overrun = true;
    g_overread = true;
    std::vector<Finding> found;
    player.Play(SaveThenRestore(), Profile::Strict, Stage::Sweep, 0, found);
    g_overrun = g_overread = false;
    // The process is still here, and so are both findings, at their exact offsets.
    EXPECT_EQ(Keys(found), (Keys_{"SP5|SaveBuf overrun write 1 byte", "RP2|restore SaveBuf overrun read"}));
    for (const Finding &f : found) {
        ASSERT_TRUE(f.location.has_value());
        EXPECT_TRUE(f.location->guard_page);
        EXPECT_EQ(f.location->offset, 8) << f.Key();
    }
    // The guard zone is protected again: the next calls are clean.
    found.clear();
    Player again(m.module, m.kmcl);
    again.Play(SaveThenRestore(), Profile::Strict, Stage::Sweep, 0, found);
    EXPECT_TRUE(found.empty()) << Keys(found)[0];
    EXPECT_EXIT(
        {
            GuardedArena arena;
            uint8_t *buf = arena.Place(8, Placement::Right, 2);
            static_cast<volatile uint8_t *>(buf)[8] = 1;  // no call in progress: not recovered
        },
        ::testing::KilledBySignal(SIGSEGV), "");
}

// States of many MiB restored op after op: the case stops at the bytes one case keeps
// (kCaseLogBytes) instead of taking gigabytes of the worker's memory, and says so; a case of small
// states plays every op.
Case RestoreAgainAndAgain(size_t restores) {
    Case c = SaveThenRestore();
    c.ops.resize(1 + restores, c.ops[1]);
    return c;
}

TEST(Runner, ACaseStopsAtTheBytesOneCaseKeeps) {
    FakeModule m;
    Player player(m.module, m.kmcl);
    std::vector<Finding> found;
    // The same as states of 8 MiB against kCaseLogBytes (256 MiB), in a thirty-second of the time.
    const size_t budget = kCaseLogBytes / 32;
    player.runner().SetCaseLogBytes(budget);
    g_state_size = (8u << 20) / 32;
    player.Play(RestoreAgainAndAgain(100), Profile::Strict, Stage::Sweep, 0, found);
    g_state_size = 8;
    const CaseLog &log = player.log();
    EXPECT_TRUE(log.capped);
    EXPECT_TRUE(found.empty()) << Keys(found)[0];
    size_t restores = 0;
    for (const CallRecord &c : log.calls) restores += c.callback == Callback::Restore;
    // Each restore keeps its input and the record its restored packet saved (a state each): the
    // budget ends the case after 16 of them (the ops before the budget was reached all ran).
    EXPECT_EQ(restores, 16u);
    EXPECT_GE(log.bytes.size(), budget);
    EXPECT_LT(log.bytes.size(), budget + (1u << 20));

    player.Play(RestoreAgainAndAgain(100), Profile::Strict, Stage::Sweep, 1, found);
    EXPECT_FALSE(player.log().capped);
    restores = 0;
    for (const CallRecord &c : player.log().calls) restores += c.callback == Callback::Restore;
    EXPECT_EQ(restores, 100u);
}

// A save that writes N = 8 bytes and then a stray block of g_stray bytes at g_stray_at
// (relative to the end of SaveBuf for an overrun, to its start for an underrun), with memcpy.
int64_t g_stray = 0;  // > 0: overrun by that many bytes; < 0: underrun
uint8_t g_stray_bytes[70000];
int32_t StraySave(void *, void *, void *buf, uint32_t size, uint32_t *bytes_needed) {
    *bytes_needed = 8;
    if (size < 8) return kStatusBufferTooSmall;
    std::memset(buf, 0x11, 8);
    auto *b = static_cast<uint8_t *>(buf);
    if (g_stray > 0) std::memcpy(b + size, g_stray_bytes, static_cast<size_t>(g_stray));
    if (g_stray < 0) std::memcpy(b + g_stray, g_stray_bytes, static_cast<size_t>(-g_stray));
    return kStatusSuccess;
}

struct ExtentCase {
    int64_t stray;
    Placement placement;
};

class StrayExtent : public ::testing::TestWithParam<ExtentCase> {};

// However it is caught (the guard zone, the canary window, the rest of the data past the window,
// or all of them), a stray block is measured to its last byte: a 248-byte overrun is 248 bytes.
TEST_P(StrayExtent, TheWholeBlockIsMeasured) {
    const ExtentCase p = GetParam();
    for (size_t i = 0; i < sizeof g_stray_bytes; ++i) g_stray_bytes[i] = static_cast<uint8_t>(0x80 | (i * 7));
    FakeModule m;
    m.module.save = StraySave;
    Op save;
    save.kind = OpKind::Save;
    save.size_kind = SizeKind::Absolute;
    save.size_value = 8;
    save.placement = p.placement;
    Player player(m.module, m.kmcl);
    g_stray = p.stray;
    std::vector<Finding> found;
    player.Play(Case{{{1, 2, 3}}, {save}}, Profile::Strict, Stage::Sweep, 0, found);
    g_stray = 0;
    const uint32_t n = static_cast<uint32_t>(p.stray > 0 ? p.stray : -p.stray);
    const std::string side = p.stray > 0 ? "overrun" : "underrun";
    ASSERT_EQ(found.size(), 1u) << (found.empty() ? "nothing found" : found[0].Key() + ", " + found[1].Key());
    const Finding &f = found[0];
    ASSERT_TRUE(f.location.has_value());
    EXPECT_EQ(f.rule, RuleId::SP5);
    EXPECT_EQ(f.location->extent, n) << f.message;
    // The bytes that differ from what was there: a stray byte equal to the fill byte under it is not
    // counted (about one in 256, wherever the arena happens to be mapped), so the count may be a
    // little below the extent (a byte, or one in 32), never above.
    EXPECT_LE(f.location->count, n) << f.message;
    EXPECT_GE(f.location->count + 1 + n / 32, n) << f.message;
    EXPECT_EQ(f.location->offset, p.stray > 0 ? 8 : -1) << f.message;
    EXPECT_EQ(f.location->last_offset, p.stray > 0 ? 8 + p.stray - 1 : p.stray) << f.message;
    EXPECT_EQ(f.Key(), fmt::format("SP5|SaveBuf {} write {}", side, ExtentClass(n)));
    EXPECT_NE(f.message.find(fmt::format("{} of {} byte", side, n)), std::string::npos) << f.message;
    // The guard zone and the canary are as they were: the same save without the stray is clean.
    found.clear();
    Player again(m.module, m.kmcl);
    again.Play(Case{{{1, 2, 3}}, {save}}, Profile::Strict, Stage::Sweep, 0, found);
    EXPECT_TRUE(found.empty()) << found[0].message;
}

INSTANTIATE_TEST_SUITE_P(Runner, StrayExtent,
                         ::testing::Values(ExtentCase{1, Placement::Right}, ExtentCase{8, Placement::Right},
                                           ExtentCase{248, Placement::Right}, ExtentCase{5000, Placement::Right},
                                           ExtentCase{50000, Placement::Right}, ExtentCase{1, Placement::Left},
                                           ExtentCase{248, Placement::Left}, ExtentCase{600, Placement::Left},
                                           ExtentCase{9000, Placement::Left}, ExtentCase{-1, Placement::Left},
                                           ExtentCase{-300, Placement::Left}, ExtentCase{-3, Placement::Right},
                                           ExtentCase{-700, Placement::Right}),
                         [](const ::testing::TestParamInfo<ExtentCase> &info) {
                             return fmt::format("{}{}{}", info.param.stray > 0 ? "Over" : "Under",
                                                info.param.stray > 0 ? info.param.stray : -info.param.stray,
                                                info.param.placement == Placement::Right ? "Right" : "Left");
                         });

TEST(Runner, AWriteThroughANullSaveBufIsNotRecovered) {
    EXPECT_EXIT(
        {
            FakeModule m;
            m.module.save = [](void *, void *, void *buf, uint32_t, uint32_t *) -> int32_t {
                static_cast<volatile uint8_t *>(buf)[0] = 1;  // SaveBuf is NULL on KMCL's probe
                return 0;
            };
            Player player(m.module, m.kmcl);
            std::vector<Finding> found;
            player.Play(SaveThenRestore(), Profile::Kmcl, Stage::Sweep, 0, found);
        },
        ::testing::KilledBySignal(SIGSEGV), "");
}

// ---- outcomes from evidence ---------------------------------------------------------------------

RunSummary Summary() {
    RunSummary run;
    run.loaded = true;
    run.hooks.save = run.hooks.restore = run.hooks.prepare = true;
    run.sweep.cases = 10;
    run.state_saves = 5;
    return run;
}

TEST(Outcomes, ARulePassesOnlyWhenExercised) {
    RunSummary run = Summary();
    run.evidence[RuleFor(RuleId::SP1).Index()] = 3;
    EXPECT_EQ(run.ResultOf(RuleFor(RuleId::SP1)).outcome, RuleOutcome::Pass);
    RuleResult sp13 = run.ResultOf(RuleFor(RuleId::SP13));
    EXPECT_EQ(sp13.outcome, RuleOutcome::NotReached);
    EXPECT_FALSE(sp13.reason.empty());
    run.profile = Profile::Kmcl;
    EXPECT_EQ(run.ResultOf(RuleFor(RuleId::SP10)).outcome, RuleOutcome::NotApplicable);
    run.hooks.restore = false;
    EXPECT_EQ(run.ResultOf(RuleFor(RuleId::RP2)).outcome, RuleOutcome::Skipped);
    EXPECT_EQ(run.Verdict(), "pass");
}

TEST(Outcomes, NothingWithStateSavedIsCouldNotTest) {
    RunSummary run = Summary();
    run.state_saves = 0;
    EXPECT_EQ(run.Verdict(), "error");
    EXPECT_EQ(run.ExitCode(), 2);
    EXPECT_EQ(run.ResultOf(RuleFor(RuleId::SP1)).outcome, RuleOutcome::NotReached);
    run.sweep.cases = 0;
    run.sweep.skipped = 12;
    EXPECT_NE(run.NothingTested().find("rejected every seed"), std::string::npos) << run.NothingTested();
    // A real defect still fails the run: violations win over "nothing tested".
    Finding f;
    f.rule = RuleId::SP7;
    run.findings.push_back(f);
    EXPECT_EQ(run.Verdict(), "fail");
}

TEST(Outcomes, ATimeCapNamesWhatItCut) {
    RunSummary run = Summary();
    run.time_cap_hit = true;
    run.max_time = 5;
    run.cut_families = Hostile;
    EXPECT_NE(run.ResultOf(RuleFor(RuleId::RP2)).reason.find("time cap"), std::string::npos);
    EXPECT_EQ(run.ResultOf(RuleFor(RuleId::SP1)).reason.find("time cap"), std::string::npos);
}

}  // namespace
}  // namespace vspc
