// The counter scenario's oracle catches a broken counter: a read-modify-write done as a
// separate load and store loses increments under contention, and verify must say so.
// Includes the scenario's header (its cell) so its cell template can measure a test-only primitive;
// real counters run the cells the registry made for them (lfbench_scenarios).
#include <gtest/gtest.h>

#include "scenarios/counter.hpp"
#include "scenarios/tests/oracle.hpp"

namespace lfbench {
namespace {

using namespace scenario::counter;

// Broken on purpose: load + store is not an atomic increment.
class RacyCounter {
 public:
  static constexpr std::string_view name = "racy_counter";
  static constexpr prim::Traits traits{};
  void add(std::uint64_t n) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  std::uint64_t read() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};
static_assert(prim::Counter<RacyCounter>);

// counter: test::cell<CounterCell<C>> for a test-only counter, or a registered primitive's entry.
std::vector<Verdict> windows(const auto& counter, unsigned threads, int n, std::int64_t read_pct = 0) {
  return test::verdicts(counter, threads, n, {{"read_pct", read_pct}});
}

TEST(CounterOracle, CatchesLostIncrements) {
  // Lost updates need two threads interleaving inside the load/store pair; several windows
  // make that all but certain even on a lightly loaded 2-core machine.
  const auto [failed, detail] = test::failures(windows(test::cell<CounterCell<RacyCounter>>, 4, 10));
  EXPECT_GT(failed, 0) << "the oracle never noticed lost increments";
  if (failed) {
    EXPECT_NE(detail.find("increments were performed"), std::string::npos) << detail;
  }
}

// A lock keeps the count under Locked<L> with exclusive readers, registered under the lock's name.
TEST(CounterOracle, PassesEveryRealPrimitive) {
  test::for_each_registered(id, test::listed({test::List::locks, test::List::counters}), [](const PrimitiveEntry& p) {
    for (const auto& v : windows(p, 4, 2, 10)) EXPECT_TRUE(v.ok) << p.id << ": " << v.detail;
  });
}

}  // namespace
}  // namespace lfbench
