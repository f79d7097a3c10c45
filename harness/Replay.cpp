// vspconform replay: case files played in a supervised worker, every call
// printed as it ends, each finding and each death as it happens.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "Attribution.h"
#include "Check.h"
#include "Pool.h"

namespace vspc {

namespace fs = std::filesystem;

namespace {

class ReplayPrinter : public PoolListener {
public:
    ReplayPrinter(Profile profile, uint32_t timeout_ms)
        : profile_(profile), timeout_ms_(timeout_ms), policy_(UINT32_MAX) {}

    void OnMessage(const Job &, const Message &m, uint64_t) override {
        if (auto *b = std::get_if<msg::CaseBegin>(&m)) {
            std::printf("case %s (profile %s)\n", b->file.c_str(), std::string(ProfileName(profile_)).c_str());
        } else if (auto *t = std::get_if<msg::Trace>(&m)) {
            std::printf("  %s\n", t->text.c_str());
        } else if (auto *f = std::get_if<msg::Found>(&m)) {
            Print(f->finding);
        } else if (auto *e = std::get_if<msg::CaseEnd>(&m)) {
            if (e->skipped) std::printf("  => skipped: %s\n", e->reason.c_str());
            if (e->restore_ops_skipped > 0)
                std::printf("  => %u restore op(s) skipped: the module has no restore callback\n",
                            e->restore_ops_skipped);
        } else if (auto *le = std::get_if<msg::LoadError>(&m)) {
            load_error_ = le->message;
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
        Finding death = DeathFinding(end, timeout_ms_, Stage::Replay);
        if (death.call) std::printf("  %s\n", death.call->text.c_str());
        Print(death);
        std::string why_not;
        auto next = policy_.Continue(job, end, death, &why_not);
        if (next) return {*next};
        return {};
    }

    bool Abort() const override { return !load_error_.empty(); }
    const std::string &load_error() const { return load_error_; }
    int errors() const { return errors_; }

private:
    void Print(const Finding &f) {
        const Rule &r = RuleFor(f.rule);
        if (r.severity == Severity::Error) ++errors_;
        std::printf("  => %s %s: %s\n", std::string(r.name).c_str(), std::string(SeverityName(r.severity)).c_str(),
                    f.message.c_str());
    }

    Profile profile_;
    uint32_t timeout_ms_;
    RestartPolicy policy_;
    std::string load_error_;
    int errors_ = 0;
};

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
        files.push_back(fs::absolute(c).string());
    }
    char log_template[] = "/tmp/vspconform-replay-XXXXXX";
    int fd = mkstemp(log_template);
    if (fd >= 0) close(fd);

    PoolOptions po;
    po.jobs = 1;
    po.call_timeout_ms = opt.timeout_ms;
    po.log_path = log_template;
    po.preload_asan = mf.needs_asan;
    WorkerConfig c;
    c.mode = WorkerMode::Replay;
    c.module = ModuleOptions{fs::absolute(module).string(), opt.save_symbol, opt.restore_symbol};
    c.profile = *profile;
    c.cases = files;
    if (direction) {
        c.compat = true;  // judged by the compat rules too (CP1-CP3)
        c.direction = *direction;
    }
    ReplayPrinter printer(*profile, opt.timeout_ms);
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
