// std::mutex as an lfbench Lock (a name and traits around it, nothing else).
// Progress: blocking (futex-based in libstdc++: spins briefly in the kernel path, then sleeps).
// Ordering: lock() acquires, unlock() releases.
// Not for: critical sections of a few nanoseconds under heavy contention, where a futex
// round trip per handover dominates; measure against ttas_spinlock and atomics.
#pragma once

#include <mutex>

#include "concepts.hpp"

namespace lfbench::prim {

class StdMutex {
 public:
  static constexpr std::string_view name = "std_mutex";
  static constexpr Traits traits{.progress = Progress::blocking};

  void lock() { m_.lock(); }
  void unlock() { m_.unlock(); }
  bool try_lock() { return m_.try_lock(); }

 private:
  std::mutex m_;
};

static_assert(Lock<StdMutex>);

}  // namespace lfbench::prim
