#include "Pipeline.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <regex>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "CaseFile.h"
#include "CoverageMap.h"
#include "Files.h"
#include "Report.h"
#include "Runner.h"
#include "Sweep.h"
#include "Symbolize.h"

namespace vspc {

const char *const kToolVersion = VSPC_VERSION;

namespace fs = std::filesystem;

std::string_view CommandName(CommandId id) {
    switch (id) {
#define VSPC_COMMAND(Id, Name)                                                                                         \
    case CommandId::Id:                                                                                                \
        return Name;
#include "Commands.def"
#undef VSPC_COMMAND
    }
    return "?";
}

// ---- options -----------------------------------------------------------------------------------

Expected<void> ValidateOptions(const Options &o, CommandId command) {
    const unsigned mask = 1u << static_cast<unsigned>(command);
    auto takes = [&](unsigned commands) { return (commands & mask) != 0; };
    // Each flag's mask, from the one table.
    struct Masks {
#define VSPC_FLAG(Field, Option, Commands, Type, Default, Help) unsigned Field = Commands;
#include "Flags.def"
#undef VSPC_FLAG
    } const m;
    auto within = [](uint64_t v, uint64_t lo, uint64_t hi) { return v >= lo && v <= hi; };
    if (takes(m.profile) && !ProfileByName(o.profile))
        return Unexpected("--profile must be strict or kmcl, not '{}'", o.profile);
    if (takes(m.sandbox) && o.sandbox != "on" && o.sandbox != "off")
        return Unexpected("--sandbox must be on or off, not '{}'", o.sandbox);
    if (takes(m.direction) && !o.direction.empty() && !DirectionByName(o.direction))
        return Unexpected("--direction must be forward or rollback, not '{}'", o.direction);
    if (takes(m.max_time) && !(std::isfinite(o.max_time) && o.max_time > 0 && o.max_time <= 1e6))
        return Unexpected("--max-time must be a number of seconds greater than 0 and at most 1000000");
    if (takes(m.time) && !(std::isfinite(o.time) && o.time >= 0 && o.time <= 1e8))
        return Unexpected("--time must be 0 (until stopped) or a number of seconds up to 100000000");
    if (takes(m.jobs) && o.jobs > 256) return Unexpected("--jobs must be at most 256");
    if (takes(m.timeout_ms) && !within(o.timeout_ms, 1, 3600000))
        return Unexpected("--timeout-ms must be from 1 to 3600000 (an hour)");
    if (takes(m.max_restarts) && o.max_restarts == 0) return Unexpected("--max-restarts must be at least 1");
    if (takes(m.max_len) && !within(o.max_len, 16, 1u << 20))
        return Unexpected("--max-len must be from 16 to 1048576 bytes");
    if (takes(m.memory_limit_mb) && o.memory_limit_mb > (uint64_t{1} << 24))
        return Unexpected("--memory-limit-mb must be at most 16777216 (16 TiB), or 0 for no limit");
    if (takes(m.file_size_limit_mb) && o.file_size_limit_mb > (uint64_t{1} << 24))
        return Unexpected("--file-size-limit-mb must be at most 16777216 (16 TiB), or 0 for no limit");
    if (takes(m.cpu_limit_s) && o.cpu_limit_s > 100000000)
        return Unexpected("--cpu-limit-s must be at most 100000000, or 0 for the default");
    if (takes(m.max_processes) && o.max_processes > (uint64_t{1} << 22))
        return Unexpected("--max-processes must be at most 4194304, or 0 for no limit");
    if (takes(m.source_revision))
        if (std::string e = CheckSourceRevision(o.source_revision); !e.empty()) return Unexpected(e);
    if (command == CommandId::Minimize && o.minimize_budget == 0)
        return Unexpected("--minimize-runs must be at least 1 for minimize");
    if (takes(m.source_root) && !o.source_root.empty()) {
        std::error_code ec;
        if (!fs::is_directory(o.source_root, ec))
            return Unexpected("--source-root '{}' is not a directory", o.source_root);
    }
    return {};
}

SandboxOptions SandboxOptionsOf(const Options &o, bool timed) {
    SandboxOptions s;
    s.enabled = o.sandbox != "off";
    s.memory_limit_mb = o.memory_limit_mb;
    s.file_size_limit_mb = o.file_size_limit_mb;
    s.cpu_limit_s = o.cpu_limit_s;
    if (s.cpu_limit_s == 0 && timed) s.cpu_limit_s = static_cast<uint64_t>(o.max_time) + 61;
    s.max_processes = o.max_processes;
    return s;
}

namespace {

unsigned JobsOf(const Options &o) {
    if (o.jobs > 0) return o.jobs;
    unsigned n = std::thread::hardware_concurrency();
    return n ? n : 1;
}

bool Takes(CommandId command, unsigned commands) { return (commands & (1u << static_cast<unsigned>(command))) != 0; }

}  // namespace

// ---- targets -----------------------------------------------------------------------------------

Expected<Target> PrepareTarget(const Options &o, const std::string &module) {
    Target t;
    std::error_code ec;
    if (fs::is_directory(module, ec)) return Unexpected("'{}' is a directory, not a module (.so)", module);
    if (std::string err = InspectModuleFile(module, t.file); !err.empty()) return Unexpected(err);
    for (auto [name, flag] : {std::pair{o.save_symbol, "--save-symbol"}, {o.restore_symbol, "--restore-symbol"}})
        if (std::string err = CheckCallbackSymbol(t.file, name, flag); !err.empty()) return Unexpected(err);
    // Workers may chdir: every path they get is absolute.
    t.options = ModuleOptions{fs::absolute(module).string(), t.file.image, o.save_symbol, o.restore_symbol};
    return t;
}

// ---- workspace ---------------------------------------------------------------------------------

namespace {

constexpr const char *kScratchPrefix = "vspconform-run-";

// Scratch folders of runs whose process is gone (killed, say) in `base`: removed.
void RemoveDeadRunsScratch(const fs::path &base) {
    std::error_code ec;
    for (auto it = fs::directory_iterator(base, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (name.rfind(kScratchPrefix, 0) != 0 && name.rfind(std::string(".") + kScratchPrefix, 0) != 0) continue;
        std::string digits = name.substr(name.find(kScratchPrefix) + std::strlen(kScratchPrefix));
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9)
            continue;
        pid_t pid = static_cast<pid_t>(std::stol(digits));
        if (pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH) continue;
        std::error_code rm;
        fs::remove_all(it->path(), rm);
    }
}

// The report directory, absolute, created and writable, before any worker starts (a module may
// chdir). Only what vspconform wrote there is ever replaced or removed: the reports of a previous
// run (its report.json says it is ours), the reproducers that report lists, and a worker.log that
// starts as ours; a report file of any other origin stops the run (exit 2), and every other file
// is left alone.
Expected<fs::path> PrepareReportDir(const std::string &dir) {
    std::error_code ec;
    fs::path out = fs::absolute(dir, ec);
    if (ec) return Unexpected("cannot use report directory '{}': {}", dir, ec.message());
    fs::create_directories(out, ec);
    if (ec) return Unexpected("cannot create report directory '{}': {}", dir, ec.message());
    if (access(out.c_str(), W_OK) != 0)
        return Unexpected("cannot write into report directory '{}': check its permissions", dir);
    nlohmann::json previous;
    if (auto bytes = ReadFileCapped((out / "report.json").string(), 64 << 20))
        previous = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
    const bool ours = previous.is_object() && previous.contains("tool") && previous["tool"].is_object() &&
                      previous["tool"].value("name", "") == "vspconform";
    auto foreign = [&](const std::string &name) {
        return Unexpected(
            "report directory '{}' holds {}, which vspconform did not write: choose another --report-dir "
            "(vspconform replaces only its own files)",
            dir, name);
    };
    for (const char *name : {"report.json", "report.md", "report.html", "junit.xml", "results.sarif"})
        if (!ours && fs::exists(out / name, ec)) return foreign(name);
    if (fs::exists(out / "worker.log", ec)) {
        std::ifstream in(out / "worker.log");
        std::string first;
        std::getline(in, first);
        if (first.rfind("==== worker for job ", 0) != 0) return foreign("worker.log");
        fs::remove(out / "worker.log", ec);
    }
    static const std::regex reproducer("cases/(SP|RP|SW|CP)[0-9]+-[0-9a-f]{12}\\.case");
    if (ours)
        for (const char *list : {"violations", "warnings"})
            if (previous.contains(list) && previous[list].is_array())
                for (const auto &f : previous[list])
                    if (f.is_object() && f.contains("case_file") && f["case_file"].is_string())
                        if (std::string file = f["case_file"]; std::regex_match(file, reproducer))
                            fs::remove(out / file, ec);
    return out;
}

}  // namespace

Expected<std::unique_ptr<Workspace>> Workspace::Open(const std::string &report_dir, const std::string &log_dir) {
    std::unique_ptr<Workspace> w(new Workspace);
    std::error_code ec;
    fs::path log_at;
    if (!report_dir.empty()) {
        // The lock first: a second run on the same directory must not touch the first one's files.
        fs::path abs = fs::absolute(report_dir, ec);
        fs::create_directories(abs, ec);
        w->lock_fd_ = open((abs / ".vspconform.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (w->lock_fd_ >= 0 && flock(w->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
            std::string holder;
            if (auto b = ReadFileCapped((abs / ".vspconform.lock").string(), 64)) holder.assign(b->begin(), b->end());
            return Unexpected(
                "report directory '{}' is in use by another vspconform run{}: wait for it, or choose another "
                "--report-dir",
                report_dir, holder.empty() ? "" : fmt::format(" (pid {})", holder));
        }
        if (w->lock_fd_ >= 0) {
            std::string pid = std::to_string(getpid());
            if (ftruncate(w->lock_fd_, 0) == 0 && pwrite(w->lock_fd_, pid.data(), pid.size(), 0) < 0) {}
        }
        auto dir = PrepareReportDir(report_dir);
        if (!dir) return Unexpected(dir.error());
        w->report_dir_ = *dir;
        log_at = w->report_dir_ / "worker.log";
    }
    // Scratch: libFuzzer writes every new input; a memory file system keeps that off the disk.
    fs::path base = fs::is_directory("/dev/shm", ec) && access("/dev/shm", W_OK) == 0 ? fs::path("/dev/shm")
                    : !w->report_dir_.empty()                                         ? w->report_dir_
                                                                                      : fs::temp_directory_path(ec);
    RemoveDeadRunsScratch(base);
    w->scratch_ = base / fmt::format("{}{}{}", base == w->report_dir_ ? "." : "", kScratchPrefix, getpid());
    fs::remove_all(w->scratch_, ec);
    fs::create_directories(w->scratch_, ec);
    if (ec) return Unexpected("cannot create scratch space '{}': {}", w->scratch_.string(), ec.message());
    if (log_at.empty()) log_at = (log_dir.empty() ? w->scratch_ : fs::absolute(log_dir)) / "worker.log";
    w->log_ = std::make_unique<WorkerLog>(log_at.string());
    return w;
}

Workspace::~Workspace() {
    if (log_) log_->Close();
    std::error_code ec;
    if (!scratch_.empty()) fs::remove_all(scratch_, ec);
    if (lock_fd_ >= 0) close(lock_fd_);  // the lock goes with it
}

fs::path Workspace::Scratch(const std::string &what) {
    std::error_code ec;
    fs::path p = scratch_ / what;
    fs::remove_all(p, ec);
    fs::create_directories(p, ec);
    return p;
}

// ---- signals -----------------------------------------------------------------------------------

namespace {

std::atomic<bool> g_stop{false}, g_stop_twice{false};
struct sigaction g_old_int {
}, g_old_term{};
int g_installed = 0;

void OnStopSignal(int) {
    if (g_stop.load())
        g_stop_twice.store(true);
    else
        g_stop.store(true);
}

}  // namespace

StopSignals::StopSignals() {
    if (g_installed++ > 0) return;
    g_stop = false;
    g_stop_twice = false;
    struct sigaction sa {};
    sa.sa_handler = OnStopSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &g_old_int);
    sigaction(SIGTERM, &sa, &g_old_term);
}

StopSignals::~StopSignals() {
    if (--g_installed > 0) return;
    sigaction(SIGINT, &g_old_int, nullptr);
    sigaction(SIGTERM, &g_old_term, nullptr);
}

const std::atomic<bool> &StopSignals::stop() { return g_stop; }
const std::atomic<bool> &StopSignals::stop_twice() { return g_stop_twice; }
bool StopSignals::requested() { return g_stop.load(); }
bool StopSignals::twice() { return g_stop_twice.load(); }
void StopSignals::Request() { g_stop.store(true); }

// ---- the run -----------------------------------------------------------------------------------

Run::Run(const Invocation &invocation, std::unique_ptr<Workspace> workspace, bool reports)
    : invocation_(invocation), workspace_(std::move(workspace)), reports_(reports), started_(Clock::now()) {
    const Options &o = invocation_.options;
    const CommandId command = invocation_.command;
    RunSummary &r = summary_;
    r.command = command;
    r.started_at = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
    r.tool_version = kToolVersion;
    r.profile = ProfileByName(o.profile).value_or(Profile::Strict);
    r.seed = o.seed;
    r.timeout_ms = o.timeout_ms;
    r.jobs = JobsOf(o);
    r.warnings_as_errors = o.warnings_as_errors;
    r.max_restarts = o.max_restarts;
    if (Takes(invocation_.command, kCheck | kCompat)) r.plateau = o.plateau;
    r.junit_suite_name = o.junit_suite_name;
    r.source_revision = o.source_revision;
    r.report_dir = workspace_->report_dir().string();
    if (!o.source_root.empty()) {
        std::error_code ec;
        r.source_root = fs::weakly_canonical(fs::absolute(o.source_root), ec).string();
    }
    // The run's wall-clock cap: --max-time, or a campaign's --time.
    static const struct {
#define VSPC_FLAG(Field, Option, Commands, Type, Default, Help) unsigned Field = Commands;
#include "Flags.def"
#undef VSPC_FLAG
    } masks;
    double cap = Takes(command, masks.max_time) ? o.max_time : Takes(command, masks.time) ? o.time : 0;
    r.max_time = cap;
    if (cap > 0) deadline_ = started_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(cap));
    // The gate and the campaigns confirm hangs by playing their cases again alone.
    if (reports_) confirm_dir_ = workspace_->Scratch("confirm").string();
}

Run::~Run() = default;

bool Run::AddTarget(const std::string &module, const std::string &which) {
    auto t = PrepareTarget(options(), module);
    if (targets.empty()) {
        summary_.module.path = module;
        summary_.module_options = ModuleOptions{module, {}, options().save_symbol, options().restore_symbol};
    }
    if (!t) {
        if (summary_.error.empty()) summary_.error = which.empty() ? t.error() : which + ": " + t.error();
        return false;
    }
    if (targets.empty()) summary_.module = t->file;
    // The commands that end with a coverage table of a coverage build symbolize its functions
    // and unreached branches: the symbolizer starts now, while the run works.
    if (t->file.coverage && Takes(invocation_.command, kCheck | kFuzz | kCoverage)) PrestartSymbolizer(t->options.path);
    targets.push_back(std::move(*t));
    return true;
}

const Target &Run::TargetOf(const Finding &f) const {
    if (f.compat && f.compat->direction == CompatDirection::Rollback && targets.size() > 1) return targets[1];
    return targets.at(0);
}

SessionOptions Run::SessionOptionsFor(unsigned jobs, const std::vector<const Target *> &on) const {
    const Options &o = options();
    SessionOptions so;
    so.pool.jobs = jobs;
    so.pool.call_timeout_ms = o.timeout_ms;
    so.pool.log = &workspace_->log();
    for (const Target &t : targets)
        if (on.empty() || std::find(on.begin(), on.end(), &t) != on.end())
            so.pool.spawn.preload_asan |= t.file.needs_asan;
    so.pool.spawn.sandbox = SandboxOptionsOf(o, Takes(invocation_.command, kCheck | kCompat | kRecords));
    so.pool.deadline = deadline_;
    so.pool.stop = &StopSignals::stop();
    so.max_restarts = o.max_restarts;
    so.seed = o.seed;
    so.max_time = summary_.max_time;
    so.listeners = listeners;
    so.scratch = confirm_dir_;
    return so;
}

void Run::Fold(const Session &s) {
    RunSummary &r = summary_;
    if (!s.load_error().empty() && r.error.empty()) r.error = s.load_error();
    if (s.loaded() && !r.loaded) {
        r.loaded = true;
        r.hooks = s.hooks();
        if (!targets.empty() && !(targets[0].hooks == Hooks{})) r.hooks = targets[0].hooks;
    }
    if (const auto &sb = s.sandbox(); sb) r.sandbox = r.sandbox ? WeakerSandbox(*r.sandbox, *sb) : *sb;
    r.sweep.Add(s.sweep());
    r.fuzz.Add(s.fuzz());
    r.compat_stage.Add(s.compat());
    for (size_t i = 0; i < r.evidence.size(); ++i) r.evidence[i] += s.evidence()[i];
    for (size_t i = 0; i < r.explored.size(); ++i) r.explored[i] += s.explored()[i];
    for (size_t i = 0; i < r.bytes_needed.size(); ++i) r.bytes_needed[i] += s.bytes_needed()[i];
    r.state_saves += s.state_saves();
    r.cut_families |= s.cut_families();
    for (const std::string &n : s.notes()) r.notes.push_back(n);
    // An open-ended campaign ends by its --time: that is not a cap that cut anything.
    if (invocation_.command != CommandId::Fuzz) {
        r.time_cap_hit |= s.time_cap_hit();
        if (!s.time_cap_note().empty()) r.notes.push_back(s.time_cap_note());
    }
    // Of two findings with one key, the earlier session's (the contract's) represents both.
    for (Finding &f : s.findings().Sorted()) {
        // Findings are located in their build's source at the end (Finish): its symbolizer starts now.
        if (reports_) PrestartSymbolizer(TargetOf(f).options.path);
        auto same =
            std::find_if(r.findings.begin(), r.findings.end(), [&](const Finding &g) { return g.Key() == f.Key(); });
        if (same != r.findings.end())
            same->occurrences += f.occurrences;
        else
            r.findings.push_back(std::move(f));
    }
    std::stable_sort(r.findings.begin(), r.findings.end(),
                     [](const Finding &a, const Finding &b) { return a.rule < b.rule; });
}

int Run::Fail(const std::string &message) {
    if (summary_.error.empty()) summary_.error = message;
    return Finish();
}

int Run::Finish() {
    RunSummary &r = summary_;
    if (!r.error.empty()) std::fprintf(stderr, "vspconform: error: %s\n", r.error.c_str());
    if (r.error.empty()) {
        // Reproducers worth reading: each shrunk to the smallest case that shows the same finding
        // (within what is left of the run's time).
        // (A campaign ends by a signal: its findings are still minimized, unless a second one came.)
        const bool stopped = StopSignals::twice() || (StopSignals::requested() && r.command != CommandId::Fuzz);
        if (minimize && options().minimize_budget > 0 && !stopped && !r.findings.empty())
            MinimizeFindings(*this, minimize_deadline ? *minimize_deadline
                                    : deadline_       ? *deadline_
                                                      : Clock::now() + std::chrono::seconds(60));
        // Each finding in the source of the build whose code it is about.
        for (size_t k = 0; k < targets.size(); ++k) {
            std::vector<Finding> mine;
            std::vector<size_t> where;
            for (size_t i = 0; i < r.findings.size(); ++i)
                if (&TargetOf(r.findings[i]) == &targets[k]) {
                    mine.push_back(std::move(r.findings[i]));
                    where.push_back(i);
                }
            if (mine.empty()) continue;
            Hooks hooks = targets[k].hooks == Hooks{} && k == 0 ? r.hooks : targets[k].hooks;
            std::string note = LocateFindings(targets[k].file, targets[k].options, hooks, mine);
            if (!note.empty())
                r.notes.push_back(targets.size() > 1 ? fmt::format("{}: {}", targets[k].file.path, note) : note);
            for (size_t i = 0; i < mine.size(); ++i) r.findings[where[i]] = std::move(mine[i]);
        }
        if (r.loaded && !r.hooks.prepare)
            r.notes.push_back(
                "the module exports no VspConformancePreparePacket: only packets without state were "
                "tested, and the rules that need state were not reached");
        if (r.loaded && !r.hooks.restore && r.command != CommandId::Compat)
            r.notes.push_back("the module has no restore callback: RP1-RP4 were skipped, not passed");
        if (const uint64_t capped = r.sweep.capped + r.fuzz.capped + r.compat_stage.capped; capped > 0)
            r.notes.push_back(fmt::format(
                "{} cases stopped before their last op: the bytes they saved and restored reached the {} MiB "
                "one case keeps (states of many MiB; each of their ops that ran was judged)",
                capped, kCaseLogBytes >> 20));
        if (r.sweep.skipped > 0)
            r.notes.push_back(
                fmt::format("{} sweep cases were skipped: VspConformancePreparePacket rejected their seed",
                            r.sweep.skipped));
        if (before_reports) before_reports(r);
    }
    if (StopSignals::requested() && r.command != CommandId::Fuzz) {
        r.interrupted = true;
        if (r.incomplete.empty())
            r.incomplete = "the run was interrupted (SIGINT or SIGTERM) before it was done: run it again to the end";
    }

    r.seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    for (RunListener *l : listeners) l->OnRunEnd(r);
    if (r.error.empty())
        if (std::string why = r.NothingTested(); !why.empty() && r.Verdict() == "error")
            std::fprintf(stderr, "vspconform: error: could not test: %s\n", why.c_str());
    if (!reports_) return r.ExitCode();
    std::string werr = WriteReports(r, r.report_dir);
    PrintSummary(r, stdout);
    std::fflush(stdout);
    if (!werr.empty()) {
        std::fprintf(stderr, "vspconform: error: %s\n", werr.c_str());
        return 2;
    }
    return r.ExitCode();
}

int RunPipeline(const Invocation &inv, bool reports, const std::function<int(Run &)> &body,
                const std::string &log_dir) {
    if (auto ok = ValidateOptions(inv.options, inv.command); !ok) {
        std::fprintf(stderr, "vspconform: error: %s\n", ok.error().c_str());
        return 2;
    }
    auto ws = Workspace::Open(reports ? inv.options.report_dir : std::string(), log_dir);
    if (!ws) {
        std::fprintf(stderr, "vspconform: error: %s\n", ws.error().c_str());
        return 2;
    }
    StopSignals signals;
    Run run(inv, std::move(*ws), reports);
    try {
        return body(run);
    } catch (const std::exception &e) {  // the tester's own failure: still "could not test", with reports
        run.summary().error.clear();
        return run.Fail(fmt::format("vspconform failed while running the workers: {}", e.what()));
    }
}

// ---- minimization ------------------------------------------------------------------------------

namespace {

bool Minimizable(const Finding &f) {
    if (f.reproducer.empty()) return false;
    if (f.death && f.death->kind == DeathKind::Hang) return false;  // every candidate would cost a timeout
    return true;
}

}  // namespace

uint64_t MinimizeFindings(Run &run, Clock::time_point deadline) {
    RunSummary &summary = run.summary();
    const Options &opt = run.options();
    std::vector<Job> jobs;
    std::vector<size_t> which;
    fs::path work = run.workspace().Scratch("minimize");
    for (size_t i = 0; i < summary.findings.size(); ++i) {
        const Finding &f = summary.findings[i];
        if (!Minimizable(f)) continue;
        const Target &t = run.TargetOf(f);
        WorkerConfig c;
        c.mode = WorkerMode::Minimize;
        c.module = t.options;
        c.profile = f.profile;
        c.seed = opt.seed;
        if (f.compat) {  // played as replay --direction plays it: on the build that restored the record
            c.compat = true;
            c.direction = f.compat->direction;
            c.old_sha256 = f.compat->old_sha256;
            c.new_sha256 = f.compat->new_sha256;
        }
        fs::path in = work / fmt::format("finding-{}.case", i);
        if (!WriteFileAtomically(in.string(), f.reproducer)) continue;
        c.cases = {in.string()};
        c.output = (work / fmt::format("finding-{}.min.case", i)).string();
        c.target = f.Key();
        c.target_death = f.death.has_value();
        c.runs = opt.minimize_budget;
        jobs.push_back(Job{c, static_cast<uint32_t>(jobs.size()), 0});
        which.push_back(i);
    }
    if (jobs.empty()) return 0;
    SessionOptions so = run.SessionOptionsFor(std::max(1u, summary.jobs));
    so.pool.deadline = deadline;
    so.pool.stop = &StopSignals::stop_twice();
    so.listeners.clear();  // candidates are not the run's findings
    Session session(so);
    session.Run(jobs);
    uint64_t smaller = 0;
    for (const auto &[ordinal, o] : session.minimized()) {
        Finding &f = summary.findings[which.at(ordinal)];
        if (!o.reproduced || o.file.empty()) continue;
        std::vector<uint8_t> bytes = ReadFileBytes(o.file, kMaxCaseFileBytes);
        // The minimizer accepts only lighter cases, or as light and plainer (sizes, fills).
        if (bytes.empty() || o.accepted == 0 || bytes.size() > f.reproducer.size()) continue;
        if (o.finding && o.finding->Key() == f.Key()) {
            Finding g = *o.finding;
            g.stage = f.stage;
            g.profile = f.profile;
            g.occurrences = f.occurrences;
            g.found_after = f.found_after;
            if (f.compat && g.compat) g.compat->record = f.compat->record;
            if (f.compat && !g.compat) g.compat = f.compat;
            f = std::move(g);
        }
        f.reproducer = std::move(bytes);
        ++smaller;
    }
    return smaller;
}

// ---- helpers the commands share ----------------------------------------------------------------

std::optional<CoverageSummary> MeasureCoverage(Run &run, const Target &target, const std::vector<std::string> &files,
                                               bool campaign_corpus, std::string *error) {
    if (!target.file.coverage) {
        CoverageSummary none;
        none.note = kNotInstrumentedNote;
        return none;
    }
    SessionOptions so = run.SessionOptionsFor(1, {&target});
    so.listeners.clear();
    so.pool.deadline.reset();  // bounded by the corpus; after a campaign, its --time has passed
    so.pool.stop = &StopSignals::stop_twice();
    WorkerConfig c;
    c.mode = WorkerMode::Coverage;
    c.module = target.options;
    c.profile = ProfileByName(run.options().profile).value_or(Profile::Strict);
    c.seed = run.options().seed;
    c.cases = files;
    c.shared_corpus = campaign_corpus;
    Session session(so);
    session.Run({Job{c, 0, 0}});
    if (!session.load_error().empty()) {
        *error = session.load_error();
        return std::nullopt;
    }
    return SummarizeCoverage(session.covered(), target.options.path, session.hooks());
}

std::vector<std::string> CorpusFiles(const fs::path &dir) {
    std::vector<std::pair<fs::file_time_type, std::string>> files;
    std::error_code ec;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec) && it->path().extension() != ".tmp" &&
            it->path().filename().string().find(".tmp") == std::string::npos)
            files.emplace_back(it->last_write_time(ec), it->path().string());
    std::sort(files.begin(), files.end());
    std::vector<std::string> out;
    for (auto &f : files) out.push_back(std::move(f.second));
    return out;
}

SweepRun RunSweepRange(const Options &opt, const std::string &module, uint64_t begin, uint64_t end) {
    SweepRun out;
    auto target = PrepareTarget(opt, module);
    if (!target) {
        out.load_error = target.error();
        return out;
    }
    WorkerLog log("");
    SessionOptions so;
    so.pool.jobs = 1;
    so.pool.call_timeout_ms = opt.timeout_ms;
    so.pool.log = &log;
    so.pool.spawn.preload_asan = target->file.needs_asan;
    so.pool.spawn.sandbox = SandboxOptionsOf(opt, false);
    so.max_restarts = opt.max_restarts;
    so.seed = opt.seed;
    WorkerConfig c;
    c.mode = WorkerMode::Sweep;
    c.module = target->options;
    c.profile = ProfileByName(opt.profile).value_or(Profile::Strict);
    c.seed = opt.seed;
    c.begin = begin;
    c.end = end;
    Session session(so);
    session.Run({Job{c, 0, 0}});
    out.load_error = session.load_error();
    out.findings = session.findings().Sorted();
    out.notes = session.notes();
    out.cases = session.sweep().cases;
    out.calls = session.sweep().calls;
    return out;
}

}  // namespace vspc
