#include "Finding.h"

#include <signal.h>

#include <algorithm>

#include <fmt/format.h>

#include "Hex.h"
#include "StrictJson.h"

namespace vspc {

std::string_view StageName(Stage s) {
    switch (s) {
    case Stage::Sweep: return "sweep";
    case Stage::Fuzz: return "fuzz";
    case Stage::Replay: return "replay";
    case Stage::Compat: return "compat";
    }
    return "?";
}

std::optional<Stage> StageByName(std::string_view name) {
    for (Stage s : {Stage::Sweep, Stage::Fuzz, Stage::Replay, Stage::Compat})
        if (StageName(s) == name) return s;
    return std::nullopt;
}

std::string_view DirectionName(CompatDirection d) { return d == CompatDirection::Forward ? "forward" : "rollback"; }

std::optional<CompatDirection> DirectionByName(std::string_view name) {
    for (CompatDirection d : {CompatDirection::Forward, CompatDirection::Rollback})
        if (DirectionName(d) == name) return d;
    return std::nullopt;
}

std::string_view RegionName(FaultRegion r) {
    switch (r) {
    case FaultRegion::None: return "none";
    case FaultRegion::SaveBuf: return "SaveBuf";
    case FaultRegion::NullSaveBuf: return "SaveBuf (NULL)";
    case FaultRegion::BytesNeeded: return "*BytesNeeded";
    case FaultRegion::RestoreSaveBuf: return "restore SaveBuf";
    case FaultRegion::RestoreLibBuf: return "LibBuf";
    }
    return "?";
}

std::string_view AccessName(Access a) {
    switch (a) {
    case Access::Unknown: return "access";
    case Access::Read: return "read";
    case Access::Write: return "write";
    }
    return "?";
}

std::string_view CallbackName(Callback cb) {
    switch (cb) {
    case Callback::None: return "none";
    case Callback::Init: return "VspConformanceInitChannel";
    case Callback::Prepare: return "VspConformancePreparePacket";
    case Callback::Save: return "save";
    case Callback::Restore: return "restore";
    case Callback::Release: return "VspConformanceReleasePacket";
    }
    return "?";
}

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

std::string_view DirectionOf(const Location &l) {
    if (l.region == FaultRegion::NullSaveBuf) return "inside";
    if (l.offset < 0) return "underrun";
    if (l.offset >= static_cast<int64_t>(l.buffer_size)) return "overrun";
    return "inside";
}

std::string_view ExtentClass(uint32_t extent) {
    if (extent == 0) return "";
    if (extent == 1) return "1 byte";
    if (extent <= 8) return "2-8 bytes";
    if (extent <= 4096) return "9-4096 bytes";
    return "over 4096 bytes";
}

std::string DescribeLocation(const Location &l) {
    std::string_view dir = DirectionOf(l);
    std::string how;
    auto bytes = [](uint64_t n) { return fmt::format("{} byte{}", n, n == 1 ? "" : "s"); };
    if ((dir == "underrun" || dir == "overrun") && l.extent > 0)
        how = fmt::format("{} of {}", dir, bytes(l.extent));
    else if (dir == "underrun")
        how = fmt::format("underrun by {}", -l.offset);
    else if (dir == "overrun")
        how = fmt::format("overrun by {}", l.offset - static_cast<int64_t>(l.buffer_size) + 1);
    else
        how = l.access == Access::Write ? "into its input" : "inside the buffer";
    std::string size = l.region == FaultRegion::NullSaveBuf ? "" : fmt::format(" ({} bytes)", l.buffer_size);
    std::string at =
        l.extent > 1 ? fmt::format("offsets {} to {}", l.offset, l.last_offset) : fmt::format("offset {}", l.offset);
    if (l.extent > 1 && l.count < l.extent) how += fmt::format(", {} of them changed", l.count);
    std::string by = l.guard_page ? "a guard page"
                     : l.extent   ? "the canary window"
                                  : fmt::format("the canary window, {} stray byte{}", l.count, l.count == 1 ? "" : "s");
    return fmt::format("{} {} at {}{}: {} (caught by {})", AccessName(l.access), RegionName(l.region), at, size, how,
                       by);
}

std::string DescribeDeath(const Death &d, uint32_t timeout_ms) {
    std::string where =
        d.callback == Callback::None ? "outside any module call" : fmt::format("in {}", CallbackName(d.callback));
    std::string s;
    switch (d.kind) {
    case DeathKind::Hang:
        s = fmt::format("{} did not return within {} ms", CallbackName(d.callback), timeout_ms);
        break;
    case DeathKind::Exit: s = fmt::format("the process exited with status {} {}", d.exit_code, where); break;
    case DeathKind::Crash: s = fmt::format("crashed with {} {}", SignalName(d.signo), where); break;
    }
    if (!d.sanitizer.empty()) s += fmt::format("; {}", d.sanitizer);
    if (d.sanitizer_access != Access::Unknown)
        s += fmt::format(" ({} of size {})", d.sanitizer_access == Access::Read ? "READ" : "WRITE", d.sanitizer_size);
    return s;
}

std::string_view CodeWhereName(CodeWhere w) {
    switch (w) {
    case CodeWhere::Fault: return "fault";
    case CodeWhere::Caller: return "caller";
    case CodeWhere::Entry: return "entry";
    case CodeWhere::Assertion: return "assertion";
    }
    return "entry";
}

std::string DescribeCode(const CodeLocation &c, const std::string &source_root) {
    std::string file = c.file;
    if (!source_root.empty() && !file.empty()) {
        std::string root = source_root.back() == '/' ? source_root : source_root + "/";
        if (file.rfind(root, 0) == 0) file = file.substr(root.size());
    }
    std::string at;
    if (!file.empty()) {
        at = c.line ? fmt::format("{}:{}", file, c.line) : file;
        if (c.line && c.column) at += fmt::format(":{}", c.column);
    }
    std::string what = c.where == CodeWhere::Entry ? "entry of " : c.where == CodeWhere::Caller ? "call in " : "";
    if (!c.function.empty() && !at.empty()) return fmt::format("{}{} at {}", what, c.function, at);
    if (!at.empty()) return at;
    if (!c.function.empty()) return fmt::format("{}{} (+0x{:x}, no line: build with -g)", what, c.function, c.offset);
    return fmt::format("offset 0x{:x} in the module (no debug info: build with -g)", c.offset);
}

Callback CallbackOf(const Finding &f) {
    if (f.call && f.call->callback != Callback::None) return f.call->callback;
    if (f.death) return f.death->callback;
    return Callback::None;
}

RuleId RuleForStrayAccess(FaultRegion region, Access access, uint32_t save_buf_size) {
    switch (region) {
    case FaultRegion::NullSaveBuf: return RuleId::SP3;
    case FaultRegion::SaveBuf: return save_buf_size == 0 ? RuleId::SP3 : RuleId::SP5;
    case FaultRegion::BytesNeeded: return RuleId::SP5;
    case FaultRegion::RestoreSaveBuf:
    case FaultRegion::RestoreLibBuf: return access == Access::Write ? RuleId::RP4 : RuleId::RP2;
    case FaultRegion::None: break;
    }
    return RuleId::SP11;
}

std::string Finding::Signature() const {
    // The same defect seen forward and in a rollback is in two different builds.
    std::string s =
        compat ? fmt::format("{}{}", DirectionName(compat->direction), kind.empty() ? "" : " " + kind) : kind;
    auto add = [&](const std::string &part) { s += (s.empty() ? "" : " ") + part; };
    if (location) {
        add(fmt::format("{} {} {}", RegionName(location->region), DirectionOf(*location),
                        AccessName(location->access)));
        if (location->extent) add(std::string(ExtentClass(location->extent)));
    }
    if (death && !location) {
        std::string how = death->kind == DeathKind::Hang   ? "hang"
                          : death->kind == DeathKind::Exit ? "exit"
                                                           : SignalName(death->signo);
        add(fmt::format("{} {}", CallbackName(death->callback), how));
    }
    return s;
}

std::string Finding::Key() const { return fmt::format("{}|{}", RuleFor(rule).name, Signature()); }

// ---- the codec ----------------------------------------------------------------

namespace {

using nlohmann::json;

std::string_view DeathKindName(DeathKind k) {
    return k == DeathKind::Crash ? "crash" : k == DeathKind::Exit ? "exit" : "hang";
}
std::string_view PlacementName(Placement p) { return p == Placement::Right ? "right-aligned" : "left-aligned"; }

constexpr std::initializer_list<FaultRegion> kRegions = {FaultRegion::None,           FaultRegion::SaveBuf,
                                                         FaultRegion::NullSaveBuf,    FaultRegion::BytesNeeded,
                                                         FaultRegion::RestoreSaveBuf, FaultRegion::RestoreLibBuf};
constexpr std::initializer_list<Callback> kCallbacks = {Callback::None, Callback::Init,    Callback::Prepare,
                                                        Callback::Save, Callback::Restore, Callback::Release};

}  // namespace

json ToJson(const Finding &f) {
    const Rule &r = RuleFor(f.rule);
    json loc = nullptr, death = nullptr, call = nullptr, code = nullptr;
    if (f.code) {
        const CodeLocation &c = *f.code;
        auto str = [](const std::string &v) { return v.empty() ? json(nullptr) : json(v); };
        code = {{"where", CodeWhereName(c.where)},
                {"offset", c.where == CodeWhere::Assertion ? json(nullptr) : json(c.offset)},
                {"function", str(c.function)},
                {"file", str(c.file)},
                {"line", c.line ? json(c.line) : json(nullptr)},
                {"column", c.column ? json(c.column) : json(nullptr)}};
    }
    if (f.location) {
        const Location &l = *f.location;
        loc = {{"region", RegionName(l.region)},
               {"offset", l.offset},
               {"buffer_size", l.buffer_size},
               {"direction", DirectionOf(l)},
               {"access", AccessName(l.access)},
               {"caught_by", l.guard_page ? "guard page" : "canary window"},
               {"count", l.count},
               {"last_offset", l.extent ? json(l.last_offset) : json(nullptr)},
               {"extent", l.extent ? json(l.extent) : json(nullptr)},
               {"extent_class", l.extent ? json(ExtentClass(l.extent)) : json(nullptr)}};
    }
    if (f.death) {
        const Death &d = *f.death;
        death = {{"kind", DeathKindName(d.kind)},
                 {"signal", d.kind == DeathKind::Crash ? json(SignalName(d.signo)) : json(nullptr)},
                 {"signo", d.signo},
                 {"exit_code", d.kind == DeathKind::Exit ? json(d.exit_code) : json(nullptr)},
                 {"callback", CallbackName(d.callback)},
                 {"sanitizer", d.sanitizer.empty() ? json(nullptr) : json(d.sanitizer)},
                 {"sanitizer_access",
                  d.sanitizer_access == Access::Unknown ? json(nullptr) : json(AccessName(d.sanitizer_access))},
                 {"sanitizer_size", d.sanitizer_size ? json(d.sanitizer_size) : json(nullptr)}};
    }
    if (f.call) {
        const CallInfo &c = *f.call;
        bool save = c.callback == Callback::Save, restore = c.callback == Callback::Restore;
        call = {{"index", c.index >= 0 ? json(c.index) : json(nullptr)},
                {"callback", CallbackName(c.callback)},
                {"packet", c.packet},
                {"returned", c.returned},
                {"status", c.returned ? json(fmt::format("0x{:08X}", static_cast<uint32_t>(c.status))) : json(nullptr)},
                {"status_name", c.returned ? json(StatusName(c.status)) : json(nullptr)},
                {"SaveBufSize", save || restore ? json(c.size) : json(nullptr)},
                {"SaveBuf", save      ? json(c.null_buffer ? "NULL" : PlacementName(c.placement))
                            : restore ? json(PlacementName(c.placement))
                                      : json(nullptr)},
                {"fill", save && !c.null_buffer ? json(c.fill) : json(nullptr)},
                {"BytesNeeded", c.bytes_needed ? json(*c.bytes_needed) : json(nullptr)},
                {"LibBufSize", restore ? json(c.lib_buf_size) : json(nullptr)},
                {"text", c.text}};
    }
    return {{"rule", r.name},
            {"severity", SeverityName(r.severity)},
            {"title", r.title},
            {"signature", f.Signature()},
            {"kind", f.kind},
            {"message", f.message},
            {"location", loc},
            {"death", death},
            {"call", call},
            {"code", code},
            {"compat",
             f.compat ? json{{"direction", DirectionName(f.compat->direction)},
                             {"old_sha256", f.compat->old_sha256},
                             {"new_sha256", f.compat->new_sha256.empty() ? json(nullptr) : json(f.compat->new_sha256)},
                             {"record", HexOf(f.compat->record)}}
                      : json(nullptr)},
            {"record", f.record ? json{{"offset", f.record->offset},
                                       {"size", f.record->size},
                                       {"callback", CallbackName(f.record->callback)},
                                       {"field", f.record->field.empty() ? json(nullptr) : json(f.record->field)}}
                                : json(nullptr)},
            {"op_index", f.op_index},
            {"stage", StageName(f.stage)},
            {"profile", ProfileName(f.profile)},
            {"occurrences", f.occurrences},
            {"found_after_seconds", f.found_after >= 0 ? json(f.found_after) : json(nullptr)},
            {"case", HexOf(f.reproducer)}};
}

std::string FindingFromJson(const json &j, Finding &out) {
    try {
        StrictJson rd(j, "finding");
        Finding f;
        auto rule = RuleByName(rd.Str("rule"));
        if (!rule) return fmt::format("finding: unknown rule '{}'", rd.Str("rule"));
        f.rule = *rule;
        f.kind = rd.Str("kind");
        f.message = rd.Str("message");
        f.op_index = rd.Int<uint32_t>("op_index");
        f.stage = rd.Enum<Stage>("stage", {Stage::Sweep, Stage::Fuzz, Stage::Replay, Stage::Compat}, StageName);
        auto profile = ProfileByName(rd.Str("profile"));
        if (!profile) return "finding: 'profile' is not strict or kmcl";
        f.profile = *profile;
        f.occurrences = rd.Int<uint64_t>("occurrences");
        f.found_after = rd.IsNull("found_after_seconds") ? -1 : rd.Num("found_after_seconds");
        if (!FromHex(rd.Str("case"), f.reproducer)) return "finding: 'case' is not lowercase hex";
        if (f.reproducer.size() > kSharedCaseCapacity) return "finding: 'case' is too large";
        if (!rd.IsNull("location")) {
            StrictJson l = rd.Object("location");
            Location loc;
            loc.region = l.Enum<FaultRegion>("region", kRegions, RegionName);
            loc.offset = l.Int<int64_t>("offset");
            loc.buffer_size = l.Int<uint32_t>("buffer_size");
            loc.access = l.Enum<Access>("access", {Access::Unknown, Access::Read, Access::Write}, AccessName);
            std::string by = l.Str("caught_by");
            if (by != "guard page" && by != "canary window") return "finding.location: unknown 'caught_by'";
            loc.guard_page = by == "guard page";
            loc.count = l.Int<uint32_t>("count");
            if (!l.IsNull("extent")) {
                loc.extent = l.Int<uint32_t>("extent");
                loc.last_offset = l.Int<int64_t>("last_offset");
                if (loc.extent == 0) return "finding.location: 'extent' is 0";
                if (l.Str("extent_class") != ExtentClass(loc.extent))
                    return "finding.location: 'extent_class' does not match 'extent'";
            } else if (!l.IsNull("last_offset") || !l.IsNull("extent_class")) {
                return "finding.location: 'last_offset' and 'extent_class' go with 'extent'";
            }
            f.location = loc;
        }
        if (!rd.IsNull("death")) {
            StrictJson d = rd.Object("death");
            Death death;
            death.kind = d.Enum<DeathKind>("kind", {DeathKind::Crash, DeathKind::Exit, DeathKind::Hang}, DeathKindName);
            death.signo = d.Int<int>("signo");
            death.exit_code = d.IsNull("exit_code") ? 0 : d.Int<int>("exit_code");
            death.callback = d.Enum<Callback>("callback", kCallbacks, CallbackName);
            death.sanitizer = d.IsNull("sanitizer") ? "" : d.Str("sanitizer");
            if (!d.IsNull("sanitizer_access"))
                death.sanitizer_access =
                    d.Enum<Access>("sanitizer_access", {Access::Unknown, Access::Read, Access::Write}, AccessName);
            death.sanitizer_size = d.IsNull("sanitizer_size") ? 0 : d.Int<uint32_t>("sanitizer_size");
            f.death = death;
        }
        if (!rd.IsNull("call")) {
            StrictJson c = rd.Object("call");
            CallInfo call;
            call.index = c.IsNull("index") ? -1 : c.Int<int>("index");
            call.callback = c.Enum<Callback>("callback", kCallbacks, CallbackName);
            call.packet = c.Int<uint32_t>("packet");
            call.returned = c.Bool("returned");
            if (call.returned) {
                std::string status = c.Str("status");
                if (status.size() != 10 || status.rfind("0x", 0) != 0) return "finding.call: bad 'status'";
                call.status = static_cast<NtStatus>(std::stoul(status.substr(2), nullptr, 16));
            }
            if (!c.IsNull("SaveBufSize")) call.size = c.Int<uint32_t>("SaveBufSize");
            if (!c.IsNull("SaveBuf")) {
                std::string buf = c.Str("SaveBuf");
                call.null_buffer = buf == "NULL";
                call.placement = buf == "left-aligned" ? Placement::Left : Placement::Right;
            }
            if (!c.IsNull("fill")) call.fill = c.Int<uint8_t>("fill");
            if (!c.IsNull("BytesNeeded")) call.bytes_needed = c.Int<uint32_t>("BytesNeeded");
            if (!c.IsNull("LibBufSize")) call.lib_buf_size = c.Int<uint32_t>("LibBufSize");
            call.text = c.Str("text");
            f.call = call;
        }
        if (!rd.IsNull("code")) {
            StrictJson c = rd.Object("code");
            CodeLocation code;
            code.where =
                c.Enum<CodeWhere>("where",
                                  {CodeWhere::Fault, CodeWhere::Caller, CodeWhere::Entry, CodeWhere::Assertion},
                                  CodeWhereName);
            code.offset = c.IsNull("offset") ? 0 : c.Int<uint64_t>("offset");
            code.function = c.IsNull("function") ? "" : c.Str("function");
            code.file = c.IsNull("file") ? "" : c.Str("file");
            code.line = c.IsNull("line") ? 0 : c.Int<uint32_t>("line");
            code.column = c.IsNull("column") ? 0 : c.Int<uint32_t>("column");
            f.code = code;
        }
        if (!rd.IsNull("compat")) {
            StrictJson c = rd.Object("compat");
            CompatInfo info;
            info.direction = c.Enum<CompatDirection>("direction", {CompatDirection::Forward, CompatDirection::Rollback},
                                                     DirectionName);
            info.old_sha256 = c.Str("old_sha256");
            info.new_sha256 = c.IsNull("new_sha256") ? "" : c.Str("new_sha256");
            if (!FromHex(c.Str("record"), info.record)) return "finding.compat: 'record' is not lowercase hex";
            if (info.record.size() > kMaxRestoreBytes) return "finding.compat: 'record' is too large";
            f.compat = std::move(info);
        }
        if (!rd.IsNull("record")) {
            StrictJson r = rd.Object("record");
            RecordRef ref;
            ref.offset = r.Int<uint64_t>("offset");
            ref.size = r.Int<uint64_t>("size");
            ref.callback = r.Enum<Callback>("callback", {Callback::Save, Callback::Restore}, CallbackName);
            ref.field = r.IsNull("field") ? "" : r.Str("field");
            f.record = std::move(ref);
        }
        if (rd.Str("signature") != f.Signature()) return "finding: 'signature' does not match its fields";
        out = std::move(f);
        return {};
    } catch (const JsonError &e) {
        return e.what;
    } catch (const std::exception &e) {
        return fmt::format("finding: {}", e.what());
    }
}

// ---- the set ---------------------------------------------------------------------

bool FindingSet::Add(Finding f, FindingOrigin origin) {
    std::string key = f.Key();
    if (auto it = index_.find(key); it != index_.end()) {
        Finding &known = findings_[it->second];
        uint64_t occurrences = known.occurrences + f.occurrences;
        double found_after = known.found_after;
        if (f.found_after >= 0 && (found_after < 0 || f.found_after < found_after)) found_after = f.found_after;
        if (origin < origins_[it->second]) {
            known = std::move(f);
            origins_[it->second] = origin;
        }
        known.occurrences = occurrences;
        known.found_after = found_after;
        return false;
    }
    index_[key] = findings_.size();
    findings_.push_back(std::move(f));
    origins_.push_back(origin);
    return true;
}

void FindingSet::AddOccurrences(const std::string &key, uint64_t n) {
    if (auto it = index_.find(key); it != index_.end()) findings_[it->second].occurrences += n;
}

std::vector<Finding> FindingSet::Sorted() const {
    std::vector<size_t> order(findings_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (findings_[a].rule != findings_[b].rule) return findings_[a].rule < findings_[b].rule;
        return origins_[a] < origins_[b];
    });
    std::vector<Finding> out;
    for (size_t i : order) out.push_back(findings_[i]);
    return out;
}

}  // namespace vspc
