// The results file as read back: one typed model and its one reader, shared by compare, run's
// writers and run's own checks of an existing file. Written by results_json.cpp; the contract
// is reports/results.schema.json (the Python report reads the same one, reports/lfreport/load.py).
// Reads lfbench files and plain Google Benchmark JSON alike.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace lfbench {

// One measured window of a cell.
struct Sample {
  double ns;                // ns/op
  std::int64_t rep = -1;    // repetition_index (-1: none given)
  bool disturbed = false;   // lfbench.disturbed: others had its CPUs
  double cpu_ns = 0;        // lfbench.cpu_ns_per_op: CPU time per op over all threads (0: absent)
  double lost = -1;         // lfbench.lost_share: the share of the window others took (-1: absent)
  std::int64_t seq = -1;    // lfbench.window_seq: its place in the run's order of windows (-1: absent)
};

// One measured cell (in an A/B file: of one build).
struct ResultsCell {
  std::string id;        // lfbench.id, or the Google Benchmark run_name
  std::string build;     // A/B files: the build that measured it; "" otherwise
  std::string scenario;  // plain Google Benchmark files: the name up to the first '/'
  std::string primitive;
  std::string workload;  // the id without the primitive: the cells a reference normalises
  unsigned threads = 0;  // lfbench.threads (0: not an lfbench file)
  std::vector<Sample> samples;  // file order
  bool verified = true;  // false: verification failed, or the worker hung or crashed
  std::string verification_detail;
  bool noisy = false, disturbed = false, incomplete = false;  // flags lfbench run gave the cell
  // lfbench files: the cell-level lfbench object (its median aggregate, or its only window),
  // everything a writer shows; null in plain Google Benchmark files.
  nlohmann::json summary;
  std::string key() const;  // cell_key(id, build): unique in a file
  std::vector<double> ns() const;
};

// The context keys whose difference makes two files measure different things (ResultsFile::env).
inline constexpr const char* kEnvKeys[] = {"lfbench_cpu_model", "lfbench_logical_cpus", "lfbench_compiler",
                                           "lfbench_build_type", "lfbench_schema_version", "num_cpus"};

struct ResultsFile {
  std::string name;      // as given, for messages
  bool lfbench = false;  // false: plain Google Benchmark JSON
  bool incomplete = false;  // context.lfbench_incomplete: an interrupted run
  std::vector<std::string> builds;  // A/B files: the two build names, base first; else empty
  std::vector<std::string> build_paths;
  // context.lfbench_ab.until_decided: pairs were measured until compare could decide, so only
  // its anytime-valid tests are valid on them (compare uses them on such a file).
  bool until_decided = false;
  nlohmann::json env;    // the context keys whose mismatch is reported
  std::vector<ResultsCell> cells;  // in file order
  // A file lfbench verify wrote: context.lfbench_verify.primitives (id -> {status, detail}),
  // and the lfbench build that wrote it (context.lfbench_git_sha); null and "" otherwise.
  nlohmann::json verify;
  std::string git_sha;
  bool ab() const { return !builds.empty(); }
};

// Throws BadInput (one line, naming `name`) on anything that is not a usable results file:
// limits, JSON, the schema, then what the schema cannot say (duplicates, builds, absurd times).
ResultsFile parse_results(std::string_view text, const std::string& name);
ResultsFile read_results(const std::string& path);
// A document results_json() just made (trusted: not checked against the schema; it may have no
// cell yet), for writers.
ResultsFile results_of(const nlohmann::json& doc);

}  // namespace lfbench
