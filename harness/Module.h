// A loaded module under test: its callbacks and hooks, found by exported name or
// registered by its init hook on the fake channel.
#pragma once

#include <cstdint>
#include <string>

#include "Kmcl.h"

namespace vspc {

struct ModuleOptions {
    std::string path;
    std::string save_symbol = "EvtVmbChannelSavePacket";
    std::string restore_symbol = "EvtVmbChannelRestorePacket";
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
};

// Loads the module into this process (never unloaded: an instrumented module
// must stay mapped under libFuzzer). Returns an empty string on success, or a
// one-line explanation of what is wrong and what to do about it.
std::string LoadModule(const ModuleOptions &options, Module &out);

// Facts read from the file without loading it (the supervisor's side).
struct ModuleFile {
    std::string path;
    std::string sha256;
    uint64_t size = 0;
    bool needs_asan = false;  // references the ASan runtime
    bool coverage = false;    // built with -fsanitize=fuzzer-no-link
};

// Empty string when the file looks like a loadable shared object.
std::string InspectModuleFile(const std::string &path, ModuleFile &out);

}  // namespace vspc
