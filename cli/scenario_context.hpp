// context.lfbench_scenarios: what each scenario a run measured declares for the report (its
// baselines, measures and roles; scenario.hpp), so that the report reads them from the results
// file and knows no scenario by name. Shape (reports/results.schema.json):
//   {"<scenario id>": {"baselines": ["std_mutex", ...], "measures": [["op:read", "reads/s"], ...],
//                      "roles": false}, ...}
#pragma once

#include <nlohmann/json.hpp>

#include "../scenarios/harness/plan.hpp"

namespace lfbench {

// The declarations of the scenarios among the plan's cells (each once, by id). Inline: a source
// file more in cli/ would make 15, a multiple of its unity size, which meson 1.0 miscounts.
inline nlohmann::json scenario_context(const Plan& plan) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& c : plan.cells) {
    const Scenario& s = *c.scenario;
    if (out.contains(s.id)) continue;
    nlohmann::json measures = nlohmann::json::array();
    for (const auto& m : s.measures) measures.push_back({m.key, m.title});
    out[s.id] = {{"baselines", s.baselines}, {"measures", std::move(measures)}, {"roles", s.roles}};
  }
  return out;
}

}  // namespace lfbench
