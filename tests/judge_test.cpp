// The judge on hand-built call logs, the runner against a fake module in this
// process (guard-zone faults recovered: the call goes on and the stray access
// is in its record), and what the run's outcomes make of the evidence.
#include <csignal>
#include <cstring>
#include <string>
#include <vector>

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
    probe.stray_save = StrayWrite{true, -2, 1};
    auto found = b.Judge();
    ASSERT_EQ(Keys(found), (Keys_{"SP3|SaveBuf underrun write"}));
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
        if (guard)
            save.fault = FaultRecord{true, FaultRegion::SaveBuf, 8, 8, Access::Write, 1};
        else
            save.stray_save = StrayWrite{true, 8, 1};
        auto found = b.Judge();
        EXPECT_EQ(Keys(found), (Keys_{"SP5|SaveBuf overrun write"})) << "guard " << guard;
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
    hostile.fault = FaultRecord{true, FaultRegion::RestoreSaveBuf, 19, 19, Access::Read, 1};
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

// A tiny VSP: every packet has a 8-byte state; the save writes one byte past
// SaveBuf when g_overrun, the restore reads one byte past its input when g_overread.
bool g_overrun = false, g_overread = false;

int32_t FakeSave(void *, void *, void *buf, uint32_t size, uint32_t *needed) {
    *needed = 8;
    if (size < 8) return kStatusBufferTooSmall;
    std::memset(buf, 0x11, 8);
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
    EXPECT_EQ(Keys(found), (Keys_{"SP5|SaveBuf overrun write", "RP2|restore SaveBuf overrun read"}));
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
