// Each subcommand adds itself to the CLI11 app and, when chosen, sets the action main runs.
// Adding a subcommand = its file + one line in main.cpp.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace lfbench {

using Action = std::function<int()>;

int main(int argc, char** argv);  // cli/main.cpp: parse, then run the chosen command

void add_run_command(CLI::App& app, Action& action, const std::vector<std::string>& argv);
void add_info_commands(CLI::App& app, Action& action);  // list, describe, calibrate
void add_compare_command(CLI::App& app, Action& action);
void add_report_command(CLI::App& app, Action& action);
void add_history_command(CLI::App& app, Action& action);  // history/cmd_history.cpp

}  // namespace lfbench
