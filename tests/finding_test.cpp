// Findings, their codec and their set; the worker protocol; death attribution
// and the restart policy. The engine's typed values, tested without a module.
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <string>
#include <variant>
#include <vector>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "Attribution.h"
#include "Dwarf.h"
#include "Elf.h"
#include "Finding.h"
#include "Process.h"
#include "Protocol.h"
#include "Report.h"
#include "Sandbox.h"
#include "Symbolize.h"

namespace vspc {
namespace {

Finding Overrun(RuleId rule, bool guard_page) {
    Finding f;
    f.rule = rule;
    Location l;
    l.region = FaultRegion::SaveBuf;
    l.offset = 8;
    l.buffer_size = 8;
    l.access = Access::Write;
    l.guard_page = guard_page;
    l.count = 1;
    f.location = l;
    f.message = DescribeLocation(l);
    return f;
}

Finding Full() {
    Finding f = Overrun(RuleId::SP5, true);
    f.location->last_offset = 255;
    f.location->extent = 248;
    f.location->count = 247;
    Death d;
    d.kind = DeathKind::Crash;
    d.signo = 11;
    d.callback = Callback::Save;
    d.sanitizer = "AddressSanitizer: SEGV";
    f.death = d;
    CallInfo c;
    c.index = 3;
    c.callback = Callback::Save;
    c.packet = 1;
    c.size = 8;
    c.placement = Placement::Left;
    c.fill = 7;
    c.status = static_cast<NtStatus>(0xC0000023u);
    c.bytes_needed = 8;
    c.text = "save packet 1: ...";
    f.call = c;
    f.op_index = 4;
    f.stage = Stage::Fuzz;
    f.reproducer = {0, 3, 'a', 'b', 'c', 0, 0, 1, 0, 2};
    f.occurrences = 17;
    f.found_after = 0.25;
    return f;
}

TEST(Finding, OneSignatureWhoeverSawIt) {
    // The same overrun seen by the canary window (judge) and by a guard page
    // (a death, or a recovered fault) is one defect: one signature.
    EXPECT_EQ(Overrun(RuleId::SP3, false).Signature(), Overrun(RuleId::SP3, true).Signature());
    EXPECT_EQ(Overrun(RuleId::SP3, true).Signature(), "SaveBuf overrun write");
    Finding other = Overrun(RuleId::SP5, true);
    other.location->offset = -1;
    EXPECT_EQ(other.Signature(), "SaveBuf underrun write");
    // The extent is in the signature as a class only: overruns of 2 and of 8 bytes are one defect,
    // of 1 byte and of 248 bytes two.
    auto measured = [](uint32_t extent) {
        Finding f = Overrun(RuleId::SP5, true);
        f.location->extent = extent;
        f.location->last_offset = 8 + extent - 1;
        return f;
    };
    EXPECT_EQ(measured(1).Signature(), "SaveBuf overrun write 1 byte");
    EXPECT_EQ(measured(2).Signature(), measured(8).Signature());
    EXPECT_EQ(measured(248).Signature(), "SaveBuf overrun write 9-4096 bytes");
    EXPECT_EQ(measured(5000).Signature(), "SaveBuf overrun write over 4096 bytes");
    EXPECT_NE(measured(1).Signature(), measured(248).Signature());
    EXPECT_EQ(DescribeLocation(*measured(248).location),
              "write SaveBuf at offsets 8 to 255 (8 bytes): overrun of 248 bytes, 1 of them changed (caught by a "
              "guard page)");
    EXPECT_EQ(DescribeLocation(*measured(1).location),
              "write SaveBuf at offset 8 (8 bytes): overrun of 1 byte (caught by a guard page)");
    Finding hang;
    hang.rule = RuleId::SP11;
    hang.death = Death{DeathKind::Hang, 0, 0, Callback::Save, ""};
    EXPECT_EQ(hang.Key(), "SP11|save hang");
}

TEST(Finding, StrayAccessesMapToTheirRules) {
    EXPECT_EQ(RuleForStrayAccess(FaultRegion::SaveBuf, Access::Write, 0), RuleId::SP3);
    EXPECT_EQ(RuleForStrayAccess(FaultRegion::NullSaveBuf, Access::Write, 0), RuleId::SP3);
    EXPECT_EQ(RuleForStrayAccess(FaultRegion::SaveBuf, Access::Write, 16), RuleId::SP5);
    EXPECT_EQ(RuleForStrayAccess(FaultRegion::BytesNeeded, Access::Write, 0), RuleId::SP5);
    EXPECT_EQ(RuleForStrayAccess(FaultRegion::RestoreSaveBuf, Access::Read, 16), RuleId::RP2);
    EXPECT_EQ(RuleForStrayAccess(FaultRegion::RestoreLibBuf, Access::Read, 16), RuleId::RP2);
    EXPECT_EQ(RuleForStrayAccess(FaultRegion::RestoreSaveBuf, Access::Write, 16), RuleId::RP4);
}

Finding Migrated() {
    Finding f = Overrun(RuleId::RP2, true);
    f.compat = CompatInfo{CompatDirection::Rollback, std::string(64, 'a'), "", {0x56, 0x53, 0x50, 0x52, 1, 0}};
    f.stage = Stage::Compat;
    return f;
}

TEST(Finding, JsonRoundTrip) {
    for (const Finding &f : {Full(), Overrun(RuleId::SP3, false), Migrated()}) {
        nlohmann::json j = ToJson(f);
        for (const char *key :
             {"rule", "signature", "location", "death", "call", "compat", "case", "found_after_seconds"})
            EXPECT_TRUE(j.contains(key)) << key;  // every key present, null when empty
        Finding back;
        ASSERT_EQ(FindingFromJson(j, back), "") << j.dump(2);
        EXPECT_EQ(back, f);
    }
}

TEST(Finding, JsonDecodeIsStrict) {
    nlohmann::json good = ToJson(Full());
    Finding out;
    auto broken = [&](auto edit) {
        nlohmann::json j = good;
        edit(j);
        return FindingFromJson(j, out);
    };
    EXPECT_NE(broken([](auto &j) { j.erase("rule"); }), "");
    EXPECT_NE(broken([](auto &j) { j["rule"] = "SP99"; }), "");
    EXPECT_NE(broken([](auto &j) { j["op_index"] = -1; }), "");
    EXPECT_NE(broken([](auto &j) { j["op_index"] = "4"; }), "");
    EXPECT_NE(broken([](auto &j) { j["case"] = "xyz"; }), "");
    EXPECT_NE(broken([](auto &j) { j["location"]["region"] = "Heap"; }), "");
    EXPECT_NE(broken([](auto &j) { j["signature"] = "forged"; }), "");
    EXPECT_NE(broken([](auto &j) { j["location"]["extent"] = 0; }), "");
    EXPECT_NE(broken([](auto &j) { j["location"]["extent_class"] = "1 byte"; }), "");
    EXPECT_NE(broken([](auto &j) { j["location"].erase("last_offset"); }), "");
    EXPECT_NE(broken([](auto &j) { j = nlohmann::json::array(); }), "");
}

TEST(Finding, ForwardAndRollbackAreTwoDefects) {
    Finding forward = Migrated(), rollback = Migrated(), plain = Overrun(RuleId::RP2, true);
    forward.compat->direction = CompatDirection::Forward;
    EXPECT_NE(forward.Key(), rollback.Key());  // two builds: two defects
    EXPECT_NE(forward.Key(), plain.Key());
    nlohmann::json j = ToJson(rollback);
    EXPECT_EQ(j["compat"]["direction"], "rollback");
    EXPECT_TRUE(j["compat"]["new_sha256"].is_null());
    j["compat"]["record"] = "XYZ";
    Finding back;
    EXPECT_NE(FindingFromJson(j, back), "");
    j = ToJson(rollback);
    j["compat"]["direction"] = "sideways";
    EXPECT_NE(FindingFromJson(j, back), "");
}

TEST(FindingSet, DeduplicatesByRuleAndSignature) {
    FindingSet set;
    Finding a = Overrun(RuleId::SP5, true), b = Overrun(RuleId::SP5, false);
    a.found_after = 2.0;
    b.found_after = 1.0;
    EXPECT_TRUE(set.Add(a, {1, 0, 5}));
    EXPECT_FALSE(set.Add(b, {1, 0, 9}));  // the same key: an occurrence
    set.AddOccurrences(a.Key(), 3);
    Finding other = Overrun(RuleId::SP3, false);
    EXPECT_TRUE(set.Add(other, {0, 0, 0}));
    auto sorted = set.Sorted();
    ASSERT_EQ(sorted.size(), 2u);
    EXPECT_EQ(sorted[0].rule, RuleId::SP3);  // by rule
    EXPECT_EQ(sorted[1].occurrences, 5u);
    EXPECT_DOUBLE_EQ(sorted[1].found_after, 1.0);  // the earliest time
    EXPECT_TRUE(sorted[1].location->guard_page);   // the representative is the least origin's
}

TEST(FindingSet, TheRepresentativeDoesNotDependOnArrivalOrder) {
    Finding early = Overrun(RuleId::SP5, true), late = Overrun(RuleId::SP5, true);
    early.reproducer = {1};
    late.reproducer = {2};
    FindingSet one, two;
    one.Add(early, {0, 0, 1});
    one.Add(late, {3, 1, 0});
    two.Add(late, {3, 1, 0});
    two.Add(early, {0, 0, 1});
    EXPECT_EQ(one.Sorted(), two.Sorted());
    EXPECT_EQ(two.Sorted()[0].reproducer, std::vector<uint8_t>{1});
}

// ---- the protocol -------------------------------------------------------------------

TEST(Protocol, ConfigRoundTrip) {
    WorkerConfig c;
    c.mode = WorkerMode::Contract;
    c.module = ModuleOptions{"/tmp/a b/libvsp.so", {}, "MySave", "MyRestore"};
    c.profile = Profile::Kmcl;
    c.seed = 1ull << 60;
    c.begin = 5;
    c.end = 9;
    c.shard = 1;
    c.generation = 3;
    c.runs = 12345;
    c.corpus = "/dev/shm/x";
    c.cases = {"a", "b c"};
    c.quiet_engine = false;
    c.archive = "/tmp/records old";
    c.compat = true;
    c.direction = CompatDirection::Rollback;
    c.old_sha256 = "ab";
    c.new_sha256 = "cd";
    c.sandbox = true;
    c.host_ns = {4026531836ull, 4026531841ull, 4026531840ull, 4026531837ull};
    c.shm_fd = 7;
    c.out_fd = 9;
    WorkerConfig back;
    ASSERT_EQ(DecodeConfig(EncodeConfig(c), back), "");
    EXPECT_EQ(back, c);
}

TEST(Protocol, ConfigDecodeIsStrict) {
    WorkerConfig back;
    std::string good = EncodeConfig(WorkerConfig{});
    EXPECT_EQ(DecodeConfig(good, back), "");
    for (auto [from, to] : {std::pair<std::string, std::string>{"\"sweep\"", "\"swept\""},
                            {"\"strict\"", "\"lenient\""},
                            {"\"runs\":0", "\"runs\":-1"},
                            {"\"seed\":1", "\"seed\":\"1\""}}) {
        std::string bad = good;
        ASSERT_NE(bad.find(from), std::string::npos) << from;
        bad.replace(bad.find(from), from.size(), to);
        EXPECT_NE(DecodeConfig(bad, back), "") << bad;
    }
    EXPECT_NE(DecodeConfig("[]", back), "");
    EXPECT_NE(DecodeConfig("not json", back), "");
}

TEST(Protocol, EveryMessageRoundTrips) {
    SandboxState sandbox{true, true, true, true, false, true, true, true, 6144, 1024, 181, 256, false, true, 256};
    std::vector<Message> messages = {msg::Loaded{Hooks{true, false, true, true, false, 76}, sandbox},
                                     msg::Loaded{Hooks{true, false, true, true, false, 76}, SandboxState{}},
                                     msg::LoadError{"cannot load: x"},
                                     msg::Found{Full()},
                                     msg::Trace{"save packet 0: ..."},
                                     msg::CaseBegin{3, "/tmp/x.case"},
                                     msg::CaseEnd{3, true, "rejected", 2},
                                     msg::Promoted{"/dev/shm/p/1.state"},
                                     msg::Saved{7, {1, 2, 3}, {0x56, 0, 0xFF}},
                                     msg::Found{Migrated()},
                                     msg::Done{{{"SP5|SaveBuf overrun write", 41}}}};
    for (const Message &m : messages) {
        std::string line = EncodeMessage(m);
        EXPECT_EQ(line.find('\n'), std::string::npos);
        auto back = DecodeMessage(line);
        ASSERT_TRUE(std::holds_alternative<Message>(back)) << line << ": " << std::get<ProtocolError>(back).what;
        EXPECT_EQ(std::get<Message>(back), m) << line;
    }
}

TEST(Protocol, BadMessagesAreErrorsNotExceptions) {
    for (std::string line : {std::string("[]"), std::string("{}"), std::string("garbage"), std::string("{\"t\":1}"),
                             std::string("{\"t\":\"loaded\"}"), std::string("{\"t\":\"finding\",\"finding\":{}}"),
                             std::string("{\"t\":\"done\",\"repeats\":[{\"key\":\"k\",\"n\":-3}]}"),
                             std::string("{\"t\":\"nonsense\"}"), std::string(kMaxMessageBytes + 1, ' ')}) {
        auto r = DecodeMessage(line);
        EXPECT_TRUE(std::holds_alternative<ProtocolError>(r)) << line.substr(0, 80);
    }
}

// ---- deaths ------------------------------------------------------------------------------

WorkerEnd Died(EndHow how, Callback cb) {
    WorkerEnd e;
    e.how = how;
    e.loaded = true;
    e.in_call = cb != Callback::None;
    e.call.callback = cb;
    e.call.size = 8;
    e.call.op_index = 1;
    Case c{{{1, 2, 3}}, {Op{}, Op{}, Op{}}};
    e.case_bytes = EncodeCase(c);
    return e;
}

TEST(DeathAttribution, AFaultInSaveBufIsSp5AsTheJudgeWouldSay) {
    WorkerEnd e = Died(EndHow::Crashed, Callback::Save);
    e.signo = 11;
    e.faulted = true;
    e.fault.region = FaultRegion::SaveBuf;
    e.fault.offset = 8;
    e.fault.buffer_size = 8;
    e.fault.access = Access::Write;
    Finding f = DeathFinding(e, 2000, Stage::Sweep);
    EXPECT_EQ(f.rule, RuleId::SP5);
    EXPECT_EQ(f.Key(), Overrun(RuleId::SP5, false).Key());  // one signature for both paths
    // The reproducer is the case cut after the op that was running.
    EXPECT_EQ(DecodeCase(f.reproducer).ops.size(), 2u);
    ASSERT_TRUE(f.call.has_value());
    EXPECT_FALSE(f.call->returned);
}

TEST(DeathAttribution, WhereItDiedPicksTheRule) {
    EXPECT_EQ(DeathFinding(Died(EndHow::Crashed, Callback::Restore), 2000, Stage::Sweep).rule, RuleId::RP2);
    EXPECT_EQ(DeathFinding(Died(EndHow::Crashed, Callback::Save), 2000, Stage::Sweep).rule, RuleId::SP11);
    Finding hang = DeathFinding(Died(EndHow::Hung, Callback::Save), 300, Stage::Fuzz);
    EXPECT_EQ(hang.Key(), "SP11|save hang");
    EXPECT_NE(hang.message.find("300 ms"), std::string::npos) << hang.message;
    EXPECT_EQ(DeathFinding(Died(EndHow::Exited, Callback::None), 2000, Stage::Sweep).Key(), "SP11|none exit");
    EXPECT_EQ(DeathFinding(Died(EndHow::BadMessage, Callback::None), 2000, Stage::Sweep).rule, RuleId::SP11);
    // A fault outside our buffers is a plain crash of the callback.
    WorkerEnd wild = Died(EndHow::Crashed, Callback::Restore);
    wild.signo = 11;
    EXPECT_EQ(DeathFinding(wild, 2000, Stage::Sweep).Key(), "RP2|restore SIGSEGV");
}

// ASan's report, with the frame format the worker asks for ("#N PC in FUNCTION FILE (MODULE+OFFSET)").
const char *kAsanReport =
    "==123==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000977 at pc 0x7ffff7f3f185 bp "
    "0x7fffffffd510 sp 0x7fffffffd508\n"
    "WRITE of size 4 at 0x602000000977 thread T0\n"
    "    #0 0x7ffff74d3bde in __interceptor_memcpy /build/asan_interceptors.inc:827:5 "
    "(/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.asan-x86_64.so+0xd3bde)\n"
    "    #1 0x7ffff7f3f184 in EvtVmbChannelSavePacket /src/my vsp/save.c:16:31 (/tmp/my vsp/libvsp.so+0x1185)\n"
    "    #2 0x555555641b87 in vspc::Runner::Save(vspc::Runner::Slot&) Runner.cpp:116:18 "
    "(/usr/bin/vspconform+0xed3b87)\n"
    "\n"
    "0x602000000977 is located 0 bytes to the right of 7-byte region\n"
    "allocated by thread T0 here:\n"
    "    #0 0x7ffff74d3bde in __interceptor_malloc (/usr/lib/llvm-14/libclang_rt.asan-x86_64.so+0xd3bde)\n"
    "    #1 0x7ffff7f3efd6 in EvtVmbChannelSavePacket /src/my vsp/save.c:14:26 (/tmp/my vsp/libvsp.so+0x1fd6)\n";

TEST(SanitizerReport, GivesTheAccessAndTheModulesFirstFrameOfTheAccessStack) {
    SanitizerFacts f = ParseSanitizerReport(kAsanReport, "/tmp/my vsp/libvsp.so");
    EXPECT_EQ(f.summary, "AddressSanitizer: heap-buffer-overflow");
    EXPECT_EQ(f.access, Access::Write);
    EXPECT_EQ(f.size, 4u);
    ASSERT_TRUE(f.code.has_value());
    EXPECT_EQ(f.code->where, CodeWhere::Caller);  // frame #1: memcpy (#0) is not the module
    EXPECT_EQ(f.code->offset, 0x1184u);           // the return address, moved into the call
    // Another module's name: no frame of it, so no code location (the allocation stack is not the access).
    EXPECT_FALSE(ParseSanitizerReport(kAsanReport, "/tmp/other.so").code.has_value());
    EXPECT_TRUE(ParseSanitizerReport("", "/tmp/x.so").summary.empty());
}

TEST(DeathAttribution, AnAsanDeathSaysWhatAccessAndWhere) {
    WorkerEnd e = Died(EndHow::Crashed, Callback::Save);
    e.signo = 6;
    e.sanitizer = kAsanReport;
    e.module_path = "/tmp/my vsp/libvsp.so";
    Finding f = DeathFinding(e, 2000, Stage::Sweep);
    EXPECT_EQ(f.rule, RuleId::SP11);
    EXPECT_NE(f.message.find("heap-buffer-overflow (WRITE of size 4)"), std::string::npos) << f.message;
    EXPECT_EQ(f.message.find("pc 0x"), std::string::npos) << f.message;
    ASSERT_TRUE(f.code.has_value());
    EXPECT_EQ(f.code->offset, 0x1184u);
    // The codec carries all of it.
    Finding back;
    ASSERT_EQ(FindingFromJson(ToJson(f), back), "");
    EXPECT_EQ(back, f);
}

TEST(Symbolizer, TakesTheInnermostFrameWithALine) {
    CodeLocation a, b, c;
    std::vector<CodeLocation *> locs = {&a, &b, &c};
    std::string out = R"([
      {"Address":"0x11a0","Symbol":[{"FunctionName":"Helper","FileName":"/s/h.h","Line":0,"Column":9},
                                    {"FunctionName":"Save","FileName":"/s/save.c","Line":8,"Column":1}]},
      {"Address":"0x1200","Symbol":[{"FunctionName":"Inner","FileName":"/s/h.h","Line":12,"Column":3},
                                    {"FunctionName":"Save","FileName":"/s/save.c","Line":30,"Column":1}]},
      {"Address":"0x9999","Symbol":[{"FunctionName":"","FileName":"","Line":0,"Column":0}]}])";
    ASSERT_TRUE(ApplySymbolizerJson(out, locs));
    EXPECT_EQ(a.function, "Save");
    EXPECT_EQ(a.line, 8u);
    EXPECT_EQ(b.function, "Inner");
    EXPECT_EQ(b.file, "/s/h.h");
    EXPECT_EQ(b.line, 12u);
    EXPECT_TRUE(c.file.empty());
    b.where = CodeWhere::Fault;
    EXPECT_EQ(DescribeCode(b, "/s"), "Inner at h.h:12:3");
    c.offset = 0x9999;
    EXPECT_EQ(DescribeCode(c), "offset 0x9999 in the module (no debug info: build with -g)");
    std::vector<CodeLocation *> two = {&a, &b};
    EXPECT_FALSE(ApplySymbolizerJson(out, two));  // three answers for two addresses
    EXPECT_FALSE(ApplySymbolizerJson("not json", two));
}

// The symbolizer's process is started once and asked many times: the protocol under it.
TEST(LineCoprocess, AnswersQuestionAfterQuestion) {
    auto cat = LineCoprocess::Start({"cat"});
    ASSERT_TRUE(cat);
    std::string out;
    ASSERT_TRUE(cat->Ask("a\nb\n", 2, &out, 5000));
    EXPECT_EQ(out, "a\nb\n");
    ASSERT_TRUE(cat->Ask("c\n", 1, &out, 5000));
    EXPECT_EQ(out, "c\n");
    // A question larger than both pipes together is written while its answer is read.
    std::string big;
    for (int i = 0; i < 100000; ++i) big += fmt::format("0x{:x}\n", i);
    ASSERT_TRUE(cat->Ask(big, 100000, &out, 5000));
    EXPECT_EQ(out, big);
}

TEST(LineCoprocess, ADeadOrSilentProgramIsAFailedAnswerNotAHang) {
    std::string out;
    auto gone = LineCoprocess::Start({"true"});
    ASSERT_TRUE(gone);
    EXPECT_FALSE(gone->Ask("0x1\n", 1, &out, 5000));
    auto cat = LineCoprocess::Start({"cat"});
    ASSERT_TRUE(cat);
    EXPECT_FALSE(cat->Ask("one line\n", 2, &out, 100));  // waits 100 ms for a second line
    EXPECT_FALSE(cat->Ask("x\n", 1, &out, 5000));        // and is not asked again
    EXPECT_FALSE(LineCoprocess::Start({"/nonexistent/vspc-no-such-program"}));
}

TEST(Symbolizer, OneRunningSymbolizerAnswersAsARunWithArgumentsWould) {
    const std::string module = VSPC_BINARY_DIR "/samples/libvsp_reference.so";
    std::string symbolizer = FindSymbolizer();
    if (symbolizer.empty()) GTEST_SKIP() << "no llvm-symbolizer";
    std::ifstream in(module, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ElfImage elf;
    ASSERT_EQ(elf.Parse(bytes), "");
    const ElfSymbol *save = elf.DynamicSymbol("EvtVmbChannelSavePacket");
    const ElfSymbol *restore = elf.DynamicSymbol("EvtVmbChannelRestorePacket");
    ASSERT_TRUE(save && restore);
    std::vector<uint64_t> offsets = {save->value, restore->value, save->value + 4};
    std::string expected;
    std::vector<std::string> argv = {symbolizer, "--obj=" + module, "--output-style=JSON", "--functions=linkage"};
    for (uint64_t o : offsets) argv.push_back(fmt::format("0x{:x}", o));
    ASSERT_EQ(RunAndCapture(argv, &expected), 0);
    auto json = nlohmann::json::parse(expected);
    ASSERT_EQ(json.size(), 3u);
    PrestartSymbolizer(module);
    for (int question = 0; question < 2; ++question) {  // the second asks the same process again
        std::string note;
        std::vector<SourcePlace> places = SymbolizeOffsets(module, offsets, &note);
        ASSERT_EQ(places.size(), 3u) << note;
        for (size_t i = 0; i < 3; ++i) {
            EXPECT_EQ(places[i].function, json[i]["Symbol"][0].value("FunctionName", "")) << i;
            EXPECT_EQ(places[i].line, json[i]["Symbol"][0].value("Line", 0u)) << i;
        }
        EXPECT_EQ(places[0].outer_function, "EvtVmbChannelSavePacket");
        EXPECT_EQ(places[1].outer_function, "EvtVmbChannelRestorePacket");
    }
}

TEST(RestartPolicy, TheStageGoesOnAfterADeath) {
    RestartPolicy policy(3);
    Finding death = DeathFinding(Died(EndHow::Crashed, Callback::Save), 2000, Stage::Sweep);
    std::string why;
    Job sweep{WorkerConfig{}, 2, 0};
    sweep.config.mode = WorkerMode::Sweep;
    sweep.config.begin = 10;
    sweep.config.end = 20;
    WorkerEnd e = Died(EndHow::Crashed, Callback::Save);
    e.case_index = 14;
    auto next = policy.Continue(sweep, e, death, &why);
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->config.begin, 15u);
    EXPECT_EQ(next->generation, 1u);
    EXPECT_EQ(next->ordinal, 2u);
    e.case_index = 19;  // the last case: nothing left
    EXPECT_FALSE(policy.Continue(sweep, e, death, &why).has_value());
    EXPECT_TRUE(why.empty());

    Job fuzz{WorkerConfig{}, 8, 0};
    fuzz.config.mode = WorkerMode::Fuzz;
    fuzz.config.runs = 1000;
    e.totals.execs = 100;
    auto f1 = policy.Continue(fuzz, e, death, &why);
    ASSERT_TRUE(f1.has_value());
    EXPECT_EQ(f1->config.runs, 900u);  // the executions left
    EXPECT_EQ(f1->config.generation, 1u);
    EXPECT_TRUE(policy.Continue(fuzz, e, death, &why).has_value());
    EXPECT_FALSE(policy.Continue(fuzz, e, death, &why).has_value());  // 3 deaths, one signature
    EXPECT_NE(why.find("3 deaths"), std::string::npos) << why;
    // Another signature is not limited by the first one's count.
    why.clear();
    Finding other = DeathFinding(Died(EndHow::Hung, Callback::Restore), 2000, Stage::Fuzz);
    EXPECT_TRUE(policy.Continue(fuzz, e, other, &why).has_value());
}

// ---- the module's DWARF: compiler, flags, record fields -------------------------------------------

TEST(Dwarf, ProducersSplitIntoCompilerAndFlags) {
    std::string compiler, flags;
    SplitProducer("Debian clang version 14.0.6", compiler, flags);
    EXPECT_EQ(compiler, "Debian clang version 14.0.6");
    EXPECT_EQ(flags, "");  // clang without -grecord-command-line
    SplitProducer("Debian clang version 14.0.6 /usr/lib/llvm-14/bin/clang -g -O1 -grecord-command-line -c x.c",
                  compiler, flags);
    EXPECT_EQ(compiler, "Debian clang version 14.0.6");
    EXPECT_EQ(flags, "-g -O1 -grecord-command-line -c x.c");
    SplitProducer("clang version 17.0.1 (https://github.com/llvm/llvm-project e19b7dc) /opt/bin/clang -O2 a.c",
                  compiler, flags);
    EXPECT_EQ(compiler, "clang version 17.0.1 (https://github.com/llvm/llvm-project e19b7dc)");
    EXPECT_EQ(flags, "-O2 a.c");
    SplitProducer("GNU C17 12.2.0 -mtune=generic -march=x86-64 -g -O1 -fPIC", compiler, flags);
    EXPECT_EQ(compiler, "GNU C17 12.2.0");
    EXPECT_EQ(flags, "-mtune=generic -march=x86-64 -g -O1 -fPIC");
}

// The producers are read in process (a run no longer starts llvm-dwarfdump for them): every module
// the build made is read, and a module of each kind (plain, coverage, ASan, WDK-style, without
// -grecord-command-line) gives the list llvm-dwarfdump gives (it takes 0.1 s a module: not all).
TEST(Dwarf, ProducersReadInProcessAreWhatLlvmDwarfdumpReads) {
    if (FindDwarfdump().empty()) GTEST_SKIP() << "llvm-dwarfdump is not installed";
    namespace fs = std::filesystem;
    size_t modules = 0, with_dwarf = 0, compared = 0;
    std::error_code ec;
    for (const auto &e : fs::recursive_directory_iterator(VSPC_BINARY_DIR "/samples", ec)) {
        const std::string path = e.path().string();
        if (!e.is_regular_file() || !path.ends_with(".so")) continue;
        std::ifstream in(path, std::ios::binary);
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        ElfImage elf;
        ASSERT_EQ(elf.Parse(bytes), "") << path;
        auto in_process = ReadProducers(bytes, elf);
        ASSERT_TRUE(in_process.has_value()) << path;
        ++modules;
        with_dwarf += !in_process->empty();
        const std::string name = e.path().filename().string();
        if (name != "libvsp_reference.so" && name != "libvsp_reference_coverage.so" &&
            name != "libvsp_reference_asan.so" && name != "libvsp_driver_serial.so" &&
            name != "libvsp_sp11_heap_overflow_asan.so" && name != "libvsp_sandbox_daemon_rewrite.so")
            continue;
        ModuleBuild tool = ReadModuleBuild(path, false, false);  // llvm-dwarfdump's
        EXPECT_FALSE(tool.producers.empty()) << path;
        EXPECT_EQ(*in_process, tool.producers) << path;
        EXPECT_EQ(ReadModuleBuild(path, false, false, &bytes, &elf), tool) << path;
        ++compared;
    }
    EXPECT_GT(modules, 50u);
    EXPECT_EQ(with_dwarf, modules);  // every sample is built with -g
    EXPECT_EQ(compared, 6u);
}

// The module file is the user's (or a hostile module's): a damaged .debug_info is read to its end
// or refused, never past its bytes.
TEST(Dwarf, DamagedDebugInfoIsReadSafely) {
    std::ifstream in(VSPC_BINARY_DIR "/samples/libvsp_reference.so", std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ElfImage elf;
    ASSERT_EQ(elf.Parse(bytes), "");
    auto info = elf.Section(".debug_info");
    ASSERT_TRUE(info && info->in_file);
    auto clean = ReadProducers(bytes, elf);
    ASSERT_TRUE(clean && !clean->empty());
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int round = 0; round < 2000; ++round) {
        std::vector<char> b = bytes;
        for (int k = 0; k < 1 + round % 8; ++k) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            uint64_t at = info->offset + x % std::min<uint64_t>(info->size, 256);
            b[at] = static_cast<char>(x >> 32);
        }
        (void)ReadProducers(b, elf);  // under ASan/valgrind or not: no read outside `b`
    }
    // Sections that reach past the bytes given (the ELF read from a longer file) are not read.
    std::vector<char> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(info->offset + 12));
    EXPECT_FALSE(ReadProducers(cut, elf).has_value());
}

// tests/data/dwarf_record.txt is `llvm-dwarfdump-14 --debug-info` of clang 14's -g -O1 object of:
//   typedef struct _HDR { unsigned int Magic; unsigned short Version; unsigned short Flags; } HDR;
//   typedef struct _SG { unsigned long long Pfn; unsigned int Offset; unsigned int Length; } SG;
//   typedef struct _REC { HDR Header; union { unsigned int Raw; struct { unsigned short Lo, Hi; }; } U;
//                         unsigned int Count; SG Sg[2]; unsigned char Tail[]; } REC;
//   int Save(void *buf, unsigned int size) { REC *r = buf; ... }
TEST(Dwarf, AnOffsetNamesTheFieldOfTheCallbacksRecordType) {
    std::ifstream in(std::string(VSPC_SOURCE_DIR) + "/tests/data/dwarf_record.txt");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(text.empty());
    DwarfTypes types;
    types.Parse(text);
    ASSERT_GT(types.size(), 10u);
    // REC is 48 bytes (its Tail is flexible): the type of the callback's pointer to SaveBuf.
    EXPECT_EQ(types.FieldAt(0, "Save", 0, 48), "REC.Header.Magic");
    EXPECT_EQ(types.FieldAt(0, "Save", 6, 48), "REC.Header.Flags");
    EXPECT_EQ(types.FieldAt(0, "Save", 9, 48), "REC.U.Raw");
    EXPECT_EQ(types.FieldAt(0, "Save", 12, 48), "REC.Count");
    EXPECT_EQ(types.FieldAt(0, "Save", 44, 48), "REC.Sg[1].Length");
    // A longer record starts with it: the payload is its flexible Tail.
    EXPECT_EQ(types.FieldAt(0, "Save", 50, 60), "REC.Tail[2]");
    // Another callback that holds no record pointer: the one struct of the module of exactly the
    // record's size whose name says it is a record (REC).
    EXPECT_EQ(types.FieldAt(0, "Restore", 6, 48), "REC.Header.Flags");
    // No struct of that size named so, and none of the callback's fits: nothing is guessed.
    EXPECT_EQ(types.FieldAt(0, "Restore", 6, 47), "");
    EXPECT_EQ(types.FieldAt(0, "Save", 6, 7), "");
}

}  // namespace
}  // namespace vspc

namespace vspc {

TEST(SandboxState, SupervisorKeepsOnlyWhatItCanConfirm) {
    SandboxState all{true, true, true, true, true, true, true, true, 6144, 1024, 181, 256, true, false, 256};
    // Not asked for: nothing, whatever the worker says.
    EXPECT_EQ(VouchSandbox(all, false, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET, 256, getpid()), SandboxState{});
    // No namespace made by the clone: none, and the limits are this process's own.
    SandboxState v = VouchSandbox(all, true, 0, 256, getpid());
    EXPECT_EQ(v.pids_max, 0u);  // this process is in no pids cgroup of vspconform's
    EXPECT_FALSE(v.pid_ns || v.mount_ns || v.net_ns || v.user_ns);
    struct rlimit r;
    ASSERT_EQ(getrlimit(RLIMIT_AS, &r), 0);
    EXPECT_EQ(v.rlimit_as_mb, r.rlim_cur == RLIM_INFINITY ? 0 : r.rlim_cur >> 20);
    // What the clone made stays, as the worker saw it.
    SandboxState w = VouchSandbox(all, true, CLONE_NEWPID | CLONE_NEWNET, 0, -1);
    EXPECT_TRUE(w.pid_ns && w.net_ns && w.seccomp);
    EXPECT_FALSE(w.mount_ns || w.user_ns);
}

TEST(SandboxState, DescribesWhatWasInForceAndWhatWasNot) {
    SandboxState s{true, true, true, true, false, true, true, true, 6144, 1024, 181, 256, false, false, 0};
    EXPECT_EQ(DescribeSandbox(s),
              "pid,mount,net namespaces; seccomp; no_new_privs; rlimits as,fsize,cpu; read-only fs (unavailable: "
              "rlimit nproc (not applied to root; no pids cgroup))");
    SandboxState bare{};
    bare.requested = true;
    bare.seccomp = true;
    EXPECT_NE(DescribeSandbox(bare).find("unavailable: pid namespace, mount namespace, network namespace"),
              std::string::npos);
    EXPECT_EQ(DescribeSandbox(SandboxState{}).rfind("off", 0), 0u);
}

}  // namespace vspc

namespace vspc {
namespace {

// A PASS whose run reached under half of the restore callback's own edges says so beside the verdict,
// in the console summary, report.md, report.html and report.json; at half or more it says nothing.
RunSummary PassWithRestoreCoverage(uint64_t edges, uint64_t reached) {
    RunSummary run;
    run.command = CommandId::Check;
    run.loaded = true;
    run.state_saves = 1;
    run.sweep.cases = 1;
    CoverageSummary c;
    c.edges = 10 + edges;
    c.reached = 10 + reached;
    FunctionCoverage save{"EvtVmbChannelSavePacket", "vsp.c", 10, 10, 10, true, "save", {}, {}};
    FunctionCoverage restore{"EvtVmbChannelRestorePacket", "vsp.c", 40, edges, reached, reached > 0, "restore", {}, {}};
    c.functions = {save, restore};
    run.coverage = c;
    return run;
}

std::string ConsoleSummary(const RunSummary &run) {
    char *text = nullptr;
    size_t size = 0;
    std::FILE *out = open_memstream(&text, &size);
    PrintSummary(run, out);
    std::fclose(out);
    std::string s(text, size);
    std::free(text);
    return s;
}

TEST(Report, LowRestoreCoverageIsSaidBesideTheVerdictInEveryReport) {
    const RunSummary low = PassWithRestoreCoverage(35, 11);
    ASSERT_EQ(low.Verdict(), "pass");
    const std::string said = "the run reached 11 of 35 edges of EvtVmbChannelRestorePacket (31%)";
    EXPECT_EQ(low.LowRestoreCoverage(), said);
    const std::string console = ConsoleSummary(low);
    EXPECT_NE(console.find("verdict  PASS (0 rule violation(s), 0 warning(s)); low restore coverage: " + said),
              std::string::npos)
        << console;
    EXPECT_NE(MarkdownReport(low).find("> **low restore coverage: " + said), std::string::npos);
    EXPECT_NE(HtmlReport(low).find("<p id=\"low-restore-coverage\""), std::string::npos);
    EXPECT_EQ(JsonReport(low)["coverage"]["low_restore_coverage"], said);

    const RunSummary half = PassWithRestoreCoverage(34, 17);
    EXPECT_EQ(half.LowRestoreCoverage(), "");
    EXPECT_EQ(ConsoleSummary(half).find("low restore coverage"), std::string::npos);
    EXPECT_EQ(MarkdownReport(half).find("low restore coverage"), std::string::npos);
    EXPECT_EQ(HtmlReport(half).find("low-restore-coverage"), std::string::npos);
    EXPECT_TRUE(JsonReport(half)["coverage"]["low_restore_coverage"].is_null());
}

}  // namespace
}  // namespace vspc
