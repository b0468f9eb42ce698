// Correctness stress for every Lock in lfbench::prim::Locks (kinds.hpp): mutual exclusion under
// heavy oversubscription (16 threads on a 2-core machine, so holders are preempted inside the
// critical section), try_lock semantics, and that the std spellings work with std:: guards.
// A primitive added to the Locks list is tested here with no edit to this file.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#include "primitives/kinds.hpp"
#include "primitives/tests/stress.hpp"

namespace {

using lfbench::test::ExclusiveSection;
using lfbench::test::kOversubscribed;
using lfbench::test::run_threads;
using lfbench::test::scaled;
using lfbench::test::Slot;
using lfbench::test::sum_slots;

template <class L>
class LockTest : public ::testing::Test {
 protected:
  L lock_;
};

using LockTypes = lfbench::test::GtestTypes<lfbench::prim::Locks>;
TYPED_TEST_SUITE(LockTest, LockTypes, lfbench::test::PrimitiveName);

// Oversubscribed spinlocks hand over slowly (a waiter may spin out its time slice while the
// holder is descheduled), so the per-thread work is modest; the contention is what matters.
constexpr std::size_t kItersPerThread = 200'000;  // long enough to span scheduler slices

TYPED_TEST(LockTest, SatisfiesTheLockConceptWithStdSpellings) {
  using L = TypeParam;
  static_assert(lfbench::prim::Lock<L>);
  static_assert(std::is_default_constructible_v<L>);
  static_assert(!L::name.empty());
  auto& lock = this->lock_;
  // Each guard is instantiated, so a wrong spelling or signature fails to compile.
  { std::lock_guard<L> g(lock); }
  { std::scoped_lock g(lock); }
  {
    std::unique_lock<L> g(lock, std::try_to_lock);
    EXPECT_TRUE(g.owns_lock());
    g.unlock();
    EXPECT_FALSE(g.owns_lock());
    g.lock();
    EXPECT_TRUE(g.owns_lock());
  }
  // Every guard above released the lock.
  ASSERT_TRUE(lock.try_lock());
  lock.unlock();
}

TYPED_TEST(LockTest, TryLockSucceedsOnAFreeLock) {
  auto& lock = this->lock_;
  ASSERT_TRUE(lock.try_lock());
  lock.unlock();
  // Free again after unlock, whichever way it was taken.
  ASSERT_TRUE(lock.try_lock());
  lock.unlock();
  lock.lock();
  lock.unlock();
  ASSERT_TRUE(lock.try_lock());
  lock.unlock();
}

TYPED_TEST(LockTest, TryLockFailsWhileAnotherThreadHoldsIt) {
  auto& lock = this->lock_;
  std::latch held(1), release(1);
  std::thread holder([&] {
    lock.lock();
    held.count_down();
    release.wait();
    lock.unlock();
  });
  held.wait();
  int succeeded = 0;
  for (int i = 0; i < 100; ++i) {
    if (lock.try_lock()) {
      ++succeeded;
      lock.unlock();  // keep the lock's state sane so the holder can still finish
    }
  }
  release.count_down();
  holder.join();
  EXPECT_EQ(succeeded, 0) << "try_lock acquired a lock another thread held";
  ASSERT_TRUE(lock.try_lock()) << "the lock is not free after its holder unlocked it";
  lock.unlock();
}

TYPED_TEST(LockTest, LockWaitsForTheHolderToUnlock) {
  auto& lock = this->lock_;
  std::latch held(1);
  std::atomic<bool> release{false}, acquired{false};
  std::thread holder([&] {
    lock.lock();
    held.count_down();
    while (!release.load(std::memory_order_acquire)) std::this_thread::yield();
    lock.unlock();
  });
  held.wait();
  std::thread waiter([&] {
    lock.lock();
    acquired.store(true, std::memory_order_release);
    lock.unlock();
  });
  // However long we wait here, the waiter must not get in while the lock is held; the sleep only
  // gives a broken lock the chance to show it.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(acquired.load(std::memory_order_acquire))
      << "lock() returned while another thread held the lock";
  release.store(true, std::memory_order_release);
  holder.join();
  waiter.join();
  EXPECT_TRUE(acquired.load(std::memory_order_acquire));
}

TYPED_TEST(LockTest, MutualExclusionUnderOversubscription) {
  auto& lock = this->lock_;
  const std::size_t iters = scaled(kItersPerThread);
  ExclusiveSection section;
  std::vector<Slot<std::uint64_t>> violations(kOversubscribed);
  run_threads(kOversubscribed, [&](unsigned t) {
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < iters; ++i) {
      lock.lock();
      seen += section.enter_and_leave();
      lock.unlock();
    }
    violations[t].value = seen;
  });
  EXPECT_EQ(sum_slots(violations), 0u) << "threads were inside the critical section together";
  EXPECT_EQ(section.count, std::uint64_t{kOversubscribed} * iters) << "increments were lost";
  EXPECT_EQ(static_cast<int>(section.inside), 0);
}

// Half the threads take the lock with lock(), half only through try_lock() retried with a yield:
// a try_lock that succeeds must exclude lock() holders and vice versa.
TYPED_TEST(LockTest, MutualExclusionMixingTryLockAndLock) {
  auto& lock = this->lock_;
  const std::size_t iters = scaled(kItersPerThread / 2);
  ExclusiveSection section;
  std::vector<Slot<std::uint64_t>> violations(kOversubscribed);
  std::vector<Slot<std::uint64_t>> try_successes(kOversubscribed);
  run_threads(kOversubscribed, [&](unsigned t) {
    std::uint64_t seen = 0, tried = 0;
    const bool use_try = t % 2 == 1;
    for (std::size_t i = 0; i < iters; ++i) {
      if (use_try) {
        while (!lock.try_lock()) std::this_thread::yield();
        ++tried;
      } else {
        lock.lock();
      }
      seen += section.enter_and_leave();
      lock.unlock();
    }
    violations[t].value = seen;
    try_successes[t].value = tried;
  });
  EXPECT_EQ(sum_slots(violations), 0u) << "threads were inside the critical section together";
  EXPECT_EQ(section.count, std::uint64_t{kOversubscribed} * iters) << "increments were lost";
  EXPECT_EQ(sum_slots(try_successes), std::uint64_t{kOversubscribed / 2} * iters);
}

// std::scoped_lock over two locks taken in opposite orders relies on try_lock for deadlock
// avoidance (std::lock): it must neither deadlock nor let two threads in together.
TYPED_TEST(LockTest, ScopedLockOverTwoLocksInOppositeOrders) {
  using L = TypeParam;
  L& a = this->lock_;
  L b;
  constexpr unsigned kThreads = 4;
  const std::size_t iters = scaled(kItersPerThread / 4);
  ExclusiveSection section;
  std::vector<Slot<std::uint64_t>> violations(kThreads);
  run_threads(kThreads, [&](unsigned t) {
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < iters; ++i) {
      if (t % 2 == 0) {
        std::scoped_lock g(a, b);
        seen += section.enter_and_leave();
      } else {
        std::scoped_lock g(b, a);
        seen += section.enter_and_leave();
      }
    }
    violations[t].value = seen;
  });
  EXPECT_EQ(sum_slots(violations), 0u);
  EXPECT_EQ(section.count, std::uint64_t{kThreads} * iters);
  ASSERT_TRUE(a.try_lock());
  ASSERT_TRUE(b.try_lock());
  b.unlock();
  a.unlock();
}

}  // namespace
