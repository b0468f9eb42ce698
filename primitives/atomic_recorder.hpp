// A recorder made of atomics the way case 001 makes it: fetch_add on the count, the double
// sum by a compare_exchange loop on its bit pattern, min and max by compare_exchange loops,
// one fetch_add per histogram bucket. The sum is a policy (Sum): fixed_point_recorder.hpp
// swaps it for an integer fetch_add and is otherwise this class.
// Progress: lock-free (the CAS loops); wait-free for the counter fields with an integer sum.
// Ordering: relaxed throughout: every field is a statistic of its own and nothing is published
// through it. Per-field coherence keeps each reader's count monotonic and makes a snapshot
// include every record that happened-before it; fields are read one by one, so one snapshot's
// fields may disagree (a record counted, its sum or bucket not yet added).
// Not for: snapshots that must agree with themselves (count = buckets' total): see
// mutex_recorder or hot_cold_recorder; many threads recording at high rates: all of them
// take the same line for every record (see striped_recorder).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "atomic_double.hpp"
#include "concepts.hpp"

namespace lfbench::prim {

namespace detail {
// Case 001's sum: a double, added by a CAS loop.
struct DoubleSum {
  static constexpr std::string_view recorder_name = "atomic_recorder";
  static constexpr Progress progress = Progress::lock_free;
  std::atomic<std::uint64_t> bits_{0};  // +0.0
  void add(double v) noexcept { add_double(bits_, v); }
  double value() const noexcept { return load_double(bits_); }
};
}  // namespace detail

template <Fields F, class Sum = detail::DoubleSum>
class AtomicRecorder {
 public:
  static constexpr std::string_view name = Sum::recorder_name;
  static constexpr Traits traits{.progress = has_extremes(F) ? Progress::lock_free : Sum::progress};
  static constexpr Fields fields = F;

  void record(double v) noexcept {
    // relaxed: a statistic (see the file comment).
    hot_.count.fetch_add(1, std::memory_order_relaxed);
    hot_.sum.add(v);
    if constexpr (has_extremes(F)) {
      detail::lower_double(hot_.min, v);
      detail::raise_double(hot_.max, v);
    }
    // relaxed: a statistic.
    if constexpr (has_buckets(F)) buckets_[recorder_bucket(v)].fetch_add(1, std::memory_order_relaxed);
  }

  Recorded snapshot() const noexcept {
    Recorded r;
    r.count = hot_.count.load(std::memory_order_relaxed);  // relaxed: coherence suffices (file comment)
    r.sum = hot_.sum.value();
    if constexpr (has_extremes(F)) {
      r.min = detail::load_double(hot_.min);
      r.max = detail::load_double(hot_.max);
    }
    if constexpr (has_buckets(F))
      for (unsigned i = 0; i < kRecorderBuckets; ++i) r.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    return r;
  }

 private:
  // Count, sum, min and max share one line, as the fields of case 001's struct do: every
  // record writes all of them, so apart they would cost a line transfer each, not save one.
  struct alignas(cacheline) Hot {
    std::atomic<std::uint64_t> count{0};
    Sum sum;
    std::atomic<std::uint64_t> min{detail::bits(Recorded{}.min)};
    std::atomic<std::uint64_t> max{detail::bits(Recorded{}.max)};
  };
  Hot hot_;
  alignas(cacheline) std::array<std::atomic<std::uint64_t>, has_buckets(F) ? kRecorderBuckets : 0> buckets_{};
};

static_assert(Recorder<AtomicRecorder<Fields::counter>>);
static_assert(Recorder<AtomicRecorder<Fields::stats>>);
static_assert(Recorder<AtomicRecorder<Fields::histogram>>);

}  // namespace lfbench::prim
