#include "Elf.h"

#include <elf.h>

#include <cstring>

namespace vspc {
namespace {

template <typename T>
bool ReadAt(const std::vector<char> &b, uint64_t off, T &out) {
    if (off > b.size() || b.size() - off < sizeof(T)) return false;
    std::memcpy(&out, b.data() + off, sizeof(T));
    return true;
}

std::string StringAt(const std::vector<char> &b, uint64_t table_off, uint64_t table_size, uint64_t index) {
    if (index >= table_size || table_off > b.size() || b.size() - table_off < table_size) return {};
    const char *s = b.data() + table_off + index;
    size_t max = table_size - index;
    return std::string(s, strnlen(s, max));
}

}  // namespace

std::string ElfImage::Parse(const std::vector<char> &b) {
    sections_.clear();
    dynsyms_.clear();
    Elf64_Ehdr eh;
    if (!ReadAt(b, 0, eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return "not an ELF file";
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64) return "not an x86-64 ELF object";
    if (eh.e_type != ET_DYN) return eh.e_type == ET_REL ? "an ELF object file" : "an ELF executable";
    if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0) return {};  // stripped of sections: nothing more
    std::vector<Elf64_Shdr> sh(eh.e_shnum);
    for (size_t i = 0; i < sh.size(); ++i)
        if (!ReadAt(b, eh.e_shoff + i * sizeof(Elf64_Shdr), sh[i])) return "truncated section headers";
    const Elf64_Shdr *names = eh.e_shstrndx < sh.size() ? &sh[eh.e_shstrndx] : nullptr;
    for (const Elf64_Shdr &s : sh) {
        ElfSection sec;
        if (names) sec.name = StringAt(b, names->sh_offset, names->sh_size, s.sh_name);
        sec.addr = s.sh_addr;
        sec.size = s.sh_size;
        sec.offset = s.sh_offset;
        sec.in_file = s.sh_type != SHT_NOBITS && s.sh_offset <= b.size() && b.size() - s.sh_offset >= s.sh_size;
        sec.compressed = (s.sh_flags & SHF_COMPRESSED) != 0;
        sections_.push_back(std::move(sec));
    }
    for (const Elf64_Shdr &s : sh) {
        if (s.sh_type != SHT_DYNSYM || s.sh_entsize != sizeof(Elf64_Sym) || s.sh_link >= sh.size()) continue;
        const Elf64_Shdr &str = sh[s.sh_link];
        for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= s.sh_size; off += sizeof(Elf64_Sym)) {
            Elf64_Sym sym;
            if (!ReadAt(b, s.sh_offset + off, sym)) break;
            ElfSymbol e;
            e.name = StringAt(b, str.sh_offset, str.sh_size, sym.st_name);
            if (e.name.empty()) continue;
            e.defined = sym.st_shndx != SHN_UNDEF;
            e.value = sym.st_value;
            int type = ELF64_ST_TYPE(sym.st_info);
            e.function = type == STT_FUNC || type == STT_GNU_IFUNC;
            e.object = type == STT_OBJECT || type == STT_TLS || type == STT_COMMON;
            dynsyms_.push_back(std::move(e));
        }
    }
    return {};
}

std::optional<ElfSection> ElfImage::Section(std::string_view name) const {
    for (const auto &s : sections_)
        if (s.name == name) return s;
    return std::nullopt;
}

const ElfSymbol *ElfImage::DynamicSymbol(std::string_view name) const {
    for (const auto &s : dynsyms_)
        if (s.name == name) return &s;
    return nullptr;
}

bool ElfImage::NeedsSymbol(std::string_view name) const {
    const ElfSymbol *s = DynamicSymbol(name);
    return s && !s->defined;
}

}  // namespace vspc
