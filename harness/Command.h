// A command of the front-end (Commands.def): its help, its positional arguments and what it runs.
// Each command is one file in harness/commands/; it plans its jobs and folds their results over
// the one run pipeline (Pipeline.h). main() builds the command line from these specs and only
// dispatches.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "Options.h"

namespace vspc {

struct Positional {
    const char *name;
    const char *help;
    bool many = false;  // takes the rest of the arguments (at least one)
};

// What the user asked for: the options (Flags.def) and the positional arguments in order.
struct Invocation {
    CommandId command;
    Options options;
    std::vector<std::string> args;
    std::set<std::string> given;  // the options given on the command line ("--profile", ...)
    bool Given(const std::string &option) const { return given.count(option) != 0; }
};

struct CommandSpec {
    CommandId id;
    const char *help;
    std::vector<Positional> positionals;
    int (*run)(const Invocation &);  // the exit code
};

#define VSPC_COMMAND(Id, Name) const CommandSpec &Id##Spec();
#include "Commands.def"
#undef VSPC_COMMAND

// Every command, in Commands.def's order.
const std::vector<const CommandSpec *> &AllCommands();

// Runs a command: its exceptions (the tester itself failing: no memory, no processes) become a
// one-line error and exit 2.
int RunCommand(const CommandSpec &spec, const Invocation &invocation);

}  // namespace vspc
