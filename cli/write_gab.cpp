// run's gab format: github-action-benchmark's customSmallerIsBetter, one entry per cell with its
// median ns/op, named by the cell's key (the same whatever -r was, so a series continues
// across runs).
#include "writers.hpp"

namespace lfbench {

using nlohmann::json;

std::string render_gab(const json&, const ResultsFile& f) {
  nlohmann::ordered_json a = nlohmann::ordered_json::array();  // name first, as people read it
  for (const ResultsCell& c : f.cells) {
    const json& l = c.summary;
    const json& st = l["stats"]["ns_per_op"];
    std::string extra = "threads: " + std::to_string(l["threads"].get<int>()) + "\nops/s: " +
                        si(l["ops_per_sec"].get<double>()) + "\ncv: " + fixed(100 * st["cv"].get<double>()) +
                        "%\nverified: " + (l["verification"]["ok"].get<bool>() ? "ok" : "FAILED");
    const std::string flags = flags_text(l["flags"], ",");
    if (!flags.empty()) extra += "\nflags: " + flags;
    a.push_back({{"name", c.key()}, {"unit", "ns/op"}, {"value", st["median"]},
                 {"range", "\u00b1 " + fixed(st["stddev"].get<double>(), 2)}, {"extra", extra}});
  }
  return a.dump(2) + "\n";
}

}  // namespace lfbench
