// Reading a module file without loading it: is it an ELF shared object, which
// runtimes does it need (from its dynamic symbols), and its SHA-256 for the reports.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <fmt/format.h>

#include "Module.h"
#include "Sha256.h"

namespace vspc {

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
    out.sha256 = Sha256Hex(bytes.data(), bytes.size());
    std::string why = out.elf.Parse(bytes);
    if (why == "not an ELF file")
        return fmt::format(
            "module '{}' is not an ELF file: build the VSP code as a shared library "
            "(clang -shared -fPIC ...)",
            path);
    if (why == "not an x86-64 ELF object")
        return fmt::format("module '{}' is not an x86-64 ELF object; build it for this machine", path);
    if (!why.empty())
        return fmt::format("module '{}' is {} but not a shared object: link it with -shared -fPIC", path, why);
    out.needs_asan = out.elf.NeedsSymbol("__asan_init");
    out.coverage = out.elf.NeedsSymbol("__sanitizer_cov_8bit_counters_init") ||
                   out.elf.NeedsSymbol("__sanitizer_cov_trace_pc_guard_init");
    out.build = ReadModuleBuild(path, out.needs_asan, out.coverage);
    return {};
}

std::string CheckCallbackSymbol(const ModuleFile &file, const std::string &name, const char *flag) {
    const ElfSymbol *s = file.elf.DynamicSymbol(name);
    if (s && s->defined && s->object)
        return fmt::format("'{}' ({}) names a data symbol of the module, not a function: pass the callback's name",
                           name, flag);
    return {};
}

}  // namespace vspc
