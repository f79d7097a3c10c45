// vspconform replay MODULE CASE...: case files played in a supervised worker (or, with --debug, in
// this process), every call printed as it ends, each finding and each death as it happens; with
// --dump, every byte of every input too. The plan: one Replay job; the trace is a listener. A case
// file's header (reports' reproducers, campaign artifacts) says the profile, callback names and
// compat direction it needs: without flags, replay plays it so.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "Attribution.h"
#include "CaseFile.h"
#include "Command.h"
#include "Dump.h"
#include "Files.h"
#include "Pipeline.h"
#include "Process.h"
#include "Report.h"
#include "Runner.h"
#include "Symbolize.h"
#include "Worker.h"

namespace vspc {
namespace {

namespace fs = std::filesystem;

// The call trace, findings and deaths of a replay, as they come.
class ReplayTrace : public RunListener {
public:
    ReplayTrace(const Options &opt, const Target &target) : opt_(opt), target_(target) {}

    void OnMessage(const Job &, const Message &m) override {
        if (auto *b = std::get_if<msg::CaseBegin>(&m)) {
            file_ = b->file;
            profile_ = b->profile;
            case_errors_ = 0;
            std::printf("case %s (profile %s)\n", b->file.c_str(), std::string(ProfileName(b->profile)).c_str());
        } else if (auto *t = std::get_if<msg::Trace>(&m)) {
            Indented(t->text);
        } else if (auto *f = std::get_if<msg::Found>(&m)) {
            Print(f->finding);
        } else if (auto *e = std::get_if<msg::CaseEnd>(&m)) {
            if (e->skipped) std::printf("  => skipped: %s\n", e->reason.c_str());
            if (e->restore_ops_skipped > 0)
                std::printf("  => %u restore op(s) skipped: the module has no restore callback\n",
                            e->restore_ops_skipped);
            Hints();
        } else if (auto *le = std::get_if<msg::LoadError>(&m)) {
            load_error_ = le->message;
        } else if (auto *l = std::get_if<msg::Loaded>(&m)) {
            hooks_ = l->hooks;
        }
    }

    void OnDeath(const Job &, const WorkerEnd &end, const Finding &death) override {
        if (death.call) {
            // The call in the words of the trace (and of --debug's note), from the status block.
            if (end.in_call && death.call->callback != Callback::None && death.call->callback != Callback::Init) {
                CallRecord rec;
                rec.callback = end.call.callback;
                rec.packet = end.call.packet;
                rec.null_buffer = end.call.null_buffer;
                rec.placement = end.call.placement ? Placement::Left : Placement::Right;
                rec.size = rec.input_size = end.call.size;
                rec.op_index = end.call.op_index;
                rec.lib_buf_size = kLibBufSize;
                rec.arbitrary = end.call.arbitrary;
                std::printf("  %s\n", DescribeUnfinishedCall(rec, end.call.call_index).c_str());
            } else {
                std::printf("  %s\n", death.call->text.c_str());
            }
            // What the call that never returned was given.
            std::string where = opt_.dump ? "every byte is dumped above" : "--dump prints every byte";
            if (death.call->callback == Callback::Restore)
                std::printf("     it was given SaveBuf (%u bytes) and LibBuf (%u bytes): %s\n", death.call->size,
                            kLibBufSize, where.c_str());
            else if (death.call->callback == Callback::Prepare)
                std::printf("     it was given a %u-byte Seed: %s\n", death.call->size, where.c_str());
        }
        Print(death);
        Hints();
    }

    const std::string &load_error() const { return load_error_; }
    int errors() const { return errors_; }

private:
    void Indented(const std::string &text) {
        size_t start = 0;
        while (start < text.size()) {
            size_t end = text.find('\n', start);
            if (end == std::string::npos) end = text.size();
            std::printf("  %.*s\n", static_cast<int>(end - start), text.data() + start);
            start = end + 1;
        }
    }

    void Print(const Finding &f) {
        const Rule &r = RuleFor(f.rule);
        if (r.severity == Severity::Error) {
            ++errors_;
            ++case_errors_;
        }
        std::printf("  => %s %s: %s\n", std::string(r.name).c_str(), std::string(SeverityName(r.severity)).c_str(),
                    f.message.c_str());
        if (f.call && f.call->index >= 0) {
            bool has_input = f.call->callback == Callback::Restore || f.call->callback == Callback::Prepare;
            std::printf("     (call #%d%s)\n", f.call->index,
                        has_input ? (opt_.dump ? ", its input dumped above" : "; --dump prints its input") : "");
        }
        // Where in the module's code, as check's reports say it.
        std::vector<Finding> one{f};
        LocateFindings(target_.file, target_.options, hooks_, one);
        if (one[0].code) std::printf("     at %s\n", DescribeCode(*one[0].code).c_str());
    }

    // After a case with errors: how to look closer (not in --debug: that is where one looks).
    void Hints() {
        if (case_errors_ == 0 || opt_.debug || file_.empty()) return;
        case_errors_ = 0;
        if (!opt_.dump) std::printf("  => every input byte: %s\n", Command("--dump").c_str());
        std::printf("  => in a debugger: gdb --args %s\n", Command("--debug").c_str());
    }

    // `vspconform replay MODULE CASE` as the reports print it, then `extra`.
    std::string Command(const std::string &extra) const {
        return ReplayCommand(target_.options, file_, profile_, opt_.timeout_ms) + " " + extra;
    }

    const Options &opt_;
    const Target &target_;
    Hooks hooks_;
    std::string load_error_;
    std::string file_;
    Profile profile_ = Profile::Strict;
    int errors_ = 0;
    int case_errors_ = 0;
};

bool IsElf(const std::vector<uint8_t> &b) {
    return b.size() >= 4 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
}

int Replay(Run &run) {
    const Options &opt = run.options();
    const Invocation &inv = run.invocation();
    if (!run.AddTarget(inv.args.at(0))) return run.Finish();
    const Target &target = run.targets[0];
    WorkerConfig c;
    c.mode = WorkerMode::Replay;
    c.module = target.options;
    c.profile = *ProfileByName(opt.profile);
    c.seed = opt.seed;
    c.cases.assign(inv.args.begin() + 1, inv.args.end());
    for (std::string &f : c.cases) f = fs::absolute(f).string();
    c.dump = opt.dump;
    c.header_profile = !inv.Given("--profile") && !inv.Given("--direction");
    if (!opt.direction.empty()) {
        c.compat = true;  // judged by the compat rules too (CP1-CP3)
        c.direction = *DirectionByName(opt.direction);
    }
    ReplayTrace trace(opt, target);

    if (opt.debug) {
        // In this process: what a worker would send goes straight to the trace.
        if (target.file.needs_asan)
            if (std::string err = EnsureAsanRuntime(); !err.empty()) return run.Fail(err);
        std::printf("replay in the foreground (--debug): no supervisor; a crash of the module ends vspconform\n");
        // The file by its own name: a debugger reads the module's symbols from the path it was loaded by.
        c.module.image.clear();
        const Job job{c, 0, 0};
        RunReplayInForeground(c, [&](const Message &m) { trace.OnMessage(job, m); });
        if (!trace.load_error().empty()) {
            std::fflush(stdout);
            std::fprintf(stderr, "vspconform: error: %s\n", trace.load_error().c_str());
            std::fflush(stderr);
            _exit(2);
        }
        std::printf("verdict: %s\n", trace.errors() ? "fail" : "pass");
        std::fflush(stdout);
        // As a worker leaves: the module's destructors and atexit handlers are not under test.
        _exit(trace.errors() ? 1 : 0);
    }

    run.listeners = {&trace};
    SessionOptions so = run.SessionOptionsFor(1);
    // One case: ASan's report in the output should be readable. ASan symbolizes by starting
    // llvm-symbolizer, a process, which the sandbox traps as a violation (a driver cannot start
    // one): only without the sandbox; with it, the finding's module frame is symbolized here.
    so.pool.spawn.asan_symbolize = !so.pool.spawn.sandbox.enabled;
    so.max_restarts = UINT32_MAX;
    Session session(so);
    session.Run({Job{c, 0, 0}});
    std::fflush(stdout);
    if (!session.load_error().empty()) return run.Fail(session.load_error());
    // The module's own output (stdout/stderr) went to the log; show it when there is any.
    WorkerLog &log = run.workspace().log();
    log.Close();
    if (auto text = ReadFileCapped(log.path(), 64 << 20); text && !text->empty())
        std::printf("module output:\n%.*s", static_cast<int>(text->size()),
                    reinterpret_cast<const char *>(text->data()));
    std::printf("verdict: %s\n", trace.errors() ? "fail" : "pass");
    return trace.errors() ? 1 : 0;
}

}  // namespace

const CommandSpec &ReplaySpec() {
    static const CommandSpec spec{
        CommandId::Replay,
        "re-run saved cases, printing every call and the verdict",
        {{"MODULE", "the VSP module (.so)"},
         {"CASE", "case files (from a report's cases/ folder, a corpus or a fuzzer)", true}},
        [](const Invocation &given) {
            // The case files first: each must be a case (capped, not a module, not random bytes);
            // their headers name the callbacks they need when the user did not.
            if (auto ok = ValidateOptions(given.options, given.command); !ok) {
                std::fprintf(stderr, "vspconform: error: %s\n", ok.error().c_str());
                return 2;
            }
            Invocation inv = given;
            std::string save, restore;
            for (size_t i = 1; i < inv.args.size(); ++i) {
                const std::string &path = inv.args[i];
                auto raw = ReadFileCapped(path, kMaxCaseFileBytes);
                if (raw && IsElf(*raw)) {
                    std::fprintf(
                        stderr,
                        "vspconform: error: '%s' is a shared object, not a case file: replay takes one MODULE, "
                        "then case files\n",
                        path.c_str());
                    return 2;
                }
                auto file = ReadCaseFile(path, given.options.fuzzer_input);
                if (!file) {
                    std::fprintf(stderr, "vspconform: error: %s\n", file.error().c_str());
                    return 2;
                }
                for (auto [name, into] :
                     {std::pair{&file->info.save_symbol, &save}, {&file->info.restore_symbol, &restore}})
                    if (!name->empty()) {
                        if (!into->empty() && *into != *name) {
                            std::fprintf(stderr,
                                         "vspconform: error: the case files name different callbacks ('%s', '%s'): "
                                         "replay them one build at a time, or give --save-symbol/--restore-symbol\n",
                                         into->c_str(), name->c_str());
                            return 2;
                        }
                        *into = *name;
                    }
            }
            if (!save.empty() && !inv.Given("--save-symbol")) inv.options.save_symbol = save;
            if (!restore.empty() && !inv.Given("--restore-symbol")) inv.options.restore_symbol = restore;
            return RunPipeline(inv, false, Replay);
        }};
    return spec;
}

}  // namespace vspc
