// Whole files as bytes: read, and written atomically (a temp file renamed over the
// target, so a reader never sees half a case and a death mid-write leaves the old one).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vspc {

std::vector<uint8_t> ReadFileBytes(const std::string &path);  // empty when it cannot be read
bool WriteFileAtomically(const std::string &path, const std::vector<uint8_t> &bytes);

}  // namespace vspc
