// A plan: the list of cells to measure (scenario x primitive x params x threads) with how to
// measure each. Built by the CLI from flags or suite files; run by the runner.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "scenario.hpp"

namespace lfbench {

struct CellPlan {
  const Scenario* scenario = nullptr;
  const PrimitiveEntry* primitive = nullptr;
  Params params;
  unsigned threads = 1;
  std::chrono::nanoseconds duration{std::chrono::milliseconds(200)};  // per window
  std::chrono::nanoseconds warmup{std::chrono::milliseconds(50)};     // before every window, not kept
  unsigned repetitions = 5;
  bool latency = false;

  // Stable id: scenario/primitive/param:value.../threads:N
  std::string run_name() const;
};

struct Plan {
  std::vector<CellPlan> cells;
  unsigned max_threads() const;
  std::chrono::nanoseconds estimate() const;  // measuring time, calibration included
};

}  // namespace lfbench
