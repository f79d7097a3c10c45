#include "WorkerLog.h"

#include <unistd.h>

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace vspc {

void OutputCapture::Add(const std::string &chunk) {
    total += chunk.size();
    size_t to_head = std::min(chunk.size(), kHeadBytes - head.size());
    head.append(chunk, 0, to_head);
    if (to_head == chunk.size()) return;
    tail.append(chunk, to_head, std::string::npos);
    if (tail.size() > 2 * kTailBytes) tail.erase(0, tail.size() - kTailBytes);
}

uint64_t OutputCapture::dropped() const { return total - head.size() - std::min<uint64_t>(tail.size(), kTailBytes); }

std::string_view OutputCapture::Tail() const {
    std::string_view t(tail);
    return t.size() > kTailBytes ? t.substr(t.size() - kTailBytes) : t;
}

namespace {
constexpr size_t kMaxTracked = 1 << 16;  // distinct lines counted; beyond them, lines are written as they come
constexpr size_t kKeyBytes = 512;        // a line is known by its first bytes
}  // namespace

WorkerLog::WorkerLog(std::string path, uint64_t cap) : path_(std::move(path)), cap_(cap) {}

WorkerLog::~WorkerLog() { Close(); }

void WorkerLog::Write(std::string_view text) {
    if (text.empty()) return;
    if (written_ + text.size() > cap_) {
        uint64_t room = cap_ > written_ ? cap_ - written_ : 0;
        dropped_ += text.size() - room;
        text = text.substr(0, room);
        if (text.empty()) return;
    }
    if (path_.empty()) {
        written_ += text.size();
        return;
    }
    if (!file_) file_ = std::fopen(path_.c_str(), "ab");
    if (!file_) return;
    std::fwrite(text.data(), 1, text.size(), file_);
    written_ += text.size();
}

void WorkerLog::Lines(std::string_view text) {
    size_t pos = 0;
    while (pos < text.size()) {
        size_t eol = text.find('\n', pos);
        size_t end = eol == std::string_view::npos ? text.size() : eol + 1;
        std::string_view line = text.substr(pos, end - pos);
        pos = end;
        std::string key(line.substr(0, std::min(line.size(), kKeyBytes)));
        if (!key.empty() && key.back() == '\n') key.pop_back();
        uint64_t times = 1;
        if (auto it = seen_.find(key); it != seen_.end())
            times = ++it->second;
        else if (seen_.size() < kMaxTracked)
            seen_.emplace(std::move(key), 1);
        if (times <= kRepeatsWritten) Write(line);
    }
}

void WorkerLog::Append(std::string_view header, const OutputCapture &output) {
    if (output.total == 0 || closed_) return;
    Write(header);
    Lines(output.head);
    if (output.dropped() > 0)
        Write(fmt::format("\n[... {} bytes of this worker's output were not kept ...]\n", output.dropped()));
    Lines(output.Tail());
}

void WorkerLog::Close() {
    if (closed_) return;
    closed_ = true;
    std::vector<std::pair<uint64_t, const std::string *>> repeated;
    for (const auto &[line, times] : seen_)
        if (times > kRepeatsWritten) repeated.emplace_back(times, &line);
    std::sort(repeated.begin(), repeated.end(), [](const auto &a, const auto &b) {
        return a.first != b.first ? a.first > b.first : *a.second < *b.second;
    });
    if (!repeated.empty() || dropped_ > 0) {
        std::string tail = "==== summary of the workers' output ====\n";
        if (dropped_ > 0)
            tail += fmt::format("worker.log reached its cap of {} bytes: {} bytes of output were not written\n", cap_,
                                dropped_);
        if (!repeated.empty())
            tail += fmt::format("lines written only {} times, with how often they came:\n", kRepeatsWritten);
        for (size_t i = 0; i < repeated.size() && i < 50; ++i)
            tail += fmt::format("{:>10}x {}\n", repeated[i].first, *repeated[i].second);
        if (repeated.size() > 50) tail += fmt::format("(and {} more repeated lines)\n", repeated.size() - 50);
        // The summary is written whatever the cap: it is what says what the cap dropped.
        if (file_ || !path_.empty()) {
            if (!file_) file_ = std::fopen(path_.c_str(), "ab");
            if (file_) std::fwrite(tail.data(), 1, tail.size(), file_);
        }
    }
    if (file_) std::fclose(file_);
    file_ = nullptr;
}

}  // namespace vspc
