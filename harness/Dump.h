// replay --dump: a case and the inputs of its calls, every byte, each labelled
// with the field it feeds. Text only (the worker sends it as trace lines).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "Case.h"
#include "Runner.h"

namespace vspc {

// Offset, 16 bytes of hex and their ASCII per line, each line prefixed with
// `indent`; every byte, however long. "(no bytes)" for an empty span.
std::string HexDump(std::span<const uint8_t> bytes, std::string_view indent);

// One op, as the case file states it (before the runner resolves N or records).
std::string DescribeOp(const Op &op, size_t packets);

// The whole case as decoded from the file: every seed (each byte) and every op
// (a RestoreBytes op's SaveBuf, each byte). Lines end in '\n'.
std::string DumpCase(const Case &c);

// What a call about to be made (call number `index`) is given: the prepare
// seed, or restore's SaveBuf (with where it came from: the save whose record it
// is and the mutation applied, or the case's own bytes) and LibBuf. `c` is the
// case being played (for the op's mutation). Empty for calls that take no input bytes.
std::string DumpCallInput(const Case &c, const CallRecord &rec, int index, std::span<const uint8_t> input,
                          std::span<const uint8_t> lib);

// The record a successful save (call number `index`) produced, in full. Empty
// for a save that wrote no record.
std::string DumpSavedRecord(const CaseLog &log, const CallRecord &rec, int index);

// A call that was made but did not return, as replay prints it, for the call
// in progress. The same words supervised and in --debug.
std::string DescribeUnfinishedCall(const CallRecord &rec, int index);

}  // namespace vspc
