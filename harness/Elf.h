// Just enough of an ELF64 shared object, read from its bytes: section headers
// (to find the coverage counters a module registers) and the dynamic symbol
// table (to tell which runtimes it needs and what an exported name is).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vspc {

struct ElfSection {
    std::string name;
    uint64_t addr = 0, size = 0;
    uint64_t offset = 0;      // in the file
    bool in_file = false;     // has bytes in the file (not SHT_NOBITS), all of them within it
    bool compressed = false;  // SHF_COMPRESSED
};

struct ElfSymbol {
    std::string name;
    bool defined = false;
    bool function = false;  // STT_FUNC (or GNU_IFUNC)
    bool object = false;    // STT_OBJECT / STT_TLS / STT_COMMON
    uint64_t value = 0;     // st_value: a function's entry, as a file address
};

class ElfImage {
public:
    // Empty string on success, else why the bytes are not an x86-64 ELF shared object.
    std::string Parse(const std::vector<char> &bytes);

    std::optional<ElfSection> Section(std::string_view name) const;
    const ElfSymbol *DynamicSymbol(std::string_view name) const;
    bool NeedsSymbol(std::string_view name) const;  // referenced but not defined here

private:
    std::vector<ElfSection> sections_;
    std::vector<ElfSymbol> dynsyms_;
};

}  // namespace vspc
