// Guarded buffers (Linux). Every buffer handed to a module sits between two
// PROT_NONE guard pages, either right-aligned (its end touches the right guard,
// so an overrun faults at the first stray byte) or left-aligned (an underrun
// faults at the first stray byte). The slack on the other side holds a canary
// pattern that is checked after the call. Arenas are reused: the hot path only
// moves offsets and fills bytes, it makes no system calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "Case.h"

namespace vspc {

// Bytes of slack next to a buffer that are checked for stray writes after each
// call (the guard page catches the other side exactly).
constexpr size_t kSlackWindow = 512;

struct StrayWrite {
    bool found = false;
    int64_t offset = 0;  // relative to the buffer start: < 0 underrun, >= size overrun
    uint32_t count = 0;  // stray bytes in the checked window
};

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
    // canary over the buffer and the window, ready for the next Place().
    StrayWrite CheckAndReset(const uint8_t *buf, uint32_t size, Placement placement);
    // First offset in [from, size) whose byte is no longer the fill pattern, or -1.
    static int64_t FirstChanged(const uint8_t *buf, uint32_t from, uint32_t size, uint8_t fill);

    uintptr_t RegionBegin() const { return reinterpret_cast<uintptr_t>(base_); }
    uintptr_t RegionEnd() const { return reinterpret_cast<uintptr_t>(base_) + total_; }

private:
    void Grow(size_t data_bytes);
    uint8_t *base_ = nullptr;      // left guard page
    uint8_t *data_ = nullptr;      // first data byte
    std::vector<uint8_t> canary_;  // what every data byte holds between calls
    size_t data_size_ = 0;         // multiple of the page size
    size_t total_ = 0;
};

// A read-only input buffer for the restore callback. The same memory is mapped
// twice: a writable view for the tester and a read-only view, between guard
// pages, for the module; a write by the module faults, as does a read past
// either end (depending on placement).
class ReadOnlyArena {
public:
    ReadOnlyArena() = default;
    ~ReadOnlyArena();
    ReadOnlyArena(const ReadOnlyArena &) = delete;
    ReadOnlyArena &operator=(const ReadOnlyArena &) = delete;

    // Copies `size` bytes in and returns the module's (read-only) pointer to them.
    const uint8_t *Place(const uint8_t *bytes, uint32_t size, Placement placement);

    uintptr_t RegionBegin() const { return reinterpret_cast<uintptr_t>(base_); }
    uintptr_t RegionEnd() const { return reinterpret_cast<uintptr_t>(base_) + total_; }

private:
    void Grow(size_t data_bytes);
    int fd_ = -1;
    uint8_t *rw_ = nullptr;    // tester's writable view
    uint8_t *base_ = nullptr;  // reservation: guard, read-only view, guard
    uint8_t *ro_ = nullptr;
    size_t data_size_ = 0;
    size_t total_ = 0;
};

size_t PageSize();

}  // namespace vspc
