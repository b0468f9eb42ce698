// lfbench: parse the command line, then run the chosen command (for `run`: plan -> measure ->
// write; see cmd_run.cpp). Bad input of any kind ends here as one line and exit code 2.
// The process's main() is entry.cpp's one line: this file is built with the other CLI11 users
// (cli/meson.build), so CLI11's parser is compiled once.
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "input.hpp"
#include "scenarios/harness/protocol.hpp"
#include "lfbench_config.h"
#include "lfbench_version.h"

namespace lfbench {

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv, argv + argc);
  CLI::App app{"lfbench: which concurrency primitive to use for your workload, on your hardware, measured and verified."};
  app.set_version_flag("--version", std::string("lfbench ") + LFBENCH_VERSION + " (git " + LFBENCH_GIT_SHA + ")");
  app.require_subcommand(1);
  app.footer("Exit codes: 0 ok, 1 verification failed or regression found, 2 bad input, 4 compare, history check: not "
             "every cell judged, 130 interrupted.");
  Action action;
  add_info_commands(app, action);
  add_run_command(app, action, args);
  add_compare_command(app, action);
  add_report_command(app, action);
  add_history_command(app, action);
  try {
    app.parse(argc, argv);
    return action();
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "lfbench: " << e.what() << " (see lfbench --help)\n";
    return 2;
  } catch (const BadInput& e) {
    std::cerr << "lfbench: " << e.what() << '\n';
    return 2;
  } catch (const std::invalid_argument& e) {  // a value from outside the command line (LFBENCH_TOPOLOGY)
    std::cerr << "lfbench: " << e.what() << '\n';
    return 2;
  } catch (const ProtocolMismatch& e) {
    std::cerr << "lfbench: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "lfbench: error: " << e.what() << '\n';
    return 3;
  }
}

}  // namespace lfbench
