// A double-buffered recorder, the "hot and cold counts" of the Prometheus Go client's
// histogram: one word holds the index of the hot buffer (top bit) and the number of records
// started (the other bits). A record bumps that word, then updates the buffer it named and
// finally that buffer's completed count. A snapshot flips the top bit, so new records go to
// the other buffer, waits until the now-cold buffer's completed count equals the records
// started before the flip, reads it, adds it into the new hot buffer and clears it. The cold
// buffer thus always holds every record so far, and the snapshot is consistent: count, sum,
// extremes and buckets cover exactly the records started before the flip.
// Progress: record lock-free (the sum's and extremes' CAS loops); snapshot blocking (it waits
// for records in flight, yielding, and snapshots are serialised by a mutex).
// Ordering: a record's bump of the started count is acquire (it reads, through the release
// sequence of the flips, the snapshot that cleared the buffer it now writes); its completion
// is a release that the snapshot's acquire wait pairs with, so the snapshot sees its fields.
// The fields themselves are relaxed: statistics.
// Not for: cheap recording (two more contended RMWs per record than atomic_recorder) or
// readers that must not wait: a writer preempted mid-record holds up the snapshot.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>

#include "atomic_double.hpp"
#include "concepts.hpp"

namespace lfbench::prim {

template <Fields F>
class HotColdRecorder {
 public:
  static constexpr std::string_view name = "hot_cold_recorder";
  static constexpr Traits traits{.progress = Progress::lock_free};  // record's; snapshot blocks
  static constexpr Fields fields = F;
  static constexpr bool consistent = true;

  void record(double v) noexcept {
    // acquire: see the file comment (a buffer cleared by a snapshot is seen cleared).
    const std::uint64_t n = started_.fetch_add(1, std::memory_order_acquire);
    Buffer& b = buffers_[n >> 63];
    b.add(v);
    // release: publishes this record's updates of b to the snapshot that waits for the count.
    b.count.fetch_add(1, std::memory_order_release);
  }

  Recorded snapshot() {
    std::scoped_lock g(snapshots_);
    // acq_rel: release orders the clearing of the last cold buffer before the records that
    // will find it hot; acquire is not needed for the wait below but costs nothing on an RMW.
    const std::uint64_t n = started_.fetch_add(kHotBit, std::memory_order_acq_rel);
    const std::uint64_t count = n & ~kHotBit;
    Buffer& cold = buffers_[n >> 63];
    Buffer& hot = buffers_[(n >> 63) ^ 1];
    // acquire: pairs with each record's release, so its fields are seen below.
    while (cold.count.load(std::memory_order_acquire) != count) std::this_thread::yield();
    Recorded r;
    r.count = count;
    r.sum = detail::load_double(cold.sum);
    if constexpr (has_extremes(F)) {
      r.min = detail::load_double(cold.min);
      r.max = detail::load_double(cold.max);
    }
    // relaxed: no record writes the cold buffer now; the acquire wait ordered their writes.
    if constexpr (has_buckets(F))
      for (unsigned i = 0; i < kRecorderBuckets; ++i) r.buckets[i] = cold.buckets[i].load(std::memory_order_relaxed);
    hot.merge(r);
    cold.clear();
    return r;
  }

 private:
  static constexpr std::uint64_t kHotBit = std::uint64_t{1} << 63;

  struct alignas(cacheline) Buffer {
    std::atomic<std::uint64_t> count{0};  // records completed in this buffer, plus merged totals
    std::atomic<std::uint64_t> sum{0};    // bit patterns of doubles (atomic_double.hpp)
    std::atomic<std::uint64_t> min{detail::bits(Recorded{}.min)};
    std::atomic<std::uint64_t> max{detail::bits(Recorded{}.max)};
    std::array<std::atomic<std::uint64_t>, has_buckets(F) ? kRecorderBuckets : 0> buckets{};

    void add(double v) noexcept {
      detail::add_double(sum, v);
      if constexpr (has_extremes(F)) {
        detail::lower_double(min, v);
        detail::raise_double(max, v);
      }
      // relaxed: a statistic, published by the completion's release.
      if constexpr (has_buckets(F)) buckets[recorder_bucket(v)].fetch_add(1, std::memory_order_relaxed);
    }
    // Adds the totals of a cold buffer; records may be updating this one at the same time.
    void merge(const Recorded& r) noexcept {
      detail::add_double(sum, r.sum);
      if constexpr (has_extremes(F)) {
        detail::lower_double(min, r.min);
        detail::raise_double(max, r.max);
      }
      // relaxed: statistics; the next snapshot's acquire wait on count orders them.
      if constexpr (has_buckets(F))
        for (unsigned i = 0; i < kRecorderBuckets; ++i) buckets[i].fetch_add(r.buckets[i], std::memory_order_relaxed);
      // Last, and release: the next snapshot's wait sees this count only with the merge above.
      count.fetch_add(r.count, std::memory_order_release);
    }
    // Only while no record writes this buffer (it is cold, and drained).
    void clear() noexcept {
      // relaxed: the next flip's release orders these before any record that writes here.
      count.store(0, std::memory_order_relaxed);
      sum.store(0, std::memory_order_relaxed);
      min.store(detail::bits(Recorded{}.min), std::memory_order_relaxed);
      max.store(detail::bits(Recorded{}.max), std::memory_order_relaxed);
      for (auto& b : buckets) b.store(0, std::memory_order_relaxed);
    }
  };

  alignas(cacheline) std::atomic<std::uint64_t> started_{0};  // top bit: hot buffer index
  Buffer buffers_[2];
  std::mutex snapshots_;  // one snapshot at a time: each flips and drains
};

static_assert(Recorder<HotColdRecorder<Fields::counter>>);
static_assert(Recorder<HotColdRecorder<Fields::stats>>);
static_assert(Recorder<HotColdRecorder<Fields::histogram>>);

}  // namespace lfbench::prim
