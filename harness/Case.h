// A case: packet seeds plus the calls to play against them. One binary encoding
// serves sweep cases, fuzz inputs, corpus files and reproducers.
//
// Decoding is total: every byte string is a valid case (fuzzers mutate freely),
// and Encode(Decode(x)) is canonical, so Decode(Encode(c)) == c.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vspc {

constexpr size_t kMaxPackets = 4;
constexpr size_t kMaxSeedSize = 4096;
constexpr size_t kMaxOps = 4096;
constexpr uint32_t kMaxSaveBufSize = 1u << 25;  // larger requests are clamped (states up to 32 MiB)
constexpr uint32_t kMaxSizeValue = 1u << 16;    // the value in a size: absolute, or N +/- it
constexpr uint32_t kMaxScale = 1024;            // NScaled: at most 4 N
constexpr size_t kMaxRestoreBytes = 1u << 16;

// How a SaveBufSize is derived. N is the size the packet's first probe reported.
enum class SizeKind : uint8_t { Absolute, NPlus, NMinus, NScaled /* N*value/256 */ };
// Where the buffer sits in its guarded arena: its end against the right guard page
// (catches overruns at the first byte) or its start against the left one (underruns).
enum class Placement : uint8_t { Right, Left };
// What a restore is fed: the packet's last saved record, changed as said.
enum class Mutation : uint8_t { None, Truncate, FlipBit, Extend, Splice };
enum class OpKind : uint8_t { Save, Restore, RestoreBytes };

struct Op {
    OpKind kind = OpKind::Save;
    uint8_t packet = 0;
    Placement placement = Placement::Right;
    // Save
    SizeKind size_kind = SizeKind::NPlus;
    uint32_t size_value = 0;
    bool null_buffer = false;  // SaveBuf = NULL (only when the size resolves to 0)
    uint8_t fill = 0;          // prior buffer contents, see FillByte()
    // Restore
    Mutation mutation = Mutation::None;
    uint32_t param = 0;
    uint8_t other = 0;  // Splice: the other packet
    // RestoreBytes
    std::vector<uint8_t> bytes;

    bool operator==(const Op &) const = default;
};

struct Case {
    std::vector<std::vector<uint8_t>> seeds;  // one per packet, 1..kMaxPackets
    std::vector<Op> ops;

    bool operator==(const Case &) const = default;
};

void DecodeCase(const uint8_t *data, size_t size, Case &out);
Case DecodeCase(const std::vector<uint8_t> &bytes);
std::vector<uint8_t> EncodeCase(const Case &c);
// The same into `out` (replaced, its capacity reused): the per-execution paths keep one buffer.
void EncodeCase(const Case &c, std::vector<uint8_t> &out);
// The reproducer for a finding: the case cut after the op that showed it, encoded.
std::vector<uint8_t> ReproducerFor(const Case &c, uint32_t op_index);

// The byte at offset i of a buffer prepared with fill pattern `fill`.
// 0 and 1 are constant 0x00 and 0xFF; others are position-dependent, so bytes a
// module leaves unwritten show up when the same save is made with two patterns.
inline uint8_t FillByte(uint8_t fill, size_t i) {
    if (fill == 0) return 0x00;
    if (fill == 1) return 0xFF;
    uint32_t x = static_cast<uint32_t>(i) * 0x9E3779B1u + fill * 0x85EBCA77u;
    x ^= x >> 15;
    return static_cast<uint8_t>(x ^ (x >> 8));
}

// Resolve a SaveBufSize against N (saturating, clamped to kMaxSaveBufSize).
uint32_t ResolveSize(SizeKind kind, uint32_t value, uint32_t n);

std::string DescribeSize(SizeKind kind, uint32_t value);

}  // namespace vspc
