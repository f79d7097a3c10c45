// vspconform rules [--markdown]: the rule catalog (Rules.def), as a list or as docs/rules.md.
#include <cstdio>
#include <string>

#include "Command.h"
#include "Report.h"
#include "Rules.h"

namespace vspc {

const CommandSpec &RulesSpec() {
    static const CommandSpec spec{CommandId::Rules, "list the rules vspconform checks", {}, [](const Invocation &inv) {
                                      if (inv.options.markdown) {
                                          std::fputs(RulesMarkdown().c_str(), stdout);
                                          return 0;
                                      }
                                      for (const auto &r : AllRules())
                                          std::printf("%-5s %-8s %s\n", std::string(r.name).c_str(),
                                                      std::string(SeverityName(r.severity)).c_str(),
                                                      std::string(r.title).c_str());
                                      return 0;
                                  }};
    return spec;
}

}  // namespace vspc
