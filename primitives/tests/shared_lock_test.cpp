// Correctness stress for every SharedLock in lfbench::prim::SharedLocks and every
// OptimisticLock in lfbench::prim::OptimisticLocks (kinds.hpp), under heavy oversubscription
// (16 threads on a 2-core machine): writers exclude everyone, readers never see a record a
// writer is halfway through, try_* semantics, and the std spellings (std::shared_lock).
// A primitive added to either list is tested here with no edit to this file.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <latch>
#include <mutex>
#include <shared_mutex>
#include <thread>
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

constexpr std::size_t kItersPerThread = 20'000;
constexpr unsigned kFields = 4;

// One op in kWriteEvery is a write: enough writers to interleave with readers constantly.
constexpr std::uint64_t kWriteEvery = 8;

template <class L>
class SharedLockTest : public ::testing::Test {
 protected:
  L lock_;
};

using SharedLockTypes = lfbench::test::GtestTypes<lfbench::prim::SharedLocks>;
TYPED_TEST_SUITE(SharedLockTest, SharedLockTypes, lfbench::test::PrimitiveName);

TYPED_TEST(SharedLockTest, SatisfiesTheConceptWithStdSpellings) {
  using L = TypeParam;
  static_assert(lfbench::prim::SharedLock<L>);
  static_assert(!L::name.empty());
  auto& lock = this->lock_;
  { std::shared_lock g(lock); }
  { std::unique_lock g(lock); }
  {
    std::shared_lock g(lock, std::try_to_lock);
    EXPECT_TRUE(g.owns_lock());
  }
  ASSERT_TRUE(lock.try_lock());
  lock.unlock();
  ASSERT_TRUE(lock.try_lock_shared());
  lock.unlock_shared();
}

TYPED_TEST(SharedLockTest, TryLockRespectsHoldersOnOtherThreads) {
  auto& lock = this->lock_;
  // This thread reads once first: a big-reader lock (ck_brlock) registers a thread on its first
  // read by taking the write lock, which would wait for the other thread's read below forever.
  lock.lock_shared();
  lock.unlock_shared();
  // A reader on another thread: other readers enter, a writer does not.
  {
    std::latch held(1), release(1);
    std::thread reader([&] {
      lock.lock_shared();
      held.count_down();
      release.wait();
      lock.unlock_shared();
    });
    held.wait();
    EXPECT_FALSE(lock.try_lock()) << "a writer got in while a reader held the lock";
    // A second reader gets in (lock_shared: try_lock_shared may refuse while the lock is busy,
    // e.g. TBB's queuing lock only tries an empty queue).
    lock.lock_shared();
    lock.unlock_shared();
    release.count_down();
    reader.join();
  }
  // A writer on another thread: nobody may enter.
  {
    std::latch held(1), release(1);
    std::thread writer([&] {
      lock.lock();
      held.count_down();
      release.wait();
      lock.unlock();
    });
    held.wait();
    int got = 0;
    for (int i = 0; i < 50; ++i) {
      if (lock.try_lock_shared()) {
        ++got;
        lock.unlock_shared();
      }
      if (lock.try_lock()) {
        ++got;
        lock.unlock();
      }
    }
    release.count_down();
    writer.join();
    EXPECT_EQ(got, 0) << "try_lock/try_lock_shared succeeded while a writer held the lock";
  }
  ASSERT_TRUE(lock.try_lock()) << "the lock is not free after every holder left";
  lock.unlock();
}

// Writers run ExclusiveSection (mutual exclusion, no lost update) and set every field of a
// plain record to one new value; readers check the fields are equal and no writer is inside.
// The record is plain memory on purpose: with a broken lock ThreadSanitizer reports the race.
TYPED_TEST(SharedLockTest, ReadersAndWritersUnderOversubscription) {
  auto& lock = this->lock_;
  const std::size_t iters = scaled(kItersPerThread);
  ExclusiveSection section;
  std::uint64_t record[kFields] = {};
  std::vector<Slot<std::uint64_t>> violations(kOversubscribed), writes(kOversubscribed);
  run_threads(kOversubscribed, [&](unsigned t) {
    std::uint64_t bad = 0, wrote = 0;
    for (std::size_t i = 0; i < iters; ++i) {
      if ((i + t) % kWriteEvery == 0) {
        lock.lock();
        bad += section.enter_and_leave();
        const std::uint64_t v = record[0] + 1;
        for (auto& f : record) f = v;
        lock.unlock();
        ++wrote;
      } else {
        lock.lock_shared();
        bad += section.inside != 0;  // a writer is inside with us
        for (unsigned k = 1; k < kFields; ++k) bad += record[k] != record[0];
        lock.unlock_shared();
      }
    }
    violations[t].value = bad;
    writes[t].value = wrote;
  });
  EXPECT_EQ(sum_slots(violations), 0u) << "a reader overlapped a writer, or writers overlapped";
  EXPECT_EQ(section.count, sum_slots(writes)) << "writes were lost";
  EXPECT_EQ(record[0], sum_slots(writes));
}

template <class L>
class OptimisticLockTest : public ::testing::Test {
 protected:
  L lock_;
};

using OptimisticLockTypes = lfbench::test::GtestTypes<lfbench::prim::OptimisticLocks>;
TYPED_TEST_SUITE(OptimisticLockTest, OptimisticLockTypes, lfbench::test::PrimitiveName);

// Writers as above (the record's fields are relaxed atomics, as an optimistic reader needs);
// readers copy the record optimistically and check only validated copies.
TYPED_TEST(OptimisticLockTest, ValidatedReadsAreConsistentUnderOversubscription) {
  auto& lock = this->lock_;
  static_assert(lfbench::prim::OptimisticLock<TypeParam>);
  const std::size_t iters = scaled(kItersPerThread);
  ExclusiveSection section;
  std::atomic<std::uint64_t> record[kFields] = {};
  std::vector<Slot<std::uint64_t>> violations(kOversubscribed), writes(kOversubscribed);
  run_threads(kOversubscribed, [&](unsigned t) {
    std::uint64_t bad = 0, wrote = 0;
    for (std::size_t i = 0; i < iters; ++i) {
      if ((i + t) % kWriteEvery == 0) {
        lock.lock();
        bad += section.enter_and_leave();
        const std::uint64_t v = record[0].load(std::memory_order_relaxed) + 1;
        for (auto& f : record) f.store(v, std::memory_order_relaxed);
        lock.unlock();
        ++wrote;
      } else {
        std::uint64_t copy[kFields];
        std::uint64_t s = 0;
        do {
          s = lock.read_begin();
          for (unsigned k = 0; k < kFields; ++k) copy[k] = record[k].load(std::memory_order_relaxed);
        } while (lock.read_retry(s));
        for (unsigned k = 1; k < kFields; ++k) bad += copy[k] != copy[0];
      }
    }
    violations[t].value = bad;
    writes[t].value = wrote;
  });
  EXPECT_EQ(sum_slots(violations), 0u) << "a validated read was torn, or writers overlapped";
  EXPECT_EQ(section.count, sum_slots(writes)) << "writes were lost";
  EXPECT_EQ(record[0].load(), sum_slots(writes));
}

TYPED_TEST(OptimisticLockTest, ReadRetriesWhileAWriterIsInside) {
  auto& lock = this->lock_;
  const std::uint64_t s = lock.read_begin();
  EXPECT_FALSE(lock.read_retry(s));
  std::thread writer([&] {
    lock.lock();
    lock.unlock();
  });
  writer.join();
  EXPECT_TRUE(lock.read_retry(s)) << "a read overlapping a write validated";
  ASSERT_TRUE(lock.try_lock());
  EXPECT_FALSE(lock.try_lock()) << "two writers inside";
  lock.unlock();
}

}  // namespace
