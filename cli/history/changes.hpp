// lfbench history check's statistics: change points in a series of runs, each run a handful of
// windows. Pure functions, no I/O; tested on synthetic series (cli/tests/history_test.cpp).
//
// The method: binary segmentation (as E-Divisive, Apache Otava's and Hunter's) with a rank scan
// statistic and a permutation test whose unit is the run.
// - The run is the unit of evidence. Windows of one run share its machine state (placement,
//   neighbours, frequency): on a shared machine they agree within a few percent while runs
//   differ by 5-20%. A test that took windows as independent (permuting windows, or a penalised
//   fit whose noise is the windows' spread) would call every run-to-run wiggle a change: the
//   false alerts teams silence with 200-400% thresholds. So runs are permuted whole (the
//   exchangeable unit), intervals count runs, and a series needs enough runs, not windows.
// - The windows make each run's score: every window of the segment is ranked together (midranks)
//   and a run scores the mean rank of its clean windows. That uses the whole spread of a run,
//   not only its median, weighs every run alike, and one odd window moves its run's score by at
//   most one rank in the window count.
// - The scan, E-Divisive's (tau, kappa) search: for every window [begin, kappa) of the segment
//   and every split k in it (at least min_segment runs a side), the sum of the left runs' scores
//   standardised by its exact mean and variance under permutation of the window's runs
//   (finite-population: k(w-k)/(w(w-1)) * sum (a - mean)^2 over the w runs of the window); the
//   statistic is the largest |Z| and the change is where it is. With kappa at the segment's end
//   this is Pettitt's rank test for one change, on run scores; shorter windows find a step that
//   a later step back (a fix, a machine that came back) hides from a split of the whole.
// - Its significance: the same maximum over random permutations of the runs (a Monte Carlo
//   permutation test, Besag-Clifford sequential: it stops once `stop_after` permutations reach
//   the observed value, so a quiet series costs a few hundred permutations and a clear change
//   up to `permutations`). Seeded by the series (deterministic: the same database gives the same
//   answer, Hunter's complaint about E-Divisive's random permutations), exact under
//   exchangeability of runs whatever their distribution (a loaded night is just a high score).
// - Why not energy distance (E-Divisive) itself: it also splits where only the spread changes
//   (a noisier machine), which is no regression; a location statistic answers the gate's
//   question. Why not a penalised step fit (PELT, BIC): its penalty needs the noise level and a
//   model of it; estimated from windows it is too small (above), from runs it assumes normal,
//   homoscedastic noise that loaded nights break. Ranks and permutations need neither.
// - A change's size: the Hodges-Lehmann shift of the log run medians, right segment against the
//   left one (its neighbours), exp'd into a ratio, with the (1 - 2 alpha) interval that inverts
//   the rank-sum test; its verdict: compare's three threshold-shifted rank-sum tests on the same
//   run medians (rank_stats.hpp: unpaired_tests), so the words mean what they mean in compare.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "../compare.hpp"
#include "../rank_stats.hpp"

namespace lfbench::history {

// One run's clean windows of a cell: log(ns/op) each (at least one).
struct RunSample {
  std::vector<double> log_ns;
};

struct DetectOptions {
  double alpha = 0.05;            // the permutation test's level
  std::size_t min_segment = 3;    // runs on each side of a change: one odd night is not a change
  std::size_t permutations = 9999;  // at most, per test
  std::size_t stop_after = 20;    // Besag-Clifford: stop once this many permutations reach the observed value
};

struct Split {
  std::size_t at = 0;  // the first run after the change (index into the series)
  double z = 0;        // the standardised statistic there (> 0: later runs are slower)
  double p = 1;        // its permutation p-value (the maximum over every split)
};

// The likeliest single change in runs [begin, end) and its p; nullopt when the range has fewer
// than 2 * min_segment runs or every run scores alike.
std::optional<Split> best_split(std::span<const RunSample> runs, std::size_t begin, std::size_t end,
                                const DetectOptions& o, std::uint64_t seed);

// Binary segmentation of runs [0, n): the series is cut at its best split when p <= alpha; then,
// round by round, every segment of the partition is tested at alpha / (the number of segments)
// and the most significant split among them is cut, until none passes. Once the true changes
// are cut, a further (false) one comes with probability at most alpha: a true step is not
// followed by a spurious tail change that would hide it from the gate. `first`: the whole
// series' split when it was already tested (at a family level: check controls the false
// discovery rate of the first split across series); nullopt tests it here at alpha.
// Returns the accepted splits (their change points, z and p), by position.
std::vector<Split> segment(std::span<const RunSample> runs, const DetectOptions& o, std::uint64_t seed,
                                 std::optional<Split> first = std::nullopt);

// The fewest runs in which a change can be called at alpha: 2 * min_segment, and enough that the
// best case (all of one half above all of the other) has a permutation p <= alpha.
std::size_t min_runs(const DetectOptions& o);

// A change between two neighbouring segments, [from, at) and [at, to).
struct Step {
  std::size_t from = 0, at = 0, to = 0;
  double p = 1;       // the split's permutation p (as it was accepted)
  double ratio = 1;   // exp(Hodges-Lehmann shift of the log run medians): after / before, > 1 slower
  std::optional<double> ci_low, ci_high;  // its (1 - 2 alpha) interval, as ratios
  compare::Tests tests;                   // p_slower, p_faster, p_same against the threshold
  compare::Verdict verdict = compare::Verdict::inconclusive;
};
// threshold: the relative change that counts (0.05 = 5%).
Step describe(std::span<const RunSample> runs, std::size_t from, std::size_t at, std::size_t to, double alpha,
              double threshold);

// A run's level: the median of its windows' log ns/op.
double run_level(const RunSample& r);
// A seed for a series: FNV-1a 64 of its name.
std::uint64_t seed_of(const std::string& name);

}  // namespace lfbench::history
