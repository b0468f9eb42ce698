#include "results.hpp"

#include <algorithm>

namespace lfbench {

Summary CellResult::ns_per_op() const {
  std::vector<double> v;
  v.reserve(windows.size());
  for (const auto& w : windows)
    v.push_back(w.seconds * 1e9 / static_cast<double>(std::max<std::uint64_t>(1, w.total_ops())));
  return summarize(v);
}

bool CellResult::valid() const {
  return failure.empty() && std::all_of(windows.begin(), windows.end(), [](const WindowResult& w) { return w.verdict.ok; });
}

std::size_t CellResult::disturbed_windows() const {
  return static_cast<std::size_t>(
      std::count_if(windows.begin(), windows.end(), [](const WindowResult& w) { return w.judgement.disturbed; }));
}

std::vector<std::string> CellResult::flags(unsigned logical_cpus) const {
  std::vector<std::string> f;
  // A disturbed cell says why its figures are off; calling it noisy as well would blame the
  // primitive for the machine.
  if (disturbed_windows() > 0) f.push_back("disturbed");
  else if (windows.size() > 1 && is_noisy(ns_per_op())) f.push_back("noisy");
  if (plan.threads > logical_cpus) f.push_back("oversubscribed");
  if (!failure.empty()) f.push_back(failure);
  if (!valid()) f.push_back("invalid");
  if (!complete && failure.empty()) f.push_back("incomplete");  // interrupted: fewer windows than planned
  // Measured only to show its oracle catching it: reports never rank it.
  if (plan.primitive != nullptr && plan.primitive->traits.known_broken) f.push_back("known_broken");
  // A paced thread (a writer at updates_per_sec, a reader at snapshot_per_sec) that made fewer
  // than kMinPacedEvents events in a window: its figures (achieved rate, the cost readers paid
  // for it) rest on a handful of events or none; reports do not rank the cell.
  for (const auto& w : windows)
    if (const auto it = std::find_if(w.metrics.begin(), w.metrics.end(), [](const auto& m) { return m.first == kPacedEventsMetric; });
        it != w.metrics.end() && it->second < kMinPacedEvents) {
      f.push_back("underpaced");
      break;
    }
  return f;
}

bool Results::all_valid() const {
  return std::all_of(cells.begin(), cells.end(), [](const CellResult& c) { return c.valid(); });
}

}  // namespace lfbench
