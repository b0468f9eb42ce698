// Correctness stress for every Counter in lfbench::prim::Counters (kinds.hpp): no add is lost
// under 16 oversubscribed writers, and a reader racing with writers sees a non-decreasing total
// that never exceeds what was added, and the exact total once it knows every writer finished.
// A primitive added to the Counters list is tested here with no edit to this file.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "primitives/kinds.hpp"
#include "primitives/tests/stress.hpp"

namespace {

using lfbench::test::kOversubscribed;
using lfbench::test::run_threads;
using lfbench::test::scaled;
using lfbench::test::Slot;
using lfbench::test::sum_slots;

template <class C>
class CounterTest : public ::testing::Test {
 protected:
  C counter_;
};

using CounterTypes = lfbench::test::GtestTypes<lfbench::prim::Counters>;
TYPED_TEST_SUITE(CounterTest, CounterTypes, lfbench::test::PrimitiveName);

constexpr std::size_t kAddsPerThread = 200'000;  // long enough to span scheduler slices

// What writer t adds on its i-th call: mostly add(1), some add(k) with a per-thread k, and now
// and then a value above 32 bits so that a counter truncated to 32 bits anywhere is caught.
constexpr std::uint64_t amount(unsigned t, std::size_t i) {
  if (i % 1000 == 999) return (std::uint64_t{1} << 32) + t;
  if (i % 4 == 3) return t + 2;
  return 1;
}

std::uint64_t expected_total(unsigned threads, std::size_t adds) {
  std::uint64_t total = 0;
  for (unsigned t = 0; t < threads; ++t)
    for (std::size_t i = 0; i < adds; ++i) total += amount(t, i);
  return total;
}

TYPED_TEST(CounterTest, FreshCounterReadsZero) {
  static_assert(lfbench::prim::Counter<TypeParam>);
  static_assert(!TypeParam::name.empty());
  EXPECT_EQ(this->counter_.read(), 0u);
  EXPECT_EQ(this->counter_.read(), 0u);  // reading does not change it
}

TYPED_TEST(CounterTest, SingleThreadAddsAreSummed) {
  auto& c = this->counter_;
  c.add(1);
  EXPECT_EQ(c.read(), 1u);
  c.add(0);
  EXPECT_EQ(c.read(), 1u);
  c.add(41);
  EXPECT_EQ(c.read(), 42u);
  c.add(std::uint64_t{1} << 40);
  EXPECT_EQ(c.read(), (std::uint64_t{1} << 40) + 42);
}

TYPED_TEST(CounterTest, ConcurrentAddsAreAllCounted) {
  auto& c = this->counter_;
  const std::size_t adds = scaled(kAddsPerThread);
  std::vector<Slot<std::uint64_t>> added(kOversubscribed);
  run_threads(kOversubscribed, [&](unsigned t) {
    std::uint64_t mine = 0;
    for (std::size_t i = 0; i < adds; ++i) {
      const std::uint64_t n = amount(t, i);
      c.add(n);
      mine += n;
    }
    added[t].value = mine;
  });
  const std::uint64_t total = sum_slots(added);
  ASSERT_EQ(total, expected_total(kOversubscribed, adds));  // the test's own bookkeeping
  EXPECT_EQ(c.read(), total) << "adds were lost (or counted twice)";
}

// Half the threads add while the other half read continuously. Every value a reader sees must be
// >= the one it saw before and <= the final total; once a reader has observed (acquire) that all
// writers finished, its read must be exactly the total: every add happened before that read.
TYPED_TEST(CounterTest, ConcurrentReadersSeeMonotonicValuesWithinTheTotal) {
  auto& c = this->counter_;
  constexpr unsigned kWriters = kOversubscribed / 2;
  const std::size_t adds = scaled(kAddsPerThread / 2);
  const std::uint64_t total = expected_total(kWriters, adds);
  std::atomic<unsigned> writers_done{0};
  std::vector<Slot<std::uint64_t>> decreases(kOversubscribed), above_total(kOversubscribed),
      stale_final(kOversubscribed), reads(kOversubscribed);
  run_threads(kOversubscribed, [&](unsigned t) {
    if (t < kWriters) {
      for (std::size_t i = 0; i < adds; ++i) c.add(amount(t, i));
      // release: this writer's adds happen before any read that observes the increment.
      writers_done.fetch_add(1, std::memory_order_release);
      return;
    }
    std::uint64_t prev = 0, down = 0, over = 0, n = 0;
    for (;;) {
      // acquire: pairs with the writers' release, so a read after seeing all of them done
      // must include every add.
      const bool all_done = writers_done.load(std::memory_order_acquire) == kWriters;
      const std::uint64_t v = c.read();
      ++n;
      down += v < prev;
      over += v > total;
      prev = v;
      if (all_done) {
        stale_final[t].value = v != total;
        break;
      }
    }
    decreases[t].value = down;
    above_total[t].value = over;
    reads[t].value = n;
  });
  EXPECT_EQ(sum_slots(decreases), 0u) << "a reader saw the counter go down";
  EXPECT_EQ(sum_slots(above_total), 0u) << "a reader saw more than was ever added";
  EXPECT_EQ(sum_slots(stale_final), 0u)
      << "a read after all writers finished (acquire) did not see every add";
  EXPECT_GE(sum_slots(reads), kOversubscribed - kWriters);  // every reader read at least once
  EXPECT_EQ(c.read(), total);
}

}  // namespace
