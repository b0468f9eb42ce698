// Runs a plan: the supervisor's scheduler asks worker processes for windows, in an order it
// chooses (interleaved across cells; in an A/B run the builds' windows of a cell pair by pair),
// and re-measures disturbed windows; then Google Benchmark turns the measured windows into its
// results: each cell is a registered benchmark with manual time, one iteration = one window
// (its manual time is the window's ns per operation), repetitions = the plan's; Google
// Benchmark computes the aggregates and writes its JSON, which the results writer extends.
#pragma once

#include <deque>
#include <functional>
#include <optional>

#include "results.hpp"
#include "supervisor.hpp"

namespace lfbench {

struct RunProgress {
  std::size_t cell = 0, cells = 0;   // current cell index (0-based) and count
  std::size_t windows_done = 0, windows_total = 0;
  std::size_t cells_done = 0;  // cells with all their repetitions
  std::size_t disturbed = 0;   // windows measured again because others had their CPUs
  std::string run_name;
  // --until-decided, once its extra pairs began: cells decided and not, and the budget left.
  bool deciding = false;
  std::size_t decided = 0, undecided = 0;
  std::chrono::nanoseconds budget_left{};
};

// run --ab --until-decided: once every cell has its repetitions, more pairs of the cells still
// undecided, until none is or the budget is spent. The judging is the caller's (lfbench
// compare's own tests, anytime-valid): `undecided` gets what was measured so far and names the
// undecided cells (run_name), closest to a decision first. The runner measures one pair of the
// first, asks again, and so on in rounds: every undecided cell gets a pair before any gets a
// second, so a cell that stays close is not measured forever while the others wait.
struct UntilDecided {
  std::chrono::nanoseconds budget{};  // this run's measuring time, the first repetitions included
  std::function<std::vector<std::string>(const Results&)> undecided;
};

// What the journal holds per event: a window a worker reported, or a cell that failed.
struct JournalRecord {
  std::size_t cell = 0;
  std::string failure;  // "", "hung" or "crashed"
  std::string detail;
  WindowResult window;
  std::size_t seq = 0;      // its place in the run's order of windows (window_seq)
  std::size_t attempt = 0;  // the slot attempt it was measured in: the seq of that attempt's first
                            // window (an A/B pair's windows share one; a resume replays whole ones)
};

struct RunOptions {
  bool calibrate = true;
  // Repetitions of all cells run in random order, so that each cell's repetitions sample the
  // machine at different moments: on a shared machine contended results drift over seconds,
  // and back-to-back repetitions would all see one state and look far more certain than they
  // are (lfbench compare would then flag run-to-run drift).
  bool interleave = true;
  // A disturbed window (usage.hpp) is measured again, up to the cell's repetitions in extra
  // windows (in an A/B run the whole pair: both windows must see the same machine); true
  // keeps disturbed windows (flagged) instead.
  bool keep_disturbed = false;
  // A new worker process for every window (A/B runs). A worker's cell state keeps its place in
  // memory, and with it which cache slice homes its contended lines: on this machine that put
  // one build's std_mutex cell at 2 threads 10% ahead of the other for a whole A/A run, a
  // difference of the processes that no number of pairs averages out. New processes draw new
  // places, so a placement's luck is noise both builds share. Costs a process start (~4 ms here).
  bool fresh_workers = false;
  std::string worker_exe;  // the lfbench binary workers run (protocol.hpp), when plan.builds is empty
  int signal_fd = -1;      // a signalfd for SIGINT/SIGTERM/SIGHUP, watched while waiting
  // Called with every window and every failure the moment it arrives, before anything else is
  // done with it (the journal).
  std::function<void(const JournalRecord&)> journal = {};
  // Per cell, records of an earlier run of the same plan (--resume), used before measuring:
  // whole attempts only (an A/B pair is never joined across time), and the sequence numbers
  // of new windows start after theirs.
  std::vector<std::deque<JournalRecord>> replay = {};
  std::size_t first_seq = 0;
  std::function<void(const RunProgress&)> progress = {};  // called between windows
  std::optional<UntilDecided> until_decided = {};          // A/B runs only
};

// What a build's worker said of itself before anything was measured (its hello).
struct BuildInfo {
  Build build;
  nlohmann::json hello;
};

// Starts one worker per build of an A/B plan and checks each speaks this protocol (throws
// ProtocolMismatch) and has every scenario, primitive and parameter of its cells (throws
// std::invalid_argument naming the first it lacks), before anything is measured. A signal on
// signal_fd (-1: none) while they start throws Interrupted.
std::vector<BuildInfo> check_builds(const Plan& plan, int signal_fd);

// Measures the plan through worker processes. REQUIRES: opt.worker_exe or plan.builds.
Results run_plan(const Plan& plan, const RunOptions& opt);

}  // namespace lfbench
