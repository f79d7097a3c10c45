// Reading a module file without loading it: is it an ELF shared object, which
// runtimes does it need (from its dynamic symbols), and its SHA-256 for the reports.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <fmt/format.h>

#include "Files.h"
#include "Module.h"
#include "Sha256.h"

namespace vspc {

namespace {

std::vector<int> &ImageFds() {
    static std::vector<int> fds;
    return fds;
}

// A memfd holding `bytes`, sealed against every change, open for the rest of the process (workers
// inherit it): its /proc/self/fd path, or "" when the kernel offers no sealed memfd (the workers
// then load the file by its path, as before).
std::string SealedImageOf(const std::string &path, const std::vector<char> &bytes) {
    std::string name = path.substr(path.find_last_of('/') + 1);
    int fd = memfd_create(name.c_str(), MFD_ALLOW_SEALING);  // not CLOEXEC: workers load it
    if (fd < 0) return {};
    if (!WriteAll(fd, bytes.data(), bytes.size()) ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        close(fd);
        return {};
    }
    ImageFds().push_back(fd);
    return fmt::format("/proc/self/fd/{}", fd);
}

}  // namespace

const std::vector<int> &ModuleImageFds() { return ImageFds(); }

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
    out.image = SealedImageOf(path, bytes);
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
    out.build = ReadModuleBuild(path, out.needs_asan, out.coverage, &bytes, &out.elf);
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
