// Guarded buffers (Linux). Every buffer handed to a module sits between two
// guard zones of PROT_NONE pages, either right-aligned (its end touches the
// right zone, so an overrun faults at the first stray byte) or left-aligned (an
// underrun faults at the first stray byte). The slack on the other side holds a
// canary pattern that is checked after the call. A fault in a guard zone is
// recovered (Fault.h) unless it reaches the zone's outermost page. Arenas are
// reused: the hot path only moves offsets and fills bytes, it makes no system
// calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "Case.h"
#include "Fault.h"

namespace vspc {

// Bytes of slack next to a buffer that are checked for stray writes after each
// call (the guard zone catches the other side exactly).
constexpr size_t kSlackWindow = 512;
// Pages in each guard zone: a sequential overrun of up to (kGuardPages - 1)
// pages is recovered and reported; one that runs further kills the worker.
constexpr size_t kGuardPages = 16;

struct StrayWrite {
    bool found = false;
    int64_t offset = 0;  // relative to the buffer start: < 0 underrun, >= size overrun; the stray byte nearest it
    int64_t last = 0;    // the stray byte farthest from the buffer (on the same side)
    uint32_t count = 0;  // stray bytes in the checked window
};

// The byte a guard-zone page holds once a write fault has opened it (FaultLinux.cpp): the bytes the
// recovered write changed are the ones that differ, so the whole extent of an overrun is measured,
// not only its first byte. Position dependent, like the canary.
inline uint8_t GuardFill(uintptr_t address) {
    uint32_t x = static_cast<uint32_t>(address) * 0x9E3779B1u + 0x3Cu;
    return static_cast<uint8_t>((x >> 15) ^ (x >> 7) ^ 0xC3u);
}

// A writable buffer for the save callback (SaveBuf, and the *BytesNeeded slot).
class GuardedArena {
public:
    GuardedArena() = default;
    ~GuardedArena();
    GuardedArena(const GuardedArena &) = delete;
    GuardedArena &operator=(const GuardedArena &) = delete;

    // Places a buffer of `size` bytes, filled with FillByte(fill, i). Grows the
    // arena when needed (the only path that makes system calls).
    uint8_t *Place(uint32_t size, Placement placement, uint8_t fill);
    // After the call: finds stray writes next to the buffer, then restores the
    // canary over the buffer and the window, ready for the next Place(). When the
    // strays reach the window's far end, the rest of the data on that side is
    // checked too (so a long overrun is measured to its end).
    StrayWrite CheckAndReset(const uint8_t *buf, uint32_t size, Placement placement);
    // First offset in [from, size) whose byte is no longer the fill pattern, or -1.
    int64_t FirstChanged(const uint8_t *buf, uint32_t from, uint32_t size, uint8_t fill);

    GuardedRegion Region(const void *buffer, uint32_t size, FaultRegion kind) const;

    // Right-aligned buffers end `gap` bytes before the guard zone; the gap holds
    // the canary and is checked too. For a module already known to overrun:
    // its overruns are then seen without a fault each (same finding, far cheaper).
    void SetGap(uint32_t gap) { gap_ = gap; }

private:
    void Grow(size_t data_bytes);
    void Sweep(size_t lo, size_t hi, bool before_buffer, size_t buf_off, StrayWrite &stray);
    uint32_t gap_ = 0;
    const uint8_t *Pattern(uint8_t fill, uint32_t size);  // FillByte(fill, 0..size), cached
    std::vector<uint8_t> patterns_[256];
    std::vector<uint8_t> big_pattern_;  // see Pattern()
    int big_fill_ = -1;
    uint8_t *base_ = nullptr;      // first page of the left guard zone
    uint8_t *data_ = nullptr;      // first data byte
    std::vector<uint8_t> canary_;  // what every data byte holds between calls
    size_t data_size_ = 0;         // multiple of the page size
    size_t total_ = 0;
};

// A read-only input buffer for the restore callback. The same memory is mapped
// twice: a writable view for the tester and a read-only view, between guard
// zones, for the module; a write by the module faults, as does a read past
// either end (depending on placement).
class ReadOnlyArena {
public:
    ReadOnlyArena() = default;
    ~ReadOnlyArena();
    ReadOnlyArena(const ReadOnlyArena &) = delete;
    ReadOnlyArena &operator=(const ReadOnlyArena &) = delete;

    // Copies `size` bytes in and returns the module's (read-only) pointer to them.
    const uint8_t *Place(const uint8_t *bytes, uint32_t size, Placement placement);

    GuardedRegion Region(const void *buffer, uint32_t size, FaultRegion kind) const;

private:
    void Grow(size_t data_bytes);
    int fd_ = -1;
    uint8_t *rw_ = nullptr;    // tester's writable view
    uint8_t *base_ = nullptr;  // reservation: guard zone, read-only view, guard zone
    uint8_t *ro_ = nullptr;
    size_t data_size_ = 0;
    size_t total_ = 0;
};

size_t PageSize();

// The arena window (sandboxed workers, SandboxLinux.cpp): every arena is carved from one
// reservation made before the seccomp filter, and the filter refuses mprotect, mmap, munmap and
// mremap in it unless the length carries the token in its low bits (a length that is not a
// multiple of the page size still covers whole pages). So a module cannot unguard a guard page
// with a plain mprotect; the tester's own calls (growing an arena, recovering a guard fault) pass
// the token. Without a window (tests, replay --debug, --sandbox off) arenas are plain mappings.
struct ArenaWindow {
    uintptr_t base = 0;  // aligned to `size`
    size_t size = 0;     // a power of two
};
constexpr size_t kArenaWindowSize = size_t{128} << 30;    // the reservation (mostly padding, see Sandbox.h)
constexpr size_t kArenaWindowArenas = size_t{256} << 20;  // the arenas live in its top part
bool ReserveArenaWindow();
ArenaWindow CurrentArenaWindow();
void SetArenaToken(uint32_t token);  // 1..page-1: lengths of the tester's own calls in the window
// `bytes` (a multiple of the page size) as the tester passes it to the kernel: with the token.
size_t ArenaLength(size_t bytes);
int ArenaProtect(void *page_aligned, size_t bytes, int prot);

}  // namespace vspc
