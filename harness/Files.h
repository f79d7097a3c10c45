// Whole files as bytes: read with a cap (the supervisor reads what a module or a user put there:
// a link to /dev/zero or a 3 GiB file must cost nothing), and written atomically (a temp file
// renamed over the target, so a reader never sees half a file and a death mid-write leaves the
// old one). Every file vspconform writes goes through WriteFileAtomically.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "Expected.h"

namespace vspc {

// The bytes of the regular file at `path`, if it is one of at most `max_bytes` bytes; otherwise
// a one-line reason ("'x' is not a regular file", "'x' is 3221225472 bytes; at most ...").
Expected<std::vector<uint8_t>> ReadFileCapped(const std::string &path, uint64_t max_bytes);
// The same, empty when it cannot be read (for the worker's own files, written by the supervisor).
std::vector<uint8_t> ReadFileBytes(const std::string &path, uint64_t max_bytes = uint64_t{64} << 20);

// Writes all of data[0, size) to `fd` (retrying short writes and EINTR); whether all of it went.
bool WriteAll(int fd, const void *data, size_t size);

Expected<void> WriteFileAtomically(const std::string &path, std::string_view bytes);
inline Expected<void> WriteFileAtomically(const std::string &path, const std::vector<uint8_t> &bytes) {
    return WriteFileAtomically(path, std::string_view(reinterpret_cast<const char *>(bytes.data()), bytes.size()));
}

}  // namespace vspc
