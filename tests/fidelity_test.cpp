// Issue 19 as a reviewer meets it in the reports: how far an overrun went, the pool rules at the
// line of the allocation, the module's build (flavour, compiler, flags) and source revision in every
// format, the record field of an offset, and worker logs without libFuzzer's own chatter.
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace {

using namespace vspc_test;
using nlohmann::json;

struct Reports {
    ProcResult proc;
    json report;
    fs::path dir;
    std::string md, html, junit;
    json sarif;
};

Reports CheckSample(const std::string &sample, const ScratchDir &scratch, const std::string &name,
                    const std::vector<std::string> &extra = {}) {
    Reports r;
    r.dir = scratch / name;
    r.proc = RunProc(Cmd({"check", SamplePath(sample), "--report-dir", r.dir.string()}, extra), scratch.path());
    r.report = ReadJson(r.dir / "report.json");
    r.md = ReadFile(r.dir / "report.md");
    r.html = ReadFile(r.dir / "report.html");
    r.junit = ReadFile(r.dir / "junit.xml");
    r.sarif = ReadJson(r.dir / "results.sarif");
    return r;
}

const json &OnlyViolation(const Reports &r, const std::string &rule) {
    static const json none;
    const json &v = r.report["violations"];
    if (!v.is_array() || v.size() != 1 || v[0].value("rule", "") != rule) {
        ADD_FAILURE() << "expected exactly one " << rule << " violation\n" << r.report.dump(2) << r.proc.Describe();
        return none;
    }
    return v[0];
}

// The 1-based line of the first line of `file` that contains `text`.
int LineOf(const std::string &file, const std::string &text) {
    auto lines = Lines(ReadFile(fs::path(VSPC_SOURCE_DIR) / file));
    for (size_t i = 0; i < lines.size(); ++i)
        if (lines[i].find(text) != std::string::npos) return static_cast<int>(i + 1);
    return -1;
}

// ---- overrun extent ----------------------------------------------------------------------------

TEST(OverrunExtent, A248ByteMemcpyIs248BytesInEveryReport) {
    ScratchDir dir("extent248");
    Reports r = CheckSample("sp5_memcpy_overrun", dir, "r");
    ASSERT_EQ(r.proc.exit_code, 1) << r.proc.Describe();
    const json &v = OnlyViolation(r, "SP5");
    ASSERT_TRUE(v["location"].is_object()) << v.dump(2);
    const json &l = v["location"];
    const int64_t size = l["buffer_size"].get<int64_t>();
    EXPECT_EQ(l["offset"].get<int64_t>(), size) << l.dump();  // the first byte past SaveBuf
    EXPECT_EQ(l["last_offset"].get<int64_t>(), size + 247) << l.dump();
    EXPECT_EQ(l["extent"].get<int>(), 248) << l.dump();
    EXPECT_EQ(l["extent_class"], "9-4096 bytes");
    EXPECT_EQ(v["signature"], "SaveBuf overrun write 9-4096 bytes");
    const std::string said = "overrun of 248 bytes";
    EXPECT_NE(v["message"].get<std::string>().find(said), std::string::npos) << v["message"];
    EXPECT_NE(r.md.find(said), std::string::npos);
    EXPECT_NE(r.html.find(said), std::string::npos);
    EXPECT_NE(r.junit.find(said), std::string::npos);
    EXPECT_NE(r.proc.out.find(said), std::string::npos) << r.proc.out;
    const json &res = r.sarif["runs"][0]["results"][0];
    EXPECT_NE(res["message"]["text"].get<std::string>().find(said), std::string::npos);
    EXPECT_EQ(res["properties"]["stray"]["extent"], 248) << res.dump(2);
    EXPECT_EQ(res["properties"]["stray"]["first_offset"].get<int64_t>(), size);
    ExpectReportsValid(r.dir, dir.path());
}

TEST(OverrunExtent, AOneByteOverrunIsOneByte) {
    ScratchDir dir("extent1");
    Reports r = CheckSample("sp5_nul_past_end", dir, "r", {"--runs", "20000"});
    ASSERT_EQ(r.proc.exit_code, 1) << r.proc.Describe();
    const json &l = OnlyViolation(r, "SP5")["location"];
    EXPECT_EQ(l["extent"], 1) << l.dump();
    EXPECT_EQ(l["count"], 1) << l.dump();
    EXPECT_EQ(l["last_offset"], l["offset"]) << l.dump();
    EXPECT_NE(r.md.find("overrun of 1 byte ("), std::string::npos) << r.md;
}

TEST(OverrunExtent, A64BitStoreIntoBytesNeededIsFourBytesPastIt) {
    ScratchDir dir("extent64");
    Reports r = CheckSample("sp5_bytes_needed_64bit", dir, "r", {"--runs", "20000"});
    ASSERT_EQ(r.proc.exit_code, 1) << r.proc.Describe();
    const json &l = OnlyViolation(r, "SP5")["location"];
    EXPECT_EQ(l["region"], "*BytesNeeded");
    EXPECT_EQ(l["offset"], 4);
    EXPECT_EQ(l["last_offset"], 7);
    EXPECT_EQ(l["extent"], 4);
}

// ---- pool rules: the finding is at the module's allocation or free ---------------------------------

TEST(PoolRules, FindingsAreAtTheAllocationOrTheFree) {
    struct Case {
        const char *sample, *rule, *line_text;
    };
    for (const Case c : {Case{"sp14_save_leaks_pool", "SP14", "Scratch = (PUCHAR)ExAllocatePool2("},
                         Case{"sp14_free_wrong_tag", "SP14", "ExFreePoolWithTag(Scratch, POOL_VSP_TAG_CONTEXT);"},
                         Case{"rp5_restore_leaks_on_reject", "RP5", "Context = (PPOOL_VSP_CONTEXT)ExAllocatePool2("},
                         Case{"rp5_restore_frees_foreign", "RP5", "/* never allocated (NULL) */"}}) {
        ScratchDir dir(std::string("pool-") + c.sample);
        Reports r = CheckSample(c.sample, dir, "r", {"--runs", "20000"});
        ASSERT_EQ(r.proc.exit_code, 1) << r.proc.Describe();
        const json &v = OnlyViolation(r, c.rule);
        ASSERT_TRUE(v["code"].is_object()) << v.dump(2);
        EXPECT_EQ(v["code"]["where"], "caller") << v.dump(2);
        EXPECT_EQ(v["code"]["line"], LineOf("samples/pool/pool_vsp.c", c.line_text)) << c.sample << "\n" << v.dump(2);
        EXPECT_NE(v["message"].get<std::string>().find("0xC"), std::string::npos) << v["message"];  // the bug check
    }
}

// ---- the build and the source revision, in every format ------------------------------------------

TEST(BuildFacts, FlavourCompilerFlagsAndRevisionInEveryFormat) {
    ScratchDir dir("build");
    const std::string revision = "release/2.1@4f2a9c1";
    Reports r = CheckSample("struct_record", dir, "r", {"--runs", "1000", "--source-revision", revision});
    ASSERT_EQ(r.proc.exit_code, 0) << r.proc.Describe();
    const json &b = r.report["module"]["build"];
    EXPECT_EQ(b["flavour"], "plain") << b.dump(2);
    ASSERT_TRUE(b["compiler"].is_string()) << b.dump(2);
    const std::string compiler = b["compiler"];
    EXPECT_NE(compiler.find("clang version"), std::string::npos) << compiler;
    // Samples are built with -grecord-gcc-switches: the flags are in the DWARF.
    ASSERT_TRUE(b["flags"].is_string()) << b.dump(2);
    const std::string flags = b["flags"];
    EXPECT_NE(flags.find("-O1"), std::string::npos) << flags;
    EXPECT_NE(flags.find("struct_record.c"), std::string::npos) << flags;
    EXPECT_EQ(r.report["source_revision"], revision);
    for (const std::string *text : {&r.md, &r.html, &r.junit, &r.proc.out}) {
        EXPECT_NE(text->find(compiler), std::string::npos);
        EXPECT_NE(text->find(revision), std::string::npos);
        EXPECT_NE(text->find("plain"), std::string::npos);
    }
    EXPECT_NE(r.junit.find("name=\"flags\" value=\"" + flags.substr(0, 20)), std::string::npos) << r.junit;
    const json &run = r.sarif["runs"][0];
    EXPECT_EQ(run["invocations"][0]["properties"]["source_revision"], revision);
    EXPECT_EQ(run["artifacts"][0]["properties"]["build"]["compiler"], compiler);
    ExpectReportsValid(r.dir, dir.path());

    // Without --source-revision the reports say it was not given; flavours follow the module.
    Reports cov = CheckSample("reference_coverage", dir, "cov", {"--runs", "1000"});
    EXPECT_EQ(cov.report["module"]["build"]["flavour"], "coverage");
    EXPECT_TRUE(cov.report["source_revision"].is_null());
    EXPECT_NE(cov.md.find("not given (--source-revision)"), std::string::npos);
    Reports asan = CheckSample("reference_asan", dir, "asan", {"--runs", "1000"});
    EXPECT_EQ(asan.report["module"]["build"]["flavour"], "asan");
}

TEST(BuildFacts, ABadSourceRevisionIsOneLineAndExitTwo) {
    ScratchDir dir("badrev");
    for (const std::string &bad : {std::string("two\nlines"), std::string(201, 'x')}) {
        ProcResult p = RunProc(Cmd({"check", SamplePath("reference"), "--source-revision", bad, "--report-dir",
                                    (dir / "r").string()}),
                               dir.path());
        EXPECT_EQ(p.exit_code, 2) << p.Describe();
        auto lines = Lines(p.err);
        ASSERT_EQ(lines.size(), 1u) << p.Describe();
        EXPECT_NE(lines[0].find("--source-revision"), std::string::npos) << lines[0];
    }
}

TEST(BuildFacts, CompatAndFuzzTakeTheRevisionToo) {
    ScratchDir dir("revcmds");
    ProcResult c = RunProc(Cmd({"compat", SamplePath("versioned_v1"), SamplePath("versioned_v2"), "--runs", "0",
                                "--source-revision", "v2-rc1", "--report-dir", (dir / "compat").string()}),
                           dir.path());
    ASSERT_EQ(c.exit_code, 0) << c.Describe();
    EXPECT_EQ(ReadJson(dir / "compat" / "report.json")["source_revision"], "v2-rc1");
    ProcResult f = RunProc(Cmd({"fuzz", SamplePath("reference"), "--time", "2", "--jobs", "1", "--source-revision",
                                "nightly-17", "--report-dir", (dir / "fuzz").string()}),
                           dir.path());
    ASSERT_EQ(f.exit_code, 0) << f.Describe();
    EXPECT_EQ(ReadJson(dir / "fuzz" / "report.json")["source_revision"], "nightly-17");
}

// ---- record fields from the module's DWARF --------------------------------------------------------

TEST(RecordFields, Sp9AndRp4NameTheFieldOfTheirOffset) {
    ScratchDir dir("fields");
    Reports sp9 = CheckSample("sp9_struct_reserved", dir, "sp9", {"--runs", "20000"});
    ASSERT_EQ(sp9.proc.exit_code, 1) << sp9.proc.Describe();
    const json &v = OnlyViolation(sp9, "SP9");
    ASSERT_TRUE(v["record"].is_object()) << v.dump(2);
    EXPECT_EQ(v["record"]["offset"], 20);
    EXPECT_EQ(v["record"]["field"], "SAVED_REQUEST.Reserved") << v.dump(2);
    EXPECT_NE(v["message"].get<std::string>().find("SAVED_REQUEST.Reserved"), std::string::npos);
    EXPECT_NE(sp9.md.find("record field"), std::string::npos);
    EXPECT_EQ(sp9.sarif["runs"][0]["results"][0]["properties"]["record_field"], "SAVED_REQUEST.Reserved");
    ExpectReportsValid(sp9.dir, dir.path());

    Reports rp4 = CheckSample("rp4_struct_writes_flags", dir, "rp4", {"--runs", "20000"});
    ASSERT_EQ(rp4.proc.exit_code, 1) << rp4.proc.Describe();
    const json &w = OnlyViolation(rp4, "RP4");
    EXPECT_EQ(w["record"]["offset"], 6) << w.dump(2);
    EXPECT_EQ(w["record"]["callback"], "restore");
    EXPECT_EQ(w["record"]["field"], "SAVED_REQUEST.Flags") << w.dump(2);
}

// A record serialized byte by byte (no struct for it): the offset alone, no guessed field.
TEST(RecordFields, WithoutARecordTypeTheOffsetStandsAlone) {
    ScratchDir dir("nofield");
    Reports r = CheckSample("sp9_reserved_not_written", dir, "r", {"--runs", "20000"});
    ASSERT_EQ(r.proc.exit_code, 1) << r.proc.Describe();
    const json &v = OnlyViolation(r, "SP9");
    ASSERT_TRUE(v["record"].is_object()) << v.dump(2);
    EXPECT_TRUE(v["record"]["field"].is_null()) << v.dump(2);
    EXPECT_EQ(v["message"].get<std::string>().find("[record offset"), std::string::npos) << v["message"];
}

// ---- no libFuzzer chatter in the worker logs ------------------------------------------------------

TEST(WorkerLog, NoLibFuzzerWarningsOrStatistics) {
    ScratchDir dir("quiet");
    Reports check = CheckSample("reference_coverage", dir, "check");
    ASSERT_EQ(check.proc.exit_code, 0) << check.proc.Describe();
    ProcResult fuzz = RunProc(Cmd({"fuzz", SamplePath("reference_coverage"), "--time", "3", "--jobs", "2",
                                   "--report-dir", (dir / "fuzz").string()}),
                              dir.path());
    ASSERT_EQ(fuzz.exit_code, 0) << fuzz.Describe();
    for (const fs::path &log : {dir / "check" / "worker.log", dir / "fuzz" / "worker.log"}) {
        std::string text = fs::exists(log) ? ReadFile(log) : "";
        for (const char *noise : {"Failed to find function", "INFO:", "Recommended dictionary", "#2\tINITED"})
            EXPECT_EQ(text.find(noise), std::string::npos) << log << " has libFuzzer's '" << noise << "':\n" << text;
    }
    // The module's own output still reaches it.
    Reports chatty = CheckSample("debug_stdout", dir, "chatty", {"--runs", "1000"});
    ASSERT_TRUE(fs::exists(chatty.dir / "worker.log"));
    EXPECT_FALSE(ReadFile(chatty.dir / "worker.log").empty());
}

}  // namespace
