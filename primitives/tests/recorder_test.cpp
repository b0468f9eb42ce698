// Correctness stress for every Recorder in lfbench::prim::Recorders<F> (kinds.hpp), for each
// Fields value: under 16 oversubscribed recording threads no record is lost and count, sum,
// min, max and every bucket are exact once they have finished; readers snapshotting while
// they record never see a count go backwards, never miss a record that happened-before their
// snapshot, never see more than was recorded, and (recorders declaring consistent snapshots)
// always see buckets adding up to the count. A recorder added to the list is tested here with
// no edit to this file.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "primitives/kinds.hpp"
#include "primitives/tests/stress.hpp"

namespace {

namespace prim = lfbench::prim;
using lfbench::test::kOversubscribed;
using lfbench::test::run_threads;
using lfbench::test::scaled;
using lfbench::test::Slot;
using lfbench::test::sum_slots;

// What snapshots of a recorder fed `values` must show, built the obvious way.
struct Expected {
  std::uint64_t count = 0;
  double sum = 0;
  double min = prim::Recorded{}.min, max = prim::Recorded{}.max;
  std::array<std::uint64_t, prim::kRecorderBuckets> buckets{};
  void add(double v) {
    ++count;
    sum += v;
    min = std::min(min, v);
    max = std::max(max, v);
    ++buckets[prim::recorder_bucket(v)];
  }
};

template <class R>
void expect_exact(const prim::Recorded& r, const Expected& e) {
  EXPECT_EQ(r.count, e.count) << "records lost or counted twice";
  EXPECT_EQ(r.sum, e.sum) << "sum not exact";
  if constexpr (prim::has_extremes(R::fields)) {
    EXPECT_EQ(r.min, e.min);
    EXPECT_EQ(r.max, e.max);
  }
  if constexpr (prim::has_buckets(R::fields)) {
    for (unsigned b = 0; b < prim::kRecorderBuckets; ++b) EXPECT_EQ(r.buckets[b], e.buckets[b]) << "bucket " << b;
  } else {
    for (unsigned b = 0; b < prim::kRecorderBuckets; ++b) EXPECT_EQ(r.buckets[b], 0u) << "bucket " << b;
  }
}

template <class R>
class RecorderTest : public ::testing::Test {
 protected:
  R rec_;
};

// Each recorder once per Fields value, named id_fields (RecorderTest/atomic_recorder_stats).
using AllRecorders = prim::Concat<prim::Recorders<prim::Fields::counter>, prim::Recorders<prim::Fields::stats>,
                                  prim::Recorders<prim::Fields::histogram>>::type;
using RecorderTypes = lfbench::test::GtestTypes<AllRecorders>;
struct RecorderName {
  template <class T>
  static std::string GetName(int) {
    return std::string(T::name) + "_" + std::string(prim::to_string(T::fields));
  }
};
TYPED_TEST_SUITE(RecorderTest, RecorderTypes, RecorderName);

constexpr std::size_t kRecordsPerThread = 100'000;

// What thread t records i-th: quarters below 2048, now and then a value above 2^30 (a long
// tail), and values below 1 (bucket 0). Every partial sum of such values stays exact.
constexpr double value(unsigned t, std::size_t i) {
  if (i % 997 == 996) return static_cast<double>((std::uint64_t{1} << 30) + t);
  if (i % 89 == 88) return 0.25 * static_cast<double>(t % 4);
  return static_cast<double>((t * 7919 + i * 104729) % 8192) / 4;
}

TEST(RecorderBuckets, PowersOfTwoBound) {
  EXPECT_EQ(prim::recorder_bucket(0), 0u);
  EXPECT_EQ(prim::recorder_bucket(0.75), 0u);
  EXPECT_EQ(prim::recorder_bucket(1), 1u);
  EXPECT_EQ(prim::recorder_bucket(1.75), 1u);
  EXPECT_EQ(prim::recorder_bucket(2), 2u);
  EXPECT_EQ(prim::recorder_bucket(std::nextafter(1024.0, 0.0)), 10u);
  EXPECT_EQ(prim::recorder_bucket(1024), 11u);
  EXPECT_EQ(prim::recorder_bucket(0x1p62), prim::kRecorderBuckets - 1);
  EXPECT_EQ(prim::recorder_bucket(std::numeric_limits<double>::infinity()), prim::kRecorderBuckets - 1);
  for (unsigned b = 0; b < prim::kRecorderBuckets; ++b) {
    EXPECT_EQ(prim::recorder_bucket(prim::recorder_bucket_low(b)), b);
    if (b + 1 < prim::kRecorderBuckets) {
      EXPECT_EQ(prim::recorder_bucket(std::nextafter(prim::recorder_bucket_high(b), 0.0)), b);
    }
  }
}

TYPED_TEST(RecorderTest, EmptySnapshot) {
  static_assert(prim::Recorder<TypeParam>);
  const prim::Recorded r = this->rec_.snapshot();
  expect_exact<TypeParam>(r, Expected{});
  EXPECT_EQ(this->rec_.snapshot().count, 0u);  // a snapshot changes nothing
}

TYPED_TEST(RecorderTest, SingleThreadIsExact) {
  Expected e;
  for (double v : {5.0, 0.5, 1024.0, 3.25, 0.0, 1e9, 7.0}) {
    this->rec_.record(v);
    e.add(v);
    expect_exact<TypeParam>(this->rec_.snapshot(), e);
  }
}

TYPED_TEST(RecorderTest, ConcurrentRecordsAreExact) {
  auto& rec = this->rec_;
  const std::size_t n = scaled(kRecordsPerThread);
  run_threads(kOversubscribed, [&](unsigned t) {
    for (std::size_t i = 0; i < n; ++i) rec.record(value(t, i));
  });
  Expected e;
  for (unsigned t = 0; t < kOversubscribed; ++t)
    for (std::size_t i = 0; i < n; ++i) e.add(value(t, i));
  expect_exact<TypeParam>(rec.snapshot(), e);
}

// Half the threads record, the other half snapshot without pause. Writers publish how many
// records they have made (release) every few records; a reader that read those (acquire)
// before a snapshot must find at least that many in it.
TYPED_TEST(RecorderTest, SnapshotsDuringRecordingAreMonotonicAndComplete) {
  auto& rec = this->rec_;
  constexpr unsigned kWriters = kOversubscribed / 2;
  const std::size_t n = scaled(kRecordsPerThread / 2);
  std::vector<Slot<std::atomic<std::uint64_t>>> made(kWriters);
  std::atomic<unsigned> writers_done{0};
  std::vector<Slot<std::uint64_t>> backwards(kOversubscribed), missed(kOversubscribed), over(kOversubscribed),
      inconsistent(kOversubscribed), snapshots(kOversubscribed);
  const std::uint64_t total = std::uint64_t{kWriters} * n;
  run_threads(kOversubscribed, [&](unsigned t) {
    if (t < kWriters) {
      for (std::size_t i = 0; i < n; ++i) {
        rec.record(value(t, i));
        // release: these records happen-before a snapshot taken after reading this count.
        if (i % 16 == 15) made[t].value.store(i + 1, std::memory_order_release);
      }
      made[t].value.store(n, std::memory_order_release);
      writers_done.fetch_add(1, std::memory_order_release);  // release: all records above
      return;
    }
    std::uint64_t last = 0;
    for (bool done = false; !done;) {
      done = writers_done.load(std::memory_order_acquire) == kWriters;  // acquire: pairs with the writers
      std::uint64_t before = 0;
      for (const auto& m : made) before += m.value.load(std::memory_order_acquire);  // acquire: as above
      const prim::Recorded r = rec.snapshot();
      ++snapshots[t].value;
      backwards[t].value += r.count < last;
      missed[t].value += r.count < before;
      over[t].value += r.count > total;
      if constexpr (prim::recorder_consistent<TypeParam>() && prim::has_buckets(TypeParam::fields)) {
        std::uint64_t sum = 0;
        for (auto b : r.buckets) sum += b;
        inconsistent[t].value += sum != r.count;
      }
      last = std::max(last, r.count);
    }
  });
  EXPECT_EQ(sum_slots(backwards), 0u) << "a snapshot's count went backwards";
  EXPECT_EQ(sum_slots(missed), 0u) << "a snapshot missed records that happened before it";
  EXPECT_EQ(sum_slots(over), 0u) << "a snapshot counted more than was recorded";
  EXPECT_EQ(sum_slots(inconsistent), 0u) << "a consistent recorder's buckets did not add up to its count";
  EXPECT_GE(sum_slots(snapshots), kOversubscribed - kWriters);
  Expected e;
  for (unsigned t = 0; t < kWriters; ++t)
    for (std::size_t i = 0; i < n; ++i) e.add(value(t, i));
  expect_exact<TypeParam>(rec.snapshot(), e);
}

}  // namespace
