// lfbench history export: the store in the formats of the tools a team moves to when one file is
// not enough. Each run's figure for a cell is the median ns/op of its clean windows.
//
// - otava-csv: Apache Otava's CSV source (`type: csv`): a header `time,commit,branch,<cell>...`,
//   one row per run in time order, `time` as "2026-01-01 02:00:00 +0000", RFC 4180 quoting. Otava
//   reads every metric column of every row as a number, so only cells measured in every run of
//   the selection are columns (the rest are named in `left_out`), and one machine per file (a
//   series is per machine). Its `branch` column is the one Otava filters with --branch. In
//   otava.yaml, each cell is a metric with `direction: -1` (lower ns/op is better).
// - bencher: the Bencher Metric Format of one run, what `bencher run --adapter json --file F`
//   reads: {"<cell>": {"latency": {"value": median, "lower_value": min, "upper_value": max}}}
//   over the run's clean windows (Bencher's built-in Latency measure is in ns). Bencher takes the
//   commit, branch and testbed on its own command line (--hash, --branch, --testbed): show
//   --runs lists them for each run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store.hpp"

namespace lfbench::history {

// Throws BadInput when the selection spans several machines or no cell is in every run.
std::string export_otava_csv(const History& h, std::vector<std::string>& left_out);
// The run `run_id` (nullopt: the latest of the selection); BadInput when there is none.
nlohmann::json export_bencher(const History& h, std::optional<std::int64_t> run_id);

// The formats' names, for --format and messages.
inline constexpr const char* kExportFormats[] = {"otava-csv", "bencher"};

}  // namespace lfbench::history
