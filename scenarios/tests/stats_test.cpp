// Unit tests for the harness's pure statistics: summarize / is_noisy over repetitions, fairness
// over per-thread op counts, and the fixed-size log-bucket LatencyHistogram. Known inputs,
// results worked out by hand in the comments.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "scenarios/harness/histogram.hpp"
#include "scenarios/harness/stats.hpp"

namespace {

using lfbench::fairness;
using lfbench::is_noisy;
using lfbench::LatencyHistogram;
using lfbench::Summary;
using lfbench::summarize;

constexpr double kEps = 1e-12;

// ---------------------------------------------------------------------------------- summarize

TEST(Summarize, OddCount) {
  const std::vector<double> xs{5, 1, 3};  // unsorted on purpose
  const Summary s = summarize(xs);
  EXPECT_EQ(s.n, 3u);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.mean, 3);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 5);
  // sample stddev: sqrt(((5-3)^2 + (1-3)^2 + 0) / (3-1)) = sqrt(4) = 2
  EXPECT_DOUBLE_EQ(s.stddev, 2);
  EXPECT_DOUBLE_EQ(s.cv, 2.0 / 3.0);
}

TEST(Summarize, EvenCountMedianIsMeanOfMiddleTwo) {
  const std::vector<double> xs{9, 4, 2, 5, 4, 7, 5, 4};
  const Summary s = summarize(xs);
  EXPECT_EQ(s.n, 8u);
  EXPECT_DOUBLE_EQ(s.median, 4.5);  // sorted 2 4 4 [4 5] 5 7 9
  EXPECT_DOUBLE_EQ(s.mean, 5);
  EXPECT_DOUBLE_EQ(s.min, 2);
  EXPECT_DOUBLE_EQ(s.max, 9);
  // squared deviations 9+1+1+1+0+0+4+16 = 32; sample variance 32/7 (population would be 4)
  EXPECT_NEAR(s.stddev, std::sqrt(32.0 / 7.0), kEps);
  EXPECT_NEAR(s.cv, std::sqrt(32.0 / 7.0) / 5.0, kEps);
}

TEST(Summarize, DoesNotDependOnInputOrder) {
  const std::vector<double> a{3.5, 1.25, 8, 2, 2, 10.5};
  const std::vector<double> b{10.5, 2, 8, 1.25, 2, 3.5};
  const Summary sa = summarize(a), sb = summarize(b);
  EXPECT_DOUBLE_EQ(sa.median, sb.median);
  EXPECT_DOUBLE_EQ(sa.median, 2.75);  // sorted 1.25 2 [2 3.5] 8 10.5
  EXPECT_DOUBLE_EQ(sa.mean, sb.mean);
  EXPECT_DOUBLE_EQ(sa.stddev, sb.stddev);
  EXPECT_DOUBLE_EQ(sa.min, 1.25);
  EXPECT_DOUBLE_EQ(sa.max, 10.5);
}

TEST(Summarize, EmptyInputIsAllZero) {
  const Summary s = summarize({});
  EXPECT_EQ(s.n, 0u);
  EXPECT_EQ(s.median, 0);
  EXPECT_EQ(s.mean, 0);
  EXPECT_EQ(s.min, 0);
  EXPECT_EQ(s.max, 0);
  EXPECT_EQ(s.stddev, 0);
  EXPECT_EQ(s.cv, 0);
  EXPECT_FALSE(is_noisy(s));
}

TEST(Summarize, SingleElementHasNoSpread) {
  const std::vector<double> xs{42.5};
  const Summary s = summarize(xs);
  EXPECT_EQ(s.n, 1u);
  EXPECT_DOUBLE_EQ(s.median, 42.5);
  EXPECT_DOUBLE_EQ(s.mean, 42.5);
  EXPECT_DOUBLE_EQ(s.min, 42.5);
  EXPECT_DOUBLE_EQ(s.max, 42.5);
  EXPECT_EQ(s.stddev, 0);  // sample stddev of one value: defined as 0, not NaN from 0/0
  EXPECT_EQ(s.cv, 0);
  EXPECT_FALSE(is_noisy(s));
}

TEST(Summarize, IdenticalValuesHaveZeroStddev) {
  const std::vector<double> xs(10, 7.0);
  const Summary s = summarize(xs);
  EXPECT_DOUBLE_EQ(s.median, 7);
  EXPECT_NEAR(s.stddev, 0, kEps);
  EXPECT_NEAR(s.cv, 0, kEps);
}

TEST(Summarize, ZeroMeanGivesFiniteCv) {
  const std::vector<double> xs{-1, 1};
  const Summary s = summarize(xs);
  EXPECT_DOUBLE_EQ(s.mean, 0);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(2.0));
  EXPECT_TRUE(std::isfinite(s.cv));
}

// ----------------------------------------------------------------------------------- is_noisy

TEST(IsNoisy, TightRepetitionsAreNotNoisy) {
  const std::vector<double> xs{100, 101, 99, 100, 100.5, 99.5};
  const Summary s = summarize(xs);
  EXPECT_LT(s.cv, lfbench::kNoisyCv);
  EXPECT_FALSE(is_noisy(s));
}

TEST(IsNoisy, CvAboveThresholdIsNoisy) {
  // Two values: median 114.5, range 29 -> 25% of the median (under kNoisyRange = 30%),
  // stddev 29/sqrt(2) = 20.5 -> cv 0.179 (over kNoisyCv = 10%): noisy by the CV rule alone.
  const std::vector<double> xs{100, 129};
  const Summary s = summarize(xs);
  ASSERT_LE((s.max - s.min) / s.median, lfbench::kNoisyRange);
  ASSERT_GT(s.cv, lfbench::kNoisyCv);
  EXPECT_TRUE(is_noisy(s));
}

TEST(IsNoisy, WideRangeIsNoisyEvenWithLowCv) {
  // Nineteen runs at 100 and one at 135: cv = 0.077 (under 10%), but the range is 35% of the
  // median (over 30%): one outlier repetition is enough to distrust the cell.
  std::vector<double> xs(19, 100.0);
  xs.push_back(135);
  const Summary s = summarize(xs);
  ASSERT_LT(s.cv, lfbench::kNoisyCv);
  ASSERT_GT((s.max - s.min) / s.median, lfbench::kNoisyRange);
  EXPECT_TRUE(is_noisy(s));
}

TEST(IsNoisy, EachRuleOnAHandBuiltSummary) {
  Summary s;
  s.n = 5;
  s.median = s.mean = 100;
  s.min = 90;
  s.max = 110;  // range 20%
  s.stddev = 5;
  s.cv = 0.05;
  EXPECT_FALSE(is_noisy(s));
  s.cv = 0.2;
  s.stddev = 20;
  EXPECT_TRUE(is_noisy(s)) << "cv 0.2";
  s.cv = 0.05;
  s.stddev = 5;
  s.max = 150;  // range 60%
  EXPECT_TRUE(is_noisy(s)) << "range 60% of the median";
}

// ----------------------------------------------------------------------------------- fairness

TEST(Fairness, EqualCountsArePerfectlyFair) {
  const std::vector<std::uint64_t> ops{250, 250, 250, 250};
  const auto f = fairness(ops);
  EXPECT_NEAR(f.jain, 1.0, kEps);
  EXPECT_NEAR(f.min_share, 0.25, kEps);
  EXPECT_NEAR(f.max_share, 0.25, kEps);
}

TEST(Fairness, OneThreadDidEverything) {
  const std::vector<std::uint64_t> ops{0, 0, 12345, 0};
  const auto f = fairness(ops);
  EXPECT_NEAR(f.jain, 1.0 / 4, kEps);
  EXPECT_NEAR(f.max_share, 1.0, kEps);
  EXPECT_NEAR(f.min_share, 0.0, kEps);
}

TEST(Fairness, KnownUnevenExample) {
  // sum 10, sum of squares 1+4+9+16 = 30: jain = 10^2 / (4 * 30) = 5/6; shares 1/10 and 4/10.
  const std::vector<std::uint64_t> ops{3, 1, 4, 2};
  const auto f = fairness(ops);
  EXPECT_NEAR(f.jain, 5.0 / 6.0, kEps);
  EXPECT_NEAR(f.min_share, 0.1, kEps);
  EXPECT_NEAR(f.max_share, 0.4, kEps);
}

TEST(Fairness, SingleThreadIsFair) {
  const std::vector<std::uint64_t> ops{77};
  const auto f = fairness(ops);
  EXPECT_NEAR(f.jain, 1.0, kEps);
  EXPECT_NEAR(f.min_share, 1.0, kEps);
  EXPECT_NEAR(f.max_share, 1.0, kEps);
}

TEST(Fairness, HugeCountsDoNotOverflow) {
  const std::uint64_t big = std::numeric_limits<std::uint64_t>::max() / 2;
  const std::vector<std::uint64_t> ops{big, big};
  const auto f = fairness(ops);
  EXPECT_NEAR(f.jain, 1.0, 1e-9);
  EXPECT_NEAR(f.min_share, 0.5, 1e-9);
  EXPECT_NEAR(f.max_share, 0.5, 1e-9);
}

TEST(Fairness, AllZerosAndEmptyAreFiniteAndInRange) {
  for (const std::vector<std::uint64_t>& ops :
       {std::vector<std::uint64_t>{}, std::vector<std::uint64_t>{0, 0, 0}}) {
    const auto f = fairness(ops);
    EXPECT_TRUE(std::isfinite(f.jain));
    EXPECT_TRUE(std::isfinite(f.min_share));
    EXPECT_TRUE(std::isfinite(f.max_share));
    EXPECT_GE(f.jain, 0.0);
    EXPECT_LE(f.jain, 1.0);
    EXPECT_GE(f.min_share, 0.0);
    EXPECT_LE(f.min_share, f.max_share);
    EXPECT_LE(f.max_share, 1.0);
  }
}

// ---------------------------------------------------------------------------- LatencyHistogram

// The smallest value that maps to bucket i (buckets are contiguous and ordered).
std::uint64_t lower(unsigned i) { return i == 0 ? 0 : LatencyHistogram::upper(i - 1) + 1; }

// Values to probe the bucket mapping with: everything below 2^16, both edges of every power of
// two, and pseudo-random values of every magnitude.
std::vector<std::uint64_t> probe_values() {
  std::vector<std::uint64_t> vs;
  for (std::uint64_t v = 0; v < (1u << 16); ++v) vs.push_back(v);
  for (unsigned b = 1; b < 64; ++b) {
    const std::uint64_t p = std::uint64_t{1} << b;
    for (std::uint64_t d : {p - 1, p, p + 1}) vs.push_back(d);
  }
  std::uint64_t x = 0x9e3779b97f4a7c15ull;  // xorshift64
  for (int i = 0; i < 100'000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    vs.push_back(x >> (i % 64));
  }
  vs.push_back(std::numeric_limits<std::uint64_t>::max());
  return vs;
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  for (std::uint64_t v = 0; v < LatencyHistogram::kSub; ++v) {
    const unsigned i = LatencyHistogram::index(v);
    EXPECT_EQ(i, v);
    EXPECT_EQ(LatencyHistogram::upper(i), v);
    EXPECT_EQ(lower(i), v);
  }
}

TEST(LatencyHistogram, EveryValueFallsInABucketWithinOneSixteenth) {
  std::uint64_t failures = 0;
  for (std::uint64_t v : probe_values()) {
    const unsigned i = LatencyHistogram::index(v);
    const bool in_range = i < LatencyHistogram::kBuckets;
    const std::uint64_t up = in_range ? LatencyHistogram::upper(i) : 0;
    const std::uint64_t lo = in_range ? lower(i) : 0;
    // width * 16 <= lower: the bucket's width is at most 1/16 of any value in it (v >= 16).
    const bool ok = in_range && lo <= v && v <= up &&
                    (v < LatencyHistogram::kSub || (up - lo + 1) * 16 <= lo);
    if (!ok && ++failures <= 5)
      ADD_FAILURE() << "v=" << v << " index=" << i << " bucket=[" << lo << ", " << up << "]";
  }
  EXPECT_EQ(failures, 0u);
}

TEST(LatencyHistogram, BucketsAreContiguousAndIncreasing) {
  for (unsigned i = 0; i < LatencyHistogram::kBuckets; ++i) {
    const std::uint64_t up = LatencyHistogram::upper(i);
    ASSERT_EQ(LatencyHistogram::index(up), i) << "upper(" << i << ") is not in bucket " << i;
    if (i + 1 < LatencyHistogram::kBuckets) {
      ASSERT_LT(up, LatencyHistogram::upper(i + 1));
      ASSERT_EQ(LatencyHistogram::index(up + 1), i + 1) << "gap after bucket " << i;
    } else {
      EXPECT_EQ(up, std::numeric_limits<std::uint64_t>::max()) << "the last bucket ends at 2^64-1";
    }
  }
}

TEST(LatencyHistogram, EmptyReportsZero) {
  const LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0u);
  EXPECT_EQ(h.percentile(1.0), 0u);
}

TEST(LatencyHistogram, PercentilesOfOneToThousand) {
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 1000; ++v) h.record(v);
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_EQ(h.max(), 1000u);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.50)), 500.0, 500.0 / 16);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.99)), 990.0, 990.0 / 16);
  EXPECT_EQ(h.percentile(1.0), 1000u);
  // q = k/1000: the exact quantile is k; the reported one is its bucket's upper bound, so at
  // least k, at most k + k/16, never above max, and never decreasing in q.
  std::uint64_t prev = 0, bad = 0;
  for (unsigned k = 1; k <= 1000; ++k) {
    const std::uint64_t p = h.percentile(k / 1000.0);
    const bool ok = p >= k && p * 16 <= k * 17 && p <= h.max() && p >= prev;
    if (!ok && ++bad <= 5) ADD_FAILURE() << "q=" << k / 1000.0 << " reported " << p;
    prev = p;
  }
  EXPECT_EQ(bad, 0u);
}

TEST(LatencyHistogram, PercentileIsCappedAtMax) {
  LatencyHistogram h;
  h.record(1'000'003);  // its bucket reaches 1'015'807 (2^15 wide at this magnitude)
  ASSERT_GT(LatencyHistogram::upper(LatencyHistogram::index(1'000'003)), 1'000'003u);
  for (double q : {0.0, 0.001, 0.5, 0.9, 0.999, 1.0}) EXPECT_EQ(h.percentile(q), 1'000'003u) << q;
  h.record(std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(h.max(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(h.percentile(1.0), std::numeric_limits<std::uint64_t>::max());
  // No longer the max, so the median is its bucket's upper bound again: within 1/16 above.
  EXPECT_GE(h.percentile(0.5), 1'000'003u);
  EXPECT_LE(h.percentile(0.5), 1'000'003u + 1'000'003u / 16);
}

TEST(LatencyHistogram, SmallestQuantileIsTheMinimumsBucket) {
  LatencyHistogram h;
  for (std::uint64_t v : {10, 20, 30}) h.record(v);
  EXPECT_EQ(h.percentile(0.0), 10u);  // rank clamped to 1
  EXPECT_EQ(h.percentile(0.5), 20u);
  EXPECT_EQ(h.percentile(1.0), 30u);
}

TEST(LatencyHistogram, MergeAddsCountsAndKeepsTheMax) {
  LatencyHistogram lo, hi, whole;
  for (std::uint64_t v = 1; v <= 1000; ++v) {
    (v <= 500 ? lo : hi).record(v);
    whole.record(v);
  }
  LatencyHistogram merged;
  merged.merge(hi);
  merged.merge(lo);
  merged.merge(LatencyHistogram{});  // merging an empty one changes nothing
  EXPECT_EQ(merged.count(), 1000u);
  EXPECT_EQ(merged.max(), 1000u);
  for (double q : {0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0})
    EXPECT_EQ(merged.percentile(q), whole.percentile(q)) << q;
  // Merging in the other direction keeps the larger max too.
  LatencyHistogram into_hi = hi;
  into_hi.merge(lo);
  EXPECT_EQ(into_hi.max(), 1000u);
  EXPECT_EQ(into_hi.count(), 1000u);
  lo.merge(hi);
  EXPECT_EQ(lo.max(), 1000u);
  EXPECT_EQ(lo.count(), 1000u);
}

TEST(LatencyHistogram, ClearResetsEverything) {
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 1000; ++v) h.record(v * 1000);
  h.clear();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0u);
  // After clear it behaves like a fresh histogram: no old counts leak into percentiles.
  h.record(7);
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.max(), 7u);
  EXPECT_EQ(h.percentile(0.5), 7u);
  EXPECT_EQ(h.percentile(1.0), 7u);
}

}  // namespace
