// The baseline vspconform is measured against: the ~50-line libFuzzer harness
// a VSP team would write by hand. It loads the module, prepares one packet
// from the fuzz input, makes KMCL's NULL probe, saves into a malloc'd buffer
// of exactly *BytesNeeded bytes (AddressSanitizer sees an overrun of it) and
// releases the packet. Nothing else: no restore, no rules, no supervisor.
// With BARE_GUARD=1 the buffer instead ends at a PROT_NONE page (the way to see
// an overrun by a module built without ASan, as vspconform does).
//
//   BARE_MODULE=libvsp.so [BARE_GUARD=1] bare_harness -seed=1 -use_value_profile=1
//
// It carries its own minimal KMCL (the module resolves these at load time).
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

struct Packet {
    void *context = nullptr;
};
struct Channel {
    void *context = nullptr;
};

using SaveFn = int32_t (*)(void *, void *, void *, uint32_t, uint32_t *);
using PrepareFn = int32_t (*)(void *, void *, const uint8_t *, uint32_t, uint8_t *);
using ReleaseFn = void (*)(void *, void *);

Channel g_channel;
SaveFn g_save;
PrepareFn g_prepare;
ReleaseFn g_release;
bool g_guard;
uint8_t *g_arena;  // BARE_GUARD: 1 MiB of data, then a PROT_NONE page
constexpr size_t kArena = 1u << 20;

}  // namespace

extern "C" {
int32_t VmbServerChannelInitSetSaveRestorePacketCallbacks(void *, void *save, void *) {
    g_save = reinterpret_cast<SaveFn>(save);
    return 0;
}
void *VmbPacketAllocate(void *) { return new Packet; }
void VmbPacketFree(void *p) { delete static_cast<Packet *>(p); }
int32_t VmbPacketRestore(void *, void *, uint32_t) { return 0; }
void VmbPacketSetPointer(void *p, void *ptr) { static_cast<Packet *>(p)->context = ptr; }
void *VmbPacketGetPointer(void *p) { return static_cast<Packet *>(p)->context; }
void *VmbPacketGetChannel(void *) { return &g_channel; }
void VmbChannelSetPointer(void *c, void *ptr) { static_cast<Channel *>(c)->context = ptr; }
void *VmbChannelGetPointer(void *c) { return static_cast<Channel *>(c)->context; }

int LLVMFuzzerInitialize(int *, char ***) {
    const char *path = std::getenv("BARE_MODULE");
    void *h = path ? dlopen(path, RTLD_NOW) : nullptr;
    if (!h) {
        std::fprintf(stderr, "bare_harness: set BARE_MODULE to a module: %s\n", path ? dlerror() : "unset");
        std::exit(2);
    }
    g_save = reinterpret_cast<SaveFn>(dlsym(h, "EvtVmbChannelSavePacket"));
    g_prepare = reinterpret_cast<PrepareFn>(dlsym(h, "VspConformancePreparePacket"));
    g_release = reinterpret_cast<ReleaseFn>(dlsym(h, "VspConformanceReleasePacket"));
    if (auto init = reinterpret_cast<int32_t (*)(void *)>(dlsym(h, "VspConformanceInitChannel"))) init(&g_channel);
    const char *g = std::getenv("BARE_GUARD");
    if (g && *g == '1') {
        size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
        void *p = mmap(nullptr, kArena + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        g_arena = static_cast<uint8_t *>(p);
        mprotect(g_arena + kArena, page, PROT_NONE);
        g_guard = true;
    }
    if (!g_save || !g_prepare) {
        std::fprintf(stderr, "bare_harness: the module needs a save callback and VspConformancePreparePacket\n");
        std::exit(2);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Packet packet;
    uint8_t has_state = 0;
    if (g_prepare(&g_channel, &packet, data, static_cast<uint32_t>(size), &has_state) < 0) return 0;
    uint32_t needed = 0;
    if (g_save(&g_channel, &packet, nullptr, 0, &needed) < 0 && needed > 0 && needed < (1u << 20)) {
        if (g_guard) {
            g_save(&g_channel, &packet, g_arena + kArena - needed, needed, &needed);
        } else {
            void *buf = std::malloc(needed);
            g_save(&g_channel, &packet, buf, needed, &needed);
            std::free(buf);
        }
    }
    if (g_release) g_release(&g_channel, &packet);
    return 0;
}
}
