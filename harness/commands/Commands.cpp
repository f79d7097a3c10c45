// The command table (Commands.def) and the one place a command's exceptions are caught.
#include <cstdio>
#include <exception>

#include "Command.h"

namespace vspc {

const std::vector<const CommandSpec *> &AllCommands() {
    static const std::vector<const CommandSpec *> all = {
#define VSPC_COMMAND(Id, Name) &Id##Spec(),
#include "Commands.def"
#undef VSPC_COMMAND
    };
    return all;
}

int RunCommand(const CommandSpec &spec, const Invocation &invocation) {
    // The tester itself failing (no memory, no processes) is "could not test": exit 2, one line.
    try {
        return spec.run(invocation);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "vspconform: error: %s\n", e.what());
        return 2;
    }
}

}  // namespace vspc
