// Linux implementation of the guarded arenas (mmap, mprotect, memfd).
#include "Arena.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vspc {
namespace {

[[noreturn]] void Fatal(const char *what) {
    std::fprintf(stderr, "vspconform: internal error: %s failed: %s\n", what, std::strerror(errno));
    std::_Exit(70);
}

// Canary byte for arena offset i: position dependent, so that a stray write of
// any one value is unlikely to go unnoticed.
inline uint8_t Canary(size_t i) {
    uint32_t x = static_cast<uint32_t>(i) * 0x2545F491u + 0x5Au;
    return static_cast<uint8_t>((x >> 13) ^ x ^ 0xA5u);
}

GuardedRegion RegionOf(const uint8_t *base, size_t total, const uint8_t *data, size_t data_size, const void *buffer,
                       uint32_t size, FaultRegion kind, bool read_only) {
    GuardedRegion r;
    r.begin = reinterpret_cast<uintptr_t>(base);
    r.end = r.begin + total;
    r.data_begin = reinterpret_cast<uintptr_t>(data);
    r.data_end = r.data_begin + data_size;
    r.buffer = reinterpret_cast<uintptr_t>(buffer);
    r.size = size;
    r.kind = kind;
    r.read_only = read_only;
    return r;
}

size_t RoundUpPages(size_t n) {
    size_t page = PageSize();
    return std::max(page, (n + page - 1) / page * page);
}

ArenaWindow g_window;
uintptr_t g_next = 0;  // the next free byte of the window's arena part
uint32_t g_token = 0;

bool InWindow(const void *p) {
    auto a = reinterpret_cast<uintptr_t>(p);
    return g_window.size && a >= g_window.base && a < g_window.base + g_window.size;
}

// `total` bytes of PROT_NONE address space: from the window when there is one and it has room.
uint8_t *ReserveSpace(size_t total) {
    if (g_window.size && g_next + total <= g_window.base + g_window.size) {
        auto *p = reinterpret_cast<uint8_t *>(g_next);
        g_next += total;
        return p;
    }
    void *p = mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) Fatal("mmap");
    return static_cast<uint8_t *>(p);
}

// Gives the space back: in the window it stays reserved (fresh PROT_NONE pages, its memory freed),
// so that no other mapping can land there.
void ReleaseSpace(uint8_t *p, size_t total) {
    if (!InWindow(p)) {
        munmap(p, total);
        return;
    }
    mmap(p, ArenaLength(total), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

}  // namespace

bool ReserveArenaWindow() {
    if (g_window.size) return true;
    // Aligned to its size (the filter matches it with one mask): at an address that is usually
    // free (also under ASan, whose allocator is at 0x600000000000), else twice the size, trimmed.
    size_t want = kArenaWindowSize;
    const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    uintptr_t base = 0;
    void *p = mmap(reinterpret_cast<void *>(uintptr_t{0x500000000000}), want, PROT_NONE, flags, -1, 0);
    if (p != MAP_FAILED && (reinterpret_cast<uintptr_t>(p) & (want - 1)) == 0) {
        base = reinterpret_cast<uintptr_t>(p);
    } else {
        if (p != MAP_FAILED) munmap(p, want);
        p = mmap(nullptr, 2 * want, PROT_NONE, flags, -1, 0);
        if (p == MAP_FAILED) return false;
        auto start = reinterpret_cast<uintptr_t>(p);
        base = (start + want - 1) & ~(want - 1);
        if (base > start) munmap(p, base - start);
        if (base + want < start + 2 * want)
            munmap(reinterpret_cast<void *>(base + want), start + 2 * want - base - want);
    }
    g_window.base = base;
    g_window.size = want;
    g_next = base + want - kArenaWindowArenas;
    return true;
}

ArenaWindow CurrentArenaWindow() { return g_window; }

void SetArenaToken(uint32_t token) { g_token = token; }

size_t ArenaLength(size_t bytes) { return g_token && bytes >= PageSize() ? bytes - PageSize() + g_token : bytes; }

int ArenaProtect(void *p, size_t bytes, int prot) { return mprotect(p, ArenaLength(bytes), prot); }

size_t PageSize() {
    static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return page;
}

GuardedArena::~GuardedArena() {
    if (base_) ReleaseSpace(base_, total_);
}

void GuardedArena::Grow(size_t data_bytes) {
    if (base_) ReleaseSpace(base_, total_);
    size_t zone = kGuardPages * PageSize();
    data_size_ = RoundUpPages(std::max(data_bytes, data_size_ * 2));
    total_ = data_size_ + 2 * zone;
    base_ = ReserveSpace(total_);
    data_ = base_ + zone;
    if (ArenaProtect(data_, data_size_, PROT_READ | PROT_WRITE) != 0) Fatal("mprotect");
    canary_.resize(data_size_);
    for (size_t i = 0; i < data_size_; ++i) canary_[i] = Canary(i);
    std::memcpy(data_, canary_.data(), data_size_);
}

uint8_t *GuardedArena::Place(uint32_t size, Placement placement, uint8_t fill) {
    if (size + kSlackWindow + gap_ > data_size_) Grow(size + kSlackWindow + gap_);
    uint8_t *buf = placement == Placement::Right ? data_ + data_size_ - gap_ - size : data_;
    if (size) std::memcpy(buf, Pattern(fill, size), size);
    return buf;
}

// Finds the bytes of data[lo, hi) that are no longer the canary and restores them. The
// reported offset is the stray byte nearest to the buffer (scanning down from hi when the
// window lies before the buffer, up from lo when it lies after it), `last` the farthest.
void GuardedArena::Sweep(size_t lo, size_t hi, bool before_buffer, size_t buf_off, StrayWrite &stray) {
    if (hi <= lo || std::memcmp(data_ + lo, canary_.data() + lo, hi - lo) == 0) return;  // the usual case
    for (size_t k = 0; k < hi - lo; ++k) {
        size_t i = before_buffer ? hi - 1 - k : lo + k;
        if (data_[i] == canary_[i]) continue;
        int64_t offset = static_cast<int64_t>(i) - static_cast<int64_t>(buf_off);
        if (!stray.found) stray.offset = offset;
        stray.found = true;
        stray.last = offset;
        ++stray.count;
        data_[i] = canary_[i];
    }
}

StrayWrite GuardedArena::CheckAndReset(const uint8_t *cbuf, uint32_t size, Placement placement) {
    StrayWrite overrun, window;
    uint8_t *buf = data_ + (cbuf - data_);
    size_t buf_off = static_cast<size_t>(buf - data_);
    // The gap between a right-aligned buffer and its guard zone (SetGap).
    if (placement == Placement::Right)
        Sweep(buf_off + size, std::min(data_size_, buf_off + size + gap_), false, buf_off, overrun);
    // The window on the side the guard zone does not cover; when the strays reach its far end,
    // the rest of that side (an overrun longer than the window is measured to its end).
    if (placement == Placement::Right) {
        size_t lo = buf_off > kSlackWindow ? buf_off - kSlackWindow : 0;
        Sweep(lo, buf_off, true, buf_off, window);
        if (window.found && lo > 0 && window.last == static_cast<int64_t>(lo) - static_cast<int64_t>(buf_off))
            Sweep(0, lo, true, buf_off, window);
    } else {
        size_t hi = std::min(data_size_, buf_off + size + kSlackWindow);
        Sweep(buf_off + size, hi, false, buf_off, window);
        if (window.found && hi < data_size_ &&
            window.last == static_cast<int64_t>(hi) - 1 - static_cast<int64_t>(buf_off))
            Sweep(hi, data_size_, false, buf_off, window);
    }
    std::memcpy(buf, canary_.data() + buf_off, size);
    // Both windows are restored; an overrun into the gap is what the call reports first.
    return overrun.found ? overrun : window;
}

GuardedRegion GuardedArena::Region(const void *buffer, uint32_t size, FaultRegion kind) const {
    return RegionOf(base_, total_, data_, data_size_, buffer, size, kind, false);
}

// Patterns up to kPatternCached bytes are kept per fill; a longer one is made in one
// scratch buffer (kept for the next call with the same fill), so 256 fills of a 16 MiB
// buffer cost 16 MiB, not 4 GiB.
const uint8_t *GuardedArena::Pattern(uint8_t fill, uint32_t size) {
    constexpr size_t kPatternCached = 64u << 10;
    std::vector<uint8_t> &p = size <= kPatternCached ? patterns_[fill] : big_pattern_;
    if (&p == &big_pattern_ && big_fill_ != fill) {
        big_pattern_.clear();
        big_fill_ = fill;
    }
    if (p.size() < size) {
        size_t old = p.size();
        p.resize(std::max<size_t>(size, std::min<size_t>(2 * old, &p == &big_pattern_ ? size : kPatternCached)));
        for (size_t i = old; i < p.size(); ++i) p[i] = FillByte(fill, i);
    }
    return p.data();
}

int64_t GuardedArena::FirstChanged(const uint8_t *buf, uint32_t from, uint32_t size, uint8_t fill) {
    if (from >= size) return -1;
    const uint8_t *p = Pattern(fill, size);
    if (std::memcmp(buf + from, p + from, size - from) == 0) return -1;
    for (uint32_t i = from; i < size; ++i)
        if (buf[i] != p[i]) return i;
    return -1;
}

ReadOnlyArena::~ReadOnlyArena() {
    if (base_) ReleaseSpace(base_, total_);
    if (rw_) munmap(rw_, data_size_);
    if (fd_ >= 0) close(fd_);
}

void ReadOnlyArena::Grow(size_t data_bytes) {
    if (base_) ReleaseSpace(base_, total_);
    if (rw_) munmap(rw_, data_size_);
    size_t zone = kGuardPages * PageSize();
    data_size_ = RoundUpPages(std::max(data_bytes, data_size_ * 2));
    total_ = data_size_ + 2 * zone;
    if (fd_ < 0) fd_ = memfd_create("vspconform-ro", MFD_CLOEXEC);
    if (fd_ < 0) Fatal("memfd_create");
    if (ftruncate(fd_, static_cast<off_t>(data_size_)) != 0) Fatal("ftruncate");
    void *rw = mmap(nullptr, data_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (rw == MAP_FAILED) Fatal("mmap");
    rw_ = static_cast<uint8_t *>(rw);
    base_ = ReserveSpace(total_);
    void *ro = mmap(base_ + zone, ArenaLength(data_size_), PROT_READ, MAP_SHARED | MAP_FIXED, fd_, 0);
    if (ro == MAP_FAILED) Fatal("mmap");
    ro_ = static_cast<uint8_t *>(ro);
}

GuardedRegion ReadOnlyArena::Region(const void *buffer, uint32_t size, FaultRegion kind) const {
    return RegionOf(base_, total_, ro_, data_size_, buffer, size, kind, true);
}

const uint8_t *ReadOnlyArena::Place(const uint8_t *bytes, uint32_t size, Placement placement) {
    if (size > data_size_ || data_size_ == 0) Grow(std::max<size_t>(size, 1));
    size_t off = placement == Placement::Right ? data_size_ - size : 0;
    if (size) std::memcpy(rw_ + off, bytes, size);
    return ro_ + off;
}

}  // namespace vspc
