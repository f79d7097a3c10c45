// Structure-aware mutation for the coverage-guided stage. libFuzzer's byte
// mutators applied to a whole encoded case spend most of their energy on op
// encodings; this mutator decodes the case, mutates one part of it (a packet's
// seed, an op, the op list) with libFuzzer's own mutators where bytes are
// involved (so comparison-guided replacements work inside a seed), and
// re-encodes. Rare packet states behind magic values are reached this way.
#include <algorithm>
#include <cstring>
#include <random>

#include "Case.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

namespace vspc {
namespace {

void MutateBytes(std::vector<uint8_t> &bytes, size_t max_size) {
    size_t size = bytes.size();
    bytes.resize(std::max(max_size, size));
    bytes.resize(LLVMFuzzerMutate(bytes.data(), size, bytes.size()));
}

void MutateOp(Op &op, std::minstd_rand &rng, size_t packets) {
    switch (rng() % 6) {
    case 0: op.packet = static_cast<uint8_t>(rng() % packets); break;
    case 1: op.placement = op.placement == Placement::Right ? Placement::Left : Placement::Right; break;
    case 2: op.fill = static_cast<uint8_t>(rng()); break;
    case 3:
        op.size_kind = static_cast<SizeKind>(rng() % 4);
        op.size_value = static_cast<uint32_t>(rng() % 3 == 0 ? rng() % 70000 : rng() % 16);
        break;
    case 4: op.mutation = static_cast<Mutation>(rng() % 5); break;
    default: op.param = static_cast<uint32_t>(rng() % 4096); break;
    }
}

}  // namespace

size_t MutateCase(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
    std::minstd_rand rng(seed);
    thread_local Case c;
    DecodeCase(data, size, c);
    switch (rng() % 8) {
    case 0:
    case 1:
    case 2: {  // a packet's state
        auto &s = c.seeds[rng() % c.seeds.size()];
        MutateBytes(s, std::min<size_t>(kMaxSeedSize, s.size() * 2 + 32));
        break;
    }
    case 3:  // one op's fields
        if (!c.ops.empty()) MutateOp(c.ops[rng() % c.ops.size()], rng, c.seeds.size());
        break;
    case 4: {  // the op list: duplicate, drop or move an op
        if (c.ops.empty()) break;
        size_t i = rng() % c.ops.size(), j = rng() % c.ops.size();
        switch (rng() % 3) {
        case 0: c.ops.insert(c.ops.begin() + static_cast<std::ptrdiff_t>(j), c.ops[i]); break;
        case 1: c.ops.erase(c.ops.begin() + static_cast<std::ptrdiff_t>(i)); break;
        default: std::swap(c.ops[i], c.ops[j]); break;
        }
        break;
    }
    case 5: {  // add or drop a packet in flight
        if (c.seeds.size() < kMaxPackets && rng() % 2)
            c.seeds.push_back(c.seeds[rng() % c.seeds.size()]);
        else if (c.seeds.size() > 1)
            c.seeds.pop_back();
        for (Op &op : c.ops) op.packet = static_cast<uint8_t>(op.packet % c.seeds.size());
        break;
    }
    default:  // plain bytes
        return LLVMFuzzerMutate(data, size, max_size);
    }
    std::vector<uint8_t> out = EncodeCase(c);
    if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
    std::memcpy(data, out.data(), out.size());
    return out.size();
}

}  // namespace vspc

// libFuzzer finds this in the host binary and uses it for every mutation.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
    return vspc::MutateCase(data, size, max_size, seed);
}
