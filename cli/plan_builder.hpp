// From what the user asked for (flags, or a suite file of scenario invocations) to a Plan:
// every name checked against the registry, every value against its parameter's range.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../scenarios/harness/plan.hpp"

namespace lfbench {

// One scenario invocation with its sweeps; unset fields take the defaults below.
struct RunRequest {
  std::string scenario;
  std::vector<std::string> primitives;  // ids or globs; empty = all
  std::optional<std::vector<unsigned>> threads;
  std::vector<std::pair<std::string, std::vector<std::string>>> params;  // name -> sweep
  std::optional<std::chrono::nanoseconds> duration, warmup;
  std::optional<unsigned> repetitions;
  std::optional<bool> latency;
  std::string origin;  // where it came from, for error messages ("suite.json:12")
};

inline constexpr auto kDefaultDuration = std::chrono::milliseconds(200);
inline constexpr auto kDefaultWarmup = std::chrono::milliseconds(50);  // before every window
inline constexpr unsigned kDefaultRepetitions = 5;
// run --ab without a suite: many short pairs. A/A std_mutex at 2 threads, equal measuring time
// (issue 28's note): the interval's width x sqrt(wall seconds) was 4.1-6.2 with 60 pairs of
// 20 ms windows, 4.7-18.6 with 24 of 50 ms, 6.5-14 with 12 of 100 ms, 5.9-10.7 with 6 of 200 ms:
// what differs between two windows is mostly which process, placement and moment each had, not
// how long it ran, so pairs narrow the interval and length does not. A worker starts per window
// (about 35 ms here), so its warm-up is short too.
inline constexpr unsigned kDefaultAbRepetitions = 20;  // pairs per cell
inline constexpr auto kDefaultAbDuration = std::chrono::milliseconds(20);
inline constexpr auto kDefaultAbWarmup = std::chrono::milliseconds(10);
inline const std::vector<unsigned> kDefaultThreads = {1, 2, 4};
inline constexpr unsigned kMaxRepetitions = 1000;
// More cells than anyone measures (at the smallest window it would take hours); bounds the
// memory a sweep over every value of several parameters could take.
inline constexpr std::size_t kMaxCells = 100000;
// The shortest window worth measuring: it must span several scheduler ticks (4 ms at the
// common HZ=250) and thousands of operations, or one preemption is the whole figure.
inline constexpr auto kMinWindow = std::chrono::milliseconds(10);
inline constexpr auto kMaxWindow = std::chrono::hours(1);  // parse_duration's bound

// A suite file: its runs, and what it is for. questions (a JSON list, checked for shape by the
// reader): what the suite answers, each {id, text, kind (ratio, best, crossover, scaling, metric,
// correctness, unanswerable), scenario, where, threads, baseline, primitives, along, measure,
// guess, needs_cpus, why}; `run --suite` writes them into the results (context.lfbench_suite) and the
// report answers each from the cells measured.
struct Suite {
  std::string name, description, purpose, case_id;
  nlohmann::json questions = nlohmann::json::array();
  std::vector<RunRequest> runs;
};

// `runs` from a suite (or one built from flags); `flags` holds what the command line set,
// which overrides every run (its primitives act as a filter on suite runs).
Plan build_plan(const std::vector<RunRequest>& runs, const RunRequest& flags, bool from_suite);

// A suite by name (scenarios/suites/NAME.json, installed beside the binary) or by path.
std::vector<RunRequest> load_suite(const std::string& name_or_path);
Suite load_suite_file(const std::string& name_or_path);
std::vector<std::string> suite_names();

// lfbench verify's plan (the build checks happens-before under ThreadSanitizer): for each
// primitive matching `primitives` (if empty: all but the known-broken ones), every scenario it joins among `scenarios` (all
// if empty), at each scenario's verify_params, 2 and 4 threads and an oversubscribed count,
// in short windows with the schedule perturbed, back to back, as many as fit `budget` per
// primitive (at least kMinVerifyWindows per cell).
inline constexpr auto kVerifyWindow = std::chrono::milliseconds(20);
inline constexpr auto kDefaultVerifyBudget = std::chrono::seconds(15);
inline constexpr unsigned kMinVerifyWindows = 3, kMaxVerifyWindows = 50;
std::vector<unsigned> verify_threads();
Plan verify_plan(const std::vector<std::string>& primitives, const std::vector<std::string>& scenarios,
                 std::chrono::nanoseconds budget);

// A cell that did not come from build_plan (a journal's plan): every value checked as the
// flags would be; throws BadInput naming `where`.
void check_cell(const CellPlan& c, const std::string& where);

// A/B runs: `--ab NAME=PATH` values -> the builds, base first (exactly two, names distinct and
// [A-Za-z0-9_.-]{1,32}, PATH an executable file, kept as an absolute path).
std::vector<Build> parse_builds(const std::vector<std::string>& ab);
void check_build(const Build& b, const std::string& where);
// Every cell once per build, the builds of a cell side by side.
void split_builds(Plan& plan, const std::vector<Build>& builds);

// --pin's value: a comma list of placements (topology.hpp; cpus:LIST keeps its own commas).
std::vector<Placement> parse_placements(const std::string& text);
// Every cell once per placement. A cell a placement cannot honour (more threads than one L3
// domain or the CPUs listed hold) is left out: returned as "ID: why", for the caller to say.
// Throws BadInput if no cell is left.
std::vector<std::string> place_cells(Plan& plan, const std::vector<Placement>& placements, const Topology& topo);
// Suite parsing from text (exposed for tests); `file` names it in errors.
std::vector<RunRequest> parse_suite(const std::string& text, const std::string& file);
Suite parse_suite_doc(const std::string& text, const std::string& file);

}  // namespace lfbench
