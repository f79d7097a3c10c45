// Lowercase hex of bytes, and back (strict: an odd length or another character fails):
// the codecs' (Finding, Protocol) and the record archive's one spelling of bytes in JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vspc {

inline std::string HexOf(const std::vector<uint8_t> &bytes) {
    static const char *digits = "0123456789abcdef";
    std::string s;
    s.reserve(bytes.size() * 2);
    for (uint8_t b : bytes) {
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

inline bool FromHex(const std::string &hex, std::vector<uint8_t> &out) {
    if (hex.size() % 2) return false;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    out.clear();
    out.reserve(hex.size() / 2);
    for (size_t i = 0; i < hex.size(); i += 2) {
        int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out.push_back(static_cast<uint8_t>(hi << 4 | lo));
    }
    return true;
}

}  // namespace vspc
