// The counter scenario's oracle catches a broken counter: a read-modify-write done as a
// separate load and store loses increments under contention, and verify must say so.
// Includes the scenario's header (its cell) so its cell template can measure a test-only primitive
// (this binary does not link the registered scenarios).
#include <gtest/gtest.h>

#include "primitives/kinds.hpp"
#include "scenarios/counter.hpp"
#include "scenarios/harness/pool.hpp"

namespace lfbench {
namespace {

using namespace scenario::counter;

using namespace std::chrono_literals;

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

template <class C>
std::vector<Verdict> windows(unsigned threads, int n, std::int64_t read_pct = 0) {
  Params params;
  params.set("read_pct", std::to_string(read_pct));
  CounterCell<C> cell(CellSpec{params, threads});
  Pool pool(threads, Pin::compact);
  WindowOptions opt;
  opt.threads = threads;
  opt.duration = 20ms;
  std::vector<Verdict> out;
  for (int i = 0; i < n; ++i) out.push_back(pool.run_window(cell, opt).verdict);
  return out;
}

TEST(CounterOracle, CatchesLostIncrements) {
  // Lost updates need two threads interleaving inside the load/store pair; several windows
  // make that all but certain even on a lightly loaded 2-core machine.
  int failed = 0;
  std::string detail;
  for (const auto& v : windows<RacyCounter>(4, 10))
    if (!v.ok) {
      ++failed;
      detail = v.detail;
    }
  EXPECT_GT(failed, 0) << "the oracle never noticed lost increments";
  if (failed) {
    EXPECT_NE(detail.find("increments were performed"), std::string::npos) << detail;
  }
}

TEST(CounterOracle, PassesEveryRealPrimitive) {
  prim::for_each_type(prim::Locks{}, []<class L>() {
    for (const auto& v : windows<scenario::Locked<L, scenario::Readers::exclusive>>(4, 2, 10)) EXPECT_TRUE(v.ok) << L::name << ": " << v.detail;
  });
  prim::for_each_type(prim::Counters{}, []<class C>() {
    for (const auto& v : windows<C>(4, 2, 10)) EXPECT_TRUE(v.ok) << C::name << ": " << v.detail;
  });
}

}  // namespace
}  // namespace lfbench
