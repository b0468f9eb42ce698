// A recorder that is a std::mutex around a plain struct: case 001's "before", and what most
// metric code starts as. Every record and every snapshot takes the lock.
// Progress: blocking.
// Ordering: the mutex's: a snapshot sees every record whose unlock came before its lock.
// Snapshots are consistent (count, sum, extremes and buckets from one instant).
// Not for: many threads recording at high rates: every record takes the one lock's line and,
// contended, parks threads in the kernel.
#pragma once

#include <algorithm>
#include <mutex>

#include "concepts.hpp"

namespace lfbench::prim {

template <Fields F>
class MutexRecorder {
 public:
  static constexpr std::string_view name = "mutex_recorder";
  static constexpr Traits traits{.progress = Progress::blocking};
  static constexpr Fields fields = F;
  static constexpr bool consistent = true;

  void record(double v) {
    std::scoped_lock g(m_);
    ++r_.count;
    r_.sum += v;
    if constexpr (has_extremes(F)) {
      r_.min = std::min(r_.min, v);
      r_.max = std::max(r_.max, v);
    }
    if constexpr (has_buckets(F)) ++r_.buckets[recorder_bucket(v)];
  }

  Recorded snapshot() {
    std::scoped_lock g(m_);
    return r_;
  }

 private:
  alignas(cacheline) std::mutex m_;
  Recorded r_;  // right after the mutex, as a struct with a mutex field lays it out
};

static_assert(Recorder<MutexRecorder<Fields::counter>>);
static_assert(Recorder<MutexRecorder<Fields::stats>>);
static_assert(Recorder<MutexRecorder<Fields::histogram>>);

}  // namespace lfbench::prim
