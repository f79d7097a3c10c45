// The options a command runs with, generated from Flags.def (one default per flag).
#pragma once

#include <cstdint>
#include <string>

namespace vspc {

constexpr unsigned kCheck = 1, kReplay = 2, kCompat = 4, kRecords = 8, kFuzz = 16, kMinimize = 32, kCoverage = 64;

struct Options {
#define VSPC_FLAG(Field, Option, Commands, Type, Default, Help) Type Field = Default;
#include "Flags.def"
#undef VSPC_FLAG
};

}  // namespace vspc
