#include "Dump.h"

#include <fmt/format.h>

#include "Finding.h"

namespace vspc {

std::string HexDump(std::span<const uint8_t> bytes, std::string_view indent) {
    if (bytes.empty()) return fmt::format("{}(no bytes)\n", indent);
    std::string out;
    out.reserve(bytes.size() / 16 * (indent.size() + 80) + 80);
    for (size_t line = 0; line < bytes.size(); line += 16) {
        out += fmt::format("{}{:06x}  ", indent, line);
        for (size_t i = line; i < line + 16; ++i) {
            if (i < bytes.size())
                out += fmt::format("{:02x} ", bytes[i]);
            else
                out += "   ";
            if (i == line + 7) out += ' ';
        }
        out += " |";
        for (size_t i = line; i < line + 16 && i < bytes.size(); ++i)
            out += bytes[i] >= 0x20 && bytes[i] < 0x7f ? static_cast<char>(bytes[i]) : '.';
        out += "|\n";
    }
    return out;
}

namespace {

const char *PlacementName(Placement p) { return p == Placement::Right ? "right-aligned" : "left-aligned"; }

// What a Restore op does to the record, as Runner::RestoreOp applies it.
std::string DescribeMutation(const Op &op) {
    switch (op.mutation) {
    case Mutation::None: return "as saved";
    case Mutation::Truncate:
        return fmt::format("truncated to {} bytes (skipped unless shorter than the record)", op.param);
    case Mutation::FlipBit:
        return fmt::format("bit {} of byte {} flipped (byte ^= {:#04x})", op.param % 8, op.param / 8,
                           1u << (op.param % 8));
    case Mutation::Extend:
        return fmt::format("extended by {} bytes of fill pattern {:#04x}", 1 + op.param % 64, op.param & 0xFF);
    case Mutation::Splice:
        return fmt::format("its first (param {} mod (length + 1)) bytes, then packet {}'s record from that offset",
                           op.param, op.other);
    }
    return "?";
}

}  // namespace

std::string DescribeOp(const Op &op, size_t packets) {
    const char *place = PlacementName(op.placement);
    switch (op.kind) {
    case OpKind::Save:
        return fmt::format("save packet {}: SaveBufSize {}{}, {} SaveBuf, fill {:#04x}", op.packet % packets,
                           DescribeSize(op.size_kind, op.size_value), op.null_buffer ? " (NULL SaveBuf if 0)" : "",
                           place, op.fill);
    case OpKind::Restore:
        return fmt::format("restore packet {}'s last saved record, {}; {} SaveBuf", op.packet % packets,
                           DescribeMutation(op), place);
    case OpKind::RestoreBytes:
        return fmt::format("restore from the case's own {} bytes (below); {} SaveBuf", op.bytes.size(), place);
    }
    return "?";
}

std::string DumpCase(const Case &c) {
    std::string out = fmt::format("decoded: {} packet(s), {} op(s)\n", c.seeds.size(), c.ops.size());
    for (size_t i = 0; i < c.seeds.size(); ++i) {
        out += fmt::format("seed of packet {} (VspConformancePreparePacket's Seed, {} bytes):\n", i, c.seeds[i].size());
        out += HexDump(c.seeds[i], "    ");
    }
    for (size_t i = 0; i < c.ops.size(); ++i) {
        out += fmt::format("op {}: {}\n", i, DescribeOp(c.ops[i], c.seeds.size()));
        if (c.ops[i].kind == OpKind::RestoreBytes) out += HexDump(c.ops[i].bytes, "    ");
    }
    return out;
}

std::string DumpCallInput(const Case &c, const CallRecord &rec, int index, std::span<const uint8_t> input,
                          std::span<const uint8_t> lib) {
    std::string out;
    if (rec.callback == Callback::Prepare) {
        out = fmt::format("#{} prepare packet {} is given Seed ({} bytes):\n", index, rec.packet, input.size());
        out += HexDump(input, "    ");
    } else if (rec.callback == Callback::Restore) {
        std::string from;
        if (rec.arbitrary) {
            from = fmt::format("op {}'s own bytes", rec.op_index);
        } else {
            const Op *op = rec.op_index < c.ops.size() ? &c.ops[rec.op_index] : nullptr;
            from = fmt::format("packet {}'s record from save call #{}, {}", rec.packet, rec.record_call,
                               op && op->kind == OpKind::Restore ? DescribeMutation(*op) : "as saved");
        }
        out = fmt::format("#{} restore (op {}) is given SaveBuf ({} bytes, {}; {}):\n", index, rec.op_index,
                          input.size(), PlacementName(rec.placement), from);
        out += HexDump(input, "    ");
        out += fmt::format("#{} restore (op {}) is given LibBuf ({} bytes, the tester's):\n", index, rec.op_index,
                           lib.size());
        out += HexDump(lib, "    ");
    }
    return out;
}

std::string DumpSavedRecord(const CaseLog &log, const CallRecord &rec, int index) {
    if (rec.callback != Callback::Save || rec.data_size == 0) return {};
    std::string out = fmt::format("#{} save packet {} wrote a record ({} bytes):\n", index, rec.packet, rec.data_size);
    out += HexDump(log.Bytes(rec.data_offset, rec.data_size), "    ");
    return out;
}

std::string DescribeUnfinishedCall(const CallRecord &rec, int index) {
    if (index < 0) return fmt::format("release packet {} -> did not return", rec.packet);
    switch (rec.callback) {
    case Callback::Prepare:
        return fmt::format("#{:<3} prepare packet {} from a {}-byte seed -> did not return", index, rec.packet,
                           rec.size);
    case Callback::Save:
        return fmt::format("#{:<3} save   packet {}: SaveBuf {}, SaveBufSize {} -> did not return", index, rec.packet,
                           rec.null_buffer ? "NULL" : PlacementName(rec.placement), rec.size);
    case Callback::Restore:
        return fmt::format("#{:<3} restore from {}: SaveBuf {} ({} bytes), LibBufSize {} -> did not return", index,
                           rec.arbitrary ? "the case's bytes" : fmt::format("packet {}'s record", rec.packet),
                           PlacementName(rec.placement), rec.input_size, rec.lib_buf_size);
    case Callback::Release: return fmt::format("#{:<3} release packet {} -> did not return", index, rec.packet);
    default: return fmt::format("#{:<3} {} -> did not return", index, CallbackName(rec.callback));
    }
}

}  // namespace vspc
