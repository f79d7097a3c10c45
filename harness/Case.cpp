#include "Case.h"

#include <algorithm>

#include <fmt/format.h>

namespace vspc {
namespace {

class Reader {
public:
    Reader(const uint8_t *d, size_t n) : d_(d), n_(n) {}
    bool Empty() const { return pos_ >= n_; }
    size_t Remaining() const { return n_ - pos_; }
    uint8_t Byte() { return pos_ < n_ ? d_[pos_++] : 0; }
    uint32_t Varint() {
        uint32_t v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            uint8_t b = Byte();
            v |= static_cast<uint32_t>(b & 0x7F) << shift;
            if (!(b & 0x80)) break;
        }
        return v;
    }
    void Bytes(size_t count, std::vector<uint8_t> &out) {
        count = std::min(count, Remaining());
        out.assign(d_ + pos_, d_ + pos_ + count);
        pos_ += count;
    }

private:
    const uint8_t *d_;
    size_t n_;
    size_t pos_ = 0;
};

void PutVarint(std::vector<uint8_t> &out, uint32_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<uint8_t>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<uint8_t>(v));
}

}  // namespace

void DecodeCase(const uint8_t *data, size_t size, Case &out) {
    Reader r(data, size);
    size_t packets = 1 + r.Byte() % kMaxPackets;
    out.seeds.resize(packets);
    for (auto &seed : out.seeds) r.Bytes(std::min<size_t>(r.Varint(), kMaxSeedSize), seed);
    out.ops.clear();
    while (!r.Empty() && out.ops.size() < kMaxOps) {
        Op op;
        op.kind = static_cast<OpKind>(r.Byte() % 3);
        switch (op.kind) {
        case OpKind::Save: {
            op.packet = static_cast<uint8_t>(r.Byte() % packets);
            uint8_t flags = r.Byte();
            op.size_kind = static_cast<SizeKind>(flags & 3);
            op.null_buffer = flags & 4;
            op.placement = (flags & 8) ? Placement::Left : Placement::Right;
            op.size_value = std::min(r.Varint(), op.size_kind == SizeKind::NScaled ? kMaxScale : kMaxSizeValue);
            op.fill = r.Byte();
            break;
        }
        case OpKind::Restore: {
            op.packet = static_cast<uint8_t>(r.Byte() % packets);
            uint8_t flags = r.Byte();
            op.mutation = static_cast<Mutation>((flags & 7) % 5);
            op.placement = (flags & 8) ? Placement::Left : Placement::Right;
            op.param = r.Varint();
            op.other = static_cast<uint8_t>(r.Byte() % packets);
            break;
        }
        case OpKind::RestoreBytes: {
            uint8_t flags = r.Byte();
            op.placement = (flags & 8) ? Placement::Left : Placement::Right;
            r.Bytes(std::min<size_t>(r.Varint(), kMaxRestoreBytes), op.bytes);
            break;
        }
        }
        out.ops.push_back(std::move(op));
    }
}

Case DecodeCase(const std::vector<uint8_t> &bytes) {
    Case c;
    DecodeCase(bytes.data(), bytes.size(), c);
    return c;
}

std::vector<uint8_t> EncodeCase(const Case &c) {
    std::vector<uint8_t> out;
    EncodeCase(c, out);
    return out;
}

void EncodeCase(const Case &c, std::vector<uint8_t> &out) {
    size_t packets = std::clamp<size_t>(c.seeds.size(), 1, kMaxPackets);
    size_t ops = std::min(c.ops.size(), kMaxOps);
    // At most one allocation (none when out already has the room): at most 5 bytes a varint, 9 an
    // op besides a restore's bytes. (Grown byte by byte, the vector reallocated some log2(size)
    // times per case, and the custom mutator encodes every mutated case: under ASan each
    // allocation is costly.)
    size_t bound = 1 + 5 * packets;
    for (size_t i = 0; i < packets && i < c.seeds.size(); ++i) bound += std::min(c.seeds[i].size(), kMaxSeedSize);
    for (size_t i = 0; i < ops; ++i) bound += 9 + std::min(c.ops[i].bytes.size(), kMaxRestoreBytes);
    out.clear();
    out.reserve(bound);
    out.push_back(static_cast<uint8_t>(packets - 1));
    for (size_t i = 0; i < packets; ++i) {
        const std::vector<uint8_t> empty;
        const auto &seed = i < c.seeds.size() ? c.seeds[i] : empty;
        size_t n = std::min(seed.size(), kMaxSeedSize);
        PutVarint(out, static_cast<uint32_t>(n));
        out.insert(out.end(), seed.begin(), seed.begin() + static_cast<std::ptrdiff_t>(n));
    }
    for (size_t i = 0; i < ops; ++i) {
        const Op &op = c.ops[i];
        out.push_back(static_cast<uint8_t>(op.kind));
        uint8_t placement = op.placement == Placement::Left ? 8 : 0;
        switch (op.kind) {
        case OpKind::Save:
            out.push_back(static_cast<uint8_t>(op.packet % packets));
            out.push_back(
                static_cast<uint8_t>(static_cast<uint8_t>(op.size_kind) | (op.null_buffer ? 4 : 0) | placement));
            PutVarint(out, std::min(op.size_value, op.size_kind == SizeKind::NScaled ? kMaxScale : kMaxSizeValue));
            out.push_back(op.fill);
            break;
        case OpKind::Restore:
            out.push_back(static_cast<uint8_t>(op.packet % packets));
            out.push_back(static_cast<uint8_t>(static_cast<uint8_t>(op.mutation) | placement));
            PutVarint(out, op.param);
            out.push_back(static_cast<uint8_t>(op.other % packets));
            break;
        case OpKind::RestoreBytes: {
            out.push_back(placement);
            size_t n = std::min(op.bytes.size(), kMaxRestoreBytes);
            PutVarint(out, static_cast<uint32_t>(n));
            out.insert(out.end(), op.bytes.begin(), op.bytes.begin() + static_cast<std::ptrdiff_t>(n));
            break;
        }
        }
    }
}

uint32_t ResolveSize(SizeKind kind, uint32_t value, uint32_t n) {
    uint64_t size = 0;
    switch (kind) {
    case SizeKind::Absolute: size = value; break;
    case SizeKind::NPlus: size = uint64_t{n} + value; break;
    case SizeKind::NMinus: size = value >= n ? 0 : n - value; break;
    case SizeKind::NScaled: size = uint64_t{n} * value / 256; break;
    }
    return static_cast<uint32_t>(std::min<uint64_t>(size, kMaxSaveBufSize));
}

std::string DescribeSize(SizeKind kind, uint32_t value) {
    switch (kind) {
    case SizeKind::Absolute: return fmt::format("{}", value);
    case SizeKind::NPlus: return value ? fmt::format("N+{}", value) : "N";
    case SizeKind::NMinus: return fmt::format("N-{}", value);
    case SizeKind::NScaled: return fmt::format("N*{}/256", value);
    }
    return "?";
}

std::vector<uint8_t> ReproducerFor(const Case &c, uint32_t op_index) {
    Case cut = c;
    if (op_index + 1 < cut.ops.size()) cut.ops.resize(op_index + 1);
    return EncodeCase(cut);
}

}  // namespace vspc
