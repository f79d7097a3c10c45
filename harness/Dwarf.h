// What a module's DWARF says about how it was built and what its record types are, read with
// llvm-dwarfdump (an existing reader, as source lines come from llvm-symbolizer): the compiler and
// its flags (DW_AT_producer), and the field of a record type a byte offset falls in (for SP9 and the
// restore findings that name a record offset). Supervisor side only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vspc {

// How the module was built, for the reports.
struct ModuleBuild {
    std::string flavour;                 // "plain", "coverage" (-fsanitize=fuzzer-no-link), "asan"
    std::string compiler;                // from DW_AT_producer, e.g. "Debian clang version 14.0.6" ("": unknown)
    std::string flags;                   // the recorded command line after the compiler ("": not recorded)
    std::vector<std::string> producers;  // every distinct DW_AT_producer of its compile units
    std::string note;                    // why the compiler or the flags are not known ("": both are)

    bool operator==(const ModuleBuild &) const = default;
};

// llvm-dwarfdump (VSPC_DWARFDUMP names another), or "".
std::string FindDwarfdump();

class ElfImage;

// The build facts of the module file at `path` (its flavour from what its dynamic symbols need).
// With the file's bytes and their ELF, the producers are read in this process (no llvm-dwarfdump,
// which costs a tenth of a second of loading per run); llvm-dwarfdump reads what this reader does
// not know (compressed sections, vendor forms).
ModuleBuild ReadModuleBuild(const std::string &path, bool asan, bool coverage, const std::vector<char> *bytes = nullptr,
                            const ElfImage *elf = nullptr);

// Every distinct DW_AT_producer of the compile units in .debug_info (at most 16, in order); an
// empty list for a module without DWARF; nullopt when the DWARF is in a form this reader does
// not read.
std::optional<std::vector<std::string>> ReadProducers(const std::vector<char> &bytes, const ElfImage &elf);

// A DW_AT_producer split into the compiler and the flags it records. clang records its flags only
// with -grecord-command-line (-grecord-gcc-switches): "Debian clang version 14.0.6 /usr/bin/clang
// -g -O1 ..."; GCC records them by default: "GNU C17 12.2.0 -mtune=generic -g -O1".
void SplitProducer(const std::string &producer, std::string &compiler, std::string &flags);

// The module's types and functions, as far as a record field lookup needs them.
class DwarfTypes {
public:
    // Reads `path`'s .debug_info with llvm-dwarfdump; "" on success, else why not.
    std::string Load(const std::string &path);
    // Parses llvm-dwarfdump's --debug-info text (Load's second half; tests feed it directly).
    void Parse(const std::string &text);

    // Names the field of the record at byte `offset` of a `record_size`-byte record handled by the
    // callback whose code starts at file address `entry` (or named `function`): "SAVED.Header.Flags"
    // with its bytes, or "" when no record type of the module fits. The record type is a struct the
    // callback (or a function it calls, or inlines) holds a pointer to or a variable of, whose size
    // is the record's or which is a header the record starts with (a struct ending in a flexible
    // array, or one smaller than the record that the offset falls in); failing that, the one struct
    // of the module of exactly the record's size whose name says it is saved state.
    std::string FieldAt(uint64_t entry, const std::string &function, uint64_t offset, uint64_t record_size) const;

    size_t size() const { return dies_.size(); }

private:
    struct Die {
        uint64_t offset = 0;
        std::string tag;  // without "DW_TAG_"
        int parent = -1;
        std::vector<int> children;
        std::map<std::string, std::string> attrs;  // without "DW_AT_", the value as printed
    };
    int At(uint64_t offset) const;
    int Ref(const Die &d, const char *attr) const;
    std::string Name(const Die &d) const;
    uint64_t Number(const Die &d, const char *attr, uint64_t fallback = 0) const;
    int Strip(int type) const;     // through typedefs, const, volatile, restrict, atomic
    int RecordOf(int type) const;  // a struct type a variable's type is, or points to (once)
    uint64_t SizeOf(int type) const;
    void CollectRecords(int die, int depth, std::vector<int> &out) const;
    std::string Describe(int type, uint64_t offset, int depth) const;
    bool Flexible(int record) const;  // ends in an array of no or one element

    std::vector<Die> dies_;
    std::map<uint64_t, int> by_offset_;
};

}  // namespace vspc
