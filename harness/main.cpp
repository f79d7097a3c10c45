// vspconform: the command-line front-end. It builds the command line from the command table
// (Commands.def, each command's CommandSpec) and the flag table (Flags.def), and dispatches; the
// commands are in harness/commands/, the run they share in Pipeline.h.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <CLI/CLI.hpp>

#include "Command.h"
#include "Options.h"
#include "Pipeline.h"
#include "Worker.h"

namespace {

// A number option's text, checked before CLI11 converts it: CLI11 would wrap "-1" into a huge
// unsigned number and saturate a number too big for the field, so only plain digits within the
// field's range pass (a finite non-negative number for a floating-point one). Ranges that
// depend on the flag are checked by ValidateOptions, for every command alike.
template <typename T>
CLI::Validator PlainNumber() {
    return CLI::Validator(
        [](std::string &text) -> std::string {
            if constexpr (std::is_integral_v<T>) {
                const std::string range = "a whole number from 0 to " + std::to_string(std::numeric_limits<T>::max());
                if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
                    return "'" + text + "' is not " + range;
                errno = 0;
                unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
                if (errno == ERANGE || v > std::numeric_limits<T>::max()) return "'" + text + "' is not " + range;
            } else {
                char *end = nullptr;
                errno = 0;
                double v = std::strtod(text.c_str(), &end);
                if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v) || v < 0)
                    return "'" + text + "' is not a number of 0 or more";
            }
            return {};
        },
        "NUMBER");
}

template <typename T>
CLI::Option *AddFlag(CLI::App *cmd, const char *option, T &field, const char *help) {
    if constexpr (std::is_same_v<T, bool>) {
        return cmd->add_flag(option, field, help);
    } else {
        CLI::Option *o = cmd->add_option(option, field, help)->capture_default_str();
        if constexpr (std::is_arithmetic_v<T>) o->check(PlainNumber<T>());
        return o;
    }
}

// The flags of Flags.def that `command` takes; `options` maps each option's name to its CLI11 option.
void AddFlags(CLI::App *cmd, unsigned command, vspc::Options &f, std::map<std::string, CLI::Option *> &options) {
    using namespace vspc;
#define VSPC_FLAG(Field, Option, Commands, Type, Default, Help)                                                        \
    if ((Commands)&command) options[Option] = AddFlag(cmd, Option, f.Field, Help);
#include "Flags.def"
#undef VSPC_FLAG
}

}  // namespace

int main(int argc, char **argv) {
    if (int rc = vspc::RunWorkerIfRequested(argc, argv); rc >= 0) return rc;

    CLI::App app{
        "vspconform: checks a Hyper-V VSP's EvtVmbChannelSavePacket / EvtVmbChannelRestorePacket "
        "against the KMCL save/restore contract"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("vspconform ") + vspc::kToolVersion);

    struct Parsed {
        const vspc::CommandSpec *spec;
        CLI::App *app;
        vspc::Invocation invocation;
        std::vector<std::string> single;             // a positional's value (stable: sized once)
        std::vector<std::vector<std::string>> many;  // a positional that takes the rest
        std::map<std::string, CLI::Option *> options;
    };
    std::vector<Parsed> commands(vspc::AllCommands().size());
    for (size_t i = 0; i < commands.size(); ++i) {
        Parsed &p = commands[i];
        p.spec = vspc::AllCommands()[i];
        p.invocation.command = p.spec->id;
        p.app = app.add_subcommand(std::string(vspc::CommandName(p.spec->id)), p.spec->help);
        p.single.resize(p.spec->positionals.size());
        p.many.resize(p.spec->positionals.size());
        for (size_t k = 0; k < p.spec->positionals.size(); ++k) {
            const vspc::Positional &pos = p.spec->positionals[k];
            if (pos.many)
                p.app->add_option(pos.name, p.many[k], pos.help)->required();
            else
                p.app->add_option(pos.name, p.single[k], pos.help)->required();
        }
        AddFlags(p.app, 1u << static_cast<unsigned>(p.spec->id), p.invocation.options, p.options);
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        std::fprintf(stderr, "vspconform: error: %s (see 'vspconform --help')\n", e.what());
        return 2;
    }

    for (Parsed &p : commands) {
        if (!*p.app) continue;
        for (size_t k = 0; k < p.spec->positionals.size(); ++k) {
            if (!p.spec->positionals[k].many) p.invocation.args.push_back(std::move(p.single[k]));
            for (auto &v : p.many[k]) p.invocation.args.push_back(std::move(v));
        }
        for (const auto &[name, option] : p.options)
            if (option->count() > 0) p.invocation.given.insert(name);
        return vspc::RunCommand(*p.spec, p.invocation);
    }
    return 2;
}
