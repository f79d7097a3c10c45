// A loaded module under test: its callbacks and hooks, found by exported name or
// registered by its init hook on a fake channel.
#pragma once

#include <cstdint>
#include <string>

#include "Dwarf.h"
#include "Elf.h"
#include "Kmcl.h"
#include "Shared.h"

namespace vspc {

struct ModuleOptions {
    std::string path;
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
    std::string sha256;
    uint64_t size = 0;
    bool needs_asan = false;  // references the ASan runtime (from its dynamic symbols)
    bool coverage = false;    // built with -fsanitize=fuzzer-no-link (references the coverage hooks)
    ElfImage elf;
    ModuleBuild build;  // flavour, compiler and flags (its DWARF), for the reports
};

// Empty string when the file looks like a loadable shared object.
std::string InspectModuleFile(const std::string &path, ModuleFile &out);

// Empty string when `name` may be a callback of the module: not a data symbol.
std::string CheckCallbackSymbol(const ModuleFile &file, const std::string &name, const char *flag);

}  // namespace vspc
