#include "Module.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>

#include <fmt/format.h>

#include "Status.h"

namespace vspc {

std::string LoadModule(const ModuleOptions &options, Kmcl &kmcl, SharedStatus *status, Module &out) {
    if (status) status->call.callback = Callback::Init;
    // A bare file name would make dlopen search the library path: load the file named.
    std::string path = !options.image.empty()                        ? options.image
                       : options.path.find('/') == std::string::npos ? "./" + options.path
                                                                     : options.path;
    void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        std::string err = dlerror();
        if (err.find("undefined symbol") != std::string::npos)
            return fmt::format(
                "cannot load module: {} (a module may only use the KMCL functions of "
                "include/kmcl/VmbusKernelModeClientLibApi.h and the C library)",
                err);
        return fmt::format("cannot load module: {}", err);
    }
    out.handle = handle;
    out.path = path;
    auto sym = [&](const std::string &name) { return dlsym(handle, name.c_str()); };
    // A callback name must be a function of the module itself: dlsym also finds the names of
    // the libraries it depends on (--save-symbol environ is the C library's data, printf its
    // code), and calling those would blame the module for the tester's mistake.
    struct link_map *module_map = nullptr;
    dlinfo(handle, RTLD_DI_LINKMAP, &module_map);
    auto callback = [&](const std::string &name, const char *flag, std::string *error) -> void * {
        void *p = sym(name);
        if (!p) return nullptr;
        Dl_info info{};
        const ElfW(Sym) *entry = nullptr;
        struct link_map *owner = nullptr;
        if (dladdr1(p, &info, const_cast<void **>(reinterpret_cast<const void **>(&entry)), RTLD_DL_SYMENT) == 0 ||
            dladdr1(p, &info, reinterpret_cast<void **>(&owner), RTLD_DL_LINKMAP) == 0)
            return p;  // nothing to check it against
        int type = entry ? ELF64_ST_TYPE(entry->st_info) : STT_FUNC;
        bool function = type == STT_FUNC || type == STT_GNU_IFUNC;
        if (owner != module_map || !function)
            *error = fmt::format(
                "'{}' ({}) is {} of {}, not a function of the module: pass the name of the callback the module "
                "exports",
                name, flag, function ? "a function" : "a data symbol",
                info.dli_fname ? info.dli_fname : "another object");
        return p;
    };
    out.channel = kmcl.NewChannel();
    std::string bad_name;
    out.save = reinterpret_cast<SaveFn>(callback(options.save_symbol, "--save-symbol", &bad_name));
    out.restore = reinterpret_cast<RestoreFn>(callback(options.restore_symbol, "--restore-symbol", &bad_name));
    if (!bad_name.empty()) return bad_name;
    out.prepare = reinterpret_cast<PrepareFn>(sym("VspConformancePreparePacket"));
    out.release = reinterpret_cast<ReleaseFn>(sym("VspConformanceReleasePacket"));
    auto init = reinterpret_cast<InitFn>(sym("VspConformanceInitChannel"));
    if (init) {
        if (status) status->in_call.store(1, std::memory_order_relaxed);
        int32_t st = init(out.channel);
        if (status) status->in_call.store(0, std::memory_order_relaxed);
        if (!NtSuccess(st))
            return fmt::format(
                "VspConformanceInitChannel failed with {}; the module cannot be tested "
                "until its init hook succeeds",
                StatusName(st));
        if (out.channel->save) {
            out.save = out.channel->save;
            out.restore = out.channel->restore;
            out.via_init_hook = true;
        } else if (!out.save) {
            return "VspConformanceInitChannel succeeded but registered no save callback: call "
                   "VmbServerChannelInitSetSaveRestorePacketCallbacks(Channel, Save, Restore) in it";
        }
    }
    if (!out.save)
        return fmt::format(
            "module exports neither '{}' nor VspConformanceInitChannel: export the save "
            "callback under that name (or pass --save-symbol NAME), or register it from "
            "VspConformanceInitChannel",
            options.save_symbol);
    return {};
}

}  // namespace vspc
