#include "rank_stats.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <utility>

namespace lfbench::compare {

namespace {

// Exact null distributions up to these sizes: the signed-rank's 2^50 sign patterns and the rank
// sum's C(40, 20) labellings are still exact integers in a double, and the tables cost
// microseconds. Beyond, the normal approximation (with tie correction) is good to well under
// alpha's precision.
constexpr std::size_t kExactPairs = 50;
constexpr std::size_t kExactPooled = 40;

}  // namespace

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

namespace {

// The bets averaged (a mixture of e-processes is one): small ones keep wealth through mixed
// signs, large ones grow fast when every sign agrees.
constexpr double kBets[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};

// 1 / (mixture wealth) after betting that each r_i lies on `side` of `boundary` (+1 above, -1
// below); capped at 1.
double sign_eprocess_p(std::span<const double> r, double boundary, int side) {
  double sum = 0;
  for (double lambda : kBets) {
    double log_w = 0;
    for (double v : r) {
      const double s = v > boundary ? 1.0 : v < boundary ? -1.0 : 0.0;
      log_w += std::log1p(lambda * s * side);
    }
    sum += std::exp(log_w);
  }
  const double w = sum / static_cast<double>(std::size(kBets));
  return w <= 1 ? 1.0 : 1.0 / w;
}

}  // namespace

Tests sequential_paired_tests(std::span<const double> r, double delta) {
  Tests t;
  t.p_slower = sign_eprocess_p(r, delta, +1);    // H0: median <= +delta
  t.p_faster = sign_eprocess_p(r, -delta, -1);   // H0: median >= -delta
  t.p_same = std::max(sign_eprocess_p(r, delta, -1), sign_eprocess_p(r, -delta, +1));  // TOST
  const std::vector<double> best(r.size(), 1.0);
  t.min_p = sign_eprocess_p(best, 0.0, +1);
  return t;
}

std::size_t sequential_pairs_needed(double alpha) {
  std::size_t k = 1;
  while (sequential_paired_tests(std::vector<double>(k, 1.0), 0).min_p > alpha && k < 10000) ++k;
  return k;
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

}  // namespace lfbench::compare
