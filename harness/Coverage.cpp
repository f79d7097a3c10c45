#include "Coverage.h"

#include <dlfcn.h>
#include <link.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "Elf.h"

namespace vspc {
namespace {

// libFuzzer's bucketing of a hit count (FuzzerTracePC.h, CounterToFeature).
inline uint8_t Bucket(uint8_t c) {
    if (c >= 128) return 7;
    if (c >= 32) return 6;
    if (c >= 16) return 5;
    if (c >= 8) return 4;
    if (c >= 4) return 3;
    if (c >= 3) return 2;
    if (c >= 2) return 1;
    return 0;
}

}  // namespace

bool ModuleCoverage::Attach(const Module &module) {
    if (!module.handle) return false;
    link_map *lm = nullptr;
    if (dlinfo(module.handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm) return false;
    std::ifstream in(module.path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ElfImage elf;
    if (!elf.Parse(bytes).empty()) return false;
    auto sec = elf.Section("__sancov_cntrs");
    if (!sec || sec->size == 0) return false;
    counters_ = reinterpret_cast<uint8_t *>(lm->l_addr + sec->addr);
    size_ = sec->size;
    base_ = lm->l_addr;
    if (auto pcs = elf.Section("__sancov_pcs"); pcs && pcs->size == size_ * 2 * sizeof(uintptr_t)) {
        pcs_ = reinterpret_cast<const uintptr_t *>(lm->l_addr + pcs->addr);
        pcs_size_ = size_;
    }
    return true;
}

std::vector<uint64_t> ModuleCoverage::Pcs(std::vector<uint8_t> *entry) const {
    std::vector<uint64_t> out;
    if (entry) entry->clear();
    for (size_t i = 0; i < pcs_size_; ++i) {
        out.push_back(pcs_[2 * i] - base_);
        if (entry) entry->push_back(pcs_[2 * i + 1] & 1);  // PCFlags: 1 = function entry
    }
    return out;
}

void ModuleCoverage::Clear() {
    if (counters_) std::memset(counters_, 0, size_);
}

void ModuleCoverage::CollectInto(std::vector<uint8_t> &hit) {
    if (hit.size() != size_) hit.assign(size_, 0);
    for (size_t i = 0; i < size_; ++i) hit[i] |= counters_[i] != 0;
    Clear();
}

bool ModuleCoverage::Observe() { return seen_.Observe(counters_, size_); }

void ModuleCoverage::ObservedInto(std::vector<uint8_t> &hit) const {
    if (hit.size() != size_) hit.assign(size_, 0);
    seen_.ReachedInto(hit);
}

void BucketSet::ReachedInto(std::vector<uint8_t> &hit) const {
    for (size_t i = 0; i < hit.size() && i < seen_.size(); ++i) hit[i] |= seen_[i] != 0;
}

bool BucketSet::Observe(const uint8_t *counters, size_t size) {
    if (seen_.size() < size) seen_.resize(size, 0);
    bool fresh = false;
    for (size_t i = 0; i < size;) {
        // Skip zero words fast: most counters are zero in one execution.
        if (i + 8 <= size) {
            uint64_t w;
            std::memcpy(&w, counters + i, 8);
            if (w == 0) {
                i += 8;
                continue;
            }
        }
        uint8_t c = counters[i];
        if (c) {
            uint8_t bit = static_cast<uint8_t>(1u << Bucket(c));
            if (!(seen_[i] & bit)) {
                if (!seen_[i]) ++reached_;
                seen_[i] |= bit;
                fresh = true;
            }
        }
        ++i;
    }
    return fresh;
}

}  // namespace vspc
