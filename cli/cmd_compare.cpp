// lfbench compare: not built yet (placeholder so the command list is wired; see its issue).
#include "commands.hpp"

namespace lfbench {

void add_compare_command(CLI::App&, Action&) {}

}  // namespace lfbench
