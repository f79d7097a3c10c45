// worker.log: what the workers of one run wrote to stdout and stderr (the module's own logging,
// ASan's reports), bounded. Each worker's output is kept in memory as its first and last MiB
// (OutputCapture); the log then keeps at most `cap` bytes for the whole run, and a line that
// repeats (a driver that logs every rejected record) is written its first few times and then
// counted: Close() lists the repeated lines with their counts.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

namespace vspc {

// A worker's stdout and stderr as the supervisor keeps them: the first and the last MiB, and how
// much was dropped between (a module that floods its output costs memory, not disk).
struct OutputCapture {
    static constexpr size_t kHeadBytes = 1 << 20, kTailBytes = 1 << 20;
    std::string head, tail;  // tail: the last kTailBytes, once head is full
    uint64_t total = 0;
    void Add(const std::string &chunk);
    uint64_t dropped() const;
    std::string_view Tail() const;
};

class WorkerLog {
public:
    static constexpr uint64_t kDefaultCap = 4 << 20;
    static constexpr uint32_t kRepeatsWritten = 3;  // a line is written this many times, then counted

    // An empty path: nothing is written (the output is still summarized for Text()).
    explicit WorkerLog(std::string path, uint64_t cap = kDefaultCap);
    ~WorkerLog();
    WorkerLog(const WorkerLog &) = delete;
    WorkerLog &operator=(const WorkerLog &) = delete;

    // A worker's output, under a header naming its job.
    void Append(std::string_view header, const OutputCapture &output);
    // The repeated lines and what the cap dropped, at the end of the log; then the file is closed
    // (removed if nothing was ever written to it).
    void Close();
    const std::string &path() const { return path_; }
    uint64_t written() const { return written_; }
    uint64_t dropped() const { return dropped_; }

private:
    void Write(std::string_view text);
    void Lines(std::string_view text);

    std::string path_;
    uint64_t cap_;
    std::FILE *file_ = nullptr;
    uint64_t written_ = 0, dropped_ = 0;
    std::unordered_map<std::string, uint64_t> seen_;  // line -> times seen (bounded: kMaxTracked lines)
    bool closed_ = false;
};

}  // namespace vspc
