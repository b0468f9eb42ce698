#include "compare.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "input.hpp"
#include "json_schema.hpp"

namespace lfbench::compare {

namespace {

using nlohmann::json;

// A time per operation above this is not a measurement but a corrupt file (1000 s per op).
constexpr double kAbsurdNs = 1e12;
// Exact null distributions up to these sizes: the signed-rank's 2^50 sign patterns and the rank
// sum's C(40, 20) labellings are still exact integers in a double, and the tables cost
// microseconds. Beyond, the normal approximation (with tie correction) is good to well under
// alpha's precision.
constexpr std::size_t kExactPairs = 50;
constexpr std::size_t kExactPooled = 40;

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

bool true_at(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

// The context keys whose difference makes two files measure different things.
constexpr const char* kEnvKeys[] = {"lfbench_cpu_model", "lfbench_logical_cpus", "lfbench_compiler",
                                    "lfbench_build_type", "lfbench_schema_version", "num_cpus"};

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const std::size_t n = xs.size();
  return n == 0 ? 0 : n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

}  // namespace

std::vector<double> Cell::ns() const {
  std::vector<double> out;
  for (const auto& s : samples) out.push_back(s.ns);
  return out;
}

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
  if (const auto ctx = doc.find("context"); ctx != doc.end() && ctx->is_object()) {
    for (const char* key : kEnvKeys)
      if (const auto v = ctx->find(key); v != ctx->end()) f.env[key] = *v;
    if (is_lfbench) {
      f.incomplete = true_at(*ctx, "lfbench_incomplete");
      // The schema checked the shape: two builds, each a name and a path.
      if (const auto ab = ctx->find("lfbench_ab"); ab != ctx->end())
        for (const auto& b : ab->at("builds")) {
          f.builds.push_back(b.at("name").get<std::string>());
          f.build_paths.push_back(b.at("path").get<std::string>());
        }
      if (f.ab() && f.builds[0] == f.builds[1])
        bad(name, "context.lfbench_ab.builds names '" + f.builds[0] + "' twice; allowed: two different build names");
    }
  }

  std::map<std::pair<std::string, std::string>, std::size_t> index;  // (id, build) -> position in f.cells
  std::set<std::tuple<std::string, std::string, std::int64_t>> seen;  // (id, build, repetition_index)
  std::map<std::string, double> median_aggregate;                     // plain files reporting aggregates only
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
    // In an A/B file every entry says which build measured it; elsewhere none does.
    std::string build;
    if (lf) {
      const std::string* b = string_at(*lf, "build");
      if (f.ab() && !b)
        bad(name, where + ".lfbench has no \"build\"; every entry of an A/B file (context.lfbench_ab) names one of: " +
                      join(f.builds));
      if (f.ab() && std::find(f.builds.begin(), f.builds.end(), *b) == f.builds.end())
        bad(name, where + ".lfbench.build '" + *b + "' is not a build of this file; allowed: " + join(f.builds));
      if (!f.ab() && b)
        bad(name, where + ".lfbench.build '" + *b + "' outside an A/B file; allowed: only with context.lfbench_ab");
      if (b) build = *b;
    }

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
    if (!seen.emplace(*id, build, rep).second)
      bad(name, "duplicate cell '" + *id + "'" + (build.empty() ? "" : " of build '" + build + "'") + " repetition " +
                    std::to_string(rep) + " (" + where + ")");
    // An entry that is an error (a worker that hung or crashed before a window, an interrupted
    // Google Benchmark run) marks the cell failed; it has no time to check.
    const bool error = true_at(e, "error_occurred");
    const double ns = error ? 0 : ns_of(e, name, i);

    auto [pos, added] = index.emplace(std::make_pair(*id, build), f.cells.size());
    if (added) {
      Cell c;
      c.id = *id;
      c.build = build;
      if (lf) {
        const std::string* scenario = string_at(*lf, "scenario");
        const std::string* primitive = string_at(*lf, "primitive");
        if (!scenario || !primitive) bad(name, where + ".lfbench lacks scenario or primitive");
        c.scenario = *scenario;
        c.primitive = *primitive;
        const std::string prefix = c.scenario + "/" + c.primitive + "/";
        c.workload = id->starts_with(prefix) ? c.scenario + "/" + id->substr(prefix.size()) : *id;
        if (const auto t = lf->find("threads"); t != lf->end() && t->is_number_unsigned()) c.threads = t->get<unsigned>();
      } else {
        c.scenario = id->substr(0, id->find('/'));
      }
      f.cells.push_back(std::move(c));
    }
    Cell& c = f.cells[pos->second];
    const auto fail = [&c](const std::string& detail) {
      if (!c.verified) return;
      c.verified = false;
      c.verification_detail = detail;
    };
    if (error) {
      const std::string* m = string_at(e, "error_message");
      fail(m ? *m : "error_occurred");
    } else {
      double cpu_ns = 0;
      if (lf)
        if (const auto it = lf->find("cpu_ns_per_op"); it != lf->end() && it->is_number() && it->get<double>() > 0 &&
                                                        it->get<double>() <= kAbsurdNs)
          cpu_ns = it->get<double>();
      c.samples.push_back({ns, rep, lf && true_at(*lf, "disturbed"), cpu_ns});
    }
    if (lf) {
      // Verified only by a literal "ok": true (the schema requires it to be a boolean).
      const auto v = lf->find("verification");
      const bool ok = v != lf->end() && v->is_object() && v->contains("ok") && v->at("ok") == true;
      if (!ok) {
        const std::string* d = v != lf->end() && v->is_object() ? string_at(*v, "detail") : nullptr;
        fail(d && !d->empty() ? *d : "verification failed");
      }
      if (const auto fl = lf->find("flags"); fl != lf->end() && fl->is_array())
        for (const auto& flag : *fl) {
          if (!flag.is_string()) continue;
          const auto& s = flag.get_ref<const std::string&>();
          c.noisy |= s == "noisy";
          c.disturbed |= s == "disturbed";
          c.incomplete |= s == "incomplete";
          if (s == "hung" || s == "crashed" || s == "invalid") fail(s == "invalid" ? "flagged invalid" : "worker " + s);
        }
    }
  }
  for (const auto& [id, ns] : median_aggregate)
    if (!index.contains({id, ""})) {
      Cell c;
      c.id = id;
      c.scenario = id.substr(0, id.find('/'));
      c.samples = {{ns, -1, false}};
      f.cells.push_back(std::move(c));
    }
  if (f.cells.empty()) bad(name, "no benchmark entries");
  return f;
}

ResultsFile read_results(const std::string& path) {
  return parse_results(read_input_file(path, results_limits().max_file_bytes, path, "results file"), path);
}

// ---- statistics ----

namespace {

// Doubled midranks (1-based) of xs in their own order: a tie group over sorted positions i..j
// (0-based) has midrank (i + j + 2) / 2, so doubled ranks stay integers.
std::vector<long> doubled_ranks(std::span<const double> xs) {
  std::vector<std::size_t> order(xs.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return xs[a] < xs[b]; });
  std::vector<long> rank2(xs.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && xs[order[j + 1]] == xs[order[i]]) ++j;
    for (std::size_t k = i; k <= j; ++k) rank2[order[k]] = long(i + j + 2);
    i = j + 1;
  }
  return rank2;
}

// The null distribution of a rank statistic in doubled units: exact (cumulative counts of the
// equally likely outcomes) or, for large samples, normal with a continuity correction of half
// a rank.
struct NullDist {
  std::vector<double> cum;  // exact: cum[s] = outcomes with doubled statistic <= s
  double mean2 = 0, sd2 = 0;
  double cdf(long s2) const {  // P(S <= s2)
    if (!cum.empty()) return s2 < 0 ? 0 : cum[std::min<std::size_t>(std::size_t(s2), cum.size() - 1)] / cum.back();
    if (sd2 <= 0) return s2 >= mean2 ? 1 : 0;
    return 0.5 * std::erfc(-(double(s2) + 1 - mean2) / (sd2 * std::sqrt(2.0)));
  }
  double sf(long s2) const {  // P(S >= s2); exact counts subtracted before dividing keep small p's exact
    if (!cum.empty()) return s2 <= 0 ? 1 : (cum.back() - cum[std::min<std::size_t>(std::size_t(s2 - 1), cum.size() - 1)]) / cum.back();
    return 1 - cdf(s2 - 1);
  }
  double tail(long s2, Tail t) const { return std::clamp(t == Tail::upper ? sf(s2) : cdf(s2), 0.0, 1.0); }
};

NullDist cumulated(std::vector<double> ways) {
  NullDist d;
  std::partial_sum(ways.begin(), ways.end(), ways.begin());
  d.cum = std::move(ways);
  return d;
}

// Signed-rank: each |d|'s rank counts positive or negative with probability 1/2.
NullDist signed_rank_null(std::span<const long> rank2) {
  const long total = std::accumulate(rank2.begin(), rank2.end(), 0L);
  if (rank2.size() > kExactPairs) {
    NullDist d;
    double sq = 0;
    for (long r : rank2) sq += double(r) * double(r);
    d.mean2 = double(total) / 2;
    d.sd2 = std::sqrt(sq) / 2;  // Var(T) = sum of midrank^2 / 4: the tie correction, exactly
    return d;
  }
  std::vector<double> ways(std::size_t(total) + 1, 0);
  ways[0] = 1;
  for (long r : rank2)
    for (long s = total; s >= r; --s) ways[std::size_t(s)] += ways[std::size_t(s - r)];
  return cumulated(std::move(ways));
}

// Rank sum of a sample of n_y among pooled ranks: every subset of n_y ranks equally likely.
NullDist rank_sum_null(std::span<const long> rank2, std::size_t n_y) {
  const std::size_t n = rank2.size();
  const long total = std::accumulate(rank2.begin(), rank2.end(), 0L);
  // Untied samples (nearly every cell) share one table per size, and the exact table costs up
  // to n * n_y * n^2 steps: computed once per size, not five times per cell.
  thread_local std::map<std::pair<std::size_t, std::size_t>, NullDist> untied;
  const bool no_ties = std::set<long>(rank2.begin(), rank2.end()).size() == n;
  if (no_ties && n <= kExactPooled)
    if (const auto it = untied.find({n, n_y}); it != untied.end()) return it->second;
  if (n > kExactPooled) {
    double tie_term = 0;  // sum of t^3 - t over tie groups
    std::map<long, double> groups;
    for (long r : rank2) ++groups[r];
    for (const auto& [r, t] : groups) tie_term += t * t * t - t;
    const double n1 = double(n - n_y), n2 = double(n_y), nn = double(n);
    NullDist d;
    d.mean2 = n2 * (nn + 1);
    d.sd2 = 2 * std::sqrt(std::max(0.0, n1 * n2 / 12 * ((nn + 1) - tie_term / (nn * (nn - 1)))));
    return d;
  }
  // ways[k][s]: subsets of k of the ranks seen so far with doubled rank sum s.
  std::vector<std::vector<double>> ways(n_y + 1, std::vector<double>(std::size_t(total) + 1, 0));
  ways[0][0] = 1;
  for (std::size_t item = 0; item < n; ++item)
    for (std::size_t k = std::min(item + 1, n_y); k >= 1; --k)
      for (long s = total; s >= rank2[item]; --s) ways[k][std::size_t(s)] += ways[k - 1][std::size_t(s - rank2[item])];
  NullDist d = cumulated(std::move(ways[n_y]));
  if (no_ties) untied.emplace(std::make_pair(n, n_y), d);  // at most 40 x 40 sizes
  return d;
}

std::vector<long> untied_ranks(std::size_t n) {
  std::vector<long> r(n);
  for (std::size_t i = 0; i < n; ++i) r[i] = long(2 * (i + 1));
  return r;
}

// The k-th smallest (1-based) of a set known only by count_le(t) = how many of its elements are
// <= t, all within [lo, hi]: bisection over the doubles between them (at most 64 steps), so the
// answer is exactly an element. Pairwise sets (n^2 Walsh averages or differences) are never
// materialised: a hostile file of 10^5 repetitions costs O(n) per step, not 10^10 doubles.
double kth_smallest(double lo, double hi, std::size_t k, const std::function<std::size_t(double)>& count_le) {
  // Doubles mapped to unsigned keys in the same order.
  const auto key = [](double x) {
    const auto u = std::bit_cast<std::uint64_t>(x);
    return u >> 63 ? ~u : u | (std::uint64_t(1) << 63);
  };
  const auto value = [](std::uint64_t k) {
    return std::bit_cast<double>(k >> 63 ? k & ~(std::uint64_t(1) << 63) : ~k);
  };
  std::uint64_t a = key(lo), b = key(hi);
  while (a < b) {
    const std::uint64_t mid = a + (b - a) / 2;
    if (count_le(value(mid)) >= k) b = mid;
    else a = mid + 1;
  }
  return value(a);
}

// The median of a pairwise set of m elements, and the interval [k-th, (m+1-k)-th] where k is the
// largest with P(statistic <= k - 1) <= alpha under the untied null (none: no interval).
Estimate pairwise_estimate(double lo, double hi, std::size_t m, const std::function<std::size_t(double)>& count_le,
                           const std::function<double(std::size_t)>& cdf_below, double alpha) {
  Estimate e;
  const auto kth = [&](std::size_t k) { return kth_smallest(lo, hi, k, count_le); };
  e.point = m % 2 ? kth((m + 1) / 2) : (kth(m / 2) + kth(m / 2 + 1)) / 2;
  std::size_t a = 0, b = (m + 1) / 2;  // largest k in [a, b] with k == 0 or cdf_below(k) <= alpha
  while (a < b) {
    const std::size_t mid = b - (b - a) / 2;
    if (cdf_below(mid) <= alpha) a = mid;
    else b = mid - 1;
  }
  if (a >= 1) {
    e.low = kth(a);
    e.high = kth(m + 1 - a);
  }
  return e;
}

std::vector<double> sorted(std::span<const double> xs) {
  std::vector<double> v(xs.begin(), xs.end());
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<double> shifted(std::span<const double> xs, double by) {
  std::vector<double> v;
  for (double x : xs) v.push_back(x + by);
  return v;
}

}  // namespace

double signed_rank_p(std::span<const double> d, Tail tail) {
  std::vector<double> magnitude;
  std::vector<bool> positive;
  for (double x : d)
    if (x != 0) {  // Wilcoxon: zero differences say nothing about the direction
      magnitude.push_back(std::fabs(x));
      positive.push_back(x > 0);
    }
  if (magnitude.empty()) return 1;
  const std::vector<long> rank2 = doubled_ranks(magnitude);
  long t2 = 0;
  for (std::size_t i = 0; i < rank2.size(); ++i)
    if (positive[i]) t2 += rank2[i];
  return signed_rank_null(rank2).tail(t2, tail);
}

double rank_sum_p(std::span<const double> x, std::span<const double> y, Tail tail) {
  if (x.empty() || y.empty()) return 1;
  std::vector<double> pooled(x.begin(), x.end());
  pooled.insert(pooled.end(), y.begin(), y.end());
  const std::vector<long> rank2 = doubled_ranks(pooled);
  const long w2 = std::accumulate(rank2.begin() + long(x.size()), rank2.end(), 0L);  // y's doubled rank sum
  return rank_sum_null(rank2, y.size()).tail(w2, tail);
}

double min_signed_rank_p(std::size_t n) { return std::ldexp(1.0, -int(std::min<std::size_t>(n, 1100))); }

double min_rank_sum_p(std::size_t n1, std::size_t n2) {
  if (n1 == 0 || n2 == 0) return 1;
  double choose = 1;  // C(n1 + n2, n1), exact in a double while it fits; +inf beyond is fine
  for (std::size_t i = 1; i <= n1; ++i) choose = choose * double(n2 + i) / double(i);
  return std::min(1.0, 1 / choose);
}

Estimate hodges_lehmann(std::span<const double> r, double alpha) {
  const std::vector<double> v = sorted(r);
  const std::size_t n = v.size();
  if (n == 0) return {};
  // #{i <= j: (v_i + v_j) / 2 <= t}: for each i, the j's form a prefix that shrinks as i grows.
  const auto count_le = [&v, n](double t) {
    std::size_t count = 0;
    std::size_t j = n;  // one past the last j that fits
    for (std::size_t i = 0; i < n; ++i) {
      while (j > i && (v[i] + v[j - 1]) / 2 > t) --j;
      if (j <= i) break;
      count += j - i;
    }
    return count;
  };
  const NullDist null = signed_rank_null(untied_ranks(n));
  return pairwise_estimate(v.front(), v.back(), n * (n + 1) / 2, count_le,
                           [&null](std::size_t k) { return null.cdf(long(2 * (k - 1))); }, alpha);
}

Estimate hodges_lehmann_shift(std::span<const double> x, std::span<const double> y, double alpha) {
  const std::vector<double> a = sorted(x), b = sorted(y);
  if (a.empty() || b.empty()) return {};
  // #{(i, j): b_j - a_i <= t}: as a_i grows, more b_j fit.
  const auto count_le = [&a, &b](double t) {
    std::size_t count = 0, j = 0;
    for (double ai : a) {
      while (j < b.size() && b[j] - ai <= t) ++j;
      count += j;
    }
    return count;
  };
  const std::size_t n2 = b.size();
  const NullDist null = rank_sum_null(untied_ranks(a.size() + n2), n2);
  const long offset2 = long(n2 * (n2 + 1));  // doubled rank sum when U = 0
  return pairwise_estimate(b.front() - a.back(), b.back() - a.front(), a.size() * n2, count_le,
                           [&](std::size_t k) { return null.cdf(long(2 * (k - 1)) + offset2); }, alpha);
}

Tests paired_tests(std::span<const double> r, double delta) {
  const std::vector<double> above = shifted(r, -delta), below = shifted(r, delta);
  Tests t;
  t.p_slower = signed_rank_p(above, Tail::upper);
  t.p_faster = signed_rank_p(below, Tail::lower);
  t.p_same = std::max(signed_rank_p(above, Tail::lower), signed_rank_p(below, Tail::upper));
  t.min_p = min_signed_rank_p(r.size());
  return t;
}

Tests unpaired_tests(std::span<const double> x, std::span<const double> y, double delta) {
  const std::vector<double> above = shifted(y, -delta), below = shifted(y, delta);
  Tests t;
  t.p_slower = rank_sum_p(x, above, Tail::upper);
  t.p_faster = rank_sum_p(x, below, Tail::lower);
  t.p_same = std::max(rank_sum_p(x, above, Tail::lower), rank_sum_p(x, below, Tail::upper));
  t.min_p = min_rank_sum_p(x.size(), y.size());
  return t;
}

std::string_view to_string(Correction c) { return c == Correction::bh ? "Benjamini-Hochberg" : "Holm"; }

std::vector<double> adjust(std::span<const double> p, Correction c) {
  const std::size_t m = p.size();
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&p](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  std::vector<double> q(m);
  if (c == Correction::bh) {
    // Step-up: q_(i) = min over j >= i of m p_(j) / j.
    double running = 1;
    for (std::size_t i = m; i-- > 0;) {
      running = std::min(running, double(m) * p[order[i]] / double(i + 1));
      q[order[i]] = running;
    }
  } else {
    // Step-down: q_(i) = max over j <= i of (m - j + 1) p_(j).
    double running = 0;
    for (std::size_t i = 0; i < m; ++i) {
      running = std::max(running, std::min(1.0, double(m - i) * p[order[i]]));
      q[order[i]] = running;
    }
  }
  return q;
}

// ---- comparing ----

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::faster: return "faster";
    case Verdict::slower: return "slower";
    case Verdict::same: return "same";
    case Verdict::inconclusive: return "inconclusive";
    case Verdict::missing: return "missing";
    case Verdict::added: return "new";
    case Verdict::invalid: return "invalid";
  }
  return "?";
}

std::size_t Comparison::count(Verdict v) const {
  return std::size_t(std::count_if(rows.begin(), rows.end(), [v](const Row& r) { return r.verdict == v; }));
}

std::size_t Comparison::compared() const {
  return std::size_t(std::count_if(rows.begin(), rows.end(), [](const Row& r) { return r.in_both; }));
}

std::size_t Comparison::unjudged() const {
  return compared() - count(Verdict::faster) - count(Verdict::slower) - count(Verdict::same);
}

int Comparison::exit_code() const {
  if (std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.fails; })) return 1;
  // A gate never passes what it did not judge: an interrupted run, or more cells unjudged than
  // the user allowed.
  const std::size_t n = compared();
  if (new_incomplete || (n > 0 && 100.0 * double(unjudged()) / double(n) > options.max_inconclusive_pct)) return 4;
  return 0;
}

namespace {

std::string fmt(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

std::string pct(double ratio) { return fmt("%+.1f%%", (ratio - 1) * 100); }

std::string ci_label(const Comparison& c) { return fmt("%g", 100 * (1 - 2 * c.options.alpha)) + "% CI"; }
std::string ci_text(const Row& r) { return r.ci_low ? pct(*r.ci_low) + " .. " + pct(*r.ci_high) : "-"; }

// A cell before multiple-comparison control: its row, its tests, and what keeps it from a verdict.
struct Pending {
  Row row;
  std::vector<std::string> notes;  // said whatever the verdict
  std::optional<Tests> tests;      // in the families (a test that can reach alpha, cell judgeable)
  std::string not_same;            // why it cannot be `same` ("" if it can)
  std::string untested;            // why it was not tested at all ("" if it was)
  double q_slower = 1, q_faster = 1, q_same = 1;
  bool in_same = false;
};

void set_ci(Row& r, const Estimate& e) {
  if (e.low && e.high) {
    r.ci_low = std::exp(*e.low);
    r.ci_high = std::exp(*e.high);
  }
}

// A cell is tested (enters the families, shows its p's) unless it cannot be judged or its test
// can never reach alpha at these sizes.
void set_tests(Pending& p, const Tests& t, double alpha, const std::string& too_few) {
  if (p.untested.empty() && t.min_p > alpha) p.untested = too_few;
  if (!p.untested.empty()) return;
  p.tests = t;
  p.row.p_slower = t.p_slower;
  p.row.p_faster = t.p_faster;
  p.row.p_same = t.p_same;
}

// Multiple-comparison control over the three families, then each cell's verdict and note.
void decide(Comparison& c, std::vector<Pending>& cells) {
  const Options& o = c.options;
  const auto family = [&](auto p_of, auto q_of, auto in) {
    std::vector<double> ps;
    std::vector<Pending*> members;
    for (auto& p : cells)
      if (p.tests && in(p)) {
        ps.push_back(p_of(*p.tests));
        members.push_back(&p);
      }
    const std::vector<double> qs = adjust(ps, o.correction);
    for (std::size_t i = 0; i < qs.size(); ++i) q_of(*members[i]) = qs[i];
  };
  const auto all = [](const Pending&) { return true; };
  family([](const Tests& t) { return t.p_slower; }, [](Pending& p) -> double& { return p.q_slower; }, all);
  family([](const Tests& t) { return t.p_faster; }, [](Pending& p) -> double& { return p.q_faster; }, all);
  family([](const Tests& t) { return t.p_same; }, [](Pending& p) -> double& { return p.q_same; },
         [](Pending& p) { return p.in_same = p.not_same.empty(); });

  for (auto& p : cells) {
    Row& r = p.row;
    std::vector<std::string> why;
    if (r.verdict == Verdict::inconclusive) {  // the default: not decided before the families
      if (!p.tests) {
        why.push_back(p.untested);
      } else if (p.q_slower <= o.alpha) {
        r.verdict = Verdict::slower;
        r.q = p.q_slower;
      } else if (p.q_faster <= o.alpha) {
        r.verdict = Verdict::faster;
        r.q = p.q_faster;
      } else if (p.in_same && p.q_same <= o.alpha) {
        r.verdict = Verdict::same;
        r.q = p.q_same;
        // "same" promises no change beyond the threshold, not no change: say so when the interval
        // shows one (a real +8% under a 10% threshold reads as "same" otherwise).
        if (r.ci_low && r.ci_high && (*r.ci_low > 1 || *r.ci_high < 1))
          why.push_back("changed, but less than the threshold: " + ci_label(c) + " " + ci_text(r));
      } else {
        if (p.in_same) r.q = p.q_same;
        if (!p.not_same.empty()) why.push_back(p.not_same);
        else why.push_back("spread could hide a change of the threshold's size: " + ci_label(c) + " " + ci_text(r));
      }
    }
    r.fails = r.fails || r.verdict == Verdict::slower;
    why.insert(why.end(), p.notes.begin(), p.notes.end());
    r.note = join(why, "; ");
    c.rows.push_back(std::move(r));
  }

  std::map<std::string, std::pair<double, std::size_t>> by_scenario;  // sum of log ratios, count
  double all_logs = 0;
  std::size_t all_n = 0;
  for (const auto& r : c.rows) {
    // An A/B cell with no usable pair has no paired ratio: its medians mix other moments.
    if (!r.in_both || r.verdict == Verdict::invalid || (c.ab && r.pairs == 0) || !(r.ratio > 0) || !std::isfinite(r.ratio))
      continue;
    auto& [logs, n] = by_scenario[r.scenario];
    logs += std::log(r.ratio);
    ++n;
    all_logs += std::log(r.ratio);
    ++all_n;
  }
  for (const auto& [scenario, s] : by_scenario) c.geomeans.push_back({scenario, std::exp(s.first / double(s.second)), s.second});
  if (all_n) c.geomeans.push_back({"", std::exp(all_logs / double(all_n)), all_n});
}

std::vector<double> logs(std::span<const double> xs) {
  std::vector<double> out;
  for (double x : xs) out.push_back(std::log(x));
  return out;
}

std::string pct_text(double fraction) { return fmt("%.1f", fraction * 100) + "%"; }

// The smallest size a side (files) or the pairs (A/B) need before the test can reach alpha.
std::size_t reps_needed(double alpha) {
  std::size_t k = 1;
  while (min_rank_sum_p(k, k) > alpha) ++k;
  return k;
}
std::size_t pairs_needed(double alpha) {
  std::size_t k = 1;
  while (min_signed_rank_p(k) > alpha) ++k;
  return k;
}

constexpr const char* kIncomplete = "incomplete (interrupted run): cannot be called same";

// Per workload, the reference primitive's median ns/op in a file, and whether it was noisy.
struct Reference {
  double median;
  bool noisy;
};

std::map<std::string, Reference> reference_medians(const ResultsFile& f, const std::string& primitive) {
  if (!f.lfbench) throw BadInput("--relative-to needs lfbench results; " + f.name + " is plain Google Benchmark JSON");
  std::map<std::string, Reference> refs;
  for (const auto& c : f.cells)
    if (c.primitive == primitive && c.verified) refs[c.workload] = {median(c.ns()), c.noisy || c.disturbed};
  if (refs.empty()) throw BadInput("--relative-to: " + f.name + " has no cell of primitive '" + primitive + "'");
  return refs;
}

std::vector<double> scaled(std::vector<double> xs, double by) {
  for (double& x : xs) x /= by;
  return xs;
}

void refuse_ab(const ResultsFile& f) {
  if (f.ab())
    throw BadInput(f.name + " is an A/B file (context.lfbench_ab); allowed: compare it alone: lfbench compare " + f.name);
}

}  // namespace

Comparison compare(std::span<const ResultsFile> bases, const ResultsFile& next, const Options& o) {
  for (const auto& b : bases) refuse_ab(b);
  refuse_ab(next);
  Comparison c;
  c.options = o;
  c.threshold = o.threshold.value_or(kThresholdFiles);
  c.new_name = next.name;
  c.new_incomplete = next.incomplete;
  for (const auto& b : bases) {
    c.base_names.push_back(b.name);
    for (const char* key : kEnvKeys) {
      const json x = b.env.value(key, json()), y = next.env.value(key, json());
      if (x != y)
        c.env_mismatches.push_back(std::string(key) + ": " + x.dump() + " vs " + y.dump() +
                                   (bases.size() > 1 ? " (" + b.name + ")" : ""));
    }
  }
  const bool relative = !o.relative_to.empty();
  std::vector<std::map<std::string, Reference>> base_refs;
  std::map<std::string, Reference> new_refs;
  if (relative) {
    for (const auto& b : bases) base_refs.push_back(reference_medians(b, o.relative_to));
    new_refs = reference_medians(next, o.relative_to);
  }
  const auto wanted = [&o](const Cell& cell) { return !o.filter || std::regex_search(cell.id, *o.filter); };

  // Cells in first-seen order over the bases; each with the bases that have it.
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::pair<std::size_t, const Cell*>>> in_bases;
  for (std::size_t i = 0; i < bases.size(); ++i)
    for (const auto& cell : bases[i].cells)
      if (wanted(cell)) {
        auto& list = in_bases[cell.id];
        if (list.empty()) order.push_back(cell.id);
        list.emplace_back(i, &cell);
      }
  std::map<std::string, const Cell*> new_cells;
  for (const auto& cell : next.cells)
    if (wanted(cell)) new_cells.emplace(cell.id, &cell);

  const double delta0 = std::log1p(c.threshold);
  const std::string too_few_tail = " can never reach p <= " + fmt("%g", o.alpha) + "; use at least " +
                                   std::to_string(reps_needed(o.alpha)) + " a side";
  std::vector<Pending> cells;
  std::size_t matched = 0;
  for (const auto& id : order) {
    const auto& from = in_bases[id];
    const Cell& first = *from.front().second;
    Pending p;
    Row& r = p.row;
    r.id = id;
    r.scenario = first.scenario;
    std::vector<double> pooled;
    for (const auto& [i, cell] : from) {
      const auto ns = cell->ns();
      pooled.insert(pooled.end(), ns.begin(), ns.end());
    }
    r.n_base = pooled.size();
    const auto it = new_cells.find(id);
    if (it == new_cells.end()) {
      r.verdict = Verdict::missing;
      r.base = median(pooled);
      r.fails = !o.allow_missing;
      p.notes.push_back(o.allow_missing ? "missing from new (allowed by --allow-missing)" : "missing from new");
      cells.push_back(std::move(p));
      continue;
    }
    ++matched;
    r.in_both = true;
    const Cell& n = *it->second;
    r.n_new = n.samples.size();
    const auto failed_base = std::find_if(from.begin(), from.end(), [](const auto& x) { return !x.second->verified; });
    if (!n.verified || failed_base != from.end()) {
      r.verdict = Verdict::invalid;
      r.fails = !n.verified;
      p.notes.push_back(!n.verified ? "failed in new: " + n.verification_detail
                                    : "failed in base " + bases[failed_base->first].name + ": " +
                                          failed_base->second->verification_detail);
      cells.push_back(std::move(p));
      continue;
    }
    // Normalised per file (relative mode), then pooled over the bases.
    bool noisy = n.noisy || n.disturbed, ref_noisy = false, incomplete = next.incomplete || n.incomplete;
    std::vector<std::vector<double>> per_base;
    std::vector<double> ys = n.ns();
    bool scaled_all = relative;
    if (relative) {
      const auto rn = new_refs.find(n.workload);
      scaled_all = rn != new_refs.end();
      for (const auto& [i, cell] : from) scaled_all = scaled_all && base_refs[i].contains(cell->workload);
      if (scaled_all) {
        ys = scaled(ys, rn->second.median);
        ref_noisy |= rn->second.noisy;
      } else {
        p.notes.push_back("absolute: no " + o.relative_to + " in this workload");
      }
    }
    for (const auto& [i, cell] : from) {
      noisy |= cell->noisy || cell->disturbed;
      incomplete |= bases[i].incomplete || cell->incomplete;
      per_base.push_back(cell->ns());
      if (scaled_all) {
        const Reference& ref = base_refs[i].at(cell->workload);
        per_base.back() = scaled(per_base.back(), ref.median);
        ref_noisy |= ref.noisy;
      }
    }
    std::vector<double> xs;
    for (const auto& b : per_base) xs.insert(xs.end(), b.begin(), b.end());
    r.base = median(xs);
    r.next = median(ys);
    r.ratio = r.next / r.base;
    // Run-to-run spread: how far any base's median sits from the pooled one. A change must
    // exceed it, and a cell whose bases disagree by more than the threshold cannot be `same`.
    double spread = 0;
    if (per_base.size() > 1)
      for (const auto& b : per_base) spread = std::max(spread, std::fabs(std::log(median(b) / r.base)));
    const std::vector<double> lx = logs(xs), ly = logs(ys);
    set_ci(r, hodges_lehmann_shift(lx, ly, o.alpha));
    if (noisy) p.untested = "flagged noisy or disturbed by lfbench run";
    else if (ref_noisy) p.untested = "reference " + o.relative_to + " flagged noisy or disturbed by lfbench run";
    if (spread > delta0)
      p.not_same = "run-to-run spread " + pct_text(std::expm1(spread)) + " exceeds the threshold " + pct_text(c.threshold);
    else if (incomplete) p.not_same = kIncomplete;
    set_tests(p, unpaired_tests(lx, ly, std::max(delta0, spread)), o.alpha,
              "too few repetitions: " + std::to_string(xs.size()) + " vs " + std::to_string(ys.size()) + too_few_tail);
    cells.push_back(std::move(p));
  }
  std::set<std::string> in_base(order.begin(), order.end());
  for (const auto& n : next.cells)
    if (wanted(n) && !in_base.contains(n.id)) {
      Pending p;
      p.row.id = n.id;
      p.row.scenario = n.scenario;
      p.row.verdict = n.verified ? Verdict::added : Verdict::invalid;
      p.row.fails = !n.verified;
      p.row.n_new = n.samples.size();
      p.row.next = median(n.ns());
      p.notes.push_back(n.verified ? "only in new" : "only in new, and failed: " + n.verification_detail);
      cells.push_back(std::move(p));
    }
  if (matched == 0)
    throw BadInput(join(c.base_names) + " and " + next.name + " have no cell in common" +
                   (o.filter ? " matching --filter '" + o.filter_text + "'" : "") + "; nothing to compare");
  decide(c, cells);
  return c;
}

Comparison compare_ab(const ResultsFile& ab, const Options& o) {
  if (!ab.ab())
    throw BadInput(ab.name + " is not an A/B file (no context.lfbench_ab); allowed alone: a file of lfbench run --ab; "
                             "otherwise give a base too: lfbench compare BASE " + ab.name);
  if (!o.relative_to.empty())
    throw BadInput("--relative-to " + o.relative_to + ": not for an A/B file (" + ab.name +
                   "); its pairs already cancel what the reference would");
  Comparison c;
  c.ab = true;
  c.options = o;
  c.threshold = o.threshold.value_or(kThresholdAB);
  c.base_names = {ab.name};
  c.new_name = ab.name;
  c.new_incomplete = ab.incomplete;
  c.base_build = ab.builds[0];
  c.head_build = ab.builds[1];
  c.base_path = ab.build_paths[0];
  c.head_path = ab.build_paths[1];
  const auto wanted = [&o](const Cell& cell) { return !o.filter || std::regex_search(cell.id, *o.filter); };
  std::vector<std::string> order;
  std::map<std::string, std::pair<const Cell*, const Cell*>> by_id;  // (base, head)
  for (const auto& cell : ab.cells) {
    if (!wanted(cell)) continue;
    auto [it, added] = by_id.try_emplace(cell.id);
    if (added) order.push_back(cell.id);
    (cell.build == c.base_build ? it->second.first : it->second.second) = &cell;
  }
  const double delta = std::log1p(c.threshold);
  const std::size_t need = pairs_needed(o.alpha);
  std::vector<Pending> cells;
  std::size_t matched = 0;
  for (const auto& id : order) {
    const auto [b, h] = by_id[id];
    Pending p;
    Row& r = p.row;
    r.id = id;
    r.scenario = (b ? b : h)->scenario;
    r.n_base = b ? b->samples.size() : 0;
    r.n_new = h ? h->samples.size() : 0;
    if (!h || !b) {
      r.verdict = !h ? Verdict::missing : h->verified ? Verdict::added : Verdict::invalid;
      r.fails = !h ? !o.allow_missing : !h->verified;
      r.base = b ? median(b->ns()) : 0;
      r.next = h ? median(h->ns()) : 0;
      p.notes.push_back(!h ? "not measured in " + c.head_build + (o.allow_missing ? " (allowed by --allow-missing)" : "")
                           : "only in " + c.head_build + (h->verified ? "" : ", and failed: " + h->verification_detail));
      cells.push_back(std::move(p));
      continue;
    }
    r.in_both = true;
    ++matched;
    if (!b->verified || !h->verified) {
      r.verdict = Verdict::invalid;
      r.fails = !h->verified;
      p.notes.push_back("failed in " + (h->verified ? c.base_build + ": " + b->verification_detail
                                                    : c.head_build + ": " + h->verification_detail));
      cells.push_back(std::move(p));
      continue;
    }
    // Pair k: repetition k of each build. A pair with a disturbed window is left out: the
    // machine was not the same for both sides. Except with one thread: there the disturbance
    // is time off the CPU, which CPU time per operation does not count, so such a cell is
    // compared on CPU time (every pair of it, said in the note) and its disturbed pairs kept.
    std::map<std::int64_t, const Sample*> base_rep;
    for (const auto& s : b->samples) base_rep.emplace(s.rep, &s);
    std::vector<std::pair<const Sample*, const Sample*>> matched_pairs;
    for (const auto& s : h->samples)
      if (const auto m = base_rep.find(s.rep); m != base_rep.end()) matched_pairs.emplace_back(m->second, &s);
    const bool any_disturbed = std::any_of(matched_pairs.begin(), matched_pairs.end(),
                                           [](const auto& pr) { return pr.first->disturbed || pr.second->disturbed; });
    const bool on_cpu = any_disturbed && b->threads == 1 && h->threads == 1 &&
                        std::all_of(matched_pairs.begin(), matched_pairs.end(),
                                    [](const auto& pr) { return pr.first->cpu_ns > 0 && pr.second->cpu_ns > 0; });
    std::vector<double> r_k, bs, hs;
    for (const auto& [bp, hp] : matched_pairs) {
      if (!on_cpu && (bp->disturbed || hp->disturbed)) {
        ++r.pairs_dropped;
        continue;
      }
      const double x = on_cpu ? bp->cpu_ns : bp->ns, y = on_cpu ? hp->cpu_ns : hp->ns;
      r_k.push_back(std::log(y / x));
      bs.push_back(x);
      hs.push_back(y);
    }
    if (on_cpu) p.notes.push_back("compared on CPU time per op (1 thread; disturbed pairs kept: time off the CPU does not count)");
    r.pairs = r_k.size();
    r.base = median(bs.empty() ? b->ns() : bs);
    r.next = median(hs.empty() ? h->ns() : hs);
    r.ratio = r.next / r.base;
    if (!r_k.empty()) {
      const Estimate e = hodges_lehmann(r_k, o.alpha);
      set_ci(r, e);
      r.ratio = std::exp(e.point);
    }
    if (r.pairs_dropped)
      p.notes.push_back(std::to_string(r.pairs_dropped) + " pair" + (r.pairs_dropped > 1 ? "s" : "") +
                        " left out (a window disturbed)");
    if (ab.incomplete || b->incomplete || h->incomplete) p.not_same = kIncomplete;
    set_tests(p, paired_tests(r_k, delta), o.alpha,
              "too few pairs: " + std::to_string(r.pairs) + " usable; p <= " + fmt("%g", o.alpha) + " needs at least " +
                  std::to_string(need));
    cells.push_back(std::move(p));
  }
  if (matched == 0)
    throw BadInput(ab.name + ": no cell" + (o.filter ? " matching --filter '" + o.filter_text + "'" : "") +
                   " was measured by both " + c.base_build + " and " + c.head_build + "; nothing to compare");
  decide(c, cells);
  return c;
}

// ---- rendering ----

namespace {

std::string fmt_p(const std::optional<double>& p) {
  if (!p) return "-";
  return *p >= 0.001 || *p == 0 ? fmt("%.3f", *p) : fmt("%.1e", *p);
}


std::string plural(std::size_t n, const std::string& what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// A few ids, then how many more: a headline stays one readable line.
std::string some(const std::vector<std::string>& ids) {
  constexpr std::size_t kShown = 5;
  std::vector<std::string> head(ids.begin(), ids.begin() + long(std::min(ids.size(), kShown)));
  return join(head) + (ids.size() > kShown ? " and " + std::to_string(ids.size() - kShown) + " more" : "");
}

std::string headline(const Comparison& c) {
  std::vector<std::string> slower, failed, missing, allowed;
  for (const auto& r : c.rows) {
    if (r.verdict == Verdict::slower) slower.push_back(r.id);
    if (r.verdict == Verdict::invalid && r.fails) failed.push_back(r.id);
    if (r.verdict == Verdict::missing) (r.fails ? missing : allowed).push_back(r.id);
  }
  const std::size_t n = c.compared(), unjudged = c.unjudged(), inconclusive = c.count(Verdict::inconclusive);
  const std::size_t base_invalid = unjudged - inconclusive;  // failed only in the base: not judged either
  std::vector<std::string> parts;
  if (!slower.empty()) parts.push_back(plural(slower.size(), "regression") + ": " + some(slower));
  if (!failed.empty()) parts.push_back(std::to_string(failed.size()) + " failed in new (verification, hung or crashed): " + some(failed));
  if (!missing.empty()) parts.push_back(std::to_string(missing.size()) + " missing from new: " + some(missing));
  std::string s;
  if (parts.empty()) {
    std::vector<std::string> kinds;
    if (c.count(Verdict::same)) kinds.push_back(std::to_string(c.count(Verdict::same)) + " same");
    if (c.count(Verdict::faster)) kinds.push_back(std::to_string(c.count(Verdict::faster)) + " faster");
    s = "no regression: " + std::to_string(n - unjudged) + " of " + std::to_string(n) + " cells judged" +
        (kinds.empty() ? "" : " (" + join(kinds) + ")");
    if (inconclusive) s += ", " + std::to_string(inconclusive) + " inconclusive";
    if (base_invalid) s += ", " + std::to_string(base_invalid) + " failed in base";
  } else {
    s = join(parts, "; ");
    if (inconclusive) s += "; " + std::to_string(inconclusive) + " inconclusive";
  }
  if (!allowed.empty()) s += "; " + std::to_string(allowed.size()) + " missing from new (allowed)";
  if (c.new_incomplete) s += "; " + c.new_name + " is from an interrupted run (lfbench_incomplete): never a pass";
  if (c.exit_code() == 0 && unjudged) s += " (within --max-inconclusive " + fmt("%g", c.options.max_inconclusive_pct) + "%)";
  return s;
}

std::string settings(const Comparison& c) {
  const Options& o = c.options;
  std::string s = "alpha " + fmt("%g", o.alpha) + ", threshold " + fmt("%g", c.threshold * 100) + "%, " +
                  std::string(to_string(o.correction)) + ", " + ci_label(c);
  if (!o.relative_to.empty()) s += ", relative to " + o.relative_to;
  if (o.filter) s += ", filter '" + o.filter_text + "'";
  if (o.allow_missing) s += ", missing cells allowed";
  if (o.max_inconclusive_pct > 0) s += ", up to " + fmt("%g", o.max_inconclusive_pct) + "% inconclusive allowed";
  return s;
}

std::string sources(const Comparison& c) {
  if (c.ab)
    return c.new_name + " (A/B): " + c.head_build + " (" + c.head_path + ") vs " + c.base_build + " (" + c.base_path + ")";
  return join(c.base_names, " + ") + " -> " + c.new_name;
}

// Column unit: relative times are multiples of the reference primitive named in settings().
std::string unit(const Comparison& c) { return c.options.relative_to.empty() ? "ns/op" : "x ref"; }

std::string value(double x, bool present) { return present ? fmt("%.4g", x) : "-"; }

std::string sizes(const Comparison& c, const Row& r) {
  if (!r.in_both) return "-";
  return c.ab ? std::to_string(r.pairs) : std::to_string(r.n_base) + "/" + std::to_string(r.n_new);
}

bool bad_row(const Row& r) { return r.fails || r.verdict == Verdict::slower || r.verdict == Verdict::invalid; }

std::string render_text(const Comparison& c, bool color) {
  const auto paint = [color](const Row& r, std::string s) {
    const char* code = bad_row(r) || r.verdict == Verdict::missing ? "31"
                       : r.verdict == Verdict::faster              ? "32"
                       : r.verdict == Verdict::inconclusive        ? "33"
                                                                   : nullptr;
    return color && code ? "\033[" + std::string(code) + "m" + s + "\033[0m" : s;
  };
  std::ostringstream out;
  out << "lfbench compare: " << sources(c) << " (" << settings(c) << ")\n";
  for (const auto& m : c.env_mismatches) out << "environment differs: " << m << "\n";
  char line[640];
  std::snprintf(line, sizeof line, "%-12s %8s  %-19s %7s %7s %11s %11s  %s\n", "verdict", "change", ci_label(c).c_str(), "q",
                c.ab ? "pairs" : "n", ("base " + unit(c)).c_str(), ("new " + unit(c)).c_str(), "cell");
  out << line;
  for (const auto& r : c.rows) {
    std::string v(to_string(r.verdict));
    v.resize(std::max<std::size_t>(v.size(), 12), ' ');  // pad before colouring: escapes have no width
    std::snprintf(line, sizeof line, "%8s  %-19s %7s %7s %11s %11s  ", r.in_both ? pct(r.ratio).c_str() : "-",
                  ci_text(r).c_str(), fmt_p(r.q).c_str(), sizes(c, r).c_str(), value(r.base, r.n_base).c_str(),
                  value(r.next, r.n_new).c_str());
    out << paint(r, v) << " " << line << r.id << (r.note.empty() ? "" : "  (" + r.note + ")") << "\n";
  }
  for (const auto& g : c.geomeans)
    out << "geomean " << (g.scenario.empty() ? "overall" : g.scenario) << ": " << pct(g.ratio) << " over " << g.cells
        << " cells\n";
  out << headline(c) << "\n";
  return out.str();
}

// A '|' inside a table cell would end it (GitHub ends it even inside backticks).
std::string md_cell(const std::string& s) {
  std::string out;
  for (char ch : s) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
  return out;
}

// A pull-request comment: what changed or could not be judged; `same` cells only counted.
std::string render_md(const Comparison& c) {
  std::ostringstream out;
  out << "### lfbench compare: " << (c.exit_code() ? "**" + md_cell(headline(c)) + "**" : md_cell(headline(c))) << "\n\n";
  out << md_cell(sources(c)) << " (" << md_cell(settings(c)) << ")\n\n";
  for (const auto& m : c.env_mismatches) out << "> environment differs: " << md_cell(m) << "\n";
  if (!c.env_mismatches.empty()) out << "\n";
  bool header = false;
  for (const auto& r : c.rows) {
    if (r.verdict == Verdict::same) continue;
    if (!header) {
      out << "| verdict | cell | change | " << ci_label(c) << " | q | " << (c.ab ? "pairs" : "n") << " | base " << unit(c)
          << " | new " << unit(c) << " | note |\n|---|---|--:|--:|--:|--:|--:|--:|---|\n";
      header = true;
    }
    const char* strong = bad_row(r) ? "**" : "";
    out << "| " << strong << to_string(r.verdict) << strong << " | `" << md_cell(r.id) << "` | "
        << (r.in_both ? pct(r.ratio) : "-") << " | " << ci_text(r) << " | " << fmt_p(r.q) << " | " << sizes(c, r)
        << " | " << value(r.base, r.n_base) << " | " << value(r.next, r.n_new) << " | " << md_cell(r.note) << " |\n";
  }
  if (header) out << "\n";
  if (const std::size_t same = c.count(Verdict::same)) out << plural(same, "cell") << " same.\n\n";
  for (const auto& g : c.geomeans)
    out << "- geomean " << (g.scenario.empty() ? "**overall**" : md_cell(g.scenario)) << ": " << pct(g.ratio) << " over "
        << g.cells << " cells\n";
  return out.str();
}

json opt(const std::optional<double>& x) { return x ? json(*x) : json(); }

std::string render_json(const Comparison& c) {
  const Options& o = c.options;
  json doc = {{"mode", c.ab ? "ab" : "files"},
              {"options",
               {{"alpha", o.alpha},
                {"threshold_pct", c.threshold * 100},
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
    json cell = {{"id", r.id},
                 {"scenario", r.scenario},
                 {"verdict", to_string(r.verdict)},
                 {"fails", r.fails},
                 {"ratio", r.in_both && r.verdict != Verdict::invalid ? json(r.ratio) : json()},
                 {"ci_low", opt(r.ci_low)},
                 {"ci_high", opt(r.ci_high)},
                 {"p_slower", opt(r.p_slower)},
                 {"p_faster", opt(r.p_faster)},
                 {"p_same", opt(r.p_same)},
                 {"q", opt(r.q)},
                 {"n_base", r.n_base},
                 {"n_new", r.n_new},
                 {"base", r.n_base ? json(r.base) : json()},
                 {"new", r.n_new ? json(r.next) : json()},
                 {"unit", o.relative_to.empty() ? "ns_per_op" : "ratio_to_" + o.relative_to},
                 {"note", r.note}};
    if (c.ab) {
      cell["pairs"] = r.pairs;
      cell["pairs_dropped"] = r.pairs_dropped;
    }
    cells.push_back(std::move(cell));
  }
  json& g = doc["geomeans"] = json::array();
  for (const auto& x : c.geomeans)
    g.push_back({{"scenario", x.scenario.empty() ? json() : json(x.scenario)}, {"ratio", x.ratio}, {"cells", x.cells}});
  return doc.dump(2) + "\n";
}

// Text made safe for an XML attribute or element: the five markup characters escaped, and the
// control characters XML 1.0 forbids replaced.
std::string xml(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += (static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') ? '?' : ch;
    }
  }
  return out;
}

// One testcase per cell for a CI's test view: a failure where the cell fails the gate, skipped
// where it was not judged (or its absence is allowed).
std::string render_junit(const Comparison& c) {
  std::size_t failures = 0, skipped = 0;
  std::ostringstream cases;
  for (const auto& r : c.rows) {
    std::string message = std::string(to_string(r.verdict));
    if (r.in_both && r.verdict != Verdict::invalid) {
      message += ": " + pct(r.ratio);
      if (r.ci_low) message += " (" + ci_label(c) + " " + ci_text(r) + ")";
      if (r.q) message += ", q " + fmt_p(r.q);
    }
    if (!r.note.empty()) message += "; " + r.note;
    const bool skip = !r.fails && (r.verdict == Verdict::inconclusive || r.verdict == Verdict::invalid ||
                                   r.verdict == Verdict::missing);
    cases << "    <testcase classname=\"" << xml(r.scenario) << "\" name=\"" << xml(r.id) << "\" time=\"0\"";
    if (r.fails) {
      ++failures;
      cases << ">\n      <failure message=\"" << xml(message) << "\" type=\"" << to_string(r.verdict) << "\"/>\n    </testcase>\n";
    } else if (skip) {
      ++skipped;
      cases << ">\n      <skipped message=\"" << xml(message) << "\"/>\n    </testcase>\n";
    } else {
      cases << ">\n      <system-out>" << xml(message) << "</system-out>\n    </testcase>\n";
    }
  }
  const std::string counts = "tests=\"" + std::to_string(c.rows.size()) + "\" failures=\"" + std::to_string(failures) +
                             "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\"";
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"lfbench compare\" " << counts << ">\n"
      << "  <testsuite name=\"lfbench compare\" " << counts << " time=\"0\">\n"
      << "    <properties>\n"
      << "      <property name=\"headline\" value=\"" << xml(headline(c)) << "\"/>\n"
      << "      <property name=\"sources\" value=\"" << xml(sources(c)) << "\"/>\n"
      << "      <property name=\"settings\" value=\"" << xml(settings(c)) << "\"/>\n"
      << "      <property name=\"exit_code\" value=\"" << c.exit_code() << "\"/>\n"
      << "    </properties>\n"
      << cases.str() << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

}  // namespace

std::string render(const Comparison& c, Format f, bool color) {
  switch (f) {
    case Format::text: return render_text(c, color);
    case Format::md: return render_md(c);
    case Format::json: return render_json(c);
    case Format::junit: return render_junit(c);
  }
  return {};
}

}  // namespace lfbench::compare
