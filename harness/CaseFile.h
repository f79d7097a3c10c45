// A case file: a case (Case.h's encoding) and, in the files vspconform writes (reproducers,
// campaign artifacts), a header that says what it needs to show what it showed: the profile it
// was judged under, the callback names, a compat direction, the finding. `vspconform replay
// MODULE FILE` with no flags reproduces it from that. Files without the header (a libFuzzer
// corpus, the fuzz target's artifacts) are bare cases, played as the fuzz target decodes them
// (decoding is total, and libFuzzer's mutators need not keep an encoding canonical); an empty
// file, or one from which no packet decodes, is refused.
//
//   VSPCONFORM-CASE 1\n
//   {"bytes":N,"sha256":"...","profile":"kmcl","save_symbol":...,"finding":"SP5|..."}\n
//   <N bytes of the case>
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "Case.h"
#include "Expected.h"
#include "Finding.h"
#include "Rules.h"

namespace vspc {

// Case files larger than this are not read (the status block holds a case of at most 1 MiB).
constexpr uint64_t kMaxCaseFileBytes = uint64_t{4} << 20;

struct CaseFileInfo {
    std::optional<Profile> profile;
    std::string save_symbol, restore_symbol;  // empty: the defaults
    std::optional<CompatDirection> direction;
    std::string finding;  // the key (rule|signature) of the finding it reproduces, if any
    bool operator==(const CaseFileInfo &) const = default;
};

struct CaseFile {
    std::vector<uint8_t> bytes;  // the case's encoding
    CaseFileInfo info;
    bool has_header = false;
};

std::vector<uint8_t> EncodeCaseFile(const std::vector<uint8_t> &case_bytes, const CaseFileInfo &info);
// The file's case and what its header says; a one-line reason when it is not a case file.
// `raw`: a bare file is any input the fuzz target could have played (libFuzzer's and AFL++'s
// crash files are what their mutators made, not canonical encodings); otherwise a bare file must
// be a canonical encoding, so that an empty, random or cut file is not taken for a case.
Expected<CaseFile> ParseCaseFile(const std::vector<uint8_t> &file, bool raw = false);
// The case in a file's bytes: past the header if it has a well-formed one, else the bytes as
// they are (for the worker and the fuzz target, which take any bytes).
std::vector<uint8_t> CaseBytesOf(const std::vector<uint8_t> &file);
// Whether `data` starts with a case file's header (the rest is then CaseBytesOf's business).
bool HasCaseFileHeader(const uint8_t *data, size_t size);
// Reads and parses a case file (capped at kMaxCaseFileBytes).
Expected<CaseFile> ReadCaseFile(const std::string &path, bool raw = false);

// Writes the sweep's cases, one file each, into dir (created if needed), and says so on stdout.
// Returns the exit code (2, with a line on stderr, if a file cannot be written).
int WriteSeedCorpus(const std::string &dir, uint64_t seed);

}  // namespace vspc
