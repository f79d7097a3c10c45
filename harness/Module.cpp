#include "Module.h"

#include <dlfcn.h>

#include <fmt/format.h>

#include "Status.h"

namespace vspc {

std::string LoadModule(const ModuleOptions &options, Kmcl &kmcl, SharedStatus *status, Module &out) {
    if (status) status->call.callback = Callback::Init;
    // A bare file name would make dlopen search the library path: load the file named.
    std::string path = options.path.find('/') == std::string::npos ? "./" + options.path : options.path;
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
    out.channel = kmcl.NewChannel();
    out.save = reinterpret_cast<SaveFn>(sym(options.save_symbol));
    out.restore = reinterpret_cast<RestoreFn>(sym(options.restore_symbol));
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
