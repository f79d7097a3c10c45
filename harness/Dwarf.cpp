#include "Dwarf.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "Elf.h"
#include "Process.h"

namespace vspc {

std::string FindDwarfdump() {
    if (const char *env = std::getenv("VSPC_DWARFDUMP"); env && *env) return FindProgram({env});
    std::vector<std::string> names = {"llvm-dwarfdump"};
    for (int v = 20; v >= 13; --v) names.push_back(fmt::format("llvm-dwarfdump-{}", v));
    return FindProgram(names);
}

void SplitProducer(const std::string &producer, std::string &compiler, std::string &flags) {
    compiler.clear();
    flags.clear();
    std::vector<std::string> words;
    for (size_t i = 0; i < producer.size();) {
        while (i < producer.size() && producer[i] == ' ') ++i;
        size_t j = producer.find(' ', i);
        if (j == std::string::npos) j = producer.size();
        if (j > i) words.push_back(producer.substr(i, j - i));
        i = j;
    }
    // The compiler: up to its version ("... clang version 14.0.6", "GNU C17 12.2.0"), with a
    // parenthesized part after it ("(https://github.com/llvm/llvm-project abc)"); the rest are flags,
    // after the compiler's own path when the command line was recorded.
    size_t end = words.size();
    for (size_t i = 0; i < words.size(); ++i)
        if (words[i].starts_with("-") || words[i].starts_with("/")) {
            end = i;
            break;
        }
    size_t version = words.size();
    for (size_t i = 0; i + 1 < end; ++i)
        if (words[i] == "version") version = i + 1;
    if (version < end) {
        size_t k = version + 1;
        if (k < end && words[k].starts_with("(")) {
            while (k < end && !words[k].ends_with(")")) ++k;
            if (k < end) ++k;
        }
        end = std::min(end, k);
    }
    for (size_t i = 0; i < end; ++i) compiler += (i ? " " : "") + words[i];
    size_t first = end;
    if (first < words.size() && !words[first].starts_with("-")) ++first;  // the compiler's path
    for (size_t i = first; i < words.size(); ++i) flags += (i > first ? " " : "") + words[i];
}

namespace {

// The string of a printed attribute value: ("text") -> text.
std::string Quoted(const std::string &value) {
    size_t a = value.find('"'), b = value.rfind('"');
    return a == std::string::npos || b <= a ? std::string() : value.substr(a + 1, b - a - 1);
}

// The first number of a printed value: (0x18), (0x00000041 "int"), (DW_OP_plus_uconst 0x8), (24).
bool FirstNumber(const std::string &value, uint64_t &out) {
    size_t hex = value.find("0x");
    if (hex != std::string::npos) {
        out = std::strtoull(value.c_str() + hex + 2, nullptr, 16);
        return true;
    }
    for (size_t i = 0; i < value.size(); ++i)
        if (std::isdigit(static_cast<unsigned char>(value[i]))) {
            out = std::strtoull(value.c_str() + i, nullptr, 10);
            return true;
        }
    return false;
}

bool LooksSaved(const std::string &name) {
    std::string lower;
    for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char *word : {"save", "record", "rec_", "persist", "snapshot"})
        if (lower.find(word) != std::string::npos) return true;
    return lower.ends_with("rec");
}

// The compiler, flags and note of a build whose producers are read.
ModuleBuild Described(ModuleBuild b) {
    if (b.producers.empty()) {
        b.note = "compiler and flags unknown: the module has no DWARF debug info (build it with -g)";
        return b;
    }
    SplitProducer(b.producers.front(), b.compiler, b.flags);
    if (b.flags.empty())
        b.note = b.compiler.find("clang") != std::string::npos
                     ? "the module's DWARF records no compiler flags: clang records them with -grecord-command-line"
                     : "the module's DWARF records no compiler flags";
    else if (b.producers.size() > 1)
        b.note =
            fmt::format("{} compile units with different compilers or flags: the first is shown", b.producers.size());
    return b;
}

// ---- the producers, read in process -------------------------------------------------------------

// A bounds-checked reader of one DWARF section's bytes.
struct Cursor {
    std::string_view s;
    size_t at = 0;
    bool ok = true;

    bool Need(size_t n) {
        if (!ok || s.size() - at < n || at > s.size()) ok = false;
        return ok;
    }
    uint64_t Fixed(size_t n) {
        if (!Need(n)) return 0;
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<uint8_t>(s[at + i])} << (8 * i);
        at += n;
        return v;
    }
    uint64_t Uleb() {
        uint64_t v = 0;
        for (unsigned shift = 0;; shift += 7) {
            if (!Need(1) || shift > 63) return ok = false, 0;
            uint8_t byte = static_cast<uint8_t>(s[at++]);
            v |= uint64_t{byte & 0x7Fu} << shift;
            if (!(byte & 0x80)) return v;
        }
    }
    void Skip(uint64_t n) {
        if (Need(n)) at += n;
    }
    std::string_view CString() {
        size_t end = s.find('\0', at);
        if (!ok || at > s.size() || end == std::string_view::npos) return ok = false, std::string_view();
        std::string_view out = s.substr(at, end - at);
        at = end + 1;
        return out;
    }
};

std::string_view CStringAt(std::string_view section, uint64_t offset) {
    if (offset >= section.size()) return {};
    size_t end = section.find('\0', offset);
    return end == std::string_view::npos ? std::string_view() : section.substr(offset, end - offset);
}

constexpr uint64_t kTagCompileUnit = 0x11, kTagPartialUnit = 0x3c, kTagSkeletonUnit = 0x4a;
constexpr uint64_t kAtProducer = 0x25, kAtStrOffsetsBase = 0x72;

// An attribute's value as far as the producer needs it: a string, a string index, or a number.
struct AttrValue {
    enum Kind { None, Inline, StrOffset, LineStrOffset, StrIndex, Number } kind = None;
    std::string_view text;
    uint64_t number = 0;
};

// Reads (or skips) a value of `form`; false for a form this reader does not know.
bool ReadForm(Cursor &c, uint64_t form, unsigned offset_size, unsigned address_size, unsigned version, AttrValue &v) {
    v = AttrValue{};
    switch (form) {
    case 0x01: c.Skip(address_size); return c.ok;                                  // addr
    case 0x03: c.Skip(c.Fixed(2)); return c.ok;                                    // block2
    case 0x04: c.Skip(c.Fixed(4)); return c.ok;                                    // block4
    case 0x05: v = {AttrValue::Number, {}, c.Fixed(2)}; return c.ok;               // data2
    case 0x06: v = {AttrValue::Number, {}, c.Fixed(4)}; return c.ok;               // data4
    case 0x07: v = {AttrValue::Number, {}, c.Fixed(8)}; return c.ok;               // data8
    case 0x08: v = {AttrValue::Inline, c.CString(), 0}; return c.ok;               // string
    case 0x09: c.Skip(c.Uleb()); return c.ok;                                      // block
    case 0x0a: c.Skip(c.Fixed(1)); return c.ok;                                    // block1
    case 0x0b: v = {AttrValue::Number, {}, c.Fixed(1)}; return c.ok;               // data1
    case 0x0c: c.Skip(1); return c.ok;                                             // flag
    case 0x0d: c.Uleb(); return c.ok;                                              // sdata (same length)
    case 0x0e: v = {AttrValue::StrOffset, {}, c.Fixed(offset_size)}; return c.ok;  // strp
    case 0x0f: v = {AttrValue::Number, {}, c.Uleb()}; return c.ok;                 // udata
    case 0x10: c.Skip(version <= 2 ? address_size : offset_size); return c.ok;     // ref_addr
    case 0x11: c.Skip(1); return c.ok;                                             // ref1
    case 0x12: c.Skip(2); return c.ok;                                             // ref2
    case 0x13: c.Skip(4); return c.ok;                                             // ref4
    case 0x14: c.Skip(8); return c.ok;                                             // ref8
    case 0x15: c.Uleb(); return c.ok;                                              // ref_udata
    case 0x16: {  // indirect (to any form but itself: a chain of them is not followed)
        uint64_t actual = c.Uleb();
        return actual != 0x16 && c.ok && ReadForm(c, actual, offset_size, address_size, version, v);
    }
    case 0x17: v = {AttrValue::Number, {}, c.Fixed(offset_size)}; return c.ok;         // sec_offset
    case 0x18: c.Skip(c.Uleb()); return c.ok;                                          // exprloc
    case 0x19: return true;                                                            // flag_present
    case 0x1a: v = {AttrValue::StrIndex, {}, c.Uleb()}; return c.ok;                   // strx
    case 0x1b: c.Uleb(); return c.ok;                                                  // addrx
    case 0x1c: c.Skip(4); return c.ok;                                                 // ref_sup4
    case 0x1e: c.Skip(16); return c.ok;                                                // data16
    case 0x1f: v = {AttrValue::LineStrOffset, {}, c.Fixed(offset_size)}; return c.ok;  // line_strp
    case 0x20: c.Skip(8); return c.ok;                                                 // ref_sig8
    case 0x21: return true;                                                            // implicit_const
    case 0x22:
    case 0x23: c.Uleb(); return c.ok;   // loclistx, rnglistx
    case 0x24: c.Skip(8); return c.ok;  // ref_sup8
    case 0x25:
    case 0x26:
    case 0x27:
    case 0x28:  // strx1..strx4
        v = {AttrValue::StrIndex, {}, c.Fixed(form - 0x24)};
        return c.ok;
    case 0x29:
    case 0x2a:
    case 0x2b:
    case 0x2c: c.Skip(form - 0x28); return c.ok;  // addrx1..addrx4
    default: return false;                        // strp_sup, GNU vendor forms: not read here
    }
}

// The abbreviation `code` of the table at `offset`: its tag and (attribute, form) pairs.
bool FindAbbrev(std::string_view abbrev, uint64_t offset, uint64_t code, uint64_t &tag,
                std::vector<std::pair<uint64_t, uint64_t>> &attrs) {
    Cursor c{abbrev, static_cast<size_t>(offset)};
    if (offset > abbrev.size()) return false;
    for (;;) {
        uint64_t this_code = c.Uleb();
        if (!c.ok || this_code == 0) return false;
        tag = c.Uleb();
        c.Skip(1);  // children
        attrs.clear();
        for (;;) {
            uint64_t at = c.Uleb(), form = c.Uleb();
            if (!c.ok) return false;
            if (at == 0 && form == 0) break;
            if (form == 0x21) c.Uleb();  // implicit_const's value (signed; same length)
            attrs.emplace_back(at, form);
        }
        if (this_code == code) return true;
    }
}

}  // namespace

std::optional<std::vector<std::string>> ReadProducers(const std::vector<char> &bytes, const ElfImage &elf) {
    auto section = [&](std::string_view name, std::string_view &out) -> bool {
        auto s = elf.Section(name);
        if (!s) return true;  // absent: empty
        if (!s->in_file || s->compressed) return false;
        if (s->offset > bytes.size() || bytes.size() - s->offset < s->size) return false;  // not these bytes'
        out = std::string_view(bytes.data() + s->offset, s->size);
        return true;
    };
    std::string_view info, abbrev, str, line_str, str_offsets;
    if (elf.Section(".zdebug_info")) return std::nullopt;
    if (!section(".debug_info", info) || !section(".debug_abbrev", abbrev) || !section(".debug_str", str) ||
        !section(".debug_line_str", line_str) || !section(".debug_str_offsets", str_offsets))
        return std::nullopt;
    std::vector<std::string> producers;
    Cursor u{info};
    while (u.ok && u.at < info.size() && producers.size() < 16) {
        uint64_t length = u.Fixed(4);
        unsigned offset_size = 4;
        if (length == 0xFFFFFFFFu) {
            length = u.Fixed(8);
            offset_size = 8;
        }
        if (!u.Need(length)) return std::nullopt;
        const size_t next = u.at + length;
        Cursor c{info.substr(0, next), u.at};
        const unsigned version = static_cast<unsigned>(c.Fixed(2));
        uint64_t abbrev_offset = 0;
        unsigned address_size = 8;
        if (version >= 5) {
            const uint64_t unit_type = c.Fixed(1);
            address_size = static_cast<unsigned>(c.Fixed(1));
            abbrev_offset = c.Fixed(offset_size);
            if (unit_type == 0x04 || unit_type == 0x05) c.Skip(8);                // skeleton, split: dwo id
            if (unit_type == 0x02 || unit_type == 0x06) c.Skip(8 + offset_size);  // type units
        } else if (version >= 2) {
            abbrev_offset = c.Fixed(offset_size);
            address_size = static_cast<unsigned>(c.Fixed(1));
        } else {
            return std::nullopt;
        }
        uint64_t tag = 0;
        std::vector<std::pair<uint64_t, uint64_t>> attrs;
        const uint64_t code = c.Uleb();
        if (!c.ok) return std::nullopt;
        if (code != 0 && FindAbbrev(abbrev, abbrev_offset, code, tag, attrs) &&
            (tag == kTagCompileUnit || tag == kTagPartialUnit || tag == kTagSkeletonUnit)) {
            AttrValue producer;
            uint64_t str_offsets_base = offset_size == 8 ? 16 : 8;  // after the table's header
            for (const auto &[at, form] : attrs) {
                AttrValue v;
                if (!ReadForm(c, form, offset_size, address_size, version, v)) return std::nullopt;
                if (at == kAtProducer) producer = v;
                if (at == kAtStrOffsetsBase && v.kind == AttrValue::Number) str_offsets_base = v.number;
            }
            std::string_view text;
            switch (producer.kind) {
            case AttrValue::Inline: text = producer.text; break;
            case AttrValue::StrOffset: text = CStringAt(str, producer.number); break;
            case AttrValue::LineStrOffset: text = CStringAt(line_str, producer.number); break;
            case AttrValue::StrIndex: {
                Cursor o{str_offsets, static_cast<size_t>(str_offsets_base + producer.number * offset_size)};
                if (o.at > str_offsets.size()) return std::nullopt;
                uint64_t off = o.Fixed(offset_size);
                if (!o.ok) return std::nullopt;
                text = CStringAt(str, off);
                break;
            }
            default: break;
            }
            if (!text.empty() && std::find(producers.begin(), producers.end(), text) == producers.end())
                producers.emplace_back(text);
        }
        u.at = next;
    }
    if (!u.ok) return std::nullopt;
    return producers;
}

ModuleBuild ReadModuleBuild(const std::string &path, bool asan, bool coverage, const std::vector<char> *bytes,
                            const ElfImage *elf) {
    ModuleBuild b;
    b.flavour = asan ? "asan" : coverage ? "coverage" : "plain";
    std::optional<std::vector<std::string>> in_process;
    if (bytes && elf) in_process = ReadProducers(*bytes, *elf);
    if (in_process) {
        b.producers = std::move(*in_process);
        return Described(std::move(b));
    }
    std::string dump = FindDwarfdump();
    if (dump.empty()) {
        b.note =
            "compiler and flags not read: llvm-dwarfdump was not found (apt-get install llvm, or set "
            "VSPC_DWARFDUMP)";
        return b;
    }
    std::string out;
    if (RunAndCapture({dump, "--debug-info", "--recurse-depth=0", path}, &out) != 0) {
        b.note = fmt::format("compiler and flags not read: {} failed on the module", dump);
        return b;
    }
    for (size_t at = out.find("DW_AT_producer"); at != std::string::npos; at = out.find("DW_AT_producer", at + 1)) {
        size_t eol = out.find('\n', at);
        std::string p = Quoted(out.substr(at, eol == std::string::npos ? std::string::npos : eol - at));
        if (!p.empty() && std::find(b.producers.begin(), b.producers.end(), p) == b.producers.end())
            b.producers.push_back(p);
        if (b.producers.size() >= 16) break;
    }
    return Described(std::move(b));
}

// ---- DwarfTypes ----------------------------------------------------------------------------------

std::string DwarfTypes::Load(const std::string &path) {
    std::string dump = FindDwarfdump();
    if (dump.empty()) return "llvm-dwarfdump was not found (apt-get install llvm, or set VSPC_DWARFDUMP)";
    std::string out;
    if (RunAndCapture({dump, "--debug-info", path}, &out) != 0) return fmt::format("{} failed on the module", dump);
    Parse(out);
    if (dies_.empty()) return "the module has no DWARF debug info (build it with -g)";
    return "";
}

void DwarfTypes::Parse(const std::string &text) {
    dies_.clear();
    by_offset_.clear();
    std::vector<int> stack;  // the open DIE at each depth
    int last = -1;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        std::string_view line(text.data() + pos, eol - pos);
        pos = eol + 1;
        if (line.starts_with("0x")) {
            // "0x0000002e:   DW_TAG_structure_type": the depth is in the indentation (2 per level).
            size_t colon = line.find(':');
            if (colon == std::string_view::npos) continue;
            size_t tag_at = line.find_first_not_of(' ', colon + 1);
            if (tag_at == std::string_view::npos) continue;
            std::string_view tag = line.substr(tag_at);
            int depth = static_cast<int>((tag_at - colon - 2) / 2);
            if (tag.starts_with("NULL")) {
                last = -1;
                continue;
            }
            if (!tag.starts_with("DW_TAG_")) {
                last = -1;
                continue;
            }
            Die d;
            d.offset = std::strtoull(std::string(line.substr(2, colon - 2)).c_str(), nullptr, 16);
            d.tag = std::string(tag.substr(7));
            if (size_t sp = d.tag.find(' '); sp != std::string::npos) d.tag.resize(sp);
            if (depth < 0) depth = 0;
            stack.resize(static_cast<size_t>(depth));
            d.parent = depth > 0 && !stack.empty() ? stack.back() : -1;
            int index = static_cast<int>(dies_.size());
            if (d.parent >= 0) dies_[d.parent].children.push_back(index);
            by_offset_[d.offset] = index;
            dies_.push_back(std::move(d));
            stack.push_back(index);
            last = index;
            continue;
        }
        if (last < 0) continue;
        // "                DW_AT_name	("R")"
        size_t at = line.find("DW_AT_");
        size_t open = line.find('(');
        if (at == std::string_view::npos || open == std::string_view::npos || open < at) continue;
        std::string_view name = line.substr(at + 6, line.find_first_of("\t ", at) - at - 6);
        std::string_view value = line.substr(open);
        dies_[last].attrs[std::string(name)] = std::string(value);
    }
}

int DwarfTypes::At(uint64_t offset) const {
    auto it = by_offset_.find(offset);
    return it == by_offset_.end() ? -1 : it->second;
}

int DwarfTypes::Ref(const Die &d, const char *attr) const {
    auto it = d.attrs.find(attr);
    uint64_t offset = 0;
    if (it == d.attrs.end() || !FirstNumber(it->second, offset)) return -1;
    return At(offset);
}

std::string DwarfTypes::Name(const Die &d) const {
    auto it = d.attrs.find("name");
    if (it != d.attrs.end()) return Quoted(it->second);
    if (int origin = Ref(d, "abstract_origin"); origin >= 0) return Name(dies_[origin]);
    if (int spec = Ref(d, "specification"); spec >= 0) return Name(dies_[spec]);
    return "";
}

uint64_t DwarfTypes::Number(const Die &d, const char *attr, uint64_t fallback) const {
    auto it = d.attrs.find(attr);
    uint64_t v = 0;
    return it != d.attrs.end() && FirstNumber(it->second, v) ? v : fallback;
}

int DwarfTypes::Strip(int type) const {
    for (int guard = 0; type >= 0 && guard < 32; ++guard) {
        const std::string &t = dies_[type].tag;
        if (t != "typedef" && t != "const_type" && t != "volatile_type" && t != "restrict_type" && t != "atomic_type")
            return type;
        type = Ref(dies_[type], "type");
    }
    return type;
}

uint64_t DwarfTypes::SizeOf(int type) const {
    type = Strip(type);
    if (type < 0) return 0;
    const Die &d = dies_[type];
    if (d.attrs.count("byte_size")) return Number(d, "byte_size");
    if (d.tag == "pointer_type") return 8;
    if (d.tag == "array_type") {
        uint64_t n = 1;
        for (int c : d.children) {
            const Die &s = dies_[c];
            if (s.tag != "subrange_type") continue;
            if (s.attrs.count("count"))
                n *= Number(s, "count");
            else if (s.attrs.count("upper_bound"))
                n *= Number(s, "upper_bound") + 1;
            else
                n = 0;  // a flexible array
        }
        return n * SizeOf(Ref(d, "type"));
    }
    return 0;
}

// A struct (or union) the type is, or points to; -1 otherwise. Typedef names are kept by the caller.
int DwarfTypes::RecordOf(int type) const {
    type = Strip(type);
    if (type >= 0 && dies_[type].tag == "pointer_type") type = Strip(Ref(dies_[type], "type"));
    if (type < 0) return -1;
    const std::string &t = dies_[type].tag;
    return t == "structure_type" || t == "union_type" || t == "class_type" ? type : -1;
}

bool DwarfTypes::Flexible(int record) const {
    const Die &d = dies_[record];
    int last_member = -1;
    for (int c : d.children)
        if (dies_[c].tag == "member") last_member = c;
    if (last_member < 0) return false;
    int t = Strip(Ref(dies_[last_member], "type"));
    if (t < 0 || dies_[t].tag != "array_type") return false;
    uint64_t size = SizeOf(t), elem = SizeOf(Ref(dies_[t], "type"));
    return size == 0 || (elem && size == elem);
}

// The records a function works on: the struct types of its variables and parameters (or what
// they point to), its inlined callees' and, `depth` levels down, its called functions'.
void DwarfTypes::CollectRecords(int die, int depth, std::vector<int> &out) const {
    for (int c : dies_[die].children) {
        const Die &d = dies_[c];
        if (d.tag == "variable" || d.tag == "formal_parameter") {
            int type = Ref(d, "type");
            if (type < 0)
                if (int origin = Ref(d, "abstract_origin"); origin >= 0) type = Ref(dies_[origin], "type");
            if (int r = RecordOf(type); r >= 0 && std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
        } else if (d.tag == "lexical_block" || d.tag == "inlined_subroutine") {
            CollectRecords(c, depth, out);
            if (int origin = Ref(d, "abstract_origin"); origin >= 0 && d.tag == "inlined_subroutine")
                CollectRecords(origin, depth, out);
        } else if ((d.tag == "call_site" || d.tag == "GNU_call_site") && depth > 0) {
            int callee = Ref(d, "call_origin");
            if (callee < 0) callee = Ref(d, "abstract_origin");
            if (callee >= 0) {
                // The callee's definition (the DIE with code), when the reference is a declaration.
                const std::string name = Name(dies_[callee]);
                for (size_t i = 0; i < dies_.size(); ++i)
                    if (dies_[i].tag == "subprogram" && dies_[i].attrs.count("low_pc") && Name(dies_[i]) == name) {
                        callee = static_cast<int>(i);
                        break;
                    }
                CollectRecords(callee, depth - 1, out);
            }
        }
    }
}

// ".Header.Flags", "[3].Length", or "" when the offset is in no named member.
std::string DwarfTypes::Describe(int type, uint64_t offset, int depth) const {
    type = Strip(type);
    if (type < 0 || depth > 16) return "";
    const Die &d = dies_[type];
    if (d.tag == "structure_type" || d.tag == "union_type" || d.tag == "class_type") {
        for (int c : d.children) {
            const Die &m = dies_[c];
            if (m.tag != "member") continue;
            uint64_t at = 0, size = SizeOf(Ref(m, "type"));
            if (m.attrs.count("data_bit_offset")) {
                uint64_t bit = Number(m, "data_bit_offset");
                at = bit / 8;
                size = (bit % 8 + Number(m, "bit_size") + 7) / 8;
            } else {
                at = Number(m, "data_member_location");
            }
            bool flexible = size == 0 && c == d.children.back();
            if (offset < at || (!flexible && offset >= at + size)) continue;
            std::string name = Name(m);
            std::string inner = Describe(Ref(m, "type"), offset - at, depth + 1);
            return name.empty() ? inner : "." + name + inner;  // an anonymous union or struct: its member
        }
        return "";
    }
    if (d.tag == "array_type") {
        int elem = Ref(d, "type");
        uint64_t size = SizeOf(elem);
        if (!size) return "";
        return fmt::format("[{}]{}", offset / size, Describe(elem, offset % size, depth + 1));
    }
    return "";
}

std::string DwarfTypes::FieldAt(uint64_t entry, const std::string &function, uint64_t offset,
                                uint64_t record_size) const {
    int fn = -1;
    for (size_t i = 0; i < dies_.size() && fn < 0; ++i) {
        const Die &d = dies_[i];
        if (d.tag != "subprogram" || !d.attrs.count("low_pc")) continue;
        if ((entry && Number(d, "low_pc") == entry) || (!function.empty() && Name(d) == function))
            fn = static_cast<int>(i);
    }
    std::vector<int> candidates;
    if (fn >= 0) CollectRecords(fn, 2, candidates);
    // The record type: one of the callback's of exactly the record's size; else a header of it
    // (ending in a flexible array, or named as saved state) that the offset falls in or runs past.
    int chosen = -1;
    for (int c : candidates)
        if (chosen < 0 && SizeOf(c) == record_size) chosen = c;
    for (int c : candidates) {
        if (chosen >= 0) break;
        uint64_t size = SizeOf(c);
        if (size && size < record_size && (Flexible(c) || (LooksSaved(Name(dies_[c])) && offset < size))) chosen = c;
    }
    // Else the one struct of the module of exactly the record's size named as saved state.
    if (chosen < 0) {
        std::set<std::string> names;
        int only = -1;
        for (size_t i = 0; i < dies_.size(); ++i) {
            const Die &d = dies_[i];
            if (d.tag != "structure_type" || Number(d, "byte_size") != record_size || !LooksSaved(Name(d))) continue;
            if (names.insert(Name(d)).second) only = static_cast<int>(i);
        }
        if (names.size() == 1) chosen = only;
    }
    if (chosen < 0) return "";
    // The name the driver writes: a typedef's (typedef struct _X { ... } X), else the struct's tag.
    std::string record;
    for (const Die &d : dies_)
        if (d.tag == "typedef" && Ref(d, "type") == chosen) {
            record = Name(d);
            break;
        }
    if (record.empty()) record = Name(dies_[chosen]);
    if (record.empty()) record = "(anonymous struct)";
    std::string field = Describe(chosen, offset, 0);
    uint64_t size = SizeOf(chosen);
    if (field.empty())
        return offset >= size ? fmt::format("{} bytes past the {}-byte {}", offset - size, size, record) : "";
    return record + field;
}

}  // namespace vspc
