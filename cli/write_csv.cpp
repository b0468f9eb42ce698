// run's CSV format: one row per cell, one column per parameter (the union over the file's
// cells, in first-seen order, empty where a cell has no such parameter) so a spreadsheet can
// sort and filter by each; cv in percent, as the table shows it.
#include <algorithm>
#include <sstream>

#include "writers.hpp"

namespace lfbench {

using nlohmann::json;

namespace {

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

std::string render_csv(const json&, const ResultsFile& f) {
  std::vector<std::string> params;
  for (const ResultsCell& c : f.cells)
    for (const auto& [k, v] : c.summary["params"].items())
      if (std::find(params.begin(), params.end(), k) == params.end()) params.push_back(k);
  std::ostringstream o;
  o << "scenario,primitive" << (f.ab() ? ",build" : "");
  for (const auto& k : params) o << ',' << csv_quote(k);
  o << ",threads,ns_per_op,cpu_ns_per_op,ops_per_sec,cv_pct,min_ns_per_op,max_ns_per_op,"
       "jain,min_share,max_share,jain_cpu,p50_ns,p99_ns,discarded_windows,verified,flags\n";
  for (const ResultsCell& c : f.cells) {
    const json& l = c.summary;
    const json& st = l["stats"]["ns_per_op"];
    o << csv_quote(l["scenario"]) << ',' << csv_quote(l["primitive"]);
    if (f.ab()) o << ',' << csv_quote(c.build);
    for (const auto& k : params) o << ',' << (l["params"].contains(k) ? csv_quote(param_value(l["params"][k])) : "");
    o << ',' << l["threads"] << ',' << st["median"].get<double>() << ',' << cpu_ns(l) << ','
      << l["ops_per_sec"].get<double>() << ',' << 100 * st["cv"].get<double>() << ',' << st["min"].get<double>() << ','
      << st["max"].get<double>() << ',' << l["fairness"]["jain"].get<double>() << ','
      << l["fairness"]["min_share"].get<double>() << ',' << l["fairness"]["max_share"].get<double>() << ','
      << (l.contains("fairness_cpu") ? l["fairness_cpu"]["jain"].get<double>() : 0.0) << ','
      << (l.contains("latency_ns") ? percentile_text(l["latency_ns"], "p50") : "") << ','
      << (l.contains("latency_ns") ? percentile_text(l["latency_ns"], "p99") : "") << ','
      << (l.contains("discarded_windows") ? l["discarded_windows"].size() : 0) << ','
      << (l["verification"]["ok"].get<bool>() ? "yes" : "NO") << ',' << csv_quote(flags_text(l["flags"], ";")) << '\n';
  }
  return o.str();
}

}  // namespace lfbench
