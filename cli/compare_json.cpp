// compare's JSON format: everything, for scripts and for `lfbench report --diff`.
#include "compare_render.hpp"

namespace lfbench::compare {

using nlohmann::json;

std::string render_json(const Comparison& c, bool) {
  const Options& o = c.options;
  json doc = {{"mode", c.ab ? "ab" : "files"},
              {"options",
               {{"alpha", o.alpha},
                {"threshold_pct", o.aa ? json() : json(c.threshold * 100)},
                {"aa", o.aa ? json(o.aa->file) : json()},
                {"correction", o.correction == Correction::bh ? "bh" : "holm"},
                {"ci_level_pct", 100 * (1 - 2 * o.alpha)},
                {"max_inconclusive_pct", o.max_inconclusive_pct},
                {"allow_missing", o.allow_missing},
                {"relative_to", o.relative_to.empty() ? json() : json(o.relative_to)},
                {"filter", o.filter ? json(o.filter_text) : json()}}},
              {"environment_mismatches", c.env_mismatches},
              {"new_incomplete", c.new_incomplete},
              {"compared", c.compared()},
              {"judged", c.compared() - c.unjudged()},
              {"headline", headline(c)},
              {"exit_code", c.exit_code()}};
  if (c.ab) {
    doc["file"] = c.new_name;
    doc["builds"] = {{{"role", "base"}, {"name", c.base_build}, {"path", c.base_path}},
                     {{"role", "head"}, {"name", c.head_build}, {"path", c.head_path}}};
  } else {
    doc["base"] = c.base_names;
    doc["new"] = c.new_name;
  }
  json& counts = doc["counts"] = json::object();
  for (Verdict v : {Verdict::faster, Verdict::slower, Verdict::same, Verdict::inconclusive, Verdict::missing,
                    Verdict::added, Verdict::invalid})
    counts[std::string(to_string(v))] = c.count(v);
  json& cells = doc["cells"] = json::array();
  for (const auto& r : c.rows) {
    json cell = json::object();
    for (const auto& col : columns()) col.json(c, r, cell);
    if (r.threshold) cell["threshold_pct"] = *r.threshold * 100;
    cells.push_back(std::move(cell));
  }
  json& g = doc["geomeans"] = json::array();
  for (const auto& x : c.geomeans)
    g.push_back({{"scenario", x.scenario.empty() ? json() : json(x.scenario)}, {"ratio", x.ratio}, {"cells", x.cells}});
  return doc.dump(2) + "\n";
}

}  // namespace lfbench::compare
