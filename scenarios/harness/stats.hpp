// Statistics over repetitions and fairness over threads: pure functions, tested on known inputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace lfbench {

// The middle value (the mean of the two middle ones for an even count); 0 for none.
double median(std::span<const double> xs);

// Jain's fairness index of per-thread amounts, (sum x)^2 / (n * sum x^2): 1 = perfectly even,
// 1/n = one thread did all; 1 when every amount is 0. Over any range of numbers: per-thread
// counts and rates alike.
template <class Range>
double jain(const Range& xs) {
  double sum = 0, squares = 0;
  std::size_t n = 0;
  for (const auto x : xs) {
    const auto d = static_cast<double>(x);
    sum += d;
    squares += d * d;
    ++n;
  }
  return squares > 0 ? sum * sum / (static_cast<double>(n) * squares) : 1.0;
}

struct Summary {
  double median = 0, mean = 0, min = 0, max = 0, stddev = 0, cv = 0;  // stddev: sample (n-1)
  std::size_t n = 0;
};
Summary summarize(std::span<const double> xs);

// A cell is noisy when its repetitions disagree too much to compare it at a few percent:
// coefficient of variation above kNoisyCv, or the range above kNoisyRange of the median.
inline constexpr double kNoisyCv = 0.10;
inline constexpr double kNoisyRange = 0.30;
bool is_noisy(const Summary& s);

struct Fairness {
  double jain = 1;       // jain(per_thread_ops)
  double min_share = 0;  // smallest thread's fraction of all ops (ideal: 1/n)
  double max_share = 0;  // largest thread's fraction of all ops
};
Fairness fairness(std::span<const std::uint64_t> per_thread_ops);

}  // namespace lfbench
