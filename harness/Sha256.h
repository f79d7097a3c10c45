// SHA-256 (OpenSSL's libcrypto) as lowercase hex: module identity in reports,
// reproducer file names.
#pragma once

#include <cstddef>
#include <string>

namespace vspc {

std::string Sha256Hex(const void *data, size_t size);

}  // namespace vspc
