// tbb::queuing_rw_mutex (oneTBB) as an lfbench SharedLock: a fair MCS-style queue lock where
// each acquisition enqueues its own node and spins on it; consecutive readers in the queue
// share the lock. TBB exposes it only through scoped_lock (the node), so the adapter keeps one
// scoped_lock per thread (by detail::thread_slot) to give it lock()/unlock() spellings.
// Progress: blocking (FIFO: no starvation of readers or writers).
// Ordering: lock()/lock_shared() acquire, unlock()/unlock_shared() release (TBB's contract;
// annotated for ThreadSanitizer, which does not see inside libtbb).
// Not for: recursive or nested use on one lock by one thread (one node per thread per lock);
// uncontended paths where its queue handoff costs more than a simple word lock.
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_TBB

#include <oneapi/tbb/queuing_rw_mutex.h>

#include <memory>

#include "../concepts.hpp"
#include "../thread_slot.hpp"
#include "tsan_sync.hpp"

namespace lfbench::prim {

class TbbQueuingRwMutex {
 public:
  static constexpr std::string_view name = "tbb_queuing_rw_mutex";
  static constexpr Traits traits{.progress = Progress::blocking, .library = "tbb",
                                 .tsan_blind = "the lock runs in libtbb, which is not instrumented; the adapter asserts its ordering to TSan"};

  void lock() { acquire(true); }
  bool try_lock() { return try_acquire(true); }
  void unlock() { release(); }
  void lock_shared() { acquire(false); }
  bool try_lock_shared() { return try_acquire(false); }
  void unlock_shared() { release(); }

 private:
  using Node = tbb::queuing_rw_mutex::scoped_lock;
  Node& node() { return nodes_[detail::thread_slot()].value; }
  void acquire(bool write) {
    node().acquire(m_, write);
    detail::tsan_acquire(&m_);
  }
  bool try_acquire(bool write) {
    if (!node().try_acquire(m_, write)) return false;
    detail::tsan_acquire(&m_);
    return true;
  }
  void release() {
    detail::tsan_release(&m_);
    node().release();
  }

  alignas(cacheline) tbb::queuing_rw_mutex m_;
  // Nodes are spun on by their owner and written by its queue neighbours: one line each.
  std::unique_ptr<Padded<Node>[]> nodes_ = std::make_unique<Padded<Node>[]>(detail::kMaxThreadSlots);
};

static_assert(SharedLock<TbbQueuingRwMutex>);

}  // namespace lfbench::prim

#endif  // LFBENCH_HAVE_TBB
