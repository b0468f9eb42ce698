// Fixed-size log-bucket latency histogram (HDR-style: a power-of-two major bucket split into
// 16 linear sub-buckets, so any recorded value is reported within 1/16 = 6.25% of itself).
// Fixed size so that recording on the measuring path never allocates; merged after a window.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

namespace lfbench {

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBits = 4;
  static constexpr unsigned kSub = 1u << kSubBits;
  static constexpr unsigned kBuckets = (64 - kSubBits + 1) * kSub;

  void record(std::uint64_t ns) noexcept {
    ++counts_[index(ns)];
    ++count_;
    max_ = std::max(max_, ns);
  }

  void merge(const LatencyHistogram& o) noexcept {
    for (unsigned i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    count_ += o.count_;
    max_ = std::max(max_, o.max_);
  }

  void clear() noexcept { *this = LatencyHistogram{}; }

  // For the worker protocol and the journal: non-empty buckets as (index, count) pairs.
  template <class F>
  void for_each_bucket(F&& f) const {
    for (unsigned i = 0; i < kBuckets; ++i)
      if (counts_[i]) f(i, counts_[i]);
  }
  // REQUIRES: i < kBuckets. Restores a bucket written by for_each_bucket (count and max too).
  void restore(unsigned i, std::uint64_t n, std::uint64_t max) noexcept {
    counts_[i] += n;
    count_ += n;
    max_ = std::max(max_, max);
  }

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t max() const noexcept { return max_; }

  // The q-quantile (0 < q <= 1) as the upper bound of the bucket holding it, capped at max().
  std::uint64_t percentile(double q) const noexcept {
    if (count_ == 0) return 0;
    // Nearest-rank: the smallest value with at least q of the samples at or below it (the
    // epsilon keeps q * count from landing one past an exact integer through rounding error).
    auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_) - 1e-9));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (unsigned i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(upper(i), max_);
    }
    return max_;
  }

  // Bucket index: values below kSub map to themselves; above, the top kSubBits+1 bits select.
  static unsigned index(std::uint64_t v) noexcept {
    if (v < kSub) return static_cast<unsigned>(v);
    const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(v));
    const unsigned shift = msb - kSubBits;
    return (shift + 1) * kSub + static_cast<unsigned>((v >> shift) & (kSub - 1));
  }
  // Largest value that maps to bucket i.
  static std::uint64_t upper(unsigned i) noexcept {
    if (i < kSub) return i;
    const unsigned shift = i / kSub - 1;
    const std::uint64_t base = (std::uint64_t{kSub} | (i % kSub)) << shift;
    return base + ((std::uint64_t{1} << shift) - 1);
  }

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace lfbench
