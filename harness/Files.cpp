#include "Files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace vspc {

Expected<std::vector<uint8_t>> ReadFileCapped(const std::string &path, uint64_t max_bytes) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return Unexpected("cannot read '{}': {}", path, std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return Unexpected("'{}' is not a regular file", path);
    }
    if (static_cast<uint64_t>(st.st_size) > max_bytes) {
        close(fd);
        return Unexpected("'{}' is {} bytes, more than the {} bytes such a file may have", path,
                          static_cast<uint64_t>(st.st_size), max_bytes);
    }
    std::vector<uint8_t> out(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < out.size()) {
        ssize_t n = read(fd, out.data() + got, out.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<size_t>(n);
    }
    close(fd);
    if (got != out.size()) return Unexpected("cannot read '{}': it changed while it was read", path);
    return out;
}

std::vector<uint8_t> ReadFileBytes(const std::string &path, uint64_t max_bytes) {
    auto bytes = ReadFileCapped(path, max_bytes);
    return bytes ? std::move(*bytes) : std::vector<uint8_t>{};
}

bool WriteAll(int fd, const void *data, size_t size) {
    const auto *p = static_cast<const char *>(data);
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, p + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

Expected<void> WriteFileAtomically(const std::string &path, std::string_view bytes) {
    std::string tmp = path + ".tmp" + std::to_string(getpid());
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Unexpected("cannot write '{}': {}", path, std::strerror(errno));
    int err = WriteAll(fd, bytes.data(), bytes.size()) ? 0 : errno ? errno : EIO;
    if (close(fd) != 0 && !err) err = errno;
    std::error_code ec;
    if (!err) std::filesystem::rename(tmp, path, ec);
    if (err || ec) {
        std::filesystem::remove(tmp, ec);
        return Unexpected("cannot write '{}': {}", path, std::strerror(err ? err : ec.value()));
    }
    return {};
}

}  // namespace vspc
