// A loaded module under test: its callbacks and hooks, found by exported name or
// registered by its init hook on a fake channel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "Dwarf.h"
#include "Elf.h"
#include "Kmcl.h"
#include "Shared.h"

namespace vspc {

struct ModuleOptions {
    std::string path;   // as the user named it (reports, symbolization)
    std::string image;  // what workers load, when set: the sealed copy of the bytes hashed (/proc/self/fd/N)
    std::string save_symbol = "EvtVmbChannelSavePacket";
    std::string restore_symbol = "EvtVmbChannelRestorePacket";
    bool operator==(const ModuleOptions &) const = default;
};

using PrepareFn = int32_t (*)(void *channel, void *packet, const uint8_t *seed, uint32_t seed_size, uint8_t *has_state);
using ReleaseFn = void (*)(void *channel, void *packet);
using InitFn = int32_t (*)(void *channel);

struct Module {
    SaveFn save = nullptr;
    RestoreFn restore = nullptr;
    PrepareFn prepare = nullptr;
    ReleaseFn release = nullptr;
    bool via_init_hook = false;
    FakeChannel *channel = nullptr;
    void *handle = nullptr;
    std::string path;  // the file dlopen was given (a bare name as ./name)
};

// Loads the module into this process, with a channel of `kmcl` (never unloaded:
// an instrumented module must stay mapped under libFuzzer). `status`, when set,
// is told that the init hook runs (it may hang or crash). Returns an empty
// string on success, or a one-line explanation of what is wrong and what to do.
std::string LoadModule(const ModuleOptions &options, Kmcl &kmcl, SharedStatus *status, Module &out);

// Facts read from the file without loading it (the supervisor's side).
struct ModuleFile {
    std::string path;
    std::string sha256;  // of `image`'s bytes when there is one: what the workers load
    std::string image;   // /proc/self/fd/N: a sealed memfd holding the bytes read (and hashed) once
    uint64_t size = 0;
    bool needs_asan = false;  // references the ASan runtime (from its dynamic symbols)
    bool coverage = false;    // built with -fsanitize=fuzzer-no-link (references the coverage hooks)
    ElfImage elf;
    ModuleBuild build;  // flavour, compiler and flags (its DWARF), for the reports
};

// Empty string when the file looks like a loadable shared object. The file is read once: its bytes
// are hashed, parsed and kept in a sealed memfd (out.image) that every worker loads, so the file
// can be replaced during the run without the report naming other bytes than those tested.
std::string InspectModuleFile(const std::string &path, ModuleFile &out);

// The descriptors of the module images (InspectModuleFile): workers inherit them.
const std::vector<int> &ModuleImageFds();

// Empty string when `name` may be a callback of the module: not a data symbol.
std::string CheckCallbackSymbol(const ModuleFile &file, const std::string &name, const char *flag);

}  // namespace vspc
