// Linux process supervision: fork/exec of the worker, a pipe for its messages,
// a memfd for the shared status block, and a watchdog over module calls.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "Judge.h"
#include "Supervisor.h"

#ifndef VSPC_ASAN_RUNTIME
#define VSPC_ASAN_RUNTIME ""
#endif

namespace vspc {
namespace {

using Clock = std::chrono::steady_clock;

std::string FirstSanitizerLine(const std::string &log_path) {
    std::ifstream in(log_path);
    std::string line, found;
    while (std::getline(in, line))
        if (line.find("ERROR: AddressSanitizer") != std::string::npos ||
            line.find("ERROR: LeakSanitizer") != std::string::npos)
            found = line;  // the last one belongs to this worker run
    auto pos = found.find("ERROR: ");
    return pos == std::string::npos ? found : found.substr(pos + 7);
}

}  // namespace

std::string SignalName(int signo) {
    switch (signo) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGABRT: return "SIGABRT";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGTRAP: return "SIGTRAP";
    default: return fmt::format("signal {}", signo);
    }
}

WorkerOutcome RunWorker(WorkerConfig config, const SupervisorOptions &options,
                        const std::function<void(const nlohmann::json &)> &on_message) {
    WorkerOutcome o;
    int shm_fd = memfd_create("vspconform-status", MFD_CLOEXEC);
    if (shm_fd < 0 || ftruncate(shm_fd, sizeof(SharedStatus)) != 0) throw std::runtime_error("memfd_create failed");
    void *map = mmap(nullptr, sizeof(SharedStatus), PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
    if (map == MAP_FAILED) throw std::runtime_error("mmap of the status block failed");
    auto *shared = static_cast<SharedStatus *>(map);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    config.shm_fd = shm_fd;
    config.out_fd = fds[1];
    std::string json = ToJson(config).dump();
    int log_fd = open(options.log_path.empty() ? "/dev/null" : options.log_path.c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) log_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(72);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(log_fd, 1);
        dup2(log_fd, 2);
        fcntl(shm_fd, F_SETFD, 0);
        fcntl(fds[1], F_SETFD, 0);
        // Same addresses every run: libFuzzer's value profile hashes code
        // addresses, so address randomization would make runs differ.
        personality(ADDR_NO_RANDOMIZE);
        if (options.needs_asan) {
            setenv("LD_PRELOAD", VSPC_ASAN_RUNTIME, 1);
            setenv("ASAN_OPTIONS",
                   "abort_on_error=1:detect_leaks=0:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:"
                   "handle_sigill=0:allow_user_segv_handler=1:symbolize=1",
                   1);
        }
        const char *argv[] = {"vspconform-worker", "__worker", json.c_str(), nullptr};
        execv("/proc/self/exe", const_cast<char **>(argv));
        _exit(73);
    }
    close(fds[1]);
    close(log_fd);

    std::string buffer;
    uint64_t last_calls = 0;
    auto last_progress = Clock::now();
    auto started = Clock::now();
    bool hung = false;
    for (;;) {
        pollfd p{fds[0], POLLIN, 0};
        int r = poll(&p, 1, 20);
        if (r > 0) {
            char chunk[65536];
            ssize_t n = read(fds[0], chunk, sizeof(chunk));
            if (n > 0) {
                buffer.append(chunk, static_cast<size_t>(n));
                size_t pos;
                while ((pos = buffer.find('\n')) != std::string::npos) {
                    auto msg = nlohmann::json::parse(buffer.substr(0, pos), nullptr, false);
                    buffer.erase(0, pos + 1);
                    if (msg.is_discarded()) continue;
                    std::string t = msg.value("t", "");
                    if (t == "loaded") {
                        o.loaded = true;
                        o.module_info = msg;
                    } else if (t == "load_error") {
                        o.load_error = msg.value("message", "");
                    } else if (t == "done") {
                        o.counts = msg.value("counts", std::map<std::string, uint64_t>{});
                        o.ending = Ending::Done;
                    }
                    on_message(msg);
                }
                continue;
            }
            if (n == 0) break;  // every writer is gone
        }
        // Watchdog: a module call that does not return in time is a hang.
        uint64_t calls = shared->calls_started.load(std::memory_order_relaxed);
        bool in_call = shared->in_call.load(std::memory_order_relaxed);
        auto now = Clock::now();
        if (calls != last_calls || !in_call) {
            last_calls = calls;
            last_progress = now;
        }
        auto limit = o.loaded ? options.call_timeout_ms : options.load_timeout_ms;
        bool stuck = in_call && now - last_progress > std::chrono::milliseconds(limit);
        bool load_stuck = !o.loaded && o.load_error.empty() && now - started > std::chrono::milliseconds(limit);
        if (stuck || load_stuck) {
            hung = true;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            break;
        }
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    kill(-pid, SIGKILL);  // anything the module forked

    o.in_call = shared->in_call.load();
    o.call = shared->call;
    o.faulted = shared->faulted.load();
    o.fault = shared->fault;
    o.case_index = shared->case_index.load();
    uint32_t size = std::min(shared->case_size.load(), kSharedCaseCapacity);
    o.case_bytes.assign(shared->case_bytes, shared->case_bytes + size);
    o.cases_run = shared->cases_run.load();
    o.cases_skipped = shared->cases_skipped.load();
    o.calls = shared->total_calls.load();
    munmap(map, sizeof(SharedStatus));
    close(shm_fd);

    bool done = o.case_index == UINT64_MAX && !o.in_call;
    if (hung) {
        o.ending = Ending::Hung;
    } else if (!o.load_error.empty()) {
        o.ending = Ending::LoadError;
    } else if (WIFSIGNALED(status)) {
        o.ending = Ending::Crashed;
        o.signo = WTERMSIG(status);
    } else if (WIFEXITED(status) && (!done || WEXITSTATUS(status) != 0)) {
        o.ending = Ending::Exited;
        o.exit_code = WEXITSTATUS(status);
    } else {
        o.ending = Ending::Done;
    }
    if (o.ending == Ending::Crashed || o.ending == Ending::Exited)
        o.sanitizer_report = FirstSanitizerLine(options.log_path);
    return o;
}

nlohmann::json DeathViolation(const WorkerOutcome &o, uint32_t call_timeout_ms) {
    const Callback cb = o.in_call ? o.call.callback : Callback::None;
    const bool restore = cb == Callback::Restore;
    RuleId rule = restore ? RuleId::RP2 : RuleId::SP11;
    std::string where = o.in_call ? fmt::format("in {}", CallbackName(cb)) : "outside any module call";
    std::string message, signature;
    nlohmann::json extra = nlohmann::json::object();
    switch (o.ending) {
    case Ending::Hung:
        message = fmt::format("{} did not return within {} ms", CallbackName(cb), call_timeout_ms);
        signature = "hang";
        break;
    case Ending::Exited:
        message = fmt::format("the process exited with status {} {}", o.exit_code, where);
        signature = "exit";
        break;
    default: {
        message = fmt::format("crashed with {} {}", SignalName(o.signo), where);
        signature = SignalName(o.signo);
        if (o.faulted && o.fault.region != FaultRegion::None) {
            const FaultInfo &f = o.fault;
            const char *access = f.access == Access::Write ? "write" : f.access == Access::Read ? "read" : "access";
            std::string region;
            switch (f.region) {
            case FaultRegion::SaveBuf: region = "SaveBuf"; break;
            case FaultRegion::NullSaveBuf: region = "SaveBuf (NULL)"; break;
            case FaultRegion::BytesNeeded: region = "*BytesNeeded"; break;
            case FaultRegion::RestoreSaveBuf: region = "restore SaveBuf"; break;
            case FaultRegion::RestoreLibBuf: region = "LibBuf"; break;
            case FaultRegion::None: break;
            }
            std::string direction = f.offset < 0                                      ? "underrun"
                                    : f.offset >= static_cast<int64_t>(f.buffer_size) ? "overrun"
                                                                                      : "inside";
            if (f.region == FaultRegion::NullSaveBuf) {
                rule = RuleId::SP3;
                direction = "inside";
            } else if (f.region == FaultRegion::SaveBuf) {
                rule = o.call.size == 0 ? RuleId::SP3 : RuleId::SP5;
            } else if (f.region == FaultRegion::BytesNeeded) {
                rule = RuleId::SP5;
            } else {
                rule = f.access == Access::Write ? RuleId::RP4 : RuleId::RP2;
            }
            message = fmt::format("{} {} at offset {} ({} bytes): {} {} (caught by a guard page, {})", access, region,
                                  f.offset, f.buffer_size, direction == "inside" ? "into its input" : direction.c_str(),
                                  direction == "inside" ? ""
                                  : f.offset < 0        ? fmt::format("by {}", -f.offset)
                                                        : fmt::format("by {}", f.offset - f.buffer_size + 1),
                                  SignalName(o.signo));
            signature = fmt::format("{} {} {}", region, direction, access);
            extra = {{"offset", f.offset}, {"region", region}, {"direction", direction}, {"access", access}};
        }
        break;
    }
    }
    if (!o.sanitizer_report.empty()) message += fmt::format("; {}", o.sanitizer_report);
    const Rule &r = RuleFor(rule);
    nlohmann::json j = {{"rule", r.name},
                        {"severity", SeverityName(r.severity)},
                        {"title", r.title},
                        {"message", message},
                        {"signature", signature},
                        {"op_index", o.call.op_index},
                        {"call",
                         {{"callback", CallbackName(cb)},
                          {"packet", o.call.packet},
                          {"text",
                           fmt::format("{} packet {}: size {}", CallbackName(cb), o.call.packet, o.call.size)}}}};
    j.update(extra);
    return j;
}

}  // namespace vspc
