// Rank statistics for compare: exact one-sided Wilcoxon signed-rank and Mann-Whitney rank-sum
// tests, Hodges-Lehmann estimates with the intervals that invert them, the threshold-shifted
// tests of one cell, and multiple-comparison adjustment. Pure functions, no I/O; tested against
// hand-computed and SciPy's documented values (cli/tests/compare_test.cpp). Why these tests:
// compare.hpp.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace lfbench::compare {

// upper: the alternative is that values lie above (d > 0, y above x); lower: below.
enum class Tail { lower, upper };

// One-sided Wilcoxon signed-rank test on differences d (zeros dropped). 1 when none is left.
double signed_rank_p(std::span<const double> d, Tail tail);
// One-sided Mann-Whitney rank-sum test of y against x. 1 when either is empty.
double rank_sum_p(std::span<const double> x, std::span<const double> y, Tail tail);
// The smallest one-sided p each test can give at these sizes (no ties).
double min_signed_rank_p(std::size_t n);
double min_rank_sum_p(std::size_t n1, std::size_t n2);
// The smallest size a side (rank-sum, equal sides) or the pairs (signed-rank) need before the
// test can reach alpha.
std::size_t reps_needed(double alpha);
std::size_t pairs_needed(double alpha);

// A point estimate and its two-sided (1 - 2 alpha) confidence interval; the interval is absent
// when the sample is too small for any interval at that level.
struct Estimate {
  double point = 0;
  std::optional<double> low, high;
};
// Hodges-Lehmann one-sample: median of the Walsh averages (r_i + r_j) / 2, i <= j; the interval
// inverts the signed-rank test (Walsh averages at the exact critical rank).
Estimate hodges_lehmann(std::span<const double> r, double alpha);
// Hodges-Lehmann two-sample: median of y_j - x_i; the interval inverts the rank-sum test.
Estimate hodges_lehmann_shift(std::span<const double> x, std::span<const double> y, double alpha);

// The three threshold-shifted one-sided tests of one cell, on log times.
struct Tests {
  double p_slower = 1, p_faster = 1, p_same = 1;
  double min_p = 1;  // the smallest p these sizes allow: above alpha, no verdict is possible
};
Tests paired_tests(std::span<const double> log_ratios, double delta);
Tests unpaired_tests(std::span<const double> log_base, std::span<const double> log_new, double delta);

// The same three tests, anytime-valid: for pairs judged as they arrive (a run that measures more
// pairs of the cells still undecided, and looks after every one). Each hypothesis is tested by a
// betting e-process on the signs of the threshold-shifted log ratios: under H0 (e.g. for
// p_slower: median ratio <= +delta) a ratio lands above +delta with probability at most 1/2, so
// the wealth W_n = prod (1 + lambda (2 x_i - 1)), x_i = 1 when it does, averaged over a grid of
// bets lambda, is a nonnegative supermartingale with W_0 = 1; by Ville's inequality
// P(W ever reaches 1/alpha) <= alpha, whenever and however often one looks or stops. p = 1/W_n
// (capped at 1), the reciprocal of an e-value, so Benjamini-Hochberg on these p's is e-BH, which
// controls the false discovery rate across cells under any dependence between them. A ratio
// exactly at the shifted boundary bets nothing. The price of looking at will: more pairs than
// the fixed-size signed-rank test (all n signs one way: W = mean over lambda of (1 + lambda)^n).
// `r` in the order measured (the e-process's filtration); min_p is that best case.
Tests sequential_paired_tests(std::span<const double> r, double delta);
// The pairs sequential_paired_tests needs before it can reach alpha (every sign one way).
std::size_t sequential_pairs_needed(double alpha);

enum class Correction { bh, holm };
std::string_view to_string(Correction c);
// Adjusted p-values (q): reject where q <= alpha. BH: step-up false discovery rate; Holm:
// step-down family-wise error rate.
std::vector<double> adjust(std::span<const double> p, Correction c);

}  // namespace lfbench::compare
