#include "compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "input.hpp"
#include "json_schema.hpp"

namespace lfbench::compare {

namespace {

using nlohmann::json;

// A time per operation above this is not a measurement but a corrupt file (1000 s per op).
constexpr double kAbsurdNs = 1e12;
// Up to this pooled size the exact permutation distribution is cheap (C(40,20) fits a double exactly).
constexpr std::size_t kExactMaxN = 40;

[[noreturn]] void bad(const std::string& name, const std::string& what) { throw BadInput(name + ": " + what); }

double unit_to_ns(const json& entry, const std::string& name, std::size_t i) {
  const auto it = entry.find("time_unit");
  if (it == entry.end()) return 1;
  if (it->is_string()) {
    const auto& u = it->get_ref<const std::string&>();
    if (u == "ns") return 1;
    if (u == "us") return 1e3;
    if (u == "ms") return 1e6;
    if (u == "s") return 1e9;
  }
  bad(name, "benchmarks[" + std::to_string(i) + "].time_unit " + it->dump() + " is not a unit; allowed: ns, us, ms, s");
}

double ns_of(const json& entry, const std::string& name, std::size_t i) {
  const std::string where = "benchmarks[" + std::to_string(i) + "].real_time";
  const auto it = entry.find("real_time");
  if (it == entry.end()) bad(name, where + " is missing");
  if (!it->is_number()) bad(name, where + " is " + it->dump() + "; allowed: a positive number of time units per op");
  const double ns = it->get<double>() * unit_to_ns(entry, name, i);
  if (!std::isfinite(ns) || ns <= 0 || ns > kAbsurdNs)
    bad(name, where + " is " + it->dump() + "; allowed: a positive time per op below 1000 s");
  return ns;
}

const std::string* string_at(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

// The context keys whose difference makes two files measure different things.
constexpr const char* kEnvKeys[] = {"lfbench_cpu_model", "lfbench_logical_cpus", "lfbench_compiler",
                                    "lfbench_build_type", "lfbench_schema_version", "num_cpus"};

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const std::size_t n = xs.size();
  return n == 0 ? 0 : n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

// (max - min) / median: how far apart the repetitions of one side are.
double spread(std::span<const double> xs) {
  const auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
  return (*hi - *lo) / median({xs.begin(), xs.end()});
}

}  // namespace

ResultsFile parse_results(std::string_view text, const std::string& name) {
  // The contract shared with the Python report (reports/results.schema.json and its limits),
  // checked in full before any field is used.
  const ResultsLimits& limits = results_limits();
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    bad(name, "empty file; expected lfbench or Google Benchmark results JSON");
  if (text.size() > limits.max_file_bytes)
    bad(name, std::to_string(text.size()) + " bytes is too big; allowed: at most " + std::to_string(limits.max_file_bytes));
  check_json_limits(text, name, limits.json);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    bad(name, std::string("not valid JSON (truncated?): ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("benchmarks") || !doc["benchmarks"].is_array())
    bad(name, "not a results file: expected an object with a \"benchmarks\" array (Google Benchmark JSON)");
  if (const std::string why = check_numbers(doc, limits); !why.empty()) bad(name, why);
  bool is_lfbench = false;
  if (const auto ctx = doc.find("context"); ctx != doc.end() && ctx->is_object())
    if (const auto v = ctx->find("lfbench_schema_version"); v != ctx->end()) {
      if (!v->is_number() || v->get<double>() != 1)
        bad(name, "lfbench_schema_version " + v->dump() + " is not supported; allowed: 1");
      is_lfbench = true;
    }
  if (const std::string why = results_schema().validate(doc, is_lfbench ? "#" : "#/$defs/gbench_file"); !why.empty())
    bad(name, why + (is_lfbench ? " (reports/results.schema.json)" : " (Google Benchmark JSON)"));

  ResultsFile f;
  f.name = name;
  f.env = json::object();
  f.lfbench = is_lfbench;
  if (const auto ctx = doc.find("context"); ctx != doc.end()) {
    for (const char* key : kEnvKeys)
      if (const auto v = ctx->find(key); v != ctx->end()) f.env[key] = *v;
  }

  std::map<std::string, std::size_t> index;             // id -> position in f.cells
  std::set<std::pair<std::string, std::int64_t>> seen;  // (id, repetition_index)
  std::map<std::string, double> median_aggregate;       // plain files reporting aggregates only
  const json& benchmarks = doc["benchmarks"];
  for (std::size_t i = 0; i < benchmarks.size(); ++i) {
    const json& e = benchmarks[i];
    const std::string where = "benchmarks[" + std::to_string(i) + "]";
    if (!e.is_object()) bad(name, where + " is not an object");
    const std::string* run_type = string_at(e, "run_type");
    const json* lf = nullptr;
    if (f.lfbench) {
      const auto it = e.find("lfbench");
      if (it == e.end() || !it->is_object()) bad(name, where + " has no \"lfbench\" object");
      lf = &*it;
    }
    const std::string* id = lf ? string_at(*lf, "id") : string_at(e, "run_name");
    if (!id && !lf) id = string_at(e, "name");
    if (!id || id->empty()) bad(name, where + (lf ? " has no lfbench.id" : " has no run_name or name"));

    if (run_type && *run_type == "aggregate") {
      // Aggregates are recomputed from the repetitions; a plain file with aggregates only
      // still has its median.
      const std::string* agg = string_at(e, "aggregate_name");
      if (!lf && agg && *agg == "median") median_aggregate[*id] = ns_of(e, name, i);
      continue;
    }
    std::int64_t rep = -1;
    if (const auto r = e.find("repetition_index"); r != e.end()) {
      // An integer >= 0 by the schema (possibly written 2.0).
      rep = static_cast<std::int64_t>(r->get<double>());
    }
    if (!seen.emplace(*id, rep).second)
      bad(name, "duplicate cell '" + *id + "' repetition " + std::to_string(rep) + " (" + where + ")");

    auto [pos, added] = index.emplace(*id, f.cells.size());
    if (added) {
      Cell c;
      c.id = *id;
      if (lf) {
        const std::string* scenario = string_at(*lf, "scenario");
        const std::string* primitive = string_at(*lf, "primitive");
        if (!scenario || !primitive) bad(name, where + ".lfbench lacks scenario or primitive");
        c.scenario = *scenario;
        c.primitive = *primitive;
        const std::string prefix = c.scenario + "/" + c.primitive + "/";
        c.workload = id->starts_with(prefix) ? c.scenario + "/" + id->substr(prefix.size()) : *id;
      } else {
        c.scenario = id->substr(0, id->find('/'));
      }
      f.cells.push_back(std::move(c));
    }
    Cell& c = f.cells[pos->second];
    c.ns.push_back(ns_of(e, name, i));
    if (lf) {
      // Verified only by a literal "ok": true (the schema requires it to be a boolean).
      const auto v = lf->find("verification");
      const bool ok = v != lf->end() && v->is_object() && v->contains("ok") && v->at("ok") == true;
      if (!ok && c.verified) {
        c.verified = false;
        if (v != lf->end() && v->is_object())
          if (const std::string* d = string_at(*v, "detail")) c.verification_detail = *d;
      }
      if (const auto fl = lf->find("flags"); fl != lf->end() && fl->is_array())
        for (const auto& flag : *fl) c.noisy |= flag.is_string() && (flag.get_ref<const std::string&>() == "noisy" ||
                                                      // measured while others had its CPUs: not judged either
                                                      flag.get_ref<const std::string&>() == "disturbed");
    } else if (const auto err = e.find("error_occurred"); err != e.end() && err->is_boolean() && err->get<bool>()) {
      c.verified = false;
      if (const std::string* m = string_at(e, "error_message")) c.verification_detail = *m;
    }
  }
  for (const auto& [id, ns] : median_aggregate)
    if (!index.contains(id)) {
      Cell c;
      c.id = id;
      c.scenario = id.substr(0, id.find('/'));
      c.ns = {ns};
      f.cells.push_back(std::move(c));
    }
  if (f.cells.empty()) bad(name, "no benchmark entries");
  return f;
}

ResultsFile read_results(const std::string& path) {
  return parse_results(read_input_file(path, results_limits().max_file_bytes, path, "results file"), path);
}

double min_p(std::size_t n1, std::size_t n2) {
  if (n1 == 0 || n2 == 0) return 1;
  // Two-sided: the two most extreme of the C(n1+n2, n1) equally likely rank assignments.
  double choose = 1;  // C(n1 + n2, n1), exact in a double while it fits; +inf beyond is fine
  for (std::size_t i = 1; i <= n1; ++i) choose = choose * double(n2 + i) / double(i);
  return std::min(1.0, 2 / choose);
}

double mann_whitney_p(std::span<const double> a, std::span<const double> b) {
  const std::size_t n1 = a.size(), n2 = b.size(), n = n1 + n2;
  if (n1 == 0 || n2 == 0) return 1;
  std::vector<std::pair<double, bool>> pooled;  // (value, from a)
  for (double x : a) pooled.emplace_back(x, true);
  for (double x : b) pooled.emplace_back(x, false);
  std::sort(pooled.begin(), pooled.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  // Ranks doubled so that midranks of ties stay integers: a tie group over positions i..j
  // (0-based) has midrank (i + j + 2) / 2.
  std::vector<long> rank2(n);
  double tie_term = 0;  // sum of t^3 - t over tie groups, for the normal approximation
  long w2 = 0;          // doubled rank sum of a
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && pooled[j + 1].first == pooled[i].first) ++j;
    const double t = double(j - i + 1);
    tie_term += t * t * t - t;
    for (std::size_t k = i; k <= j; ++k) {
      rank2[k] = long(i + j + 2);
      if (pooled[k].second) w2 += rank2[k];
    }
    i = j + 1;
  }
  const long mean2 = long(n1 * (n + 1));  // E[doubled rank sum of a]
  const long dev = std::labs(w2 - mean2);

  if (n <= kExactMaxN) {
    // ways[k][s]: subsets of k of the pooled ranks with doubled rank sum s. Each subset of size
    // n1 is one equally likely labelling under the null hypothesis.
    const long max_sum = long(n * (n + 1));
    std::vector<std::vector<double>> ways(n1 + 1, std::vector<double>(std::size_t(max_sum) + 1, 0));
    ways[0][0] = 1;
    for (std::size_t item = 0; item < n; ++item)
      for (std::size_t k = std::min(item + 1, n1); k >= 1; --k)
        for (long s = max_sum; s >= rank2[item]; --s) ways[k][std::size_t(s)] += ways[k - 1][std::size_t(s - rank2[item])];
    double extreme = 0, total = 0;
    for (long s = 0; s <= max_sum; ++s) {
      total += ways[n1][std::size_t(s)];
      if (std::labs(s - mean2) >= dev) extreme += ways[n1][std::size_t(s)];
    }
    return std::min(1.0, extreme / total);
  }
  const double nn1 = double(n1), nn2 = double(n2), nn = double(n);
  const double var = nn1 * nn2 / 12 * ((nn + 1) - tie_term / (nn * (nn - 1)));
  if (var <= 0) return 1;  // every value tied
  const double z = std::max(0.0, double(dev) / 2 - 0.5) / std::sqrt(var);  // with continuity correction
  return std::min(1.0, std::erfc(z / std::sqrt(2.0)));
}

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::faster: return "faster";
    case Verdict::slower: return "slower";
    case Verdict::same: return "same";
    case Verdict::noisy: return "noisy";
    case Verdict::too_few_repetitions: return "too-few-repetitions";
    case Verdict::only_in_base: return "only-in-base";
    case Verdict::only_in_new: return "only-in-new";
    case Verdict::invalid: return "invalid";
  }
  return "?";
}

Verdict judge(std::span<const double> base, std::span<const double> next, bool flagged_noisy, const Options& o,
              double* p_out) {
  const double p = mann_whitney_p(base, next);
  if (p_out) *p_out = p;
  if (min_p(base.size(), next.size()) >= o.alpha) return Verdict::too_few_repetitions;
  const double ratio = median({next.begin(), next.end()}) / median({base.begin(), base.end()});
  // A cell lfbench run flagged noisy (repetitions spread past its CV limit) is not judged: in
  // A/A runs of the quick suite such cells (contended spinlocks) moved up to 1.9x between runs
  // with p < 0.01, following the machine's core-to-core regime, which one run's repetitions
  // cannot see. The rank test is only trusted on cells whose repetitions were tight.
  if (flagged_noisy) return Verdict::noisy;
  // Symmetric in log space: if B is "slower" than A, A is "faster" than B.
  if (p < o.alpha && ratio > 1 + o.threshold) return Verdict::slower;
  if (p < o.alpha && ratio < 1 / (1 + o.threshold)) return Verdict::faster;
  // Not a clear shift. "same" promises a threshold-sized change would have shown; it could not
  // when either side spreads wider than the threshold.
  if (spread(base) > o.threshold || spread(next) > o.threshold) return Verdict::noisy;
  return Verdict::same;
}

bool Comparison::regressed() const {
  return std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.verdict == Verdict::slower; });
}

namespace {

// Per workload, the reference primitive's median ns/op in that file, and whether it was noisy.
struct Reference {
  double median;
  bool noisy;
};

std::map<std::string, Reference> reference_medians(const ResultsFile& f, const std::string& primitive) {
  if (!f.lfbench) throw BadInput("--relative-to needs lfbench results; " + f.name + " is plain Google Benchmark JSON");
  std::map<std::string, Reference> refs;
  for (const auto& c : f.cells)
    if (c.primitive == primitive) refs[c.workload] = {median(c.ns), c.noisy};
  if (refs.empty()) throw BadInput("--relative-to: " + f.name + " has no cell of primitive '" + primitive + "'");
  return refs;
}

std::vector<double> scaled(const std::vector<double>& xs, double by) {
  std::vector<double> out;
  for (double x : xs) out.push_back(x / by);
  return out;
}

void add_geomeans(Comparison& c) {
  std::map<std::string, std::pair<double, std::size_t>> by_scenario;  // sum of log ratios, count
  double all_logs = 0;
  std::size_t all = 0;
  for (const auto& r : c.rows) {
    if (r.verdict == Verdict::invalid || r.verdict == Verdict::only_in_base || r.verdict == Verdict::only_in_new) continue;
    auto& [logs, n] = by_scenario[r.scenario];
    logs += std::log(r.ratio);
    ++n;
    all_logs += std::log(r.ratio);
    ++all;
  }
  for (const auto& [scenario, s] : by_scenario) c.geomeans.push_back({scenario, std::exp(s.first / double(s.second)), s.second});
  if (all) c.geomeans.push_back({"", std::exp(all_logs / double(all)), all});
}

}  // namespace

Comparison compare(const ResultsFile& base, const ResultsFile& next, const Options& o) {
  Comparison c;
  c.options = o;
  c.base_name = base.name;
  c.new_name = next.name;
  for (const char* key : kEnvKeys) {
    const json a = base.env.value(key, json()), b = next.env.value(key, json());
    if (a != b) c.env_mismatches.push_back(std::string(key) + ": " + a.dump() + " vs " + b.dump());
  }
  const bool relative = !o.relative_to.empty();
  std::map<std::string, Reference> base_refs, new_refs;
  if (relative) {
    base_refs = reference_medians(base, o.relative_to);
    new_refs = reference_medians(next, o.relative_to);
  }
  const auto wanted = [&o](const Cell& cell) { return !o.filter || std::regex_search(cell.id, *o.filter); };
  std::map<std::string, const Cell*> new_cells;
  for (const auto& cell : next.cells)
    if (wanted(cell)) new_cells.emplace(cell.id, &cell);

  std::size_t matched = 0;
  std::set<std::string> in_base;
  for (const auto& b : base.cells) {
    if (!wanted(b)) continue;
    in_base.insert(b.id);
    Row r;
    r.id = b.id;
    r.scenario = b.scenario;
    r.n_base = b.ns.size();
    const auto it = new_cells.find(b.id);
    if (it == new_cells.end()) {
      r.verdict = Verdict::only_in_base;
      r.base = median(b.ns);
      c.rows.push_back(std::move(r));
      continue;
    }
    ++matched;
    const Cell& n = *it->second;
    r.n_new = n.ns.size();
    std::vector<double> bs = b.ns, ns = n.ns;
    bool noisy = b.noisy || n.noisy;
    if (relative) {
      const auto rb = base_refs.find(b.workload), rn = new_refs.find(n.workload);
      if (rb != base_refs.end() && rn != new_refs.end()) {
        bs = scaled(b.ns, rb->second.median);
        ns = scaled(n.ns, rn->second.median);
        // A ratio to a noisy reference carries the reference's noise (A/A runs showed it).
        noisy |= rb->second.noisy || rn->second.noisy;
      } else {
        r.note = "absolute: no " + o.relative_to + " in this workload";
      }
    }
    r.base = median(bs);
    r.next = median(ns);
    r.ratio = r.next / r.base;
    if (!b.verified || !n.verified) {
      r.verdict = Verdict::invalid;
      r.note = "verification failed in " + std::string(!n.verified ? "new" : "base") + ": " +
               (!n.verified ? n.verification_detail : b.verification_detail);
      c.new_verification_failed |= !n.verified;
    } else {
      r.verdict = judge(bs, ns, noisy, o, &r.p);
      if (r.verdict == Verdict::noisy && r.note.empty())
        r.note = b.noisy || n.noisy   ? "flagged noisy or disturbed by lfbench run"
                 : noisy              ? "reference " + o.relative_to + " flagged noisy by lfbench run"
                                      : "repetitions spread wider than the threshold";
    }
    c.rows.push_back(std::move(r));
  }
  for (const auto& n : next.cells)
    if (wanted(n) && !in_base.contains(n.id)) {
      Row r;
      r.id = n.id;
      r.scenario = n.scenario;
      r.verdict = Verdict::only_in_new;
      r.n_new = n.ns.size();
      r.next = median(n.ns);
      c.new_verification_failed |= !n.verified;
      c.rows.push_back(std::move(r));
    }
  if (matched == 0)
    throw BadInput(base.name + " and " + next.name + " have no cell in common" +
                   (o.filter ? " matching --filter '" + o.filter_text + "'" : "") + "; nothing to compare");
  add_geomeans(c);
  return c;
}

// ---- rendering ----

namespace {

std::string fmt(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

std::string change(double ratio) { return fmt("%+.1f%%", (ratio - 1) * 100); }

bool has_both(const Row& r) { return r.n_base > 0 && r.n_new > 0; }

std::string headline(const Comparison& c) {
  std::vector<std::string> slower;
  for (const auto& r : c.rows)
    if (r.verdict == Verdict::slower) slower.push_back(r.id);
  std::string s = slower.empty() ? "no regression" : std::to_string(slower.size()) + " regression(s): " + join(slower);
  if (c.new_verification_failed) s += "; verification FAILED in new";
  return s;
}

std::string settings(const Comparison& c) {
  const Options& o = c.options;
  std::string s = "alpha " + fmt("%g", o.alpha) + ", threshold " + fmt("%g", o.threshold * 100) + "%";
  if (!o.relative_to.empty()) s += ", relative to " + o.relative_to;
  if (o.filter) s += ", filter '" + o.filter_text + "'";
  return s;
}

// Column unit: relative times are multiples of the reference primitive named in settings().
std::string unit(const Comparison& c) { return c.options.relative_to.empty() ? "ns/op" : "x ref"; }

std::string value(double x, bool present) { return present ? fmt("%.4g", x) : "-"; }

std::string render_text(const Comparison& c, bool color) {
  const auto paint = [color](Verdict v, std::string s) {
    const char* code = v == Verdict::slower || v == Verdict::invalid ? "31"
                       : v == Verdict::faster                        ? "32"
                       : v == Verdict::noisy                         ? "33"
                                                                     : nullptr;
    return color && code ? "\033[" + std::string(code) + "m" + s + "\033[0m" : s;
  };
  std::ostringstream out;
  out << "lfbench compare: " << c.base_name << " -> " << c.new_name << " (" << settings(c) << ")\n";
  for (const auto& m : c.env_mismatches) out << "environment differs: " << m << "\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-20s %8s %7s %11s %11s  %s\n", "verdict", "change", "p", ("base " + unit(c)).c_str(),
                ("new " + unit(c)).c_str(), "cell");
  out << line;
  for (const auto& r : c.rows) {
    std::string v(to_string(r.verdict));
    v.resize(std::max<std::size_t>(v.size(), 20), ' ');  // pad before colouring: escapes have no width
    std::snprintf(line, sizeof line, "%8s %7s %11s %11s  ", has_both(r) ? change(r.ratio).c_str() : "-",
                  has_both(r) ? fmt("%.3f", r.p).c_str() : "-", value(r.base, r.n_base).c_str(),
                  value(r.next, r.n_new).c_str());
    out << paint(r.verdict, v) << " " << line << r.id
        << (r.note.empty() ? "" : "  (" + r.note + ")") << "\n";
  }
  for (const auto& g : c.geomeans)
    out << "geomean " << (g.scenario.empty() ? "overall" : g.scenario) << ": " << change(g.ratio) << " over " << g.cells
        << " cells\n";
  out << headline(c) << "\n";
  return out.str();
}

// A '|' inside a table cell would end it.
std::string md_cell(const std::string& s) {
  std::string out;
  for (char ch : s) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
  return out;
}

std::string render_md(const Comparison& c) {
  std::ostringstream out;
  out << "### lfbench compare: " << (c.exit_code() ? "**" + headline(c) + "**" : headline(c)) << "\n\n";
  out << "`" << c.base_name << "` → `" << c.new_name << "` (" << settings(c) << ")\n\n";
  for (const auto& m : c.env_mismatches) out << "> environment differs: " << m << "\n";
  if (!c.env_mismatches.empty()) out << "\n";
  out << "| verdict | cell | base " << unit(c) << " | new " << unit(c) << " | change | p |\n|---|---|--:|--:|--:|--:|\n";
  for (const auto& r : c.rows) {
    const bool bad = r.verdict == Verdict::slower || r.verdict == Verdict::invalid;
    const char* strong = bad ? "**" : "";
    out << "| " << strong << to_string(r.verdict) << strong << " | `" << md_cell(r.id) << "`";
    if (!r.note.empty()) out << " " << md_cell(r.note);
    out << " | " << value(r.base, r.n_base) << " | " << value(r.next, r.n_new) << " | "
        << (has_both(r) ? change(r.ratio) : "-") << " | " << (has_both(r) ? fmt("%.3f", r.p) : "-") << " |\n";
  }
  out << "\n";
  for (const auto& g : c.geomeans)
    out << "- geomean " << (g.scenario.empty() ? "**overall**" : g.scenario) << ": " << change(g.ratio) << " over "
        << g.cells << " cells\n";
  return out.str();
}

std::string render_json(const Comparison& c) {
  const Options& o = c.options;
  json doc = {{"base", c.base_name},
              {"new", c.new_name},
              {"options",
               {{"alpha", o.alpha},
                {"threshold_pct", o.threshold * 100},
                {"relative_to", o.relative_to.empty() ? json() : json(o.relative_to)},
                {"filter", o.filter ? json(o.filter_text) : json()}}},
              {"environment_mismatches", c.env_mismatches},
              {"regression", c.regressed()},
              {"new_verification_failed", c.new_verification_failed},
              {"exit_code", c.exit_code()}};
  json& cells = doc["cells"] = json::array();
  const auto opt = [](bool present, double x) { return present ? json(x) : json(); };
  for (const auto& r : c.rows)
    cells.push_back({{"id", r.id},
                     {"scenario", r.scenario},
                     {"verdict", to_string(r.verdict)},
                     {"n_base", r.n_base},
                     {"n_new", r.n_new},
                     {"base", opt(r.n_base, r.base)},
                     {"new", opt(r.n_new, r.next)},
                     {"unit", o.relative_to.empty() ? "ns_per_op" : "ratio_to_" + o.relative_to},
                     {"ratio", opt(has_both(r), r.ratio)},
                     {"p", opt(has_both(r), r.p)},
                     {"note", r.note}});
  json& g = doc["geomeans"] = json::array();
  for (const auto& x : c.geomeans)
    g.push_back({{"scenario", x.scenario.empty() ? json() : json(x.scenario)}, {"ratio", x.ratio}, {"cells", x.cells}});
  return doc.dump(2) + "\n";
}

}  // namespace

std::string render(const Comparison& c, Format f, bool color) {
  switch (f) {
    case Format::text: return render_text(c, color);
    case Format::md: return render_md(c);
    case Format::json: return render_json(c);
  }
  return {};
}

}  // namespace lfbench::compare
