// The results model: what the runner measured, before any writer formats it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "calibrate.hpp"
#include "plan.hpp"
#include "pool.hpp"
#include "stats.hpp"

namespace lfbench {

// A window measured and thrown away because it was disturbed (usage.hpp), then measured again.
struct DiscardedWindow {
  std::string reason;
  double ns_per_op = 0;
};

struct CellResult {
  CellPlan plan;
  std::size_t index = 0;              // position in the plan (= Google Benchmark's family_index)
  std::vector<WindowResult> windows;  // measured windows, warm-up excluded
  std::vector<std::size_t> window_seq;  // per window: its place in the run's order of windows
  std::vector<DiscardedWindow> discarded;
  std::vector<int> cpus;              // per thread: the CPU its placement gave it (-1: unpinned)
  bool complete = false;              // all repetitions ran (false when interrupted)
  std::string failure;                // "hung" or "crashed": the worker never finished a window
  std::string failure_detail;         // which window, the signal, the worker's last output

  // Derived over the windows.
  Summary ns_per_op() const;  // per window: seconds * 1e9 / total ops
  bool valid() const;         // every window's verify passed
  std::size_t disturbed_windows() const;  // kept windows judged disturbed
  std::vector<std::string> flags(unsigned logical_cpus) const;  // noisy, oversubscribed, ...
};

struct Results {
  std::vector<CellResult> cells;
  Calibration calibration;
  bool interrupted = false;
  int signal = 0;  // the signal that interrupted the run
  std::string gbench_json;  // Google Benchmark's JSONReporter output for the same run
  // --until-decided: pairs measured beyond the plan's repetitions, and why it stopped.
  std::size_t extra_pairs = 0;
  std::string stopped;  // "decided" (every cell), "budget" (spent first), "interrupted"; "" otherwise

  bool all_valid() const;
};

}  // namespace lfbench
