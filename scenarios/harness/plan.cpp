#include "plan.hpp"

#include <algorithm>

namespace lfbench {

std::string CellPlan::run_name() const {
  std::string n = scenario->id + "/" + primitive->id;
  for (const auto& [k, v] : params.items()) n += "/" + k + ":" + v;
  if (placement != Placement{}) n += "/pin:" + placement.name();
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
  // A warm-up before every window; an A/B window starts its own worker (~25-35 ms here, which
  // the ETA and --until-decided's default budget left out: they were half the real time).
  const auto per_window = builds.empty() ? 2ms : 30ms;
  for (const auto& c : cells) t += c.repetitions * (c.warmup + c.duration + per_window);
  return t;
}

}  // namespace lfbench
