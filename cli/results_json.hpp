// The results file: Google Benchmark's JSON for the run (context + benchmarks, real_time =
// ns per operation) with lfbench's fields added — an `lfbench` object on every benchmark entry
// and lfbench_* keys in the context. Schema: reports/results.schema.json.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../scenarios/harness/results.hpp"
#include "results_file.hpp"

namespace lfbench {

inline constexpr int kSchemaVersion = 1;

// `context` holds the lfbench_* keys to add (machine_context() and run facts).
nlohmann::json results_json(const Results& r, const nlohmann::json& context);

// What a results file of these results would hold for compare, while the run is still measuring
// (run --until-decided asks compare about it after every pair): the cells, their windows as
// samples in the order measured, each cell verified or not; no document is made.
ResultsFile results_so_far(const Results& r, const Plan& plan);

// The cell-level lfbench object (also used by the CSV and table writers).
nlohmann::json cell_json(const CellResult& c, unsigned logical_cpus);

}  // namespace lfbench
