// A record archive: the records one build of a VSP saves for the sweep's packet
// states, kept with a release so that later builds can be gated against it
// (`vspconform records` writes one; `compat` and `check --restore-corpus` read it).
//
//   DIR/manifest.json        what is in it (below), written last
//   DIR/records/NNNNN.rec    each record's bytes, as the build saved them
//   DIR/corpus/NNNNN.case    each record as a case file (the state, then a restore of the
//                            record): a seed corpus for vspconform_fuzzer
//
// manifest.json: {"format": "vspconform-records", "format_version": 1, "tool_version",
//   "module": {"path", "sha256"}, "seed" (the sweep's seed), "entries": [{"state" (the
//   state's index among the sweep's seeds), "seed" (the seed bytes, hex), "record" (its
//   file), "size", "sha256" (of the record)}]}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vspc {

struct ArchiveEntry {
    uint64_t state = 0;         // index among SweepSeeds(seed)
    std::vector<uint8_t> seed;  // the packet state's seed, as given to VspConformancePreparePacket
    std::vector<uint8_t> record;
    bool operator==(const ArchiveEntry &) const = default;
};

struct RecordArchive {
    std::string tool_version;
    std::string module_path;
    std::string module_sha256;
    uint64_t seed = 1;
    std::vector<ArchiveEntry> entries;
    bool operator==(const RecordArchive &) const = default;
};

constexpr int kArchiveFormatVersion = 1;

// Writes `a` into dir (created if needed; an earlier archive there is replaced).
// Returns an empty string, or what could not be written.
std::string WriteArchive(const RecordArchive &a, const std::string &dir);
// Reads and checks an archive (every record present, of the size and hash the
// manifest says). Returns an empty string, or a one-line explanation.
std::string ReadArchive(const std::string &dir, RecordArchive &out);
// True when dir looks like an archive (has a manifest.json): compat takes either.
bool IsArchive(const std::string &dir);

}  // namespace vspc
