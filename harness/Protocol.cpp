#include "Protocol.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace vspc {
namespace {

using nlohmann::json;

std::string_view ModeName(WorkerMode m) {
    switch (m) {
    case WorkerMode::Sweep: return "sweep";
    case WorkerMode::Fuzz: return "fuzz";
    case WorkerMode::Contract: return "contract";
    case WorkerMode::Replay: return "replay";
    }
    return "?";
}

// Field readers that throw a message naming the field.
struct Obj {
    const json &j;
    const char *what;
    const json &At(const char *key) const {
        if (!j.is_object() || !j.contains(key)) throw std::string(fmt::format("{}: '{}' is missing", what, key));
        return j.at(key);
    }
    std::string Str(const char *key) const {
        const json &v = At(key);
        if (!v.is_string()) throw std::string(fmt::format("{}: '{}' is not a string", what, key));
        return v.get<std::string>();
    }
    uint64_t U64(const char *key, uint64_t max = UINT64_MAX) const {
        const json &v = At(key);
        if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
            throw std::string(fmt::format("{}: '{}' is not a non-negative integer", what, key));
        uint64_t x = v.get<uint64_t>();
        if (x > max) throw std::string(fmt::format("{}: '{}' is out of range", what, key));
        return x;
    }
    int Fd(const char *key) const {
        const json &v = At(key);
        if (!v.is_number_integer() || v.get<int64_t>() < -1 || v.get<int64_t>() > 1 << 20)
            throw std::string(fmt::format("{}: '{}' is not a file descriptor", what, key));
        return static_cast<int>(v.get<int64_t>());
    }
    bool Bool(const char *key) const {
        const json &v = At(key);
        if (!v.is_boolean()) throw std::string(fmt::format("{}: '{}' is not a boolean", what, key));
        return v.get<bool>();
    }
    std::vector<std::string> Strings(const char *key) const {
        const json &v = At(key);
        if (!v.is_array()) throw std::string(fmt::format("{}: '{}' is not an array", what, key));
        std::vector<std::string> out;
        for (const json &e : v) {
            if (!e.is_string()) throw std::string(fmt::format("{}: '{}' holds a non-string", what, key));
            out.push_back(e.get<std::string>());
        }
        return out;
    }
};

json HooksJson(const Hooks &h) {
    return {{"save", h.save},       {"restore", h.restore},     {"prepare", h.prepare},
            {"release", h.release}, {"init_hook", h.init_hook}, {"coverage_counters", h.coverage_counters}};
}

}  // namespace

std::string EncodeConfig(const WorkerConfig &c) {
    json j = {{"mode", ModeName(c.mode)},
              {"module", c.module.path},
              {"save_symbol", c.module.save_symbol},
              {"restore_symbol", c.module.restore_symbol},
              {"profile", ProfileName(c.profile)},
              {"seed", c.seed},
              {"begin", c.begin},
              {"end", c.end},
              {"shard", c.shard},
              {"generation", c.generation},
              {"runs", c.runs},
              {"corpus", c.corpus},
              {"cases", c.cases},
              {"quiet_engine", c.quiet_engine},
              {"shm_fd", c.shm_fd},
              {"out_fd", c.out_fd}};
    return j.dump();
}

std::string DecodeConfig(std::string_view text, WorkerConfig &out) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return "worker config: not a JSON object";
    try {
        Obj o{j, "worker config"};
        WorkerConfig c;
        std::string mode = o.Str("mode");
        bool known = false;
        for (WorkerMode m : {WorkerMode::Sweep, WorkerMode::Fuzz, WorkerMode::Contract, WorkerMode::Replay})
            if (ModeName(m) == mode) {
                c.mode = m;
                known = true;
            }
        if (!known) return fmt::format("worker config: unknown mode '{}'", mode);
        c.module.path = o.Str("module");
        c.module.save_symbol = o.Str("save_symbol");
        c.module.restore_symbol = o.Str("restore_symbol");
        auto profile = ProfileByName(o.Str("profile"));
        if (!profile) return "worker config: unknown profile";
        c.profile = *profile;
        c.seed = o.U64("seed");
        c.begin = o.U64("begin");
        c.end = o.U64("end");
        c.shard = static_cast<uint32_t>(o.U64("shard", UINT32_MAX));
        c.generation = static_cast<uint32_t>(o.U64("generation", UINT32_MAX));
        c.runs = o.U64("runs");
        c.corpus = o.Str("corpus");
        c.cases = o.Strings("cases");
        c.quiet_engine = o.Bool("quiet_engine");
        c.shm_fd = o.Fd("shm_fd");
        c.out_fd = o.Fd("out_fd");
        out = std::move(c);
        return {};
    } catch (const std::string &e) {
        return e;
    }
}

std::string EncodeMessage(const Message &m) {
    json j = std::visit(
        [](const auto &x) -> json {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, msg::Loaded>) {
                return {{"t", "loaded"}, {"hooks", HooksJson(x.hooks)}};
            } else if constexpr (std::is_same_v<T, msg::LoadError>) {
                return {{"t", "load_error"}, {"message", x.message}};
            } else if constexpr (std::is_same_v<T, msg::Found>) {
                return {{"t", "finding"}, {"finding", ToJson(x.finding)}};
            } else if constexpr (std::is_same_v<T, msg::Trace>) {
                return {{"t", "call"}, {"text", x.text}};
            } else if constexpr (std::is_same_v<T, msg::CaseBegin>) {
                return {{"t", "case_begin"}, {"index", x.index}, {"file", x.file}};
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
                return {{"t", "done"}, {"repeats", repeats}};
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
        Obj o{j, "message"};
        std::string t = o.Str("t");
        if (t == "loaded") {
            Obj h{o.At("hooks"), "loaded.hooks"};
            msg::Loaded m;
            m.hooks.save = h.Bool("save");
            m.hooks.restore = h.Bool("restore");
            m.hooks.prepare = h.Bool("prepare");
            m.hooks.release = h.Bool("release");
            m.hooks.init_hook = h.Bool("init_hook");
            m.hooks.coverage_counters = h.U64("coverage_counters");
            return m;
        }
        if (t == "load_error") return msg::LoadError{o.Str("message")};
        if (t == "finding") {
            msg::Found m;
            if (std::string err = FindingFromJson(o.At("finding"), m.finding); !err.empty()) return ProtocolError{err};
            return m;
        }
        if (t == "call") return msg::Trace{o.Str("text")};
        if (t == "case_begin") return msg::CaseBegin{o.U64("index"), o.Str("file")};
        if (t == "case_end")
            return msg::CaseEnd{o.U64("index"), o.Bool("skipped"), o.Str("reason"),
                                static_cast<uint32_t>(o.U64("restore_ops_skipped", UINT32_MAX))};
        if (t == "promoted") return msg::Promoted{o.Str("file")};
        if (t == "done") {
            msg::Done m;
            const json &r = o.At("repeats");
            if (!r.is_array()) return ProtocolError{"done: 'repeats' is not an array"};
            for (const json &e : r) {
                Obj x{e, "done.repeats"};
                m.repeats.emplace_back(x.Str("key"), x.U64("n"));
            }
            return m;
        }
        return ProtocolError{fmt::format("a message of unknown type '{}'", t)};
    } catch (const std::string &e) {
        return ProtocolError{e};
    }
}

}  // namespace vspc
