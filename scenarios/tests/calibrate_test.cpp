// Calibration helpers: bimodality detection on known samples, and a real calibration returning
// sane values (a round trip per distance class). Placement orders: topology_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>

#include "scenarios/harness/calibrate.hpp"
#include "scenarios/harness/topology.hpp"

namespace lfbench {
namespace {

TEST(Bimodal, TwoClearClusters) {
  EXPECT_TRUE(is_bimodal({50, 52, 49, 51, 220, 215, 230, 50, 225, 48}));
}

TEST(Bimodal, OneCluster) { EXPECT_FALSE(is_bimodal({50, 52, 49, 51, 55, 53, 50, 48, 54, 51})); }

TEST(Bimodal, LopsidedOutlierIsNotASecondMode) {
  // One slow sample in twenty is an outlier, not a second mode (< 20% of the samples).
  std::vector<double> s(19, 50.0);
  s.push_back(400);
  EXPECT_FALSE(is_bimodal(s));
}

TEST(Bimodal, CloseClustersAreNotBimodal) {
  EXPECT_FALSE(is_bimodal({50, 51, 50, 52, 60, 61, 62, 60, 61, 59}));  // upper < 1.5x lower
}

TEST(Bimodal, TooFewSamples) { EXPECT_FALSE(is_bimodal({50, 220, 50, 220})); }

TEST(Calibrate, ReturnsPositiveFiguresAndOrderedQuantiles) {
  const auto t = read_topology();
  const Calibration c = calibrate(t);
  EXPECT_GT(c.timer_ns, 0);
  EXPECT_GT(c.atomic_rmw_ns, 0);
  EXPECT_GT(c.seconds, 0);
  if (t.pus.size() >= 2 && c.c2c_cpu_a >= 0) {
    EXPECT_NE(c.c2c_cpu_a, c.c2c_cpu_b);
    EXPECT_FALSE(c.c2c_samples_ns.empty());
    EXPECT_GT(c.c2c_round_trip_ns, 0);
    EXPECT_LE(c.c2c_p10_ns, c.c2c_round_trip_ns);
    EXPECT_LE(c.c2c_round_trip_ns, c.c2c_p90_ns);
    // A round trip per distance class this machine has: the classes its pairs span.
    ASSERT_FALSE(c.by_distance.empty());
    for (const auto& r : c.by_distance) {
      EXPECT_EQ(t.distance(r.cpu_a, r.cpu_b), r.distance);
      EXPECT_GT(r.ns, 0);
    }
  }
}

}  // namespace
}  // namespace lfbench
