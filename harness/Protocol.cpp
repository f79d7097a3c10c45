#include "Protocol.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "Hex.h"
#include "StrictJson.h"

namespace vspc {
namespace {

using nlohmann::json;

std::string_view ModeName(WorkerMode m) { return KindOf(m).name; }

json HooksJson(const Hooks &h) {
    return {{"save", h.save},
            {"restore", h.restore},
            {"prepare", h.prepare},
            {"release", h.release},
            {"init_hook", h.init_hook},
            {"coverage_counters", h.coverage_counters},
            {"save_entry", h.save_entry},
            {"restore_entry", h.restore_entry}};
}

json SandboxJson(const SandboxState &s) {
    return {{"requested", s.requested},
            {"pid_ns", s.pid_ns},
            {"mount_ns", s.mount_ns},
            {"net_ns", s.net_ns},
            {"user_ns", s.user_ns},
            {"no_new_privs", s.no_new_privs},
            {"seccomp", s.seccomp},
            {"read_only_fs", s.read_only_fs},
            {"rlimit_as_mb", s.rlimit_as_mb},
            {"rlimit_fsize_mb", s.rlimit_fsize_mb},
            {"rlimit_cpu_s", s.rlimit_cpu_s},
            {"rlimit_nproc", s.rlimit_nproc},
            {"nproc_enforced", s.nproc_enforced},
            {"asan", s.asan},
            {"pids_max", s.pids_max}};
}

SandboxState SandboxFromJson(const StrictJson &o) {
    SandboxState s;
    s.requested = o.Bool("requested");
    s.pid_ns = o.Bool("pid_ns");
    s.mount_ns = o.Bool("mount_ns");
    s.net_ns = o.Bool("net_ns");
    s.user_ns = o.Bool("user_ns");
    s.no_new_privs = o.Bool("no_new_privs");
    s.seccomp = o.Bool("seccomp");
    s.read_only_fs = o.Bool("read_only_fs");
    s.rlimit_as_mb = o.Int<uint64_t>("rlimit_as_mb");
    s.rlimit_fsize_mb = o.Int<uint64_t>("rlimit_fsize_mb");
    s.rlimit_cpu_s = o.Int<uint64_t>("rlimit_cpu_s");
    s.rlimit_nproc = o.Int<uint64_t>("rlimit_nproc");
    s.nproc_enforced = o.Bool("nproc_enforced");
    s.asan = o.Bool("asan");
    s.pids_max = o.Int<uint64_t>("pids_max");
    return s;
}

}  // namespace

std::string PromotedDir(const WorkerConfig &c) {
    if (!c.promoted.empty()) return c.promoted;
    std::string corpus = c.corpus;
    while (corpus.size() > 1 && corpus.back() == '/') corpus.pop_back();
    size_t slash = corpus.find_last_of('/');
    return (slash == std::string::npos ? std::string(".") : corpus.substr(0, slash)) + "/promoted";
}

std::string EncodeConfig(const WorkerConfig &c) {
    json j = {{"mode", ModeName(c.mode)},
              {"module", c.module.path},
              {"module_image", c.module.image},
              {"save_symbol", c.module.save_symbol},
              {"restore_symbol", c.module.restore_symbol},
              {"profile", ProfileName(c.profile)},
              {"seed", c.seed},
              {"begin", c.begin},
              {"end", c.end},
              {"shard", c.shard},
              {"generation", c.generation},
              {"runs", c.runs},
              {"plateau", c.plateau},
              {"corpus", c.corpus},
              {"corpus_in", c.corpus_in},
              {"cases", c.cases},
              {"quiet_engine", c.quiet_engine},
              {"dump", c.dump},
              {"header_profile", c.header_profile},
              {"archive", c.archive},
              {"compat", c.compat},
              {"direction", DirectionName(c.direction)},
              {"old_sha256", c.old_sha256},
              {"new_sha256", c.new_sha256},
              {"shared_corpus", c.shared_corpus},
              {"promoted", c.promoted},
              {"max_len", c.max_len},
              {"target", c.target},
              {"target_death", c.target_death},
              {"reject", c.reject},
              {"output", c.output},
              {"sandbox", c.sandbox},
              {"host_ns", c.host_ns},
              {"shm_fd", c.shm_fd},
              {"ctl_fd", c.ctl_fd},
              {"out_fd", c.out_fd}};
    return j.dump();
}

std::string DecodeConfig(std::string_view text, WorkerConfig &out) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return "worker config: not a JSON object";
    try {
        StrictJson o(j, "worker config");
        WorkerConfig c;
        std::string mode = o.Str("mode");
        const JobKind *kind = KindByName(mode);
        if (!kind) return fmt::format("worker config: unknown mode '{}'", mode);
        c.mode = kind->mode;
        c.module.path = o.Str("module");
        c.module.image = o.Str("module_image");
        c.module.save_symbol = o.Str("save_symbol");
        c.module.restore_symbol = o.Str("restore_symbol");
        auto profile = ProfileByName(o.Str("profile"));
        if (!profile) return "worker config: unknown profile";
        c.profile = *profile;
        c.seed = o.Int<uint64_t>("seed");
        c.begin = o.Int<uint64_t>("begin");
        c.end = o.Int<uint64_t>("end");
        c.shard = o.Int<uint32_t>("shard");
        c.generation = o.Int<uint32_t>("generation");
        c.runs = o.Int<uint64_t>("runs");
        c.plateau = o.Int<uint64_t>("plateau");
        c.corpus = o.Str("corpus");
        c.corpus_in = o.Strings("corpus_in");
        c.cases = o.Strings("cases");
        c.quiet_engine = o.Bool("quiet_engine");
        c.dump = o.Bool("dump");
        c.header_profile = o.Bool("header_profile");
        c.archive = o.Str("archive");
        c.compat = o.Bool("compat");
        c.direction =
            o.Enum<CompatDirection>("direction", {CompatDirection::Forward, CompatDirection::Rollback}, DirectionName);
        c.old_sha256 = o.Str("old_sha256");
        c.new_sha256 = o.Str("new_sha256");
        c.shared_corpus = o.Bool("shared_corpus");
        c.promoted = o.Str("promoted");
        c.max_len = o.Int<uint32_t>("max_len", 1 << 24);
        c.target = o.Str("target");
        c.target_death = o.Bool("target_death");
        const json &reject = o.At("reject");
        if (!reject.is_array()) return "worker config: 'reject' is not an array";
        for (const json &r : reject) {
            if (!r.is_number_unsigned()) return "worker config: 'reject' holds something that is not a count";
            c.reject.push_back(r.get<uint64_t>());
        }
        c.output = o.Str("output");
        c.sandbox = o.Bool("sandbox");
        const json &ns = o.At("host_ns");
        if (!ns.is_array() || ns.size() > 8) return "worker config: 'host_ns' is not an array of namespace ids";
        for (const json &id : ns) {
            if (!id.is_number_unsigned()) return "worker config: 'host_ns' is not an array of namespace ids";
            c.host_ns.push_back(id.get<uint64_t>());
        }
        c.shm_fd = o.Int<int>("shm_fd", 1 << 20);
        c.ctl_fd = o.Int<int>("ctl_fd", 1 << 20);
        c.out_fd = o.Int<int>("out_fd", 1 << 20);
        if (c.shm_fd < -1 || c.ctl_fd < -1 || c.out_fd < -1) return "worker config: a file descriptor is negative";
        out = std::move(c);
        return {};
    } catch (const JsonError &e) {
        return e.what;
    }
}

std::string EncodeMessage(const Message &m) {
    json j = std::visit(
        [](const auto &x) -> json {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, msg::Loaded>) {
                return {{"t", "loaded"}, {"hooks", HooksJson(x.hooks)}, {"sandbox", SandboxJson(x.sandbox)}};
            } else if constexpr (std::is_same_v<T, msg::LoadError>) {
                return {{"t", "load_error"}, {"message", x.message}};
            } else if constexpr (std::is_same_v<T, msg::Found>) {
                return {{"t", "finding"}, {"finding", ToJson(x.finding)}};
            } else if constexpr (std::is_same_v<T, msg::Trace>) {
                return {{"t", "call"}, {"text", x.text}};
            } else if constexpr (std::is_same_v<T, msg::CaseBegin>) {
                return {{"t", "case_begin"}, {"index", x.index}, {"file", x.file}, {"profile", ProfileName(x.profile)}};
            } else if constexpr (std::is_same_v<T, msg::Saved>) {
                return {{"t", "saved"}, {"state", x.state}, {"seed", HexOf(x.seed)}, {"record", HexOf(x.record)}};
            } else if constexpr (std::is_same_v<T, msg::Minimized>) {
                return {{"t", "minimized"},           {"file", x.file},  {"tries", x.tries}, {"accepted", x.accepted},
                        {"reproduced", x.reproduced}, {"final", x.final}};
            } else if constexpr (std::is_same_v<T, msg::Covered>) {
                return {{"t", "covered"}, {"pcs", x.pcs}, {"flags", x.flags}, {"inputs", x.inputs}};
            } else if constexpr (std::is_same_v<T, msg::Promoted>) {
                return {{"t", "promoted"}, {"file", x.file}};
            } else if constexpr (std::is_same_v<T, msg::CaseEnd>) {
                return {{"t", "case_end"},
                        {"index", x.index},
                        {"skipped", x.skipped},
                        {"reason", x.reason},
                        {"restore_ops_skipped", x.restore_ops_skipped}};
            } else {
                json repeats = json::array();
                for (const auto &[key, n] : x.repeats) repeats.push_back({{"key", key}, {"n", n}});
                return {{"t", "done"},
                        {"repeats", repeats},
                        {"finished", x.finished},
                        {"cases_run", x.cases_run},
                        {"cases_skipped", x.cases_skipped},
                        {"calls", x.calls},
                        {"execs", x.execs},
                        {"state_saves", x.state_saves},
                        {"evidence", x.evidence}};
            }
        },
        m);
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::variant<Message, ProtocolError> DecodeMessage(std::string_view line) {
    if (line.size() > kMaxMessageBytes) return ProtocolError{fmt::format("a message of {} bytes", line.size())};
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded()) return ProtocolError{"a message that is not JSON"};
    if (!j.is_object()) return ProtocolError{"a message that is not a JSON object"};
    try {
        StrictJson o(j, "message");
        std::string t = o.Str("t");
        if (t == "loaded") {
            StrictJson h = o.Object("hooks");
            msg::Loaded m;
            m.hooks.save = h.Bool("save");
            m.hooks.restore = h.Bool("restore");
            m.hooks.prepare = h.Bool("prepare");
            m.hooks.release = h.Bool("release");
            m.hooks.init_hook = h.Bool("init_hook");
            m.hooks.coverage_counters = h.Int<uint64_t>("coverage_counters");
            m.hooks.save_entry = h.Int<uint64_t>("save_entry");
            m.hooks.restore_entry = h.Int<uint64_t>("restore_entry");
            m.sandbox = SandboxFromJson(o.Object("sandbox"));
            return m;
        }
        if (t == "load_error") return msg::LoadError{o.Str("message")};
        if (t == "finding") {
            msg::Found m;
            if (std::string err = FindingFromJson(o.At("finding"), m.finding); !err.empty()) return ProtocolError{err};
            return m;
        }
        if (t == "call") return msg::Trace{o.Str("text")};
        if (t == "case_begin")
            return msg::CaseBegin{o.Int<uint64_t>("index"), o.Str("file"),
                                  o.Enum<Profile>("profile", {Profile::Strict, Profile::Kmcl}, ProfileName)};
        if (t == "case_end")
            return msg::CaseEnd{o.Int<uint64_t>("index"), o.Bool("skipped"), o.Str("reason"),
                                o.Int<uint32_t>("restore_ops_skipped")};
        if (t == "promoted") return msg::Promoted{o.Str("file")};
        if (t == "minimized")
            return msg::Minimized{o.Str("file"), o.Int<uint64_t>("tries"), o.Int<uint64_t>("accepted"),
                                  o.Bool("reproduced"), o.Bool("final")};
        if (t == "covered") {
            msg::Covered m;
            const json &pcs = o.At("pcs"), &flags = o.At("flags");
            if (!pcs.is_array() || !flags.is_array() || pcs.size() != flags.size())
                return ProtocolError{"covered: 'pcs' and 'flags' are not arrays of one length"};
            for (const json &p : pcs) {
                if (!p.is_number_unsigned()) return ProtocolError{"covered: a pc that is not an address"};
                m.pcs.push_back(p.get<uint64_t>());
            }
            for (const json &f : flags) {
                if (!f.is_number_unsigned() || f.get<uint64_t>() > 3) return ProtocolError{"covered: a bad flag"};
                m.flags.push_back(static_cast<uint8_t>(f.get<uint64_t>()));
            }
            m.inputs = o.Int<uint64_t>("inputs");
            return m;
        }
        if (t == "saved") {
            msg::Saved m;
            m.state = o.Int<uint64_t>("state");
            if (!FromHex(o.Str("seed"), m.seed) || m.seed.size() > kMaxSeedSize)
                return ProtocolError{"saved: 'seed' is not lowercase hex of a seed"};
            if (!FromHex(o.Str("record"), m.record) || m.record.size() > kMaxRestoreBytes)
                return ProtocolError{"saved: 'record' is not lowercase hex of a record"};
            return m;
        }
        if (t == "done") {
            msg::Done m;
            const json &r = o.At("repeats");
            if (!r.is_array()) return ProtocolError{"done: 'repeats' is not an array"};
            for (const json &e : r) {
                StrictJson x(e, "done.repeats");
                m.repeats.emplace_back(x.Str("key"), x.Int<uint64_t>("n"));
            }
            m.finished = o.Bool("finished");
            m.cases_run = o.Int<uint64_t>("cases_run");
            m.cases_skipped = o.Int<uint64_t>("cases_skipped");
            m.calls = o.Int<uint64_t>("calls");
            m.execs = o.Int<uint64_t>("execs");
            m.state_saves = o.Int<uint64_t>("state_saves");
            const json &ev = o.At("evidence");
            if (!ev.is_array() || ev.size() != m.evidence.size())
                return ProtocolError{"done: 'evidence' is not one count per rule"};
            for (size_t i = 0; i < ev.size(); ++i) {
                if (!ev[i].is_number_unsigned()) return ProtocolError{"done: 'evidence' holds something not a count"};
                m.evidence[i] = ev[i].get<uint64_t>();
            }
            return m;
        }
        return ProtocolError{fmt::format("a message of unknown type '{}'", t)};
    } catch (const JsonError &e) {
        return ProtocolError{e.what};
    }
}

}  // namespace vspc
