// A plan: the list of cells to measure (scenario x primitive x params x threads) with how to
// measure each. Built by the CLI from flags or suite files; run by the runner.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "scenario.hpp"
#include "topology.hpp"

namespace lfbench {

// A cell's key within one results file: its id, with "@build" in an A/B run (the same id is
// measured once per build). Made here only; results files, writers and compare use this.
inline std::string cell_key(const std::string& id, const std::string& build) {
  return build.empty() ? id : id + "@" + build;
}

struct CellPlan {
  const Scenario* scenario = nullptr;
  const PrimitiveEntry* primitive = nullptr;
  Params params;
  unsigned threads = 1;
  std::chrono::nanoseconds duration{std::chrono::milliseconds(200)};  // per window
  std::chrono::nanoseconds warmup{std::chrono::milliseconds(50)};     // before every window, not kept
  unsigned repetitions = 5;
  bool latency = false;
  bool perturb = false;  // lfbench verify's cells: the schedule perturbed (Worker::Setup::perturb)
  std::string build;  // A/B runs: the name of the build that measures it; "" otherwise
  Placement placement;  // where its threads run (topology.hpp)

  // Stable id: scenario/primitive/param:value.../threads:N (the same in every build), with
  // /pin:NAME before threads when the placement is not the default (cores)
  std::string run_name() const;
  // The id, with "@build" in an A/B run: unique within a run.
  std::string display_name() const;
};

// A/B runs: one lfbench binary per build, each measured by its own worker (--ab NAME=PATH).
struct Build {
  std::string name, path;
};

struct Plan {
  std::vector<CellPlan> cells;
  std::vector<Build> builds;  // empty: one build, this binary
  unsigned max_threads() const;
  std::chrono::nanoseconds estimate() const;  // measuring time, calibration included
};

}  // namespace lfbench
