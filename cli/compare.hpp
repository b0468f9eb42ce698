// lfbench compare: the CI regression gate, in layers, each a file:
//   reading (results_file.cpp: the one reader of results files) -> rank statistics (rank_stats.cpp,
//   pure) -> judging (compare.cpp: match cells, per cell three one-sided rank tests shifted by the
//   threshold (slower? faster? the same within it?) and a confidence interval, multiple-comparison
//   control, a verdict per cell) -> rendering (compare_render.cpp: one column table, drawn as
//   text, Markdown, JSON or JUnit by compare_<format>.cpp).
//
// Two kinds of evidence, in order of strength:
// - An A/B file (lfbench run --ab base=.. --ab head=..): repetition k of a cell in each build was
//   measured back to back, in random order, so the pair saw the same machine. Per cell: the log
//   ratios r_k = ln(head_k / base_k), a Wilcoxon signed-rank test on them, the Hodges-Lehmann
//   estimate (median of the Walsh averages) and its confidence interval (inverting the test).
//   Why signed-rank: exact at the handful of pairs CI affords (5-10), no normality assumption,
//   and one odd pair (a preempted window) counts as one rank however far off it is. A bootstrap
//   of 5-10 pairs undercovers (it cannot see beyond the few values it resamples); a t-test trusts
//   a normality 5 pairs cannot show. Zero differences are dropped (Wilcoxon's rule, not Pratt's):
//   after the threshold shift they practically never occur, and dropping keeps the exact null a
//   plain sign-flip distribution. A pair with a window disturbed by other processes is kept only
//   when both its windows lost alike (compare.cpp, lost_alike).
// - Separate files (one or several base runs, one new run): a Mann-Whitney rank-sum test on the
//   log times, the ratio of medians and the two-sample Hodges-Lehmann interval. Between runs the
//   machine moves more than within one, so a change must also exceed the threshold and, with
//   several bases, the run-to-run spread the bases show.
//
// The three tests per cell, with delta = ln(1 + threshold) (the effective delta in file mode):
//   p_slower: H0 shift <= +delta (upper tail on r - delta); p_faster: H0 shift >= -delta (lower
//   tail on r + delta); p_same: the equivalence test (TOST), the larger of the two p's that the
//   shift is below +delta and above -delta. Exact null distributions (doubled midranks keep ties
//   integer) up to 50 pairs / 40 pooled repetitions, normal approximation with tie correction
//   beyond. The interval shown is the two-sided (1 - 2 alpha) one: the one consistent with the
//   one-sided tests at alpha (90% at alpha 0.05).
//
// Across cells: Benjamini-Hochberg at alpha over each family (p_slower, p_faster, p_same). The
// gate fails on any discovery; when every cell is unchanged (A/A) BH keeps the chance of any
// false regression at alpha, as Holm does. It has more power when a regression shows in several
// cells at once (a slow primitive shows at every thread count), and for `same` it lets
// consistent cells be judged together, where Holm would need each to clear alpha/m and leave
// most cells of a CI-sized run inconclusive. --correction holm is there for who wants the
// stricter family-wise control.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rank_stats.hpp"
#include "results_file.hpp"

namespace lfbench::compare {

// ---- comparing ----

// `added`: only in the new file (printed "new": informational).
enum class Verdict { faster, slower, same, inconclusive, missing, added, invalid };
std::string_view to_string(Verdict v);

// Default thresholds. Separate files: wide enough that A/A runs of the quick suite on a shared
// machine raise no false regression (the tuning runs are in the issue notes, not here). A/B: the
// pairs cancel the drift between runs that the files' threshold absorbs, so half of it.
inline constexpr double kThresholdFiles = 0.10;
inline constexpr double kThresholdAB = 0.05;

// An A/A file's thresholds (--aa): per cell, the farther end of the interval two identical
// builds left (floor kAaFloor); a cell it lacks, or measured with too few pairs, keeps the
// default (kThresholdAB).
inline constexpr double kAaFloor = 0.01;
struct AaThresholds {
  std::string file;
  std::map<std::string, double> by_cell;
  std::set<std::string> measured;  // cells in the file, with an interval or not
  double smallest = 0, largest = 0;
};

struct Options {
  double alpha = 0.05;
  std::optional<double> threshold;  // relative change that counts (0.10 = 10%); unset: by mode
  std::optional<AaThresholds> aa;   // A/B files: per-cell thresholds from an A/A run instead
  Correction correction = Correction::bh;
  double max_inconclusive_pct = 0;  // share of compared cells allowed unjudged before exit 4
  bool allow_missing = false;       // cells missing from the new file are listed, not failed
  // A/B: anytime-valid tests (sequential_paired_tests), for pairs judged as they came: valid
  // however often the run looked before it stopped. Off: the exact fixed-size signed-rank test.
  bool sequential = false;
  std::string relative_to;          // two-file mode: a primitive id, or "" for absolute times
  std::optional<std::regex> filter;
  std::string filter_text;
};

struct Row {
  std::string id, scenario;
  Verdict verdict = Verdict::inconclusive;
  std::size_t n_base = 0, n_new = 0;      // repetitions of each side (A/B: windows of each build)
  std::size_t pairs = 0, pairs_dropped = 0;  // A/B: pairs used, pairs left out (disturbed)
  double base = 0, next = 0;  // median ns/op, or median ratio to the reference with --relative-to
  double ratio = 0;           // new / base: > 1 is slower. A/B: exp(HL); files: ratio of medians
  std::optional<double> ci_low, ci_high;  // the (1 - 2 alpha) interval of the ratio
  std::optional<double> p_slower, p_faster, p_same;  // absent: not tested
  std::optional<double> q;    // the adjusted p of the verdict's test (inconclusive: of `same`)
  // Minimum detectable effect: the smallest slowdown (0.12 = +12%) this cell's noise let it call:
  // the threshold plus its interval's half-width. Absent when untested or without an interval.
  std::optional<double> mde;
  std::optional<double> threshold;  // this cell's own, from --aa (else the comparison's)
  std::string note;           // why not judged, or what else to know
  bool in_both = false;       // measured on both sides: a compared cell
  bool fails = false;         // makes the gate exit 1
};

struct Geomean {
  std::string scenario;  // "" = overall
  double ratio = 1;
  std::size_t cells = 0;
};

struct Comparison {
  bool ab = false;                        // mode: an A/B file, or separate files
  Options options;
  double threshold = kThresholdFiles;     // in effect
  std::vector<std::string> base_names;    // files; A/B: the one file
  std::string new_name;
  std::string base_build, head_build;     // A/B: the builds' names and paths
  std::string base_path, head_path;
  std::vector<std::string> env_mismatches;  // "lfbench_cpu_model: 'A' vs 'B'"
  bool new_incomplete = false;            // the new (A/B: the) file is from an interrupted run
  std::vector<Row> rows;
  std::vector<Geomean> geomeans;          // per scenario, then overall
  std::size_t count(Verdict v) const;
  std::size_t compared() const;           // cells in both sides
  std::size_t unjudged() const;           // compared cells neither faster, slower nor same
  int exit_code() const;                  // 0, 1 or 4 (see README: `lfbench compare`)
};

// Several base runs (pooled; their spread widens what counts) against a new one. Throws
// BadInput when no cell is in common, an input is an A/B file, or --relative-to names a
// primitive a file lacks.
Comparison compare(std::span<const ResultsFile> bases, const ResultsFile& next, const Options& o);
inline Comparison compare(const ResultsFile& base, const ResultsFile& next, const Options& o) {
  return compare(std::span<const ResultsFile>(&base, 1), next, o);
}
// An A/B file: head against base, pair by pair. Throws BadInput for a file that is not A/B, or
// with --relative-to.
Comparison compare_ab(const ResultsFile& ab, const Options& o);
// The thresholds an A/A file (an A/B run of one build against itself) supports at o.alpha.
// Throws BadInput when it is not an A/B file or no cell of it has an interval.
AaThresholds aa_thresholds(const ResultsFile& aa, const Options& o);

// Renders by format name (compare_render.cpp's list: text, md, json, junit). Throws
// std::invalid_argument for a name not in it.
std::string render(const Comparison& c, std::string_view format, bool color);
std::vector<std::string_view> formats();

// Text shared by the verdicts' notes and the renderers.
std::string fmt(const char* f, double x);
std::string pct(double ratio);  // "+8.0%" for 1.08
std::string ci_label(const Comparison& c);  // "90% CI"
std::string ci_text(const Row& r);  // "+1.0% .. +3.2%", "-" when there is none

}  // namespace lfbench::compare
