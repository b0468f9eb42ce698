// atomic_recorder with the sum kept as an integer of fixed-point units added by one fetch_add
// instead of a compare_exchange loop on a double (prometheus-cpp users report integer adds
// much faster than its CAS-looped doubles). The rest (count, CAS min/max, buckets) is
// atomic_recorder's.
// Progress: wait-free for the counter fields; lock-free with min/max (their CAS loops).
// Ordering: relaxed, as atomic_recorder (a statistic; nothing is published through it).
// Not for: values finer than 1/kScale (they are rounded to it) or sums beyond 2^53 units
// (the snapshot's double would round); negative values (REQUIRES of every Recorder).
#pragma once

#include <atomic>
#include <cstdint>

#include "atomic_recorder.hpp"

namespace lfbench::prim {

namespace detail {
struct FixedPointSum {
  static constexpr std::string_view recorder_name = "fixed_point_recorder";
  static constexpr Progress progress = Progress::wait_free;
  static constexpr double kScale = 256;  // units per 1: values are kept to the nearest 1/kScale
  std::atomic<std::uint64_t> units_{0};
  // relaxed: a statistic (see atomic_recorder.hpp).
  void add(double v) noexcept { units_.fetch_add(static_cast<std::uint64_t>(v * kScale + 0.5), std::memory_order_relaxed); }
  double value() const noexcept { return static_cast<double>(units_.load(std::memory_order_relaxed)) / kScale; }
};
}  // namespace detail

template <Fields F>
using FixedPointRecorder = AtomicRecorder<F, detail::FixedPointSum>;

static_assert(Recorder<FixedPointRecorder<Fields::counter>>);
static_assert(Recorder<FixedPointRecorder<Fields::stats>>);
static_assert(Recorder<FixedPointRecorder<Fields::histogram>>);

}  // namespace lfbench::prim
