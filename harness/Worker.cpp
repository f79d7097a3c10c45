#include "Worker.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include <fmt/format.h>

#include "Fault.h"
#include "Runner.h"
#include "Sweep.h"

extern "C" int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *data, size_t size));

namespace vspc {

nlohmann::json ToJson(const WorkerConfig &c) {
    static const char *modes[] = {"sweep", "fuzz", "replay"};
    return {{"mode", modes[static_cast<int>(c.mode)]},
            {"module", c.module.path},
            {"save_symbol", c.module.save_symbol},
            {"restore_symbol", c.module.restore_symbol},
            {"profile", ProfileName(c.profile)},
            {"seed", c.seed},
            {"start", c.start},
            {"end", c.end},
            {"runs", c.runs},
            {"corpus", c.corpus},
            {"cases", c.cases},
            {"shm_fd", c.shm_fd},
            {"out_fd", c.out_fd}};
}

WorkerConfig WorkerConfigFromJson(const nlohmann::json &j) {
    WorkerConfig c;
    std::string mode = j.at("mode");
    c.mode = mode == "fuzz" ? WorkerMode::Fuzz : mode == "replay" ? WorkerMode::Replay : WorkerMode::Sweep;
    c.module.path = j.at("module");
    c.module.save_symbol = j.at("save_symbol");
    c.module.restore_symbol = j.at("restore_symbol");
    c.profile = ProfileByName(j.at("profile").get<std::string>()).value_or(Profile::Strict);
    c.seed = j.at("seed");
    c.start = j.at("start");
    c.end = j.at("end");
    c.runs = j.at("runs");
    c.corpus = j.at("corpus").get<std::vector<std::string>>();
    c.cases = j.at("cases").get<std::vector<std::string>>();
    c.shm_fd = j.at("shm_fd");
    c.out_fd = j.at("out_fd");
    return c;
}

std::string HexEncode(const std::vector<uint8_t> &bytes) {
    static const char *digits = "0123456789abcdef";
    std::string s;
    s.reserve(bytes.size() * 2);
    for (uint8_t b : bytes) {
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

std::vector<uint8_t> HexDecode(const std::string &hex) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

std::vector<uint8_t> ReproducerFor(const Case &c, uint32_t op_index) {
    Case cut = c;
    if (op_index + 1 < cut.ops.size()) cut.ops.resize(op_index + 1);
    return EncodeCase(cut);
}

nlohmann::json ViolationJson(const Violation &v, const CaseLog *log) {
    const Rule &rule = RuleFor(v.rule);
    nlohmann::json j = {{"rule", rule.name},        {"severity", SeverityName(rule.severity)},
                        {"title", rule.title},      {"message", v.message},
                        {"signature", v.signature}, {"op_index", v.op_index}};
    if (v.has_offset) {
        j["offset"] = v.offset;
        j["region"] = v.region;
        j["direction"] = v.direction;
        j["access"] = v.access;
    }
    if (log && v.call >= 0 && static_cast<size_t>(v.call) < log->calls.size()) {
        const CallRecord &c = log->calls[v.call];
        j["call"] = {{"index", v.call},
                     {"callback", CallbackName(c.callback)},
                     {"packet", c.packet},
                     {"text", DescribeCall(*log, c)},
                     {"status", fmt::format("0x{:08X}", static_cast<uint32_t>(c.status))},
                     {"status_name", StatusName(c.status)}};
        if (c.callback == Callback::Save) {
            j["call"]["SaveBufSize"] = c.size;
            j["call"]["SaveBuf"] = c.null_buffer                     ? "NULL"
                                   : c.placement == Placement::Right ? "right-aligned"
                                                                     : "left-aligned";
            j["call"]["BytesNeeded"] =
                c.bytes_needed_written ? nlohmann::json(c.bytes_needed) : nlohmann::json(nullptr);
        } else if (c.callback == Callback::Restore) {
            j["call"]["SaveBufSize"] = c.input_size;
            j["call"]["LibBufSize"] = c.lib_buf_size;
        }
    }
    return j;
}

namespace {

class Channel {
public:
    explicit Channel(int fd) : fd_(fd) {}
    void Send(const nlohmann::json &j) {
        std::string line = j.dump() + "\n";
        const char *p = line.data();
        size_t left = line.size();
        while (left > 0) {
            ssize_t n = write(fd_, p, left);
            if (n <= 0) {
                if (errno == EINTR) continue;
                _exit(71);  // the supervisor is gone
            }
            p += n;
            left -= static_cast<size_t>(n);
        }
    }

private:
    int fd_;
};

struct WorkerState {
    WorkerConfig config;
    Module module;
    Channel *out = nullptr;
    Runner *runner = nullptr;
    CaseLog log;
    Case current;
    std::vector<Violation> found;
    std::set<std::pair<RuleId, std::string>> reported;
    std::map<std::string, uint64_t> counts;
    const char *stage = "sweep";
};

WorkerState *g_worker = nullptr;

void PublishCase(const uint8_t *data, size_t size, uint64_t index) {
    SharedStatus *s = g_shared;
    s->case_index.store(index, std::memory_order_relaxed);
    size_t n = std::min<size_t>(size, kSharedCaseCapacity);
    std::memcpy(s->case_bytes, data, n);
    s->case_size.store(static_cast<uint32_t>(n), std::memory_order_relaxed);
}

// Plays one encoded case and reports what it finds.
void PlayCase(WorkerState &w, const uint8_t *data, size_t size, uint64_t index, bool trace) {
    PublishCase(data, size, index);
    DecodeCase(data, size, w.current);
    w.runner->Run(w.current, w.config.profile, w.log);
    SharedStatus *s = g_shared;
    if (w.log.skipped) {
        s->cases_skipped.store(s->cases_skipped.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    } else {
        s->cases_run.store(s->cases_run.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    w.found.clear();
    JudgeCase(w.log, w.config.profile, w.found);
    for (const Violation &v : w.found) {
        std::string key = fmt::format("{}|{}", RuleFor(v.rule).name, v.signature);
        ++w.counts[key];
        if (!trace && !w.reported.insert({v.rule, v.signature}).second) continue;
        nlohmann::json j = ViolationJson(v, &w.log);
        j["t"] = "violation";
        j["stage"] = w.stage;
        j["case_index"] = index;
        j["case"] = HexEncode(ReproducerFor(w.current, v.op_index));
        w.out->Send(j);
    }
    if (trace) {
        w.out->Send({{"t", "case_end"},
                     {"case_index", index},
                     {"skipped", w.log.skipped},
                     {"reason", w.log.skip_reason},
                     {"restore_ops_skipped", w.log.restore_ops_skipped}});
    }
}

int FuzzOne(const uint8_t *data, size_t size) {
    static uint64_t executions = 0;
    PlayCase(*g_worker, data, size, executions++, false);
    return 0;
}

void SendDone(WorkerState &w, int rc) {
    g_shared->case_index.store(UINT64_MAX, std::memory_order_relaxed);
    w.out->Send({{"t", "done"}, {"rc", rc}, {"counts", w.counts}});
}

// libFuzzer ends its run with exit(): report completion then, unless the exit
// came from inside a module call (that is a finding, and libFuzzer's own exit
// handler runs first and leaves with an error code).
void FuzzExitHandler() {
    if (g_worker && g_shared && !g_shared->in_call.load(std::memory_order_relaxed)) SendDone(*g_worker, 0);
}

int RunFuzz(WorkerState &w) {
    w.stage = "fuzz";
    std::atexit(FuzzExitHandler);
    std::vector<std::string> args = {"vspconform-fuzz",
                                     fmt::format("-runs={}", w.config.runs),
                                     fmt::format("-seed={}", w.config.seed == 0 ? 1 : w.config.seed),
                                     "-max_len=1024",
                                     "-use_value_profile=1",
                                     "-timeout=0",
                                     "-rss_limit_mb=4096",
                                     "-detect_leaks=0",
                                     "-handle_segv=0",
                                     "-handle_bus=0",
                                     "-handle_fpe=0",
                                     "-handle_ill=0",
                                     "-handle_abrt=0",
                                     "-handle_int=0",
                                     "-handle_term=0",
                                     "-print_final_stats=1"};
    // libFuzzer's own artifacts (e.g. on exit() in a callback) stay out of the
    // user's working directory; the supervisor reports from the shared block.
    if (!w.config.corpus.empty()) args.push_back(fmt::format("-artifact_prefix={}/artifact-", w.config.corpus[0]));
    for (const auto &dir : w.config.corpus) args.push_back(dir);
    std::vector<char *> argv;
    for (auto &a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int argc = static_cast<int>(args.size());
    char **argvp = argv.data();
    return LLVMFuzzerRunDriver(&argc, &argvp, FuzzOne);
}

void RunReplay(WorkerState &w) {
    w.stage = "replay";
    w.runner->SetTrace([&](const CaseLog &log, const CallRecord &call) {
        w.out->Send({{"t", "call"}, {"text", DescribeCall(log, call)}});
    });
    for (size_t i = 0; i < w.config.cases.size(); ++i) {
        std::ifstream in(w.config.cases[i], std::ios::binary);
        std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        w.out->Send({{"t", "case_begin"}, {"case_index", i}, {"file", w.config.cases[i]}});
        PlayCase(w, bytes.data(), bytes.size(), i, true);
    }
}

int WorkerMain(const WorkerConfig &config) {
    void *shm = mmap(nullptr, sizeof(SharedStatus), PROT_READ | PROT_WRITE, MAP_SHARED, config.shm_fd, 0);
    if (shm == MAP_FAILED) return 70;
    g_shared = static_cast<SharedStatus *>(shm);
    InstallFaultHandlers();
    Channel out(config.out_fd);
    WorkerState w;
    w.config = config;
    w.out = &out;
    g_worker = &w;
    std::string error = LoadModule(config.module, w.module);
    if (!error.empty()) {
        out.Send({{"t", "load_error"}, {"message", error}});
        return 3;
    }
    out.Send({{"t", "loaded"},
              {"save", w.module.save != nullptr},
              {"restore", w.module.restore != nullptr},
              {"prepare", w.module.prepare != nullptr},
              {"release", w.module.release != nullptr},
              {"init_hook", w.module.via_init_hook}});
    Runner runner(w.module);
    w.runner = &runner;
    int rc = 0;
    switch (config.mode) {
    case WorkerMode::Sweep: {
        const auto cases = SweepCases(config.seed);
        for (uint64_t i = config.start; i < std::min<uint64_t>(config.end, cases.size()); ++i) {
            auto bytes = EncodeCase(cases[i]);
            PlayCase(w, bytes.data(), bytes.size(), i, false);
        }
        break;
    }
    case WorkerMode::Fuzz: rc = RunFuzz(w); break;
    case WorkerMode::Replay: RunReplay(w); break;
    }
    SendDone(w, rc);
    // Leave without running the module's destructors or atexit handlers: the
    // supervisor has all it needs, and a module's teardown is not under test.
    _exit(0);
}

}  // namespace

int RunWorkerIfRequested(int argc, char **argv) {
    if (argc < 3 || std::strcmp(argv[1], "__worker") != 0) return -1;
    return WorkerMain(WorkerConfigFromJson(nlohmann::json::parse(argv[2])));
}

}  // namespace vspc
