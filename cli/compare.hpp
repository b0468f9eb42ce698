// lfbench compare: the CI regression gate. Pure functions, no I/O except read_results():
//   read + validate two results files -> match cells -> per cell a Mann-Whitney U test over the
//   repetitions and a verdict -> geometric-mean summaries -> text / Markdown / JSON.
//
// Why Mann-Whitney and not a t-test: window times on a shared machine are skewed and have
// outliers (a preempted window); the U test only uses ranks. Why exact: at the handful of
// repetitions a CI run affords, the normal approximation misstates small p-values; the exact
// permutation distribution (midranks for ties) costs microseconds at these sizes. It also tells
// when the sizes make p < alpha impossible (3 vs 3): that cell is too-few-repetitions, not same.
//
// Why a threshold as well as a p-value: repetitions within one run are not independent of the
// machine's state during that run, so between two runs the U test sees drift as a real shift.
// A regression needs both p < alpha and a median slowdown above the threshold; --relative-to
// cancels drift that moves every primitive of a workload together.
#pragma once

#include <cstddef>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace lfbench::compare {

// One measured cell: the ns/op of each repetition, in file order.
struct Cell {
  std::string id;        // lfbench.id, or the Google Benchmark run_name
  std::string scenario;  // "" for plain Google Benchmark files
  std::string primitive;
  std::string workload;  // the id without the primitive: the cells a reference normalises
  std::vector<double> ns;
  bool verified = true;
  std::string verification_detail;
  bool noisy = false;  // flagged by lfbench run
};

struct ResultsFile {
  std::string name;  // as given, for messages
  bool lfbench = false;  // false: plain Google Benchmark JSON
  nlohmann::json env;    // the context keys whose mismatch is reported
  std::vector<Cell> cells;
};

// Throws BadInput (one line, naming `name`) on anything that is not a usable results file.
ResultsFile parse_results(std::string_view text, const std::string& name);
ResultsFile read_results(const std::string& path);

// Two-sided p-value of the Mann-Whitney U test (exact for small samples, normal approximation
// with tie correction otherwise). 1 when either side is empty.
double mann_whitney_p(std::span<const double> a, std::span<const double> b);
// The smallest two-sided p the test can give for these sample sizes (no ties).
double min_p(std::size_t n1, std::size_t n2);

enum class Verdict { faster, slower, same, noisy, too_few_repetitions, only_in_base, only_in_new, invalid };
std::string_view to_string(Verdict v);

struct Options {
  double alpha = 0.05;
  // Relative change of the median that counts (0.10 = 10%). Tuned on A/A runs of the quick
  // suite on a shared 2-core machine: 5% and 8% each let one false regression through in three
  // pairs, 10% none, and a 12% slowdown of one primitive was still caught in its tight cells.
  double threshold = 0.10;
  std::string relative_to;  // a primitive id, or "" for absolute times
  std::optional<std::regex> filter;
  std::string filter_text;
};

struct Row {
  std::string id, scenario;
  Verdict verdict = Verdict::same;
  std::size_t n_base = 0, n_new = 0;
  double base = 0, next = 0;  // median ns/op, or median ratio to the reference with --relative-to
  double ratio = 0;           // next / base: > 1 is slower
  double p = 1;
  std::string note;           // why invalid or noisy, or "absolute" when no reference was measured
};

struct Geomean {
  std::string scenario;  // "" = overall
  double ratio = 1;
  std::size_t cells = 0;
};

struct Comparison {
  Options options;
  std::string base_name, new_name;
  std::vector<std::string> env_mismatches;  // "lfbench_cpu_model: 'A' vs 'B'"
  std::vector<Row> rows;
  std::vector<Geomean> geomeans;  // per scenario, then overall
  bool new_verification_failed = false;
  bool regressed() const;
  int exit_code() const { return regressed() || new_verification_failed ? 1 : 0; }
};

// The verdict for one matched cell from its samples (already normalised in relative mode).
Verdict judge(std::span<const double> base, std::span<const double> next, bool flagged_noisy, const Options& o,
              double* p_out = nullptr);

// Throws BadInput when no cell is in common, or --relative-to names a primitive neither file has.
Comparison compare(const ResultsFile& base, const ResultsFile& next, const Options& o);

enum class Format { text, md, json };
std::string render(const Comparison& c, Format f, bool color);

}  // namespace lfbench::compare
