// lfbench report RESULTS.json [MORE.json ...] -o DIR [--force] [--relative-to ID] [--min-effect PCT]
//                [--diff [--threshold PCT]] [--history DB [--history-branch NAME]]
//
// The report is Python + matplotlib (reports/lfbench_report.py); this command finds a Python that
// has matplotlib and the installed script, runs it, and passes its exit code through. Input
// checks (the results-file contract, the output directory) live in the script, so running it by
// hand behaves the same; the script writes into a temporary directory and renames it into place,
// and this command makes sure the script never outlives it. --diff shows lfbench compare's
// verdicts, never the report's own: the script runs `lfbench compare BASE NEW --format json` with
// this very binary (--lfbench), so the report and the CI gate give one answer; --history likewise
// draws the change points of `lfbench history check --format json`.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "../scenarios/harness/retry_eintr.hpp"
#include "commands.hpp"
#include "input.hpp"
#include "lfbench_config.h"

namespace lfbench {

namespace {

namespace fs = std::filesystem;

struct ReportOptions {
  std::vector<std::string> results;
  std::string out_dir;
  bool force = false;
  std::string relative_to, min_effect;  // passed through; the script checks them
  bool diff = false;
  std::string threshold;  // compare's, with --diff; compare checks it
  std::string history, history_branch;  // lfbench history database: trend charts (the script checks it)
};

// The child being waited for, for the signal handler.
volatile sig_atomic_t g_child = 0;

// SIGINT, SIGTERM, SIGHUP to lfbench report go on to the report process, which cleans up its
// temporary directory and exits; lfbench report waits for it and passes its exit code through.
extern "C" void forward_signal(int sig) {
  if (g_child > 0) kill(static_cast<pid_t>(g_child), sig);
}

// Runs argv (PATH lookup for a bare name) and returns its exit code; 127 if it cannot be started.
// `quiet` sends its stdout and stderr to /dev/null. The child dies with lfbench: it gets SIGTERM
// when lfbench ends for any reason, SIGKILL included (PR_SET_PDEATHSIG), so no report process
// outlives the command and writes after the caller has moved on.
int spawn(const std::vector<std::string>& argv, bool quiet) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Signals held from before the fork until the handlers know the child: none is lost.
  sigset_t forwarded, old;
  sigemptyset(&forwarded);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&forwarded, sig);
  sigprocmask(SIG_BLOCK, &forwarded, &old);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    sigprocmask(SIG_SETMASK, &old, nullptr);
    return 127;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(128 + SIGTERM);  // lfbench died before prctl took effect
    if (quiet) {
      const int null = open("/dev/null", O_WRONLY);
      if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
      }
    }
    sigprocmask(SIG_SETMASK, &old, nullptr);
    sigprocmask(SIG_UNBLOCK, &forwarded, nullptr);  // an inherited mask would hold Ctrl-C till exit
    execvp(args[0], args.data());
    _exit(127);
  }
  g_child = pid;
  struct sigaction sa {}, saved[3];
  sa.sa_handler = forward_signal;
  sigemptyset(&sa.sa_mask);
  const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
  for (int i = 0; i < 3; ++i) sigaction(sigs[i], &sa, &saved[i]);
  sigprocmask(SIG_UNBLOCK, &forwarded, nullptr);
  const auto restore_mask = [&] { sigprocmask(SIG_SETMASK, &old, nullptr); };
  int status = 0;
  const pid_t got = retry_eintr([&] { return waitpid(pid, &status, 0); });
  g_child = 0;
  sigprocmask(SIG_BLOCK, &forwarded, nullptr);  // none lands between the handlers' removal and the old mask
  for (int i = 0; i < 3; ++i) sigaction(sigs[i], &saved[i], nullptr);
  restore_mask();
  if (got < 0) return 127;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 127;
}

// $LFBENCH_PYTHON, then Debian's /usr/bin/python3, then python3 on PATH (often a separate
// interpreter without Debian's packages): the first that imports matplotlib.
std::string find_python() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("LFBENCH_PYTHON"); env && *env) candidates.emplace_back(env);
  candidates.emplace_back("/usr/bin/python3");
  candidates.emplace_back("python3");
  for (const auto& py : candidates)
    if (spawn({py, "-c", "import matplotlib"}, true) == 0) return py;
  throw BadInput("report: no Python with matplotlib found (tried $LFBENCH_PYTHON, /usr/bin/python3, python3); "
                 "install python3-matplotlib (apt-get install python3-matplotlib) or set LFBENCH_PYTHON");
}

// Installed: <prefix>/bin/lfbench and <prefix>/share/lfbench/reports/lfbench_report.py; a
// user's own binary built against the installed library (anywhere): the install prefix's; in a
// build tree, the source tree's reports/.
fs::path find_script() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  const fs::path candidates[] = {(ec ? fs::path(".") : exe.parent_path()) / "../share/lfbench/reports/lfbench_report.py",
                                 fs::path(LFBENCH_DATA_DIR) / "reports/lfbench_report.py",
                                 fs::path(LFBENCH_SOURCE_DIR) / "reports/lfbench_report.py"};
  std::string looked;
  for (const auto& p : candidates) {
    if (fs::is_regular_file(p, ec)) return p;
    looked += (looked.empty() ? "" : ", ") + p.string();
  }
  throw BadInput("report: reports/lfbench_report.py not found (looked in " + looked + "); reinstall lfbench");
}

int report(const ReportOptions& o) {
  if (o.results.empty() && o.history.empty())
    throw BadInput("report: no results file and no --history; allowed: results files, --history DB, or both");
  const std::string python = find_python();
  std::vector<std::string> argv = {python, find_script().string()};
  argv.insert(argv.end(), o.results.begin(), o.results.end());
  argv.insert(argv.end(), {"-o", o.out_dir});
  if (o.force) argv.emplace_back("--force");
  if (!o.relative_to.empty()) argv.insert(argv.end(), {"--relative-to", o.relative_to});
  if (!o.min_effect.empty()) argv.insert(argv.end(), {"--min-effect", o.min_effect});
  if (o.diff) argv.emplace_back("--diff");
  if (!o.history.empty()) argv.insert(argv.end(), {"--history", o.history});
  if (!o.history_branch.empty()) argv.insert(argv.end(), {"--history-branch", o.history_branch});
  if (o.diff || !o.history.empty()) {  // the script asks this very binary for compare's or history check's verdicts
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) argv.insert(argv.end(), {"--lfbench", self.string()});
  }
  if (!o.threshold.empty()) argv.insert(argv.end(), {"--threshold", o.threshold});
  return spawn(argv, false);
}

}  // namespace

void add_report_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<ReportOptions>();
  auto* r = app.add_subcommand(
      "report", "charts, recommendation matrix, HTML/Markdown/JSON report from results files (needs python3-matplotlib)");
  r->add_option("results", o->results, "results files from `lfbench run -o`; several give side-by-side panels");
  r->add_option("-o,--output", o->out_dir, "output directory (index.html, report.md, recommendations.json, charts)")
      ->required();
  r->add_flag("--force", o->force, "write into a non-empty output directory");
  r->add_option("--relative-to", o->relative_to,
                "primitive the relative views divide by (default: the baseline the scenario declares)");
  r->add_option("--min-effect", o->min_effect, "smallest lead in percent the matrix calls significant (default 5)");
  r->add_flag("--diff", o->diff,
              "two files, base then new: lfbench compare's verdict, ratio, interval and note per cell, and its headline");
  r->add_option("--threshold", o->threshold, "with --diff: lfbench compare's --threshold in percent (default: compare's)");
  r->add_option("--history", o->history,
                "an lfbench history database (lfbench history add): a trend chart per cell and machine with the change "
                "points lfbench history check finds (with or without results files)");
  r->add_option("--history-branch", o->history_branch, "with --history: only this branch's runs");
  r->callback([&action, o] { action = [o] { return report(*o); }; });
}

}  // namespace lfbench
