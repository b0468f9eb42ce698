// Test-and-test-and-set spinlock with pause and bounded exponential backoff.
// Progress: blocking (a preempted holder stalls every waiter; waiters yield after backing off).
// Ordering: lock() acquires (exchange acquire), unlock() releases (store release).
// Not for: critical sections that can block or run long, or threads > cores without the
// backoff's yield — plain spinning then collapses throughput (measure it: counter, 8 threads).
#pragma once

#include <atomic>

#include "concepts.hpp"
#include "spin.hpp"

namespace lfbench::prim {

class TtasSpinlock {
 public:
  static constexpr std::string_view name = "ttas_spinlock";
  static constexpr Traits traits{.progress = Progress::blocking};

  void lock() noexcept {
    detail::Backoff backoff;
    // acquire: the holder's writes before its release-unlock are visible to us.
    while (locked_.exchange(true, std::memory_order_acquire)) {
      // Spin on a plain load so waiters share the line instead of bouncing it with RMWs;
      // relaxed is enough because the exchange above re-checks with acquire.
      do {
        backoff.pause();
      } while (locked_.load(std::memory_order_relaxed));
    }
  }

  bool try_lock() noexcept {
    // relaxed pre-check avoids taking the line exclusive when the lock is visibly held.
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }

  void unlock() noexcept {
    locked_.store(false, std::memory_order_release);  // publishes the critical section
  }

 private:
  alignas(cacheline) std::atomic<bool> locked_{false};
};

static_assert(Lock<TtasSpinlock>);

}  // namespace lfbench::prim
