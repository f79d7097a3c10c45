// Reading a module file without loading it: is it an ELF shared object, which
// runtimes does it need, and its SHA-256 for the reports.
#include <elf.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "Module.h"
#include "Sha256.h"

namespace vspc {
namespace {

bool Contains(const std::vector<char> &bytes, std::string_view needle) {
    return std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end()) != bytes.end();
}

}  // namespace

std::string InspectModuleFile(const std::string &path, ModuleFile &out) {
    out.path = path;
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
        return fmt::format("module '{}' does not exist: pass the path of the VSP's shared library (.so)", path);
    if (!S_ISREG(st.st_mode)) return fmt::format("module '{}' is not a regular file", path);
    std::ifstream in(path, std::ios::binary);
    if (!in) return fmt::format("module '{}' cannot be read: {}", path, std::strerror(errno));
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    out.size = bytes.size();
    Elf64_Ehdr eh;
    if (bytes.size() < sizeof(eh) || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0)
        return fmt::format(
            "module '{}' is not an ELF file: build the VSP code as a shared library "
            "(clang -shared -fPIC ...)",
            path);
    std::memcpy(&eh, bytes.data(), sizeof(eh));
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64)
        return fmt::format("module '{}' is not an x86-64 ELF object; build it for this machine", path);
    if (eh.e_type != ET_DYN)
        return fmt::format("module '{}' is an ELF {} but not a shared object: link it with -shared -fPIC", path,
                           eh.e_type == ET_REL ? "object file" : "executable");
    out.sha256 = Sha256Hex(bytes.data(), bytes.size());
    out.needs_asan = Contains(bytes, "__asan_init");
    out.coverage =
        Contains(bytes, "__sanitizer_cov_8bit_counters_init") || Contains(bytes, "__sanitizer_cov_trace_pc_guard_init");
    return {};
}

}  // namespace vspc
