// The commands (Commands.def) and the options they run with (Flags.def, one default per flag).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vspc {

enum class CommandId : uint8_t {
#define VSPC_COMMAND(Id, Name) Id,
#include "Commands.def"
#undef VSPC_COMMAND
};

// The mask bit of each command, as Flags.def names them (kCheck, kReplay, ...).
#define VSPC_COMMAND(Id, Name) constexpr unsigned k##Id = 1u << static_cast<unsigned>(CommandId::Id);
#include "Commands.def"
#undef VSPC_COMMAND

std::string_view CommandName(CommandId id);

struct Options {
#define VSPC_FLAG(Field, Option, Commands, Type, Default, Help) Type Field = Default;
#include "Flags.def"
#undef VSPC_FLAG
};

}  // namespace vspc
