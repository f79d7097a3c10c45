// The restore side of the baseline (bench/record_fields.sh): the libFuzzer harness a VSP team
// would write for its restore callback alone. The fuzz input is the record: it is copied to the
// end of a buffer followed by a PROT_NONE page (so a module built without ASan shows an over-read
// of its input, as vspconform's guard pages do) and handed to the restore callback as SaveBuf,
// with a LibBuf of 48 bytes. A restored packet's state is released through the module's release
// hook. Nothing else: no save, no rules, no supervisor.
//
//   BARE_MODULE=libvsp.so bare_restore_harness -seed=1 -use_value_profile=1
//
// It carries its own minimal KMCL and the pool routines of WdkCompat.h (the module resolves these
// at load time). Build the module with -fsanitize=fuzzer-no-link for coverage guidance.
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

struct Packet {
    void *context = nullptr;
};
struct Channel {
    void *context = nullptr;
};

using SaveFn = int32_t (*)(void *, void *, void *, uint32_t, uint32_t *);
using RestoreFn = int32_t (*)(void *, void *, uint32_t, void *, uint32_t);
using ReleaseFn = void (*)(void *, void *);

Channel g_channel;
RestoreFn g_restore;
ReleaseFn g_release;
std::vector<Packet *> g_allocated;  // the packets the restore in progress allocated
uint8_t *g_arena;                   // 1 MiB of data, then a PROT_NONE page
constexpr size_t kArena = 1u << 20;
uint8_t g_lib[48];

}  // namespace

extern "C" {
int32_t VmbServerChannelInitSetSaveRestorePacketCallbacks(void *, void *, void *restore) {
    g_restore = reinterpret_cast<RestoreFn>(restore);
    return 0;
}
void *VmbPacketAllocate(void *) {
    g_allocated.push_back(new Packet);
    return g_allocated.back();
}
void VmbPacketFree(void *p) {
    for (auto &a : g_allocated)
        if (a == p) a = nullptr;
    delete static_cast<Packet *>(p);
}
int32_t VmbPacketRestore(void *, void *, uint32_t) { return 0; }
void VmbPacketSetPointer(void *p, void *ptr) { static_cast<Packet *>(p)->context = ptr; }
void *VmbPacketGetPointer(void *p) { return static_cast<Packet *>(p)->context; }
void *VmbPacketGetChannel(void *) { return &g_channel; }
void VmbChannelSetPointer(void *c, void *ptr) { static_cast<Channel *>(c)->context = ptr; }
void *VmbChannelGetPointer(void *c) { return static_cast<Channel *>(c)->context; }
void *VspConformancePoolAllocate(uint64_t, size_t bytes, uint32_t, uint8_t zero) {
    return zero ? std::calloc(1, bytes) : std::malloc(bytes);
}
void VspConformancePoolFree(void *p, uint32_t) { std::free(p); }
void VspConformanceAssertionFailed(const char *expression, const char *file, uint32_t line) {
    std::fprintf(stderr, "bare_restore_harness: assertion failed: %s (%s:%u)\n", expression, file, line);
    std::abort();
}

int LLVMFuzzerInitialize(int *, char ***) {
    const char *path = std::getenv("BARE_MODULE");
    void *h = path ? dlopen(path, RTLD_NOW) : nullptr;
    if (!h) {
        std::fprintf(stderr, "bare_restore_harness: set BARE_MODULE to a module: %s\n", path ? dlerror() : "unset");
        std::exit(2);
    }
    g_restore = reinterpret_cast<RestoreFn>(dlsym(h, "EvtVmbChannelRestorePacket"));
    g_release = reinterpret_cast<ReleaseFn>(dlsym(h, "VspConformanceReleasePacket"));
    if (auto init = reinterpret_cast<int32_t (*)(void *)>(dlsym(h, "VspConformanceInitChannel"))) init(&g_channel);
    if (!g_restore) {
        std::fprintf(stderr, "bare_restore_harness: the module has no restore callback\n");
        std::exit(2);
    }
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void *p = mmap(nullptr, kArena + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_arena = static_cast<uint8_t *>(p);
    mprotect(g_arena + kArena, page, PROT_NONE);
    std::memcpy(g_lib, "VSPCLIB1", 8);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > kArena) return 0;
    uint8_t *record = g_arena + kArena - size;
    std::memcpy(record, data, size);
    g_allocated.clear();
    int32_t status = g_restore(&g_channel, g_lib, sizeof(g_lib), record, static_cast<uint32_t>(size));
    for (Packet *packet : g_allocated) {
        if (!packet) continue;
        if (status >= 0 && g_release) g_release(&g_channel, packet);
        delete packet;
    }
    return 0;
}
}
