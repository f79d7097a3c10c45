#include "CoverageMap.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "Symbolize.h"

namespace vspc {

namespace {

constexpr size_t kUnreachedAsked = 512;  // unreached blocks symbolized per function
constexpr size_t kUnreachedShown = 5;    // places named per function

std::string Basename(const std::string &path) { return path.substr(path.find_last_of('/') + 1); }

}  // namespace

bool UniteCovered(msg::Covered &into, const msg::Covered &from) {
    if (from.pcs != into.pcs || from.flags.size() != into.flags.size()) return false;
    for (size_t k = 0; k < from.flags.size(); ++k) into.flags[k] |= from.flags[k];
    into.inputs += from.inputs;
    return true;
}

CoverageSummary SummarizeCoverage(const msg::Covered &map, const std::string &module_path, const Hooks &hooks) {
    CoverageSummary out;
    out.inputs = map.inputs;
    if (map.pcs.empty()) {
        out.note = kNotInstrumentedNote;
        return out;
    }
    // Functions: from each entry block to the next (the PC table lists a function's blocks together).
    struct Range {
        size_t begin, end;
    };
    std::vector<Range> ranges;
    for (size_t i = 0; i < map.pcs.size(); ++i)
        if ((map.flags[i] & msg::kCoverEntry) || ranges.empty())
            ranges.push_back({i, i + 1});
        else
            ranges.back().end = i + 1;
    // Symbolize the entries, and the unreached blocks of the functions that were entered.
    std::vector<uint64_t> ask;
    std::vector<std::pair<size_t, size_t>> unreached_asked;  // (function, index in ask)
    std::vector<size_t> entry_asked;                         // per function: its entry's index in ask
    for (size_t f = 0; f < ranges.size(); ++f) {
        entry_asked.push_back(ask.size());
        ask.push_back(map.pcs[ranges[f].begin]);
        bool entered = map.flags[ranges[f].begin] & msg::kCoverHit;
        size_t shown = 0;
        for (size_t i = ranges[f].begin; entered && i < ranges[f].end && shown < kUnreachedAsked; ++i)
            if (!(map.flags[i] & msg::kCoverHit)) {
                unreached_asked.push_back({f, ask.size()});
                ask.push_back(map.pcs[i]);
                ++shown;
            }
    }
    std::vector<SourcePlace> places = SymbolizeOffsets(module_path, ask, &out.note);
    for (size_t f = 0; f < ranges.size(); ++f) {
        FunctionCoverage fc;
        for (size_t i = ranges[f].begin; i < ranges[f].end; ++i) {
            ++fc.edges;
            fc.reached += (map.flags[i] & msg::kCoverHit) != 0;
        }
        fc.entered = map.flags[ranges[f].begin] & msg::kCoverHit;
        uint64_t entry = map.pcs[ranges[f].begin];
        if (entry_asked[f] < places.size()) {
            const SourcePlace &p = places[entry_asked[f]];
            fc.name = !p.outer_function.empty() ? p.outer_function : p.function;
            fc.file = p.file;
            fc.line = p.line;
        }
        if (fc.name.empty()) fc.name = fmt::format("function at 0x{:x}", entry);
        // The callback's entry (a file address) is a little before its first block.
        auto near = [&](uint64_t cb) { return cb && entry >= cb && entry - cb < 64; };
        if (near(hooks.save_entry)) fc.callback = "save";
        if (near(hooks.restore_entry)) fc.callback = "restore";
        out.edges += fc.edges;
        out.reached += fc.reached;
        out.functions.push_back(std::move(fc));
    }
    // The unreached blocks of a function, by the source function they are in (an inlined helper
    // is the function a reader knows): how many, and the first line.
    struct Group {
        uint64_t blocks = 0;
        std::string file;
        uint32_t line = UINT32_MAX;
    };
    std::map<size_t, std::map<std::string, Group>> groups;
    // ... and each by its own line: the branches a reviewer looks up.
    std::map<size_t, std::map<std::tuple<std::string, uint32_t, std::string>, uint64_t>> lines;
    for (auto [f, k] : unreached_asked) {
        if (k >= places.size()) continue;
        const SourcePlace &p = places[k];
        ++lines[f][{p.file, p.line, p.function.empty() ? out.functions[f].name : p.function}];
        Group &g = groups[f][p.function.empty() ? out.functions[f].name : p.function];
        ++g.blocks;
        if (p.line > 0 && p.line < g.line) {
            g.line = p.line;
            g.file = Basename(p.file);
        }
    }
    for (auto &[f, by_function] : groups) {
        std::vector<std::pair<std::string, Group>> sorted(by_function.begin(), by_function.end());
        std::stable_sort(sorted.begin(), sorted.end(),
                         [](const auto &a, const auto &b) { return a.second.blocks > b.second.blocks; });
        for (const auto &[name, g] : sorted) {
            if (out.functions[f].unreached.size() == kUnreachedShown) break;
            std::string where = g.line != UINT32_MAX ? fmt::format(" at {}:{}", g.file, g.line) : "";
            out.functions[f].unreached.push_back(fmt::format("{} x{}{}", name, g.blocks, where));
        }
    }
    for (auto &[f, by_line] : lines)
        for (const auto &[place, edges] : by_line) {
            const auto &[file, line, function] = place;
            out.functions[f].branches.push_back(UnreachedBranch{function, file, line, edges});
        }
    std::stable_sort(out.functions.begin(), out.functions.end(), [](const auto &a, const auto &b) {
        auto rank = [](const FunctionCoverage &x) {
            return x.callback == "save" ? 0 : x.callback == "restore" ? 1 : 2;
        };
        return rank(a) != rank(b) ? rank(a) < rank(b) : a.name < b.name;
    });
    return out;
}

std::string CoverageText(const CoverageSummary &c, size_t max_functions) {
    if (c.edges == 0) return c.note.empty() ? "coverage: none\n" : "coverage: " + c.note + "\n";
    std::string s = fmt::format(
        "coverage: {} of {} edges of the module ({:.1f}%) reached by {} inputs; {} functions, {} never "
        "entered\n",
        c.reached, c.edges, 100.0 * static_cast<double>(c.reached) / static_cast<double>(c.edges), c.inputs,
        c.functions.size(),
        std::count_if(c.functions.begin(), c.functions.end(), [](const auto &f) { return !f.entered; }));
    size_t n = 0;
    for (const FunctionCoverage &f : c.functions) {
        if (n++ == max_functions) {
            s +=
                fmt::format("  ... {} more functions (report.json has them all)\n", c.functions.size() - max_functions);
            break;
        }
        std::string where = f.file.empty() ? "" : fmt::format("  {}:{}", Basename(f.file), f.line);
        std::string role = f.callback.empty() ? "" : fmt::format(" [{} callback]", f.callback);
        std::string state = !f.entered             ? "NEVER ENTERED"
                            : f.reached == f.edges ? "all reached"
                                                   : fmt::format("{} unreached", f.edges - f.reached);
        s += fmt::format("  {:<46} {:>4}/{:<4} edges  {}{}{}\n", f.name + role, f.reached, f.edges, state, where,
                         f.unreached.empty() ? "" : "  unreached: " + fmt::format("{}", fmt::join(f.unreached, ", ")));
    }
    if (!c.note.empty()) s += "  (" + c.note + ")\n";
    return s;
}

}  // namespace vspc
