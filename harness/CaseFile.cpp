#include "CaseFile.h"

#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "Files.h"
#include "Sha256.h"
#include "Sweep.h"

namespace vspc {
namespace {

constexpr std::string_view kMagic = "VSPCONFORM-CASE 1\n";
constexpr size_t kMaxHeaderLine = 4096;

}  // namespace

bool HasCaseFileHeader(const uint8_t *data, size_t size) {
    return size >= kMagic.size() && std::equal(kMagic.begin(), kMagic.end(), data);
}

namespace {
bool HasMagic(const std::vector<uint8_t> &file) { return HasCaseFileHeader(file.data(), file.size()); }
}  // namespace

std::vector<uint8_t> EncodeCaseFile(const std::vector<uint8_t> &case_bytes, const CaseFileInfo &info) {
    nlohmann::json h = {{"bytes", case_bytes.size()}, {"sha256", Sha256Hex(case_bytes.data(), case_bytes.size())}};
    if (info.profile) h["profile"] = ProfileName(*info.profile);
    if (!info.save_symbol.empty()) h["save_symbol"] = info.save_symbol;
    if (!info.restore_symbol.empty()) h["restore_symbol"] = info.restore_symbol;
    if (info.direction) h["direction"] = DirectionName(*info.direction);
    if (!info.finding.empty()) h["finding"] = info.finding;
    std::string head = std::string(kMagic) + h.dump(-1, ' ', true) + "\n";
    std::vector<uint8_t> out(head.begin(), head.end());
    out.insert(out.end(), case_bytes.begin(), case_bytes.end());
    return out;
}

Expected<CaseFile> ParseCaseFile(const std::vector<uint8_t> &file, bool raw) {
    CaseFile out;
    if (!HasMagic(file)) {
        if (file.empty()) return Unexpected("it is empty");
        if (raw) {
            if (DecodeCase(file).seeds.empty()) return Unexpected("no packet decodes from it");
        } else if (EncodeCase(DecodeCase(file)) != file) {
            return Unexpected(
                "it is neither a case file vspconform wrote nor a canonical case encoding (random bytes, a cut or "
                "edited file); a crash file or corpus unit of the fuzz target (libFuzzer, AFL++) plays with "
                "--fuzzer-input");
        }
        out.bytes = file;
        return out;
    }
    size_t eol = kMagic.size();
    while (eol < file.size() && file[eol] != '\n' && eol - kMagic.size() < kMaxHeaderLine) ++eol;
    if (eol >= file.size() || file[eol] != '\n') return Unexpected("its header is cut short or too long");
    nlohmann::json h = nlohmann::json::parse(file.begin() + static_cast<std::ptrdiff_t>(kMagic.size()),
                                             file.begin() + static_cast<std::ptrdiff_t>(eol), nullptr, false);
    if (!h.is_object() || !h.contains("bytes") || !h["bytes"].is_number_unsigned() || !h.contains("sha256") ||
        !h["sha256"].is_string())
        return Unexpected("its header is not vspconform's");
    out.bytes.assign(file.begin() + static_cast<std::ptrdiff_t>(eol + 1), file.end());
    if (h["bytes"].get<uint64_t>() != out.bytes.size())
        return Unexpected("its header says {} bytes of case and {} follow: the file was cut or extended",
                          h["bytes"].get<uint64_t>(), out.bytes.size());
    if (h["sha256"].get<std::string>() != Sha256Hex(out.bytes.data(), out.bytes.size()))
        return Unexpected("its case bytes do not match the SHA-256 in its header: the file was changed");
    auto str = [&](const char *k) {
        return h.contains(k) && h[k].is_string() ? h[k].get<std::string>() : std::string();
    };
    if (std::string p = str("profile"); !p.empty()) {
        out.info.profile = ProfileByName(p);
        if (!out.info.profile) return Unexpected("its header names an unknown profile '{}'", p);
    }
    if (std::string d = str("direction"); !d.empty()) {
        out.info.direction = DirectionByName(d);
        if (!out.info.direction) return Unexpected("its header names an unknown direction '{}'", d);
    }
    out.info.save_symbol = str("save_symbol");
    out.info.restore_symbol = str("restore_symbol");
    out.info.finding = str("finding");
    out.has_header = true;
    return out;
}

std::vector<uint8_t> CaseBytesOf(const std::vector<uint8_t> &file) {
    if (!HasMagic(file)) return file;
    auto parsed = ParseCaseFile(file, true);
    return parsed ? std::move(parsed->bytes) : file;
}

Expected<CaseFile> ReadCaseFile(const std::string &path, bool raw) {
    auto bytes = ReadFileCapped(path, kMaxCaseFileBytes);
    if (!bytes) return Unexpected("'{}' is not a vspconform case: {}", path, bytes.error());
    auto parsed = ParseCaseFile(*bytes, raw);
    if (!parsed) return Unexpected("'{}' is not a vspconform case: {}", path, parsed.error());
    return parsed;
}

int WriteSeedCorpus(const std::string &dir, uint64_t seed) {
    namespace fs = std::filesystem;
    const auto cases = SweepCases(seed);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        std::fprintf(stderr, "vspconform: error: cannot create '%s': %s\n", dir.c_str(), ec.message().c_str());
        return 2;
    }
    for (size_t i = 0; i < cases.size(); ++i)
        if (auto ok = WriteFileAtomically((fs::path(dir) / fmt::format("sweep-{:05}.case", i)).string(),
                                          EncodeCase(cases[i]));
            !ok) {
            std::fprintf(stderr, "vspconform: error: %s\n", ok.error().c_str());
            return 2;
        }
    std::printf("wrote %zu sweep cases into %s\n", cases.size(), dir.c_str());
    return 0;
}

}  // namespace vspc
