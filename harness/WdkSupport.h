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

// Both resets.
void ResetWdkRecords();

// A tag the way the WDK tools show it: its bytes in memory order ('pVrS' -> "SrVp"); bytes that
// are not printable ASCII as \xNN.
std::string PoolTagName(uint32_t tag);

}  // namespace vspc
