#include "Symbolize.h"

#include "Dwarf.h"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "Process.h"

namespace vspc {

namespace fs = std::filesystem;

std::string FindSymbolizer() {
    std::vector<std::string> names;
    if (const char *env = std::getenv("VSPC_SYMBOLIZER"); env && *env) return FindProgram({env});
    names.push_back("llvm-symbolizer");
    for (int v = 20; v >= 13; --v) names.push_back(fmt::format("llvm-symbolizer-{}", v));
    return FindProgram(names);
}

namespace {

const char *HookSymbol(Callback cb, const ModuleOptions &names) {
    switch (cb) {
    case Callback::Save: return names.save_symbol.c_str();
    case Callback::Restore: return names.restore_symbol.c_str();
    case Callback::Prepare: return "VspConformancePreparePacket";
    case Callback::Release: return "VspConformanceReleasePacket";
    case Callback::Init: return "VspConformanceInitChannel";
    case Callback::None: break;
    }
    return nullptr;
}

// The drop-in headers of include/kmcl/, whose inline routines end up in the module's code.
bool IsKmclHeader(const std::string &file) {
    std::string_view base = file;
    if (size_t slash = base.rfind('/'); slash != std::string_view::npos) base = base.substr(slash + 1);
    return base == "WdkCompat.h" || base == "ntstrsafe.h" || base == "VmbusKernelModeClientLibApi.h";
}

// The running symbolizers, one per module file (by absolute path), for the whole run.
struct Symbolizers {
    std::mutex mu;
    std::map<std::string, std::unique_ptr<LineCoprocess>> by_path;
};
Symbolizers &RunningSymbolizers() {
    static Symbolizers s;
    return s;
}

std::string PathKey(const std::string &path) {
    std::error_code ec;
    fs::path p = fs::absolute(path, ec);
    return ec ? path : p.lexically_normal().string();
}

std::vector<std::string> SymbolizerArgv(const std::string &symbolizer, const std::string &module_path) {
    return {symbolizer, "--obj=" + module_path, "--output-style=JSON", "--functions=linkage"};
}

// The symbolizer's answer for `offsets`, as the JSON array it prints for addresses on its command
// line; its exit status (0 when the running one answered).
int AskSymbolizer(const std::string &symbolizer, const std::string &module_path, const std::vector<uint64_t> &offsets,
                  std::string *json) {
    std::string question;
    for (uint64_t o : offsets) question += fmt::format("0x{:x}\n", o);
    {
        Symbolizers &s = RunningSymbolizers();
        std::lock_guard<std::mutex> lock(s.mu);
        auto &p = s.by_path[PathKey(module_path)];
        if (!p) p = LineCoprocess::Start(SymbolizerArgv(symbolizer, module_path));
        // It answers each address with one line: a JSON object.
        std::string lines;
        if (p && p->Ask(question, offsets.size(), &lines, 60000)) {
            *json = "[";
            size_t start = 0;
            for (size_t i = 0; i < offsets.size(); ++i) {
                size_t end = lines.find('\n', start);
                if (i) *json += ',';
                json->append(lines, start, end - start);
                start = end + 1;
            }
            *json += ']';
            return 0;
        }
        p.reset();  // it died or fell silent: the next question starts another
    }
    // Once more in one run with the addresses as arguments, for the exit status a note gives.
    std::vector<std::string> argv = SymbolizerArgv(symbolizer, module_path);
    for (uint64_t o : offsets) argv.push_back(fmt::format("0x{:x}", o));
    json->clear();
    return RunAndCapture(argv, json);
}

}  // namespace

void PrestartSymbolizer(const std::string &module_path) {
    std::string symbolizer = FindSymbolizer();
    if (symbolizer.empty()) return;
    Symbolizers &s = RunningSymbolizers();
    std::lock_guard<std::mutex> lock(s.mu);
    auto &p = s.by_path[PathKey(module_path)];
    if (!p) p = LineCoprocess::Start(SymbolizerArgv(symbolizer, module_path));
}

bool ApplySymbolizerJson(const std::string &json_text, std::vector<CodeLocation *> &locations) {
    nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
    if (!j.is_array() || j.size() != locations.size()) return false;
    for (size_t i = 0; i < locations.size(); ++i) {
        const auto &entry = j[i];
        if (!entry.is_object() || !entry.contains("Symbol") || !entry["Symbol"].is_array()) return false;
        // Innermost (inlined) frame first; take the first with a line outside vspconform's own headers
        // (an ExAllocatePool2 of WdkCompat.h inlined into the module: the module's line that called it),
        // else the first with a line, else the first with a name.
        const nlohmann::json *best = nullptr, *header = nullptr;
        for (const auto &frame : entry["Symbol"]) {
            if (!frame.is_object()) return false;
            std::string file = frame.value("FileName", std::string());
            if (frame.value("Line", 0) > 0 && !file.empty()) {
                if (IsKmclHeader(file)) {
                    if (!header) header = &frame;
                    continue;
                }
                best = &frame;
                break;
            }
            if (!best && !frame.value("FunctionName", std::string()).empty()) best = &frame;
        }
        if (header && (!best || best->value("Line", 0) == 0)) best = header;
        if (!best) continue;
        CodeLocation &c = *locations[i];
        c.function = best->value("FunctionName", std::string());
        c.file = best->value("FileName", std::string());
        c.line = best->value("Line", 0u);
        c.column = best->value("Column", 0u);
        if (c.function == "??") c.function.clear();
        if (c.file == "??") c.file.clear();
    }
    return true;
}

// The record fields the findings' record offsets fall in (SP9, RP1, a restore's stray access into
// its record), from the module's DWARF; each named one is added to its finding's message.
void NameRecordFields(const ModuleFile &file, const ModuleOptions &names, const Hooks &hooks,
                      std::vector<Finding> &findings) {
    bool any = false;
    for (const Finding &f : findings) any |= f.record && f.record->field.empty();
    if (!any) return;
    DwarfTypes types;
    if (!types.Load(file.path).empty()) return;  // no DWARF: the offsets stand alone
    for (Finding &f : findings) {
        if (!f.record || !f.record->field.empty()) continue;
        bool save = f.record->callback == Callback::Save;
        f.record->field =
            types.FieldAt(save ? hooks.save_entry : hooks.restore_entry,
                          save ? names.save_symbol : names.restore_symbol, f.record->offset, f.record->size);
        if (!f.record->field.empty())
            f.message += fmt::format(" [record offset {}: {}]", f.record->offset, f.record->field);
    }
}

std::string LocateFindings(const ModuleFile &file, const ModuleOptions &names, const Hooks &hooks,
                           std::vector<Finding> &findings) {
    NameRecordFields(file, names, hooks, findings);
    std::vector<CodeLocation *> todo;
    for (Finding &f : findings) {
        if (!f.code) {
            Callback cb = CallbackOf(f);
            const char *symbol = HookSymbol(cb, names);
            const ElfSymbol *s = symbol ? file.elf.DynamicSymbol(symbol) : nullptr;
            CodeLocation c;
            c.where = CodeWhere::Entry;
            if (s && s->defined && s->function) {
                c.offset = s->value;
                c.function = symbol;
            } else if (cb == Callback::Save && hooks.save_entry) {
                c.offset = hooks.save_entry;  // registered by the init hook, not exported
            } else if (cb == Callback::Restore && hooks.restore_entry) {
                c.offset = hooks.restore_entry;
            } else {
                continue;
            }
            f.code = c;
        }
        if (f.code->where != CodeWhere::Assertion) todo.push_back(&*f.code);
    }
    if (todo.empty()) return "";
    std::string symbolizer = FindSymbolizer();
    if (symbolizer.empty())
        return "no source lines: llvm-symbolizer was not found (apt-get install llvm, or set VSPC_SYMBOLIZER)";
    std::vector<uint64_t> offsets;
    for (CodeLocation *c : todo) offsets.push_back(c->offset);
    std::string out;
    int rc = AskSymbolizer(symbolizer, file.path, offsets, &out);
    if (rc != 0 || !ApplySymbolizerJson(out, todo))
        return fmt::format("no source lines: {} failed on the module (exit status {})", symbolizer, rc);
    bool any_line = false;
    for (CodeLocation *c : todo) any_line |= c->line != 0;
    if (!any_line) return "no source lines: the module has no debug info (build it with -g)";
    return "";
}

std::vector<SourcePlace> SymbolizeOffsets(const std::string &module_path, const std::vector<uint64_t> &offsets,
                                          std::string *note) {
    std::vector<SourcePlace> out;
    if (offsets.empty()) return out;
    std::string symbolizer = FindSymbolizer();
    if (symbolizer.empty()) {
        *note = "no function names: llvm-symbolizer was not found (apt-get install llvm, or set VSPC_SYMBOLIZER)";
        return out;
    }
    std::string text;
    int rc = AskSymbolizer(symbolizer, module_path, offsets, &text);
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (rc != 0 || !j.is_array() || j.size() != offsets.size()) {
        *note = fmt::format("no function names: {} failed on the module (exit status {})", symbolizer, rc);
        return out;
    }
    auto clean = [](std::string s) { return s == "??" ? std::string() : s; };
    for (const auto &entry : j) {
        SourcePlace p;
        if (entry.is_object() && entry.contains("Symbol") && entry["Symbol"].is_array() && !entry["Symbol"].empty()) {
            const auto &frames = entry["Symbol"];
            const auto &inner = frames.front();
            const auto &outer = frames.back();
            if (inner.is_object() && outer.is_object()) {
                p.function = clean(inner.value("FunctionName", std::string()));
                p.file = clean(inner.value("FileName", std::string()));
                p.line = inner.value("Line", 0u);
                p.outer_function = clean(outer.value("FunctionName", std::string()));
            }
        }
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace vspc
