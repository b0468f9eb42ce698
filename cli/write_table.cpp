// run's table format: what `run` prints at the end, aligned for a terminal.
#include <algorithm>
#include <sstream>

#include "writers.hpp"

namespace lfbench {

using nlohmann::json;

namespace {

std::string params_text(const json& params) {
  std::string s;
  for (const auto& [k, v] : params.items()) {
    if (!s.empty()) s += ' ';
    s += k + "=" + param_value(v);
  }
  return s;
}

}  // namespace

std::string render_table(const json&, const ResultsFile& f) {
  std::vector<std::vector<std::string>> rows = {
      {"scenario", "primitive", "params", "threads", "ns/op", "cpu ns/op", "ops/s", "cv%", "fairness", "verified", "flags"}};
  bool latency = false;
  for (const ResultsCell& c : f.cells) latency |= c.summary.contains("latency_ns");
  if (latency) rows[0].insert(rows[0].end() - 2, {"p50 ns", "p99 ns"});
  for (const ResultsCell& c : f.cells) {
    const json& l = c.summary;
    const json& st = l["stats"]["ns_per_op"];
    std::vector<std::string> row = {l["scenario"], l["primitive"], params_text(l["params"]),
                                    std::to_string(l["threads"].get<int>()), fixed(st["median"].get<double>(), 2),
                                    fixed(cpu_ns(l), 2), si(l["ops_per_sec"].get<double>()),
                                    fixed(100 * st["cv"].get<double>(), 1), fixed(l["fairness"]["jain"].get<double>(), 3),
                                    l["verification"]["ok"].get<bool>() ? "ok" : "FAILED", flags_text(l["flags"], ",")};
    if (latency)
      row.insert(row.end() - 2, {l.contains("latency_ns") ? percentile_text(l["latency_ns"], "p50") : "",
                                 l.contains("latency_ns") ? percentile_text(l["latency_ns"], "p99") : ""});
    if (f.ab()) row[1] += "@" + c.build;
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  std::ostringstream o;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      const bool numeric = i >= 3 && i + 2 < r.size();
      const std::string pad(width[i] - r[i].size(), ' ');
      line += (numeric ? pad + r[i] : r[i] + pad) + (i + 1 < r.size() ? "  " : "");
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    o << line << '\n';
  }
  return o.str();
}

}  // namespace lfbench
