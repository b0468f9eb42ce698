// The metrics scenario's oracle catches broken recorders: a sum updated by a separate load
// and store loses additions under contention (count still right), and a recorder whose
// snapshot shows an older count than what happened before it is caught during the window.
// Includes the scenario's header (its cell) so its cell template can measure test-only primitives;
// real recorders run the cells the registry made for them (lfbench_scenarios).
#include <gtest/gtest.h>

#include "primitives/atomic_recorder.hpp"
#include "primitives/hot_cold_recorder.hpp"
#include "scenarios/metrics.hpp"
#include "scenarios/tests/oracle.hpp"

namespace lfbench {
namespace {

using namespace scenario::metrics;

// Broken on purpose: the sum's read-modify-write is a load and a store, not one atomic step.
class RacySumRecorder {
 public:
  static constexpr std::string_view name = "racy_sum_recorder";
  static constexpr prim::Traits traits{};
  static constexpr prim::Fields fields = prim::Fields::counter;
  void record(double v) {
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_.store(sum_.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
  }
  prim::Recorded snapshot() const {
    prim::Recorded r;
    r.count = count_.load(std::memory_order_relaxed);
    r.sum = sum_.load(std::memory_order_relaxed);
    return r;
  }

 private:
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0};
};
static_assert(prim::Recorder<RacySumRecorder>);

// Broken on purpose: a snapshot returns what the previous snapshot saw (a cached total
// refreshed one call late), so it misses records that happened before it.
class LaggingRecorder {
 public:
  static constexpr std::string_view name = "lagging_recorder";
  static constexpr prim::Traits traits{};
  static constexpr prim::Fields fields = prim::Fields::counter;
  void record(double v) { inner_.record(v); }
  prim::Recorded snapshot() {
    const prim::Recorded r = cached_;
    cached_ = inner_.snapshot();
    return r;
  }

 private:
  prim::AtomicRecorder<prim::Fields::counter> inner_;
  prim::Recorded cached_;
};
static_assert(prim::Recorder<LaggingRecorder>);

TEST(MetricsOracle, CatchesLostSumUpdates) {
  // Lost updates need two threads interleaving inside the load/store pair; several windows
  // make that all but certain even on a lightly loaded 2-core machine.
  const auto [failed, detail] = test::failures(test::verdicts(test::cell<MetricsCell<RacySumRecorder>>, 4, 10,
                                                              {{"what", "counter"},
                                                               {"distribution", "uniform"},
                                                               {"snapshot_per_sec", 0}}));
  EXPECT_GT(failed, 0) << "the oracle never noticed lost additions to the sum";
  if (failed) {
    EXPECT_NE(detail.find("sum is"), std::string::npos) << detail;
  }
}

TEST(MetricsOracle, CatchesStaleSnapshots) {
  const auto [failed, detail] = test::failures(test::verdicts(test::cell<MetricsCell<LaggingRecorder>>, 2, 4,
                                                              {{"what", "counter"},
                                                               {"distribution", "constant"},
                                                               {"snapshot_per_sec", 5000}}));
  EXPECT_GT(failed, 0) << "the oracle never noticed snapshots missing earlier records";
  if (failed) {
    // Missed records, or (after a window's verify has failed) a count below the window's start.
    EXPECT_TRUE(detail.find("missed records") != std::string::npos || detail.find("backwards") != std::string::npos)
        << detail;
  }
}

// The registry lists a recorder once, under its stats form's name; `what` picks the fields its cell keeps.
TEST(MetricsOracle, PassesEveryRealRecorder) {
  for (const prim::Fields f : {prim::Fields::counter, prim::Fields::stats, prim::Fields::histogram}) {
    test::for_each_registered(id, test::listed({test::List::recorders}), [&](const PrimitiveEntry& r) {
      for (const char* dist : {"uniform", "latency"})
        for (const auto& v : test::verdicts(
                 r, 3, 2, {{"what", prim::to_string(f)}, {"distribution", dist}, {"snapshot_per_sec", 2000}}))
          EXPECT_TRUE(v.ok) << r.id << " " << prim::to_string(f) << " " << dist << ": " << v.detail;
    });
  }
}

TEST(MetricsOracle, OneThreadTakesPacedSnapshotsBetweenRecords) {
  const PrimitiveEntry* hot_cold = test::registered(id, prim::HotColdRecorder<prim::Fields::histogram>::name);
  ASSERT_NE(hot_cold, nullptr);
  for (const auto& v : test::verdicts(
           *hot_cold, 1, 2, {{"what", "histogram"}, {"distribution", "latency"}, {"snapshot_per_sec", 10000}}))
    EXPECT_TRUE(v.ok) << v.detail;
}

}  // namespace
}  // namespace lfbench
