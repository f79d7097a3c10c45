// replay as one debugs a finding with it: --dump shows every byte each call is
// given (checked against the case file decoded with the Case API, and against
// the records the module saved), --debug plays the case in the foreground
// (same findings as the supervised replay; a crash ends the process, as
// documented), under gdb too, and for an ASan module.
#include <unistd.h>

#include <algorithm>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "Case.h"
#include "CaseFile.h"
#include "test_util.h"

namespace {

using namespace vspc_test;

std::vector<uint8_t> Bytes(const std::string &s) { return {s.begin(), s.end()}; }

// The hex dumps of --dump output: each block's bytes under the line that
// labels it (the label without its indentation). Fails on a block whose
// offsets do not follow on.
std::vector<std::pair<std::string, std::vector<uint8_t>>> Dumps(const std::string &out) {
    static const std::regex row(R"(^ +([0-9a-f]{6})  (.{49}) \|.*\|$)");
    std::vector<std::pair<std::string, std::vector<uint8_t>>> blocks;
    for (const std::string &line : Lines(out)) {
        std::smatch m;
        if (std::regex_match(line, m, row)) {
            if (blocks.empty()) {
                ADD_FAILURE() << "a hex row without a label: " << line;
                continue;
            }
            auto &bytes = blocks.back().second;
            EXPECT_EQ(std::stoul(m[1], nullptr, 16), bytes.size()) << "offsets do not follow on: " << line;
            std::istringstream hex(m[2].str());
            for (std::string b; hex >> b;) bytes.push_back(static_cast<uint8_t>(std::stoul(b, nullptr, 16)));
        } else {
            blocks.emplace_back(line.substr(line.find_first_not_of(' ') == std::string::npos
                                                ? line.size()
                                                : line.find_first_not_of(' ')),
                                std::vector<uint8_t>{});
        }
    }
    return blocks;
}

const std::vector<uint8_t> *Block(const std::vector<std::pair<std::string, std::vector<uint8_t>>> &blocks,
                                  const std::string &label_prefix) {
    for (const auto &[label, bytes] : blocks)
        if (label.rfind(label_prefix, 0) == 0) return &bytes;
    return nullptr;
}

// The `=>` lines (findings and notes) and call lines of a replay, without the
// lines that only one mode prints (its banner, the hints to --dump and --debug).
std::vector<std::string> Trace(const std::string &out) {
    std::vector<std::string> keep;
    for (const std::string &line : Lines(out)) {
        if (line.rfind("replay in the foreground", 0) == 0) continue;
        if (line.find("=> every input byte:") != std::string::npos) continue;
        if (line.find("=> in a debugger:") != std::string::npos) continue;
        keep.push_back(line);
    }
    return keep;
}

std::vector<std::string> FindingLines(const std::string &out) {
    std::vector<std::string> keep;
    for (const std::string &line : Lines(out))
        if (line.rfind("  => ", 0) == 0 && line.find(" error: ") != std::string::npos) keep.push_back(line);
    return keep;
}

// The reproducers `check` (deterministic sweep only) writes for a sample, one per rule.
class Reproducers : public ::testing::Test {
protected:
    static void SetUpTestSuite() { dir_ = new ScratchDir("replay-repro"); }
    static void TearDownTestSuite() {
        delete dir_;
        dir_ = nullptr;
    }
    static std::string CaseFor(const std::string &sample, const std::string &rule) {
        fs::path report = dir_->path() / sample;
        if (!fs::exists(report / "report.json")) {
            ProcResult r = RunProc(Cmd({"check", SamplePath(sample), "--runs", "0", "--report-dir", report.string()}),
                                   dir_->path());
            EXPECT_EQ(r.exit_code, 1) << r.Describe();
        }
        std::error_code ec;
        for (const auto &e : fs::directory_iterator(report / "cases", ec))
            if (e.path().filename().string().rfind(rule + "-", 0) == 0) return e.path().string();
        ADD_FAILURE() << "check of " << sample << " wrote no " << rule << " case";
        return (report / "cases" / "none.case").string();
    }
    static ScratchDir *dir_;
};
ScratchDir *Reproducers::dir_ = nullptr;

// ---- --dump ------------------------------------------------------------------------

void ExpectSeedsDumped(const vspc::Case &c, const std::vector<std::pair<std::string, std::vector<uint8_t>>> &blocks) {
    for (size_t i = 0; i < c.seeds.size(); ++i) {
        const auto *seed = Block(blocks, "seed of packet " + std::to_string(i) + " ");
        ASSERT_NE(seed, nullptr) << "no dump of packet " << i << "'s seed";
        EXPECT_EQ(*seed, c.seeds[i]) << "packet " << i << "'s seed";
        const auto *given = Block(blocks, "#" + std::to_string(i) + " prepare packet " + std::to_string(i) + " ");
        ASSERT_NE(given, nullptr) << "no dump of the seed prepare #" << i << " is given";
        EXPECT_EQ(*given, c.seeds[i]);
    }
}

TEST_F(Reproducers, DumpOfARestoreFindingShowsEveryByteOfTheHostileInput) {
    const std::string file = CaseFor("rp2_restore_trusts_sg_count", "RP2");
    const vspc::Case c = vspc::DecodeCase(vspc::CaseBytesOf(Bytes(ReadFile(file))));
    ProcResult r = RunProc(Cmd({"replay", SamplePath("rp2_restore_trusts_sg_count"), file, "--dump"}), dir_->path());
    ASSERT_EQ(r.exit_code, 1) << r.Describe();
    const auto blocks = Dumps(r.out);
    ExpectSeedsDumped(c, blocks);

    // The failing call: its number from the finding, its SaveBuf in full, and
    // that SaveBuf is the record of the save it names with the op's mutation applied.
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(=> RP2 error: .*\n +\(call #(\d+))"))) << r.out;
    const std::string call = m[1];
    std::string label;
    const std::vector<uint8_t> *input = nullptr;
    for (const auto &[l, bytes] : blocks)
        if (l.rfind("#" + call + " restore (op ", 0) == 0 && l.find("is given SaveBuf") != std::string::npos) {
            label = l;
            input = &bytes;
        }
    ASSERT_NE(input, nullptr) << "no dump of call #" << call << "'s SaveBuf\n" << r.out;
    ASSERT_TRUE(std::regex_search(label, m,
                                  std::regex(R"(^#\d+ restore \(op (\d+)\) is given SaveBuf \((\d+) bytes, .*)"
                                             R"(packet (\d+)'s record from save call #(\d+))")))
        << label;
    const size_t op = std::stoul(m[1]);
    EXPECT_EQ(std::stoul(m[2]), input->size()) << label;
    ASSERT_LT(op, c.ops.size());
    ASSERT_EQ(c.ops[op].kind, vspc::OpKind::Restore) << label;
    const auto *record = Block(blocks, "#" + m[4].str() + " save packet " + m[3].str() + " wrote a record");
    ASSERT_NE(record, nullptr) << "no dump of the record of save #" << m[4] << "\n" << r.out;
    std::vector<uint8_t> expected = *record;
    const vspc::Op &o = c.ops[op];
    switch (o.mutation) {
    case vspc::Mutation::None: break;
    case vspc::Mutation::FlipBit: expected.at(o.param / 8) ^= static_cast<uint8_t>(1u << (o.param % 8)); break;
    case vspc::Mutation::Truncate: expected.resize(o.param); break;
    case vspc::Mutation::Extend:
        for (uint32_t i = 0; i < 1 + o.param % 64; ++i) expected.push_back(vspc::FillByte(o.param & 0xFF, i));
        break;
    case vspc::Mutation::Splice: GTEST_SKIP() << "a splice: the check above needs two records";
    }
    EXPECT_EQ(*input, expected) << label;
    // And every op of the case is listed.
    for (size_t i = 0; i < c.ops.size(); ++i)
        EXPECT_NE(r.out.find("\n  op " + std::to_string(i) + ": "), std::string::npos) << "op " << i;
}

TEST_F(Reproducers, DumpOfASaveFindingShowsTheSeedBytes) {
    const std::string file = CaseFor("sp5_nul_past_end", "SP5");
    const vspc::Case c = vspc::DecodeCase(vspc::CaseBytesOf(Bytes(ReadFile(file))));
    ProcResult r = RunProc(Cmd({"replay", SamplePath("sp5_nul_past_end"), file, "--dump"}), dir_->path());
    ASSERT_EQ(r.exit_code, 1) << r.Describe();
    ExpectSeedsDumped(c, Dumps(r.out));
    EXPECT_NE(r.out.find("=> SP5 error"), std::string::npos) << r.out;
}

// The longest input a case itself carries (RestoreBytes, 64 KiB): every byte,
// in the case's decoding and as the call is given it (over several messages
// from the worker: the hex dump is some 300 KiB).
TEST(Dump, LongRestoreInputIsNotCut) {
    ScratchDir dir("replay-long");
    vspc::Case c;
    c.seeds = {Bytes("seed-with-a-few-bytes")};
    vspc::Op op;
    op.kind = vspc::OpKind::RestoreBytes;
    for (size_t i = 0; i < vspc::kMaxRestoreBytes; ++i) op.bytes.push_back(static_cast<uint8_t>(i * 7 + i / 251));
    c.ops.push_back(op);
    const fs::path file = dir / "long.case";
    {
        auto bytes = vspc::EncodeCase(c);
        std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    }
    ProcResult r =
        RunProc(Cmd({"replay", SamplePath("rp2_restore_trusts_sg_count"), file.string(), "--dump"}), dir.path());
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.Describe();
    const auto blocks = Dumps(r.out);
    ExpectSeedsDumped(c, blocks);
    const auto *listed = Block(blocks, "op 0: restore from the case's own 65536 bytes");
    ASSERT_NE(listed, nullptr) << r.out;
    EXPECT_EQ(*listed, op.bytes);
    const std::vector<uint8_t> *given = nullptr;
    for (const auto &[label, bytes] : blocks)
        if (label.find("restore (op 0) is given SaveBuf (65536 bytes") != std::string::npos &&
            label.find("op 0's own bytes") != std::string::npos)
            given = &bytes;
    ASSERT_NE(given, nullptr) << r.out;
    EXPECT_EQ(*given, op.bytes);
    const auto *lib = Block(blocks, "#1 restore (op 0) is given LibBuf (48 bytes");
    ASSERT_NE(lib, nullptr) << r.out;
    EXPECT_EQ(lib->size(), 48u);
    EXPECT_EQ(std::string(lib->begin(), lib->begin() + 8), "VSPCLIB1");
}

// Without --dump, a failing call says what it was given and where to see the bytes.
TEST_F(Reproducers, PlainReplayPointsAtDumpAndDebug) {
    const std::string file = CaseFor("rp2_restore_trusts_sg_count", "RP2");
    ProcResult r = RunProc(Cmd({"replay", SamplePath("rp2_restore_trusts_sg_count"), file}), dir_->path());
    ASSERT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(=> RP2 error: .*\n +\(call #\d+; --dump prints its input\))")))
        << r.out;
    EXPECT_NE(r.out.find("=> in a debugger: gdb --args "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" --debug\n"), std::string::npos) << r.out;
    // No truncated previews left.
    EXPECT_EQ(r.out.find(".., LibBufSize"), std::string::npos) << r.out;
}

TEST_F(Reproducers, CrashedCallSaysWhatItWasGiven) {
    const std::string file = CaseFor("sp11_null_deref", "SP11");
    ProcResult r = RunProc(Cmd({"replay", SamplePath("sp11_null_deref"), file}), dir_->path());
    ASSERT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_NE(r.out.find("-> did not return"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("=> SP11 error"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("=> in a debugger: gdb --args "), std::string::npos) << r.out;
}

// ---- --debug ------------------------------------------------------------------------

TEST_F(Reproducers, DebugFindsWhatTheSupervisedReplayFinds) {
    for (const auto &[sample, rule] :
         std::vector<std::pair<std::string, std::string>>{{"rp2_restore_trusts_sg_count", "RP2"},
                                                          {"sp5_nul_past_end", "SP5"}}) {
        SCOPED_TRACE(sample);
        const std::string file = CaseFor(sample, rule);
        ProcResult supervised = RunProc(Cmd({"replay", SamplePath(sample), file}), dir_->path());
        ProcResult debug = RunProc(Cmd({"replay", SamplePath(sample), file, "--debug"}), dir_->path());
        EXPECT_EQ(supervised.exit_code, 1) << supervised.Describe();
        EXPECT_EQ(debug.exit_code, 1) << debug.Describe();
        EXPECT_EQ(debug.signal, 0) << debug.Describe();
        EXPECT_NE(debug.out.find("=> " + rule + " error"), std::string::npos) << debug.out;
        EXPECT_EQ(FindingLines(debug.out), FindingLines(supervised.out));
        EXPECT_EQ(Trace(debug.out), Trace(supervised.out)) << "the same calls and findings, in the same words";
    }
}

TEST_F(Reproducers, DebugOfACrashDiesOfTheModulesSignalAfterANote) {
    const std::string file = CaseFor("sp11_null_deref", "SP11");
    ProcResult r = RunProc(Cmd({"replay", SamplePath("sp11_null_deref"), file, "--debug"}), dir_->path());
    EXPECT_EQ(r.signal, SIGSEGV) << r.Describe();
    const auto lines = Lines(r.out);
    ASSERT_GE(lines.size(), 2u) << r.Describe();
    EXPECT_NE(lines[lines.size() - 2].find("save   packet 0: SaveBuf right-aligned, SaveBufSize 8 -> did not return"),
              std::string::npos)
        << r.out;
    EXPECT_NE(lines.back().find("=> the module killed vspconform in this call: signal 11 (SIGSEGV)"), std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("verdict:"), std::string::npos) << r.out;
    // The supervised replay names the call that never returned in the same words.
    ProcResult supervised = RunProc(Cmd({"replay", SamplePath("sp11_null_deref"), file}), dir_->path());
    EXPECT_NE(supervised.out.find(lines[lines.size() - 2] + "\n"), std::string::npos)
        << "'" << lines[lines.size() - 2] << "' is not in\n"
        << supervised.out;
}

TEST_F(Reproducers, DebugOfAnExitInACallFailsAfterANote) {
    const std::string file = CaseFor("sp11_exit", "SP11");
    ProcResult r = RunProc(Cmd({"replay", SamplePath("sp11_exit"), file, "--debug"}), dir_->path());
    EXPECT_EQ(r.signal, 0) << r.Describe();
    EXPECT_EQ(r.exit_code, 1) << "the module exits 0; the process must not pass\n" << r.Describe();
    EXPECT_NE(r.out.find("-> did not return\n  => the module ended vspconform in this call: exit()"), std::string::npos)
        << r.out;
}

// gdb stops at the module's own faulting line (the samples are built with -g).
TEST_F(Reproducers, GdbStopsInTheModule) {
    if (access("/usr/bin/gdb", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/gdb";
    const std::string file = CaseFor("sp11_null_deref", "SP11");
    ProcResult r = RunProc({"/usr/bin/gdb", "-q", "-batch", "-nx", "-ex", "run", "-ex", "bt 1", "--args",
                            VSPCONFORM_BIN, "replay", SamplePath("sp11_null_deref"), file, "--debug"},
                           dir_->path());
    if (r.out.find("ptrace: Operation not permitted") != std::string::npos ||
        r.err.find("ptrace: Operation not permitted") != std::string::npos)
        GTEST_SKIP() << "ptrace is not permitted here";
    EXPECT_NE(r.out.find("received signal SIGSEGV"), std::string::npos) << r.Describe();
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(#0 .*EvtVmbChannelSavePacket .*sp11_null_deref\.c:\d+)")))
        << r.Describe();
}

// An ASan module in the foreground: vspconform re-executes itself with the runtime preloaded.
TEST(Debug, AsanModuleLoads) {
    ScratchDir dir("replay-asan");
    ProcResult seeds = RunProc(Cmd({"seeds", (dir / "seeds").string()}), dir.path());
    ASSERT_EQ(seeds.exit_code, 0) << seeds.Describe();
    std::vector<std::string> files;
    for (const auto &e : fs::directory_iterator(dir / "seeds")) files.push_back(e.path().string());
    ASSERT_FALSE(files.empty());
    std::sort(files.begin(), files.end());
    ProcResult supervised = RunProc(Cmd({"replay", SamplePath("reference_asan"), files[0]}), dir.path());
    ProcResult debug = RunProc(Cmd({"replay", SamplePath("reference_asan"), files[0], "--debug"}), dir.path());
    EXPECT_EQ(supervised.exit_code, 0) << supervised.Describe();
    EXPECT_EQ(debug.exit_code, 0) << debug.Describe();
    EXPECT_NE(debug.out.find("verdict: pass"), std::string::npos) << debug.Describe();
    EXPECT_EQ(Trace(debug.out), Trace(supervised.out));
}

// ---- bad input: exit 2, one line ------------------------------------------------------

void ExpectOneLineError(const ProcResult &r, const std::string &mention) {
    EXPECT_EQ(r.signal, 0) << r.Describe();
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    const auto lines = Lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.Describe();
    EXPECT_EQ(lines[0].rfind("vspconform: error: ", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find(mention), std::string::npos) << lines[0];
}

TEST(Debug, ASecondModuleIsNotACase) {
    ScratchDir dir("replay-twomodules");
    ExpectOneLineError(RunProc(Cmd({"replay", SamplePath("reference"), SamplePath("sp5_nul_past_end"), "--debug"}),
                               dir.path()),
                       "is a shared object, not a case file");
}

TEST(Debug, UnknownCaseFile) {
    ScratchDir dir("replay-nocase");
    ExpectOneLineError(RunProc(Cmd({"replay", SamplePath("reference"), (dir / "nope.case").string(), "--debug",
                                    "--dump"}),
                               dir.path()),
                       "nope.case");
}

// The ASan runtime cannot be had (here: a re-execution already tried): say how to run it by hand.
TEST(Debug, AsanRuntimeMissingSaysWhatToRun) {
    ScratchDir dir("replay-asan-missing");
    const fs::path file = dir / "one.case";
    std::ofstream(file, std::ios::binary) << std::string("\x00\x01\x41", 3);
    setenv("VSPCONFORM_ASAN_REEXEC", "1", 1);
    ProcResult r = RunProc(Cmd({"replay", SamplePath("reference_asan"), file.string(), "--debug"}), dir.path());
    unsetenv("VSPCONFORM_ASAN_REEXEC");
    ExpectOneLineError(r, "LD_PRELOAD=");
}

}  // namespace
