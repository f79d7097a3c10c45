// The tester's side of include/kmcl/WdkCompat.h: what modules built with it report through the
// C functions the host exports (VspConformancePoolAllocate, VspConformancePoolFree,
// VspConformanceAssertionFailed, defined in WdkSupport.cpp). This file only records; turning the
// records into findings is the engine's business. Everything is per process (per worker) and
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vspc {

// A failed NT_ASSERT / ASSERT / NT_VERIFY (or a lock misuse, or DbgBreakPoint) in the module.
struct FailedAssertion {
    std::string expression;  // the asserted expression as written, or what went wrong
    std::string file;        // __FILE__ in the module's build
    uint32_t line = 0;
};

// Pool blocks allocated since the last ResetPoolAccounting() and not freed, for one tag.
struct PoolTagUsage {
    uint32_t tag = 0;  // as the module passed it: 'pVrS' is 0x70567253 (PoolTagName: "SrVp")
    uint64_t count = 0;
    uint64_t bytes = 0;
};

// Frees the pool refused or questioned since the last ResetPoolAccounting().
struct PoolMisuse {
    uint64_t bad_frees = 0;       // NULL, never allocated, or freed already: not freed (a bug check on Windows)
    uint64_t tag_mismatches = 0;  // ExFreePoolWithTag with a tag other than the block's: freed anyway
};

// ---- Assertions ----------------------------------------------------------------------------------
// Failed assertions since the last reset, and the first of them.
uint64_t FailedAssertionCount();
std::optional<FailedAssertion> FirstFailedAssertion();
void ResetFailedAssertions();

// ---- Pool ------------------------------------------------------------------------------------------
// Outstanding blocks per tag, tags in ascending order, only tags with blocks. Blocks allocated
// before the last reset are not counted (freeing them later is fine and changes nothing here).
std::vector<PoolTagUsage> OutstandingPoolAllocations();
uint64_t OutstandingPoolBlockCount();  // the sum of the counts above, without building the list
PoolMisuse PoolMisuseCounts();
void ResetPoolAccounting();

// ---- Pool use of one module call (the rules SP14 and RP5) -------------------------------------------
// A point in the pool's history: the allocations and the refused or questioned frees made so far.
// Cheap (three atomic loads): taken before every module call.
struct PoolMark {
    uint64_t allocations = 0;
    uint64_t bad_frees = 0;
    uint64_t wrong_tags = 0;
    bool operator==(const PoolMark &) const = default;
};
PoolMark CurrentPoolMark();
// Whether the module has allocated any pool block in this process (since it was loaded): until it
// has, nothing says its pool use is tracked (it may allocate with malloc), so SP14 and RP5 have
// nothing to check.
bool PoolUsed();

// A free the pool refused (not a live block: never allocated, freed already, NULL) or questioned
// (ExFreePoolWithTag with a tag other than the block's).
struct PoolFreeIssue {
    bool wrong_tag = false;   // else: not a live block
    uint32_t freed_tag = 0;   // the tag the free gave (0: ExFreePool, any tag)
    uint32_t block_tag = 0;   // wrong_tag: the tag the block was allocated with
    uint64_t block_size = 0;  // wrong_tag: its size
    uintptr_t pc = 0;         // the return address of the free (in the module's code, normally)
};

// The blocks allocated in [from.allocations, to.allocations) (the n-th allocation of the process
// is number n-1) that are still live, and the frees refused or questioned in [from, to).
struct PoolUse {
    uint64_t live_blocks = 0, live_bytes = 0;
    uint32_t live_tag = 0;  // of the first of them
    uint64_t live_size = 0;
    uintptr_t live_pc = 0;  // the return address of its allocation
    uint64_t bad_frees = 0, wrong_tags = 0;
    std::optional<PoolFreeIssue> first_bad_free, first_wrong_tag;
};
PoolUse PoolUseBetween(const PoolMark &from, const PoolMark &to);

// Both resets.
void ResetWdkRecords();

// A tag the way the WDK tools show it: its bytes in memory order ('pVrS' -> "SrVp"); bytes that
// are not printable ASCII as \xNN.
std::string PoolTagName(uint32_t tag);

}  // namespace vspc
