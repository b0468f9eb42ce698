// lfbench history check and show: every series of the store (a cell on a machine) judged for
// change points (changes.hpp), and rendered as text or JSON.
//
// Per series:
// - fewer runs than a change can be called in (min_runs): inconclusive, "too short";
// - change points: each named by the runs (and commits) on either side, its size after/before
//   with its interval, and compare's verdict against the threshold; the series' verdict is its
//   latest change's (the step into the latest segment): slower is a regression;
// - no change point: the two halves of the series compared as compare compares two files
//   (rank-sum tests on run medians, shifted by the threshold): same when they agree within it,
//   inconclusive when the noise could hide a change of the threshold's size, slower/faster when
//   they differ by more without a step (a drift).
// Across series, the first split of each (is there any change at all?) is controlled for the
// false discovery rate (Benjamini-Hochberg, as compare does across cells); further splits of a
// series with a change are tested at alpha over its segments (changes.hpp: segment).
// Exit codes, compare's: 1 when a series' verdict is slower, else 4 when one is inconclusive,
// else 0.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "changes.hpp"
#include "store.hpp"

namespace lfbench::history {

struct CheckOptions {
  std::string relative_to;  // the series are ratios to this primitive (relative_history)
  double alpha = 0.05;
  double threshold = 0.05;  // relative change that counts
  DetectOptions detect;     // alpha copied from above
};

struct SeriesCheck {
  const Series* series = nullptr;
  std::size_t runs = 0;
  std::optional<double> p_first;   // the whole series' first split: permutation p
  std::optional<double> q_first;   // ... after Benjamini-Hochberg across series
  std::vector<Step> steps;         // change points, oldest first
  std::optional<Step> halves;      // no change point: first half against second
  compare::Verdict verdict = compare::Verdict::inconclusive;
  std::string note;                // why, in words
};

struct CheckReport {
  const History* history = nullptr;
  CheckOptions options;
  std::vector<SeriesCheck> series;
  std::size_t count(compare::Verdict v) const;
  int exit_code() const;          // 0, 1 or 4
  std::string headline() const;
};

CheckReport check(const History& h, const CheckOptions& o);

// --relative-to PRIMITIVE: every series of another primitive as the ratio of each window to the
// reference primitive's median in the same run, workload and machine (compare's --relative-to:
// it cancels what moves the whole machine between runs, which a series of one shared machine
// shows as much as any code change). Runs without the reference's cell are left out; the
// reference's own series are not judged. `cell_glob` selects after the reference is found.
// Throws BadInput when the primitive is not in the history.
History relative_history(const History& h, const std::string& primitive, const std::string& cell_glob);

std::string render_check_text(const CheckReport& r);
nlohmann::json render_check_json(const CheckReport& r);
// show: each series, run by run (median, window range, windows), change points marked.
std::string render_show_text(const CheckReport& r);
// show --runs: one line per run (id, time, commit, branch, machine, cells, file), tab-separated.
std::string render_runs_tsv(const History& h);

}  // namespace lfbench::history
