// lfbench history export: Apache Otava's CSV and Bencher's BMF JSON (see export.hpp).
#include "export.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "../../scenarios/harness/stats.hpp"
#include "../input.hpp"

namespace lfbench::history {

namespace {

// RFC 4180: a field with a comma, quote, CR or LF, or edge spaces, is quoted, quotes doubled.
std::string csv_field(const std::string& v) {
  const bool quote = v.find_first_of(",\"\r\n") != std::string::npos ||
                     (!v.empty() && (v.front() == ' ' || v.back() == ' '));
  if (!quote) return v;
  std::string out = "\"";
  for (const char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::vector<std::string> machine_ids(const History& h) {
  std::set<std::int64_t> used;
  for (const auto& r : h.runs) used.insert(r.machine);
  std::vector<std::string> out;
  for (const auto id : used) out.push_back(h.machine(id).short_id());
  return out;
}

}  // namespace

std::string export_otava_csv(const History& h, std::vector<std::string>& left_out) {
  const std::vector<std::string> machines = machine_ids(h);
  if (machines.size() > 1)
    throw BadInput("--format otava-csv: the selection holds runs of " + std::to_string(machines.size()) +
                   " machines; a series is one machine's; allowed: --machine ID, one of: " + join(machines));
  // Runs that measured at least one selected cell, and each cell's median per run.
  std::map<std::size_t, std::map<std::string, double>> by_run;
  std::set<std::string> cells;
  for (const auto& s : h.series) {
    cells.insert(s.cell);
    for (const auto& p : s.points) by_run[p.run][s.cell] = median(p.ns);
  }
  if (by_run.empty()) throw BadInput("--format otava-csv: no run in the selection (" + h.path + ")");
  std::vector<std::string> columns;
  for (const auto& c : cells) {
    const bool everywhere = std::all_of(by_run.begin(), by_run.end(), [&c](const auto& r) { return r.second.contains(c); });
    (everywhere ? columns : left_out).push_back(c);
  }
  if (columns.empty())
    throw BadInput("--format otava-csv: no cell was measured in every run of the selection; allowed: narrow it with "
                   "--since or --cell (Otava reads every metric of every row)");
  std::string out = "time,commit,branch";
  for (const auto& c : columns) out.append(",").append(csv_field(c));
  out += "\n";
  for (const auto& [run, values] : by_run) {  // run indices are in time order
    const Run& r = h.runs[run];
    out += csv_field(format_time(r.time)) + "," + csv_field(r.commit) + "," + csv_field(r.branch);
    for (const auto& c : columns) out.append(",").append(number(values.at(c)));
    out += "\n";
  }
  return out;
}

nlohmann::json export_bencher(const History& h, std::optional<std::int64_t> run_id) {
  std::optional<std::size_t> index;
  if (run_id) {
    for (std::size_t i = 0; i < h.runs.size(); ++i)
      if (h.runs[i].id == *run_id) index = i;
    if (!index)
      throw BadInput("--run " + std::to_string(*run_id) + ": no such run in the selection (" + h.path +
                     "); allowed: a run id that lfbench history show --runs lists");
  } else {
    if (h.runs.empty()) throw BadInput("--format bencher: no run in the selection (" + h.path + ")");
    index = h.runs.size() - 1;
  }
  nlohmann::json bmf = nlohmann::json::object();
  for (const auto& s : h.series)
    for (const auto& p : s.points)
      if (p.run == *index) {
        const auto [lo, hi] = std::minmax_element(p.ns.begin(), p.ns.end());
        bmf[s.cell] = {{"latency", {{"value", median(p.ns)}, {"lower_value", *lo}, {"upper_value", *hi}}}};
      }
  return bmf;
}

}  // namespace lfbench::history
