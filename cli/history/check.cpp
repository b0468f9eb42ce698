// lfbench history check and show: judging and rendering (see check.hpp).
#include "check.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "../../scenarios/harness/stats.hpp"
#include "../input.hpp"

namespace lfbench::history {

namespace {

using compare::Verdict;
using compare::fmt;
using compare::pct;

std::vector<RunSample> samples_of(const Series& s) {
  std::vector<RunSample> out;
  for (const Point& p : s.points) {
    RunSample r;
    for (const double ns : p.ns) r.log_ns.push_back(std::log(ns));
    out.push_back(std::move(r));
  }
  return out;
}

std::string ci_level(const CheckOptions& o) { return fmt("%g", 100 * (1 - 2 * o.alpha)) + "% CI"; }

std::string interval(const Step& s) {
  return s.ci_low ? pct(*s.ci_low) + " .. " + pct(*s.ci_high) : std::string("none (too few runs)");
}

std::string p_text(double p) { return p >= 0.001 ? fmt("%.3f", p) : fmt("%.1e", p); }

const Run& run_at(const History& h, const Series& s, std::size_t i) { return h.runs[s.points[i].run]; }

std::string run_name(const Run& r) { return "commit " + r.commit + " (" + r.date + ")"; }

// Kernel, compiler or host that differ between the runs on either side of a change.
std::string also_changed(const Run& a, const Run& b) {
  std::vector<std::string> what;
  if (a.kernel != b.kernel) what.push_back("kernel " + a.kernel + " -> " + b.kernel);
  if (a.compiler != b.compiler) what.push_back("compiler " + a.compiler + " -> " + b.compiler);
  if (a.host != b.host) what.push_back("host " + a.host + " -> " + b.host);
  return join(what, "; ");
}

std::string step_text(const CheckReport& r, const SeriesCheck& c, const Step& s) {
  const History& h = *r.history;
  const Run& before = run_at(h, *c.series, s.at - 1);
  const Run& after = run_at(h, *c.series, s.at);
  std::string t = "between " + run_name(before) + " and " + run_name(after) + ": " + pct(s.ratio) + " (" +
                  ci_level(r.options) + " " + interval(s) + "; runs " + std::to_string(s.from + 1) + "-" +
                  std::to_string(s.at) + " vs " + std::to_string(s.at + 1) + "-" + std::to_string(s.to) + ", p " +
                  p_text(s.p) + "): " + std::string(compare::to_string(s.verdict));
  if (const std::string other = also_changed(before, after); !other.empty()) t += "; also changed: " + other;
  return t;
}

nlohmann::json opt(const std::optional<double>& x) { return x ? nlohmann::json(*x) : nlohmann::json(); }

nlohmann::json step_json(const History& h, const Series& ser, const Step& s) {
  const Run& before = h.runs[ser.points[s.at - 1].run];
  const Run& after = h.runs[ser.points[s.at].run];
  return {{"index", s.at},
          {"run_before", before.id},
          {"run_after", after.id},
          {"commit_before", before.commit},
          {"commit_after", after.commit},
          {"date_before", before.date},
          {"date_after", after.date},
          {"segment_before", {s.from, s.at}},
          {"segment_after", {s.at, s.to}},
          {"ratio", s.ratio},
          {"ci_low", opt(s.ci_low)},
          {"ci_high", opt(s.ci_high)},
          {"p", s.p},
          {"p_slower", s.tests.p_slower},
          {"p_faster", s.tests.p_faster},
          {"p_same", s.tests.p_same},
          {"verdict", compare::to_string(s.verdict)},
          {"also_changed", also_changed(before, after)}};
}

std::string series_name(const History& h, const Series& s) { return s.cell + " on " + h.machine(s.machine).short_id(); }

}  // namespace

std::size_t CheckReport::count(Verdict v) const {
  return static_cast<std::size_t>(std::count_if(series.begin(), series.end(), [v](const SeriesCheck& c) { return c.verdict == v; }));
}

int CheckReport::exit_code() const {
  if (count(Verdict::slower) > 0) return 1;
  if (count(Verdict::inconclusive) > 0) return 4;
  return 0;
}

std::string CheckReport::headline() const {
  const auto names = [this](Verdict v) {
    std::vector<std::string> out;
    for (const auto& c : series)
      if (c.verdict == v) out.push_back(series_name(*history, *c.series));
    if (out.size() > 3) {
      const std::size_t more = out.size() - 3;
      out.resize(3);
      out.push_back(std::to_string(more) + " more");
    }
    return join(out);
  };
  if (series.empty()) return "nothing to judge: no series in the selection";
  std::string t;
  if (const std::size_t n = count(Verdict::slower))
    t = "regression: " + std::to_string(n) + " series slower at their latest change (" + names(Verdict::slower) + ")";
  else
    t = "no regression";
  const std::size_t inc = count(Verdict::inconclusive);
  if (inc) t += (t == "no regression" ? ", but " : "; ") + std::to_string(inc) + " of " + std::to_string(series.size()) +
                " series inconclusive (" + names(Verdict::inconclusive) + ")";
  else if (t == "no regression")
    t += ": every series judged (" + std::to_string(count(Verdict::same)) + " same, " +
         std::to_string(count(Verdict::faster)) + " faster)";
  return t;
}

CheckReport check(const History& h, const CheckOptions& o) {
  CheckReport r;
  r.history = &h;
  r.options = o;
  r.options.detect.alpha = o.alpha;
  const DetectOptions& d = r.options.detect;
  const std::size_t need = min_runs(d);

  std::vector<std::vector<RunSample>> samples;
  std::vector<std::optional<Split>> first;
  std::vector<std::size_t> tested;  // indices of series with a first split
  std::vector<double> p;
  // Benjamini-Hochberg across m series needs p's down to alpha / m: enough permutations for it.
  DetectOptions family = d;
  family.permutations = std::max<std::size_t>(
      d.permutations, std::min<std::size_t>(200000, static_cast<std::size_t>(20.0 * static_cast<double>(h.series.size()) / o.alpha)));
  for (const Series& s : h.series) {
    SeriesCheck c;
    c.series = &s;
    c.runs = s.points.size();
    samples.push_back(samples_of(s));
    first.emplace_back();
    if (c.runs >= need) {
      const auto sp = best_split(samples.back(), 0, c.runs, family, seed_of(s.cell + "@" + h.machine(s.machine).fingerprint));
      if (sp) {
        c.p_first = sp->p;
        first.back() = sp;
        tested.push_back(r.series.size());
        p.push_back(sp->p);
      }
    }
    r.series.push_back(std::move(c));
  }
  const std::vector<double> q = compare::adjust(p, compare::Correction::bh);
  for (std::size_t k = 0; k < tested.size(); ++k) r.series[tested[k]].q_first = q[k];

  for (std::size_t i = 0; i < r.series.size(); ++i) {
    SeriesCheck& c = r.series[i];
    const Series& s = *c.series;
    const std::vector<RunSample>& runs = samples[i];
    std::vector<std::string> out;
    if (s.failed) out.push_back(std::to_string(s.failed) + " failed");
    if (s.all_disturbed) out.push_back(std::to_string(s.all_disturbed) + " wholly disturbed");
    if (s.no_reference) out.push_back(std::to_string(s.no_reference) + " without " + o.relative_to);
    const std::string left_out = out.empty() ? "" : " (runs left out: " + join(out) + ")";
    if (c.runs < need) {
      c.verdict = Verdict::inconclusive;
      c.note = "too short: " + std::to_string(c.runs) + " runs; a change needs at least " + std::to_string(need) +
               " (" + std::to_string(d.min_segment) + " a side, p <= " + fmt("%g", o.alpha) + ")" + left_out;
      continue;
    }
    if (c.q_first && *c.q_first <= o.alpha) {
      const std::vector<Split> at = segment(runs, d, seed_of(s.cell + "@" + h.machine(s.machine).fingerprint), first[i]);
      for (std::size_t k = 0; k < at.size(); ++k) {
        const std::size_t from = k == 0 ? 0 : at[k - 1].at;
        const std::size_t to = k + 1 == at.size() ? runs.size() : at[k + 1].at;
        Step st = describe(runs, from, at[k].at, to, o.alpha, o.threshold);
        st.p = at[k].p;
        c.steps.push_back(st);
      }
    }
    if (!c.steps.empty()) {
      const Step& last = c.steps.back();
      c.verdict = last.verdict;
      c.note = std::to_string(c.steps.size()) + " change point" + (c.steps.size() > 1 ? "s" : "") + "; the latest " +
               step_text(r, c, last) + left_out;
    } else {
      const std::size_t half = runs.size() / 2;
      c.halves = describe(runs, 0, half, runs.size(), o.alpha, o.threshold);
      const Step& hv = *c.halves;
      c.verdict = hv.verdict;
      const std::string p_part = c.p_first ? "p " + p_text(*c.p_first) + (c.q_first ? ", q " + p_text(*c.q_first) : "")
                                           : "every run alike";
      c.note = "no change point (" + p_part + "); second half vs first " + pct(hv.ratio) + " (" + ci_level(r.options) +
               " " + interval(hv) + "): " +
               (hv.verdict == Verdict::same           ? "within the threshold"
                : hv.verdict == Verdict::inconclusive ? "the noise could hide a change of the threshold's size"
                                                      : "a drift beyond the threshold, without a step") +
               left_out;
    }
  }
  return r;
}

History relative_history(const History& h, const std::string& primitive, const std::string& cell_glob) {
  History out;
  out.path = h.path;
  out.schema_version = h.schema_version;
  out.machines = h.machines;
  out.runs = h.runs;
  // (workload, machine) -> the reference's median per run index
  std::map<std::pair<std::string, std::int64_t>, std::map<std::size_t, double>> reference;
  std::set<std::string> primitives;
  for (const Series& s : h.series) {
    primitives.insert(s.primitive);
    if (s.primitive != primitive) continue;
    auto& by_run = reference[{s.workload, s.machine}];
    for (const Point& p : s.points) by_run[p.run] = median(p.ns);
  }
  if (!primitives.contains(primitive))
    throw BadInput("--relative-to " + primitive + ": not a primitive of " + h.path + "'s selection; allowed: " +
                   join(std::vector<std::string>(primitives.begin(), primitives.end())));
  for (const Series& s : h.series) {
    if (s.primitive == primitive) continue;
    if (!cell_glob.empty() && fnmatch(cell_glob.c_str(), s.cell.c_str(), 0) != 0) continue;
    const auto ref = reference.find({s.workload, s.machine});
    static const std::map<std::size_t, double> none;
    const auto& by_run = ref == reference.end() ? none : ref->second;
    Series r = s;
    r.points.clear();
    for (const Point& p : s.points) {
      const auto it = by_run.find(p.run);
      if (it == by_run.end()) {
        ++r.no_reference;
        continue;
      }
      Point q = p;
      for (double& ns : q.ns) {
        ns /= it->second;
        if (!(std::isfinite(ns) && ns > 0))  // figures apart by 300 decades: no run measures so
          throw BadInput(h.path + ": " + s.cell.substr(0, 200) + " relative to " + primitive + " is out of range in run " +
                         std::to_string(h.runs[p.run].id) + "; allowed: figures the results reader accepts");
      }
      r.points.push_back(std::move(q));
    }
    out.series.push_back(std::move(r));
  }
  return out;
}

std::string render_check_text(const CheckReport& r) {
  const History& h = *r.history;
  std::ostringstream out;
  out << "lfbench history check: " << h.path << " (" << h.runs.size() << " runs, " << r.series.size()
      << " series; alpha " << fmt("%g", r.options.alpha) << ", threshold " << fmt("%g", r.options.threshold * 100)
      << "%, " << ci_level(r.options)
      << (r.options.relative_to.empty() ? "" : "; times relative to " + r.options.relative_to + " in the same run")
      << ")\n";
  std::set<std::int64_t> used;
  for (const auto& c : r.series) used.insert(c.series->machine);
  for (const auto id : used) out << "machine " << h.machine(id).short_id() << ": " << h.machine(id).label() << "\n";
  std::size_t width = 0;
  for (const auto& c : r.series) width = std::max(width, series_name(h, *c.series).size());
  for (const auto& c : r.series) {
    const std::string verdict(compare::to_string(c.verdict));
    std::string name = series_name(h, *c.series);
    name.resize(width, ' ');
    out << verdict << std::string(verdict.size() < 13 ? 13 - verdict.size() : 1, ' ') << name << "  " << c.runs
        << " runs: " << c.note << "\n";
    if (c.steps.size() > 1)
      for (std::size_t k = 0; k + 1 < c.steps.size(); ++k)
        out << "             earlier change " << k + 1 << ": " << step_text(r, c, c.steps[k]) << "\n";
  }
  out << r.headline() << "\n";
  return out.str();
}

nlohmann::json render_check_json(const CheckReport& r) {
  const History& h = *r.history;
  nlohmann::json machines = nlohmann::json::array();
  for (const auto& m : h.machines)
    machines.push_back({{"id", m.short_id()},
                        {"fingerprint", m.fingerprint},
                        {"label", m.label()},
                        {"cpu_model", m.cpu_model},
                        {"logical_cpus", m.logical_cpus},
                        {"build_type", m.build_type},
                        {"topology", nlohmann::json::parse(m.topology, nullptr, false)}});
  nlohmann::json series = nlohmann::json::array();
  for (const auto& c : r.series) {
    const Series& s = *c.series;
    nlohmann::json runs = nlohmann::json::array(), steps = nlohmann::json::array();
    for (const auto& p : s.points) runs.push_back(h.runs[p.run].id);
    for (const auto& st : c.steps) steps.push_back(step_json(h, s, st));
    series.push_back({{"cell", s.cell},
                      {"machine", h.machine(s.machine).short_id()},
                      {"runs", c.runs},
                      {"run_ids", runs},
                      {"verdict", compare::to_string(c.verdict)},
                      {"note", c.note},
                      {"p_first", opt(c.p_first)},
                      {"q_first", opt(c.q_first)},
                      {"changes", steps},
                      {"halves", c.halves ? step_json(h, s, *c.halves) : nlohmann::json()}});
  }
  nlohmann::json counts = nlohmann::json::object();
  for (const Verdict v : {Verdict::slower, Verdict::faster, Verdict::same, Verdict::inconclusive})
    counts[std::string(compare::to_string(v))] = r.count(v);
  return {{"schema_version", 1},
          {"db", h.path},
          {"db_schema_version", h.schema_version},
          {"options",
           {{"alpha", r.options.alpha},
            {"threshold_pct", r.options.threshold * 100},
            {"relative_to", r.options.relative_to.empty() ? nlohmann::json() : nlohmann::json(r.options.relative_to)},
            {"ci_level_pct", 100 * (1 - 2 * r.options.alpha)},
            {"min_segment", r.options.detect.min_segment},
            {"min_runs", min_runs(r.options.detect)},
            {"permutations", r.options.detect.permutations}}},
          {"machines", machines},
          {"series", series},
          {"counts", counts},
          {"exit_code", r.exit_code()},
          {"headline", r.headline()}};
}

std::string render_show_text(const CheckReport& r) {
  const History& h = *r.history;
  std::ostringstream out;
  out << "lfbench history: " << h.path << " (schema " << h.schema_version << "; " << h.runs.size() << " runs, "
      << h.machines.size() << " machines, " << r.series.size() << " series"
      << (r.options.relative_to.empty() ? "" : "; times relative to " + r.options.relative_to + " in the same run")
      << ")\n";
  for (const auto& c : r.series) {
    const Series& s = *c.series;
    out << "\n" << s.cell << " on " << h.machine(s.machine).short_id() << " (" << h.machine(s.machine).label()
        << "): " << c.runs << " runs, " << compare::to_string(c.verdict) << "\n";
    out << "  #    run  date                       commit        branch      "
        << (r.options.relative_to.empty() ? "median ns/op" : "median x ref") << "  windows min..max      n\n";
    std::size_t next_step = 0;
    for (std::size_t i = 0; i < s.points.size(); ++i) {
      while (next_step < c.steps.size() && c.steps[next_step].at == i) {
        const Step& st = c.steps[next_step++];
        out << "  ---- change: " << pct(st.ratio) << " (" << ci_level(r.options) << " " << interval(st) << "), "
            << compare::to_string(st.verdict) << " ----\n";
      }
      const Point& p = s.points[i];
      const Run& run = h.runs[p.run];
      const auto [lo, hi] = std::minmax_element(p.ns.begin(), p.ns.end());
      const std::string commit = run.commit.size() > 12 ? run.commit.substr(0, 12) : run.commit;
      const std::string branch = run.branch.size() > 10 ? run.branch.substr(0, 10) : run.branch;
      char line[256];
      std::snprintf(line, sizeof line, "  %-4zu %-4lld %-26s %-13s %-11s %12.4g  %9.4g..%-9.4g %2zu%s\n", i + 1,
                    static_cast<long long>(run.id), run.date.substr(0, 25).c_str(), commit.c_str(), branch.c_str(),
                    median(p.ns), *lo, *hi, p.ns.size(),
                    p.disturbed ? (" (+" + std::to_string(p.disturbed) + " disturbed)").c_str() : "");
      out << line;
    }
    if (s.failed + s.all_disturbed + s.no_reference)
      out << "  (runs left out: " << s.failed << " failed, " << s.all_disturbed << " wholly disturbed"
          << (s.no_reference ? ", " + std::to_string(s.no_reference) + " without " + r.options.relative_to : "") << ")\n";
  }
  return out.str();
}

std::string render_runs_tsv(const History& h) {
  std::vector<std::size_t> cells(h.runs.size(), 0);
  for (const auto& s : h.series)
    for (const auto& p : s.points) ++cells[p.run];
  std::ostringstream out;
  out << "run\tdate\tcommit\tbranch\tmachine\tcells\tfile\n";
  const auto clean = [](std::string v) {
    for (char& c : v)
      if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return v;
  };
  for (std::size_t i = 0; i < h.runs.size(); ++i) {
    const Run& r = h.runs[i];
    out << r.id << '\t' << clean(r.date) << '\t' << clean(r.commit) << '\t' << clean(r.branch) << '\t'
        << h.machine(r.machine).short_id() << '\t' << cells[i] << '\t' << clean(r.file) << '\n';
  }
  return out.str();
}

}  // namespace lfbench::history
