#include "stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace lfbench {

double median(std::span<const double> xs) {
  if (xs.empty()) return 0;
  std::vector<double> v(xs.begin(), xs.end());
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

Summary summarize(std::span<const double> xs) {
  Summary s;
  s.n = xs.size();
  if (xs.empty()) return s;
  std::vector<double> v(xs.begin(), xs.end());
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  s.median = median(v);
  s.min = v.front();
  s.max = v.back();
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(n);
  if (n > 1) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(ss / static_cast<double>(n - 1));
  }
  s.cv = s.mean != 0 ? s.stddev / s.mean : 0;
  return s;
}

bool is_noisy(const Summary& s) {
  return s.cv > kNoisyCv || (s.median > 0 && (s.max - s.min) / s.median > kNoisyRange);
}

Fairness fairness(std::span<const std::uint64_t> ops) {
  Fairness f;
  if (ops.empty()) return f;
  double sum = 0;
  std::uint64_t lo = ops[0], hi = ops[0];
  for (std::uint64_t x : ops) {
    sum += static_cast<double>(x);
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  if (sum == 0) return f;
  f.jain = jain(ops);
  f.min_share = static_cast<double>(lo) / sum;
  f.max_share = static_cast<double>(hi) / sum;
  return f;
}

}  // namespace lfbench
