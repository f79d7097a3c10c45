#include "Archive.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "Case.h"
#include "Files.h"
#include "Hex.h"
#include "Sha256.h"
#include "StrictJson.h"
#include "Sweep.h"

namespace vspc {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool WriteFile(const fs::path &p, const std::vector<uint8_t> &bytes) {
    return static_cast<bool>(WriteFileAtomically(p.string(), bytes));
}

// A manifest lists at most a few hundred records: a larger file is not one of ours.
constexpr uint64_t kMaxManifestBytes = uint64_t{16} << 20;

}  // namespace

bool IsArchive(const std::string &dir) {
    std::error_code ec;
    return fs::is_directory(dir, ec) && fs::is_regular_file(fs::path(dir) / "manifest.json", ec);
}

std::string WriteArchive(const RecordArchive &a, const std::string &dir) {
    std::error_code ec;
    fs::path root(dir);
    // records/ and corpus/ are replaced whole: only those of an archive (ours), never a user's folders.
    bool ours = false;
    if (auto bytes = ReadFileCapped((root / "manifest.json").string(), kMaxManifestBytes)) {
        json m = json::parse(bytes->begin(), bytes->end(), nullptr, false);
        ours = m.is_object() && m.value("format", "") == "vspconform-records";
    }
    for (const char *sub : {"records", "corpus"})
        if (!ours && fs::exists(root / sub, ec))
            return fmt::format(
                "'{}' holds a {}/ folder but is not a vspconform record archive: choose another directory (an "
                "archive's folders are replaced whole)",
                dir, sub);
    fs::remove(root / "manifest.json", ec);  // an archive without a manifest is not one: half-written
    for (const char *sub : {"records", "corpus"}) {
        fs::remove_all(root / sub, ec);
        fs::create_directories(root / sub, ec);
        if (ec) return fmt::format("cannot create '{}': {}", (root / sub).string(), ec.message());
    }
    json entries = json::array();
    for (size_t i = 0; i < a.entries.size(); ++i) {
        const ArchiveEntry &e = a.entries[i];
        std::string name = fmt::format("records/{:05}.rec", i);
        if (!WriteFile(root / name, e.record)) return fmt::format("cannot write '{}'", (root / name).string());
        if (!WriteFile(root / fmt::format("corpus/{:05}.case", i), EncodeCase(ExploreRestoreCase(e.seed, e.record))))
            return fmt::format("cannot write into '{}'", (root / "corpus").string());
        entries.push_back({{"state", e.state},
                           {"seed", HexOf(e.seed)},
                           {"record", name},
                           {"size", e.record.size()},
                           {"sha256", Sha256Hex(e.record.data(), e.record.size())}});
    }
    json m = {{"format", "vspconform-records"},
              {"format_version", kArchiveFormatVersion},
              {"tool_version", a.tool_version},
              {"module", {{"path", a.module_path}, {"sha256", a.module_sha256}}},
              {"seed", a.seed},
              {"entries", entries}};
    if (auto ok = WriteFileAtomically((root / "manifest.json").string(), m.dump(2) + "\n"); !ok) return ok.error();
    return {};
}

std::string ReadArchive(const std::string &dir, RecordArchive &out) {
    fs::path root(dir);
    if (!IsArchive(dir))
        return fmt::format(
            "'{}' is not a record archive (no manifest.json): write one with 'vspconform records MODULE DIR'", dir);
    // Everything read here is size-checked first: an archive may come from anywhere.
    auto manifest = ReadFileCapped((root / "manifest.json").string(), kMaxManifestBytes);
    if (!manifest) return fmt::format("'{}': {}", dir, manifest.error());
    json m = json::parse(manifest->begin(), manifest->end(), nullptr, false);
    if (m.is_discarded() || !m.is_object())
        return fmt::format("'{}': manifest.json is not a JSON object", (root / "manifest.json").string());
    try {
        StrictJson o(m, fmt::format("{}/manifest.json", dir));
        if (o.Str("format") != "vspconform-records") return fmt::format("'{}' is not a record archive manifest", dir);
        int version = o.Int<int>("format_version");
        if (version != kArchiveFormatVersion)
            return fmt::format("'{}': archive format version {} is not {}: write it again with this vspconform", dir,
                               version, kArchiveFormatVersion);
        RecordArchive a;
        a.tool_version = o.Str("tool_version");
        StrictJson mod = o.Object("module");
        a.module_path = mod.Str("path");
        a.module_sha256 = mod.Str("sha256");
        a.seed = o.Int<uint64_t>("seed");
        const json &entries = o.At("entries");
        if (!entries.is_array()) return fmt::format("'{}': 'entries' is not an array", dir);
        for (const json &j : entries) {
            StrictJson e(j, fmt::format("{}/manifest.json entry", dir));
            ArchiveEntry entry;
            entry.state = e.Int<uint64_t>("state");
            if (!FromHex(e.Str("seed"), entry.seed) || entry.seed.size() > kMaxSeedSize)
                return fmt::format("'{}': an entry's 'seed' is not lowercase hex of at most {} bytes", dir,
                                   kMaxSeedSize);
            std::string name = e.Str("record");
            if (name.find("..") != std::string::npos || name.empty() || name[0] == '/')
                return fmt::format("'{}': entry record '{}' is outside the archive", dir, name);
            const uint64_t size = e.Int<uint64_t>("size");
            if (size > kMaxRestoreBytes)
                return fmt::format("'{}': record '{}' is {} bytes, more than a record may have ({})", dir, name, size,
                                   kMaxRestoreBytes);
            // A longer file is told as a size mismatch, by its size alone (it is never read).
            const fs::path file = root / name;
            std::error_code ec;
            if (const uint64_t on_disk = fs::is_regular_file(file, ec) ? fs::file_size(file, ec) : 0;
                !ec && on_disk > size)
                return fmt::format(
                    "'{}': record '{}' is not the size the manifest says: it has {} bytes, more than the {} it says "
                    "(not read): the archive was changed",
                    dir, name, on_disk, size);
            auto rec = ReadFileCapped(file.string(), size);
            if (!rec) return fmt::format("'{}': record '{}': {}", dir, name, rec.error());
            entry.record = std::move(*rec);
            if (entry.record.size() != size)
                return fmt::format(
                    "'{}': record '{}' is not the size the manifest says ({} bytes, the file has {}): "
                    "the archive was changed",
                    dir, name, size, entry.record.size());
            if (Sha256Hex(entry.record.data(), entry.record.size()) != e.Str("sha256"))
                return fmt::format("'{}': record '{}' does not match its SHA-256 in the manifest", dir, name);
            a.entries.push_back(std::move(entry));
        }
        out = std::move(a);
        return {};
    } catch (const JsonError &e) {
        return e.what;
    }
}

}  // namespace vspc
