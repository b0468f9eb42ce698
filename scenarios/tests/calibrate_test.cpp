// Calibration helpers and pinning order: bimodality detection on known samples, compact and
// scatter orders on a hand-built topology, and a real calibration returning sane values.
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

// 2 packages x 2 cores x 2 hardware threads; ids numbered like Linux on many Intel servers:
// cpu = thread * 4 + package * 2 + core.
Topology two_by_two_by_two() {
  Topology t;
  for (int thread = 0; thread < 2; ++thread)
    for (int package = 0; package < 2; ++package)
      for (int core = 0; core < 2; ++core) t.cpus.push_back(Cpu{thread * 4 + package * 2 + core, core, package});
  std::sort(t.cpus.begin(), t.cpus.end(), [](const Cpu& a, const Cpu& b) { return a.id < b.id; });
  t.packages = 2;
  t.cores = 4;
  return t;
}

bool is_permutation_of_ids(const Topology& t, std::vector<int> order) {
  std::vector<int> ids;
  for (const auto& c : t.cpus) ids.push_back(c.id);
  std::sort(ids.begin(), ids.end());
  std::sort(order.begin(), order.end());
  return ids == order;
}

TEST(Topology, CompactFillsACoreThenAPackage) {
  const auto t = two_by_two_by_two();
  EXPECT_EQ(t.threads_per_core(), 2);
  const auto o = t.order(Pin::compact);
  ASSERT_TRUE(is_permutation_of_ids(t, o));
  // package 0 core 0 (cpus 0 and 4), package 0 core 1 (1, 5), then package 1.
  EXPECT_EQ(o, (std::vector<int>{0, 4, 1, 5, 2, 6, 3, 7}));
}

TEST(Topology, ScatterSpreadsPackagesThenCoresThenThreads) {
  const auto t = two_by_two_by_two();
  const auto o = t.order(Pin::scatter);
  ASSERT_TRUE(is_permutation_of_ids(t, o));
  // First one per package, then the other core of each package, hardware siblings last.
  EXPECT_EQ(o, (std::vector<int>{0, 2, 1, 3, 4, 6, 5, 7}));
}

TEST(Topology, NoneIsUnpinned) {
  const auto t = two_by_two_by_two();
  const auto o = t.order(Pin::none);
  EXPECT_EQ(o.size(), t.cpus.size());
  for (int c : o) EXPECT_EQ(c, -1);
}

TEST(Topology, PinPolicyNames) {
  Pin p{};
  for (const char* name : {"compact", "scatter", "none"}) {
    ASSERT_TRUE(parse_pin(name, p)) << name;
    EXPECT_STREQ(to_string(p), name);
  }
  EXPECT_FALSE(parse_pin("tight", p));
}

TEST(Topology, ThisMachine) {
  const auto t = read_topology();
  ASSERT_FALSE(t.cpus.empty());
  EXPECT_GE(t.cores, 1);
  EXPECT_GE(t.packages, 1);
  EXPECT_TRUE(pin_current_thread(t.cpus.front().id));
  EXPECT_TRUE(pin_current_thread(-1));
}

TEST(Calibrate, ReturnsPositiveFiguresAndOrderedQuantiles) {
  const auto t = read_topology();
  const Calibration c = calibrate(t);
  EXPECT_GT(c.timer_ns, 0);
  EXPECT_GT(c.atomic_rmw_ns, 0);
  EXPECT_GT(c.seconds, 0);
  if (t.cpus.size() >= 2 && c.c2c_cpu_a >= 0) {
    EXPECT_NE(c.c2c_cpu_a, c.c2c_cpu_b);
    EXPECT_FALSE(c.c2c_samples_ns.empty());
    EXPECT_GT(c.c2c_round_trip_ns, 0);
    EXPECT_LE(c.c2c_p10_ns, c.c2c_round_trip_ns);
    EXPECT_LE(c.c2c_round_trip_ns, c.c2c_p90_ns);
  }
}

}  // namespace
}  // namespace lfbench
