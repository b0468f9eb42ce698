#include "plan.hpp"

#include <algorithm>

namespace lfbench {

std::string CellPlan::run_name() const {
  std::string n = scenario->id + "/" + primitive->id;
  for (const auto& [k, v] : params.items()) n += "/" + k + ":" + v;
  return n + "/threads:" + std::to_string(threads);
}

std::string CellPlan::display_name() const { return cell_key(run_name(), build); }

unsigned Plan::max_threads() const {
  unsigned m = 1;
  for (const auto& c : cells) m = std::max(m, c.threads);
  return m;
}

std::chrono::nanoseconds Plan::estimate() const {
  using namespace std::chrono_literals;
  std::chrono::nanoseconds t = cells.empty() ? 0ns : 300ms;  // calibration and start-up
  for (const auto& c : cells) t += c.repetitions * (c.warmup + c.duration + 2ms);  // a warm-up before every window
  return t;
}

}  // namespace lfbench
