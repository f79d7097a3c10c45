#include "Mutate.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "Case.h"
#include "Compares.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

namespace vspc {
namespace {

MutationMode g_mode = MutationMode::Cases;

// libFuzzer's byte mutators (its CMP mutator replaces the 4- and 8-byte comparisons' operands);
// one time in eight, when an instrumented module made 1- or 2-byte comparisons, the host's
// input-to-state replacement of those (Compares.h) instead.
void MutateBytes(std::vector<uint8_t> &bytes, size_t max_size, ByteMutator mutate, std::minstd_rand &rng) {
    if (AnyNarrowCompare() && !bytes.empty() && rng() % 8 == 0) {
        const uint64_t random = static_cast<uint64_t>(rng()) << 31 ^ rng();
        if (ReplaceNarrowCompareOperand(bytes.data(), bytes.size(), random)) return;
    }
    size_t size = bytes.size();
    if (std::max(max_size, size) == 0) return;  // nothing to change, no room to grow
    bytes.resize(std::max(max_size, size));
    bytes.resize(mutate(bytes.data(), size, bytes.size()));
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

void MutateCases(Case &c, std::minstd_rand &rng, ByteMutator mutate, bool &plain) {
    switch (rng() % 8) {
    case 0:
    case 1:
    case 2: {  // a packet's state
        auto &s = c.seeds[rng() % c.seeds.size()];
        MutateBytes(s, std::min<size_t>(kMaxSeedSize, s.size() * 2 + 32), mutate, rng);
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
    default: plain = true; break;
    }
}

// The packets in flight: another count, 1..kMaxPackets (back to one half the time), the new
// packets copies of those in flight (a state that opened a gate, now several times at once).
void MutatePackets(Case &c, std::minstd_rand &rng) {
    size_t now = c.seeds.size(), want = now;
    if (now > 1 && rng() % 2) want = 1;
    while (want == now) want = 1 + rng() % kMaxPackets;
    if (want < now) {
        c.seeds.resize(want);
        for (Op &op : c.ops) {
            op.packet = static_cast<uint8_t>(op.packet % want);
            op.other = static_cast<uint8_t>(op.other % want);
        }
        return;
    }
    while (c.seeds.size() < want) c.seeds.push_back(c.seeds[rng() % now]);
}

// The exploration tier: mostly a packet's state (the saved one's, when there are several);
// sometimes a record given to restore; rarely the shape (a round trip on or off, other
// packets in flight, which packet an op is for).
void MutateExplore(Case &c, std::minstd_rand &rng, ByteMutator mutate, size_t room) {
    ShapeForExploration(c);
    // An input with several packets is mostly explored further with one: the packet its first op
    // is for. (With an instrumented module, every extra packet multiplies the hit counts of the
    // prepare and save paths, new coverage to libFuzzer: such inputs gather in the corpus, and
    // their executions cost several times a single packet's.)
    if (c.seeds.size() > 1 && rng() % 4 != 0) {
        size_t keep = c.ops.empty() ? 0 : c.ops[0].packet % c.seeds.size();
        std::vector<uint8_t> state = std::move(c.seeds[keep]);
        c.seeds.assign(1, std::move(state));
        for (Op &op : c.ops) op.packet = op.other = 0;
    }
    std::vector<size_t> records;
    for (size_t i = 0; i < c.ops.size(); ++i)
        if (c.ops[i].kind == OpKind::RestoreBytes) records.push_back(i);
    // An input that restores a record explores that record's parser: mostly
    // its bytes; one that saves a state explores the state.
    unsigned pick = rng() % 100;
    bool record = !records.empty() && pick < 75;
    bool shape = records.empty() ? pick < 3 : pick >= 95;
    // Other packets in flight cost several calls each (prepared, released, saved alone for SP13's
    // reference): one mutation in a hundred.
    bool packets = records.empty() && pick == 3;
    bool retarget = records.empty() && c.seeds.size() > 1 && pick == 4 && !c.ops.empty();
    if (record) {
        auto &bytes = c.ops[records[rng() % records.size()]].bytes;
        MutateBytes(bytes, std::min<size_t>(kMaxRestoreBytes, bytes.size() + room), mutate, rng);
    } else if (shape) {  // a round trip on or off
        auto restore =
            std::find_if(c.ops.begin(), c.ops.end(), [](const Op &op) { return op.kind == OpKind::Restore; });
        if (restore != c.ops.end()) {
            c.ops.erase(restore);
        } else if (c.ops.size() < kMaxExploreOps) {
            Op op;
            op.kind = OpKind::Restore;
            op.packet = c.ops.empty() ? 0 : c.ops[0].packet;
            c.ops.push_back(op);
        }
    } else if (packets) {
        MutatePackets(c, rng);
    } else if (retarget) {  // an op for another packet in flight
        Op &op = c.ops[rng() % c.ops.size()];
        op.packet = static_cast<uint8_t>(rng() % c.seeds.size());
    } else {
        // The state may grow into the room libFuzzer's length control allows the whole input.
        // With several packets in flight: mostly the state of the packet the first op is for.
        size_t which = 0;
        if (c.seeds.size() > 1)
            which = !c.ops.empty() && rng() % 4 != 0 ? c.ops[0].packet % c.seeds.size() : rng() % c.seeds.size();
        auto &s = c.seeds[which];
        MutateBytes(s, std::min<size_t>(kMaxSeedSize, s.size() + room), mutate, rng);
    }
}

}  // namespace

bool InExploreShape(const Case &c) {
    if (c.seeds.empty() || c.seeds.size() > kMaxPackets || c.ops.size() > kMaxExploreOps) return false;
    for (const Op &op : c.ops)
        if (op.packet >= c.seeds.size() || op.other >= c.seeds.size()) return false;
    return true;
}

void ShapeForExploration(Case &c) {
    if (InExploreShape(c)) return;
    if (c.seeds.empty()) c.seeds.emplace_back();
    if (c.seeds.size() > kMaxPackets) c.seeds.resize(kMaxPackets);
    if (c.ops.size() > kMaxExploreOps) c.ops.resize(kMaxExploreOps);
    for (Op &op : c.ops) {
        op.packet = static_cast<uint8_t>(op.packet % c.seeds.size());
        op.other = static_cast<uint8_t>(op.other % c.seeds.size());
    }
}

void SetMutationMode(MutationMode mode) { g_mode = mode; }

size_t MutateCase(uint8_t *data, size_t size, size_t max_size, unsigned int seed, MutationMode mode,
                  ByteMutator byte_mutate) {
    std::minstd_rand rng(seed);
    thread_local Case c;
    DecodeCase(data, size, c);
    bool plain = false;
    if (mode == MutationMode::Explore)
        MutateExplore(c, rng, byte_mutate, max_size > size ? max_size - size : 0);
    else
        MutateCases(c, rng, byte_mutate, plain);
    if (plain) return byte_mutate(data, size, max_size);
    thread_local std::vector<uint8_t> out;
    EncodeCase(c, out);
    if (out.size() > max_size) return byte_mutate(data, size, max_size);
    std::memcpy(data, out.data(), out.size());
    return out.size();
}

size_t CrossOverCases(const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2, uint8_t *out,
                      size_t max_out, unsigned int seed, MutationMode mode, ByteMutator byte_mutate) {
    std::minstd_rand rng(seed);
    if (size1 > max_out) return 0;
    std::memcpy(out, data1, size1);
    // libFuzzer offers a cross-over as often as a mutation: most of the time, mutate.
    if (rng() % 6 != 0) return MutateCase(out, size1, max_out, static_cast<unsigned>(rng()), mode, byte_mutate);
    thread_local Case a, b;
    DecodeCase(data1, size1, a);
    DecodeCase(data2, size2, b);
    // The first packet's state: a head of one and a tail of the other.
    const auto &x = a.seeds[0], &y = b.seeds[0];
    size_t cut_x = x.empty() ? 0 : rng() % (x.size() + 1), cut_y = y.empty() ? 0 : rng() % (y.size() + 1);
    std::vector<uint8_t> s(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(cut_x));
    s.insert(s.end(), y.begin() + static_cast<std::ptrdiff_t>(cut_y), y.end());
    if (s.size() > kMaxSeedSize) s.resize(kMaxSeedSize);
    a.seeds[0] = std::move(s);
    thread_local std::vector<uint8_t> encoded;
    EncodeCase(a, encoded);
    if (encoded.size() > max_out) return 0;
    std::memcpy(out, encoded.data(), encoded.size());
    return encoded.size();
}

}  // namespace vspc

// libFuzzer finds these in the host binary and uses them for every mutation.
extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2,
                                            uint8_t *out, size_t max_out, unsigned int seed) {
    return vspc::CrossOverCases(data1, size1, data2, size2, out, max_out, seed, vspc::g_mode, LLVMFuzzerMutate);
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
    return vspc::MutateCase(data, size, max_size, seed, vspc::g_mode, LLVMFuzzerMutate);
}
