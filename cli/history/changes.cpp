// Change points in a series of runs (the method and why: changes.hpp).
#include "changes.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "../../scenarios/harness/stats.hpp"

namespace lfbench::history {

namespace {

// Each run's score: the mean midrank of its windows among every window of runs [begin, end).
std::vector<double> run_scores(std::span<const RunSample> runs, std::size_t begin, std::size_t end) {
  struct Window {
    double v;
    std::size_t run;
  };
  std::vector<Window> w;
  for (std::size_t r = begin; r < end; ++r)
    for (const double v : runs[r].log_ns) w.push_back({v, r - begin});
  std::sort(w.begin(), w.end(), [](const Window& a, const Window& b) { return a.v < b.v; });
  std::vector<double> sum(end - begin, 0.0), count(end - begin, 0.0);
  for (std::size_t i = 0; i < w.size();) {
    std::size_t j = i;
    while (j < w.size() && w[j].v == w[i].v) ++j;
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;  // midrank of ties
    for (std::size_t k = i; k < j; ++k) {
      sum[w[k].run] += rank;
      count[w[k].run] += 1;
    }
    i = j;
  }
  std::vector<double> a(end - begin, 0.0);
  for (std::size_t r = 0; r < a.size(); ++r) a[r] = count[r] > 0 ? sum[r] / count[r] : 0;
  return a;
}

// The scan, as E-Divisive searches (tau, kappa): for every end kappa of a window [0, kappa) and
// every split k in it (at least m runs a side), the left runs' score sum standardised by its
// mean and variance under permutation of the window's runs; the largest |Z|. A window that ends
// before the segment does catches a step that a later step back (a fix, a machine that came
// back) would hide from a split of the whole. Windows end at every run up to kFullScan runs,
// on a grid of about 100 ends beyond (the cost per permutation is runs x ends).
class Scan {
 public:
  Scan(std::size_t n, std::size_t m) : n_(n), m_(m) {
    const std::size_t step = n <= kFullScan ? 1 : (n - 2 * m) / 100 + 1;
    for (std::size_t kappa = n;; kappa -= step) {
      ends_.push_back(kappa);
      if (kappa < 2 * m + step) break;
    }
    if (n <= kFullScan) {
      inv_sqrt_.resize((n + 1) * (n + 1), 0.0);
      for (std::size_t i = 1; i <= n; ++i)
        for (std::size_t j = 1; i + j <= n; ++j)
          inv_sqrt_[i * (n + 1) + j] = 1 / std::sqrt(static_cast<double>(i) * static_cast<double>(j));
    }
    prefix_.resize(n + 1);
    squares_.resize(n + 1);
  }
  // The largest |Z| over (k, kappa) for scores a; `where`, `z`: its split and signed Z.
  double operator()(const std::vector<double>& a, std::size_t* where = nullptr, double* z = nullptr) {
    prefix_[0] = squares_[0] = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      prefix_[i + 1] = prefix_[i] + a[i];
      squares_[i + 1] = squares_[i] + a[i] * a[i];
    }
    double best = -1;
    for (const std::size_t kappa : ends_) {
      const auto kd = static_cast<double>(kappa);
      const double mean = prefix_[kappa] / kd;
      const double ss = squares_[kappa] - kd * mean * mean;
      if (!(ss > 1e-12 * (squares_[kappa] + 1))) continue;  // every score alike in this window
      const double scale = std::sqrt(kd * (kd - 1) / ss);
      for (std::size_t k = m_; k + m_ <= kappa; ++k) {
        const double w = inv_sqrt_.empty() ? 1 / std::sqrt(static_cast<double>(k) * static_cast<double>(kappa - k))
                                           : inv_sqrt_[k * (n_ + 1) + (kappa - k)];
        const double zk = (prefix_[k] - static_cast<double>(k) * mean) * scale * w;
        if (std::abs(zk) > best) {
          best = std::abs(zk);
          if (where) *where = k;
          if (z) *z = zk;
        }
      }
    }
    return best;
  }

 private:
  static constexpr std::size_t kFullScan = 200;
  std::size_t n_, m_;
  std::vector<std::size_t> ends_;
  std::vector<double> inv_sqrt_, prefix_, squares_;
};

}  // namespace

double run_level(const RunSample& r) { return median(r.log_ns); }

std::uint64_t seed_of(const std::string& name) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::optional<Split> best_split(std::span<const RunSample> runs, std::size_t begin, std::size_t end,
                                const DetectOptions& o, std::uint64_t seed) {
  const std::size_t m = std::max<std::size_t>(o.min_segment, 1);
  if (end > runs.size() || begin >= end || end - begin < 2 * m) return std::nullopt;
  std::vector<double> a = run_scores(runs, begin, end);
  const double mean = std::accumulate(a.begin(), a.end(), 0.0) / static_cast<double>(a.size());
  double ss = 0;
  for (const double x : a) ss += (x - mean) * (x - mean);
  if (!(ss > 1e-9 * mean * mean)) return std::nullopt;  // every run scores alike: nothing to split

  Scan scan(a.size(), m);
  Split s;
  std::size_t k = 0;
  double z = 0;
  const double observed = scan(a, &k, &z);
  if (observed < 0) return std::nullopt;
  s.at = begin + k;
  s.z = -z;  // Z > 0 when the left runs rank higher (slower): the change is then to faster
  // The permutation test: the same maximum over runs shuffled whole. Ties with the observed
  // value (up to rounding) count as reaching it.
  std::mt19937_64 rng(seed ^ (0x9e3779b97f4a7c15ull * (begin + 1)) ^ (0xbf58476d1ce4e5b9ull * (end + 1)));
  const double reach = observed * (1 - 1e-12);
  std::size_t reached = 0;
  for (std::size_t b = 1; b <= o.permutations; ++b) {
    for (std::size_t i = a.size() - 1; i > 0; --i) std::swap(a[i], a[rng() % (i + 1)]);
    if (scan(a) >= reach && ++reached == o.stop_after) {
      s.p = static_cast<double>(reached) / static_cast<double>(b);  // Besag-Clifford
      return s;
    }
  }
  s.p = static_cast<double>(reached + 1) / static_cast<double>(o.permutations + 1);
  return s;
}

std::vector<Split> segment(std::span<const RunSample> runs, const DetectOptions& o, std::uint64_t seed,
                           std::optional<Split> first) {
  // The partition so far, each segment with its best split (cached: the same segment gives the
  // same answer). Each round tests every segment of the partition at alpha / (their number) and
  // cuts the most significant one: once the true changes are found, the chance of a further,
  // false one is at most alpha (Bonferroni over the segments), not alpha per segment.
  struct Segment {
    std::size_t begin, end;
    std::optional<Split> split;
  };
  std::vector<Segment> parts;
  parts.push_back({0, runs.size(), first ? first : best_split(runs, 0, runs.size(), o, seed)});
  std::vector<Split> changes;
  for (bool given = first.has_value();; given = false) {
    std::size_t best = parts.size();
    for (std::size_t i = 0; i < parts.size(); ++i)
      if (parts[i].split && (best == parts.size() || parts[i].split->p < parts[best].split->p)) best = i;
    if (best == parts.size()) break;
    const Split s = *parts[best].split;
    if (!given && s.p > o.alpha / static_cast<double>(parts.size())) break;
    changes.push_back(s);
    const Segment old = parts[best];
    parts[best] = {old.begin, s.at, best_split(runs, old.begin, s.at, o, seed)};
    parts.push_back({s.at, old.end, best_split(runs, s.at, old.end, o, seed)});
  }
  std::sort(changes.begin(), changes.end(), [](const Split& a, const Split& b) { return a.at < b.at; });
  return changes;
}

std::size_t min_runs(const DetectOptions& o) {
  const std::size_t m = std::max<std::size_t>(o.min_segment, 1);
  const double floor_p = 1.0 / static_cast<double>(o.permutations + 1);
  for (std::size_t n = 2 * m;; ++n) {
    // 2 / C(n, n/2): the two arrangements with one half wholly above the other.
    double c = 1;
    for (std::size_t i = 1; i <= n / 2; ++i) c = c * static_cast<double>(n - n / 2 + i) / static_cast<double>(i);
    if (std::max(2 / c, floor_p) <= o.alpha || n > 1000) return n;
  }
}

Step describe(std::span<const RunSample> runs, std::size_t from, std::size_t at, std::size_t to, double alpha,
              double threshold) {
  Step s;
  s.from = from;
  s.at = at;
  s.to = to;
  std::vector<double> before, after;
  for (std::size_t r = from; r < at; ++r) before.push_back(run_level(runs[r]));
  for (std::size_t r = at; r < to; ++r) after.push_back(run_level(runs[r]));
  const compare::Estimate e = compare::hodges_lehmann_shift(before, after, alpha);
  s.ratio = std::exp(e.point);
  if (e.low && e.high) {
    s.ci_low = std::exp(*e.low);
    s.ci_high = std::exp(*e.high);
  }
  s.tests = compare::unpaired_tests(before, after, std::log1p(threshold));
  using compare::Verdict;
  s.verdict = s.tests.p_slower <= alpha   ? Verdict::slower
              : s.tests.p_faster <= alpha ? Verdict::faster
              : s.tests.p_same <= alpha   ? Verdict::same
                                          : Verdict::inconclusive;
  return s;
}

}  // namespace lfbench::history
