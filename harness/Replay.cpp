// vspconform replay: case files played in a supervised worker (or, with
// --debug, in this process), every call printed as it ends, each finding and
// each death as it happens; with --dump, every byte of every input too.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "Attribution.h"
#include "Check.h"
#include "Dump.h"
#include "Pool.h"
#include "Process.h"
#include "Report.h"
#include "Runner.h"
#include "Symbolize.h"
#include "Worker.h"

namespace vspc {

namespace fs = std::filesystem;

namespace {

// `vspconform replay MODULE CASE` as Report.h prints it (every option that changes what
// the case does), then `extra` (e.g. --debug).
std::string ReplayCommandWith(const Options &opt, const std::string &module, const std::string &file,
                              const std::string &extra) {
    Profile profile = ProfileByName(opt.profile).value_or(Profile::Strict);
    return ReplayCommand(ModuleOptions{module, opt.save_symbol, opt.restore_symbol}, file, profile, opt.timeout_ms) +
           " " + extra;
}

class ReplayPrinter : public PoolListener {
public:
    ReplayPrinter(const Options &opt, Profile profile, std::string module, const ModuleFile &file)
        : opt_(opt), profile_(profile), module_(std::move(module)), file_info_(file), policy_(UINT32_MAX) {}

    void OnMessage(const Job &, const Message &m, uint64_t) override {
        if (auto *b = std::get_if<msg::CaseBegin>(&m)) {
            file_ = b->file;
            case_errors_ = 0;
            std::printf("case %s (profile %s)\n", b->file.c_str(), std::string(ProfileName(profile_)).c_str());
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

    std::vector<Job> OnEnd(const Job &job, const WorkerEnd &end) override {
        if (end.how == EndHow::LoadError || end.how == EndHow::SpawnFailed) {
            if (load_error_.empty()) load_error_ = end.error;
            return {};
        }
        if (!IsDeath(end.how)) return {};
        if (!end.loaded) {
            load_error_ = "the module died while loading";
            return {};
        }
        Finding death = DeathFinding(end, opt_.timeout_ms, Stage::Replay);
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
        std::string why_not;
        auto next = policy_.Continue(job, end, death, &why_not);
        if (next) return {*next};
        return {};
    }

    bool Abort() const override { return !load_error_.empty(); }
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
        LocateFindings(file_info_, ModuleOptions{module_, opt_.save_symbol, opt_.restore_symbol}, hooks_, one);
        if (one[0].code) std::printf("     at %s\n", DescribeCode(*one[0].code).c_str());
    }

    // After a case with errors: how to look closer (not in --debug: that is where one looks).
    void Hints() {
        if (case_errors_ == 0 || opt_.debug || file_.empty()) return;
        case_errors_ = 0;
        if (!opt_.dump)
            std::printf("  => every input byte: %s\n", ReplayCommandWith(opt_, module_, file_, "--dump").c_str());
        std::printf("  => in a debugger: gdb --args %s\n", ReplayCommandWith(opt_, module_, file_, "--debug").c_str());
    }

    const Options &opt_;
    Profile profile_;
    std::string module_;
    const ModuleFile &file_info_;
    Hooks hooks_;
    RestartPolicy policy_;
    std::string load_error_;
    std::string file_;
    int errors_ = 0;
    int case_errors_ = 0;
};

bool IsElf(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    return in.gcount() == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

}  // namespace

int RunReplay(const Options &opt, const std::string &module, const std::vector<std::string> &cases) {
    auto profile = ProfileByName(opt.profile);
    if (!profile) {
        std::fprintf(stderr, "vspconform: error: --profile must be strict or kmcl, not '%s'\n", opt.profile.c_str());
        return 2;
    }
    std::optional<CompatDirection> direction;
    if (!opt.direction.empty() && !(direction = DirectionByName(opt.direction))) {
        std::fprintf(stderr, "vspconform: error: --direction must be forward or rollback, not '%s'\n",
                     opt.direction.c_str());
        return 2;
    }
    ModuleFile mf;
    if (std::string err = InspectModuleFile(module, mf); !err.empty()) {
        std::fprintf(stderr, "vspconform: error: %s\n", err.c_str());
        return 2;
    }
    std::vector<std::string> files;
    for (const auto &c : cases) {
        if (!fs::is_regular_file(c)) {
            std::fprintf(stderr, "vspconform: error: case file '%s' does not exist\n", c.c_str());
            return 2;
        }
        if (IsElf(c)) {
            std::fprintf(stderr,
                         "vspconform: error: '%s' is a shared object, not a case file: replay takes one MODULE, "
                         "then case files\n",
                         c.c_str());
            return 2;
        }
        files.push_back(fs::absolute(c).string());
    }
    const std::string module_path = fs::absolute(module).string();
    WorkerConfig c;
    c.mode = WorkerMode::Replay;
    c.module = ModuleOptions{module_path, opt.save_symbol, opt.restore_symbol};
    c.profile = *profile;
    c.cases = files;
    c.dump = opt.dump;
    if (direction) {
        c.compat = true;  // judged by the compat rules too (CP1-CP3)
        c.direction = *direction;
    }
    ReplayPrinter printer(opt, *profile, module_path, mf);

    if (opt.debug) {
        // In this process: what a worker would send goes straight to the printer.
        if (mf.needs_asan)
            if (std::string err = EnsureAsanRuntime(); !err.empty()) {
                std::fprintf(stderr, "vspconform: error: %s\n", err.c_str());
                return 2;
            }
        std::printf("replay in the foreground (--debug): no supervisor; a crash of the module ends vspconform\n");
        const Job job{c, 0, 0};
        RunReplayInForeground(c, [&](const Message &m) { printer.OnMessage(job, m, 0); });
        if (!printer.load_error().empty()) {
            std::fflush(stdout);
            std::fprintf(stderr, "vspconform: error: %s\n", printer.load_error().c_str());
            std::fflush(stderr);
            _exit(2);
        }
        std::printf("verdict: %s\n", printer.errors() ? "fail" : "pass");
        std::fflush(stdout);
        // As a worker leaves: the module's destructors and atexit handlers are not under test.
        _exit(printer.errors() ? 1 : 0);
    }

    char log_template[] = "/tmp/vspconform-replay-XXXXXX";
    int fd = mkstemp(log_template);
    if (fd >= 0) close(fd);

    PoolOptions po;
    po.jobs = 1;
    po.call_timeout_ms = opt.timeout_ms;
    po.log_path = log_template;
    po.preload_asan = mf.needs_asan;
    po.asan_symbolize = true;
    po.sandbox = SandboxOptionsOf(opt, false);  // one case: ASan's report in the output should be readable
    WorkerPool pool(po);
    pool.Run({Job{c, 0, 0}}, printer);
    std::fflush(stdout);
    if (!printer.load_error().empty()) {
        std::fprintf(stderr, "vspconform: error: %s\n", printer.load_error().c_str());
        unlink(log_template);
        return 2;
    }
    // Module output (stdout/stderr) goes to the log; show it when there is any.
    std::ifstream log(log_template);
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    if (!text.empty()) std::printf("module output:\n%s", text.c_str());
    unlink(log_template);
    std::printf("verdict: %s\n", printer.errors() ? "fail" : "pass");
    return printer.errors() ? 1 : 0;
}

}  // namespace vspc
