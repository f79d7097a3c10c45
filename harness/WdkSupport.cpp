#include "WdkSupport.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>

// Last, for the exact prototypes the modules call (C linkage); NOMINMAX keeps std::min usable.
#define NOMINMAX
#include "WdkCompat.h"

namespace vspc {
namespace {

// Larger requests fail, as they would in a kernel's pool (and a huge size computed from an
// untrusted record must not make the worker zero gigabytes).
constexpr size_t kMaxPoolBlock = size_t{1} << 30;
// Failed assertions printed to stderr (the worker log) per process; the rest are only counted.
constexpr unsigned kPrintedAssertions = 16;

struct Block {
    uint32_t tag;
    uint64_t size;
    uint64_t generation;  // counted in `outstanding` only when it is the current one
    uint64_t seq;         // the allocation's number in the process
    uintptr_t pc;         // the return address of the allocation
};

// The most recent refused or questioned frees, numbered per kind (PoolMark counts them).
constexpr size_t kKeptFreeIssues = 256;
struct FreeIssueRecord {
    uint64_t seq;  // among the issues of its kind
    PoolFreeIssue issue;
};

struct Counts {
    uint64_t count = 0;
    uint64_t bytes = 0;
};

struct State {
    std::mutex mutex;
    std::unordered_map<void *, Block> blocks;  // every live block, whatever its generation
    std::map<uint64_t, void *> live_by_seq;    // the same blocks by allocation number
    std::map<uint32_t, Counts> outstanding;    // blocks of the current generation
    uint64_t generation = 1;
    uint64_t allocations = 0;                // drives the fill byte of blocks that are not zeroed; numbers them
    uint64_t bad_frees = 0, wrong_tags = 0;  // since the process started (PoolMark)
    std::deque<FreeIssueRecord> issues;      // the last kKeptFreeIssues
    PoolMisuse misuse;
    uint64_t assertions = 0;
    std::optional<FailedAssertion> first_assertion;
    unsigned printed = 0;
};

// Never destroyed: a module may still free pool while the process exits.
State &S() {
    static State *state = new State;
    return *state;
}

// A different non-zero byte for each uninitialized block: saving a field that was never set
// gives different bytes from one block to the next.
uint8_t FillByte(uint64_t n) {
    auto b = static_cast<uint8_t>(0xA5 + 0x3B * n);
    return b ? b : 0xA5;
}

}  // namespace

namespace {
std::atomic<uint64_t> g_assertions{0};  // mirrors State::assertions, read on every module call without the lock
// Mirror State's allocations, bad_frees and wrong_tags: CurrentPoolMark() reads them without the lock.
std::atomic<uint64_t> g_allocations{0}, g_bad_frees{0}, g_wrong_tags{0};

void NoteFreeIssue(const PoolFreeIssue &issue) {  // with the lock held
    uint64_t &n = issue.wrong_tag ? S().wrong_tags : S().bad_frees;
    S().issues.push_back(FreeIssueRecord{n, issue});
    if (S().issues.size() > kKeptFreeIssues) S().issues.pop_front();
    ++n;
    (issue.wrong_tag ? g_wrong_tags : g_bad_frees).store(n, std::memory_order_relaxed);
}
}  // namespace

PoolMark CurrentPoolMark() {
    return PoolMark{g_allocations.load(std::memory_order_relaxed), g_bad_frees.load(std::memory_order_relaxed),
                    g_wrong_tags.load(std::memory_order_relaxed)};
}

bool PoolUsed() { return g_allocations.load(std::memory_order_relaxed) != 0; }

PoolUse PoolUseBetween(const PoolMark &from, const PoolMark &to) {
    PoolUse use;
    if (from == to) return use;
    std::lock_guard lock(S().mutex);
    for (auto it = S().live_by_seq.lower_bound(from.allocations);
         it != S().live_by_seq.end() && it->first < to.allocations; ++it) {
        const Block &b = S().blocks.at(it->second);
        if (use.live_blocks++ == 0) {
            use.live_tag = b.tag;
            use.live_size = b.size;
            use.live_pc = b.pc;
        }
        use.live_bytes += b.size;
    }
    use.bad_frees = to.bad_frees - from.bad_frees;
    use.wrong_tags = to.wrong_tags - from.wrong_tags;
    for (const FreeIssueRecord &r : S().issues) {
        auto &first = r.issue.wrong_tag ? use.first_wrong_tag : use.first_bad_free;
        uint64_t lo = r.issue.wrong_tag ? from.wrong_tags : from.bad_frees;
        uint64_t hi = r.issue.wrong_tag ? to.wrong_tags : to.bad_frees;
        if (!first && r.seq >= lo && r.seq < hi) first = r.issue;
    }
    return use;
}

uint64_t FailedAssertionCount() { return g_assertions.load(std::memory_order_relaxed); }

std::optional<FailedAssertion> FirstFailedAssertion() {
    std::lock_guard lock(S().mutex);
    return S().first_assertion;
}

void ResetFailedAssertions() {
    std::lock_guard lock(S().mutex);
    S().assertions = 0;
    g_assertions.store(0, std::memory_order_relaxed);
    S().first_assertion.reset();
}

std::vector<PoolTagUsage> OutstandingPoolAllocations() {
    std::lock_guard lock(S().mutex);
    std::vector<PoolTagUsage> out;
    for (const auto &[tag, c] : S().outstanding)
        if (c.count) out.push_back(PoolTagUsage{tag, c.count, c.bytes});
    return out;
}

uint64_t OutstandingPoolBlockCount() {
    std::lock_guard lock(S().mutex);
    uint64_t n = 0;
    for (const auto &[tag, c] : S().outstanding) n += c.count;
    return n;
}

PoolMisuse PoolMisuseCounts() {
    std::lock_guard lock(S().mutex);
    return S().misuse;
}

void ResetPoolAccounting() {
    std::lock_guard lock(S().mutex);
    ++S().generation;
    S().outstanding.clear();
    S().misuse = PoolMisuse{};
}

void ResetWdkRecords() {
    ResetFailedAssertions();
    ResetPoolAccounting();
}

std::string PoolTagName(uint32_t tag) {
    std::string out;
    for (int i = 0; i < 4; ++i) {
        auto c = static_cast<unsigned char>(tag >> (8 * i));
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", c);
            out += hex;
        }
    }
    return out;
}

}  // namespace vspc

using vspc::S;

extern "C" {

PVOID VspConformancePoolAllocate(ULONG64 Flags, SIZE_T NumberOfBytes, ULONG Tag, BOOLEAN Zero) {
    const auto pc = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
    if (NumberOfBytes > vspc::kMaxPoolBlock) return nullptr;
    // The kernel's alignments: a page for a page or more, a cache line when asked, else 16 bytes.
    size_t alignment = NumberOfBytes >= PAGE_SIZE ? PAGE_SIZE : (Flags & POOL_FLAG_CACHE_ALIGNED) ? 64 : 16;
    void *p = nullptr;
    if (posix_memalign(&p, alignment, NumberOfBytes ? NumberOfBytes : 1) != 0) return nullptr;
    std::lock_guard lock(S().mutex);
    std::memset(p, Zero ? 0 : vspc::FillByte(S().allocations), NumberOfBytes);
    const uint64_t seq = S().allocations++;
    vspc::g_allocations.store(S().allocations, std::memory_order_relaxed);
    S().blocks[p] = vspc::Block{Tag, NumberOfBytes, S().generation, seq, pc};
    S().live_by_seq[seq] = p;
    auto &c = S().outstanding[Tag];
    ++c.count;
    c.bytes += NumberOfBytes;
    return p;
}

VOID VspConformancePoolFree(PVOID P, ULONG Tag) {
    const auto pc = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
    {
        std::lock_guard lock(S().mutex);
        auto it = P ? S().blocks.find(P) : S().blocks.end();
        if (it == S().blocks.end()) {
            ++S().misuse.bad_frees;
            vspc::NoteFreeIssue(vspc::PoolFreeIssue{false, Tag, 0, 0, pc});
            return;  // not ours, or freed already: freeing it would corrupt the tester's heap
        }
        const vspc::Block b = it->second;
        if (Tag != 0 && Tag != b.tag) {
            ++S().misuse.tag_mismatches;
            vspc::NoteFreeIssue(vspc::PoolFreeIssue{true, Tag, b.tag, b.size, pc});
        }
        if (b.generation == S().generation) {
            auto &c = S().outstanding[b.tag];
            --c.count;
            c.bytes -= b.size;
        }
        S().live_by_seq.erase(b.seq);
        S().blocks.erase(it);
    }
    std::free(P);
}

VOID VspConformanceAssertionFailed(const char *Expression, const char *File, ULONG Line) {
    const char *expression = Expression ? Expression : "(null)";
    const char *file = File ? File : "(unknown file)";
    std::lock_guard lock(S().mutex);
    ++S().assertions;
    vspc::g_assertions.store(S().assertions, std::memory_order_relaxed);
    if (!S().first_assertion) S().first_assertion = vspc::FailedAssertion{expression, file, Line};
    if (S().printed < vspc::kPrintedAssertions) {
        ++S().printed;
        std::fprintf(stderr, "%s:%u: assertion failed in the module: %s%s\n", file, Line, expression,
                     S().printed == vspc::kPrintedAssertions ? " (further failed assertions are not printed)" : "");
    }
}

}  // extern "C"
