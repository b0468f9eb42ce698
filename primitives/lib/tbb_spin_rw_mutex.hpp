// tbb::spin_rw_mutex (oneTBB) as an lfbench SharedLock: one word holding a writer bit, a
// writer-pending bit and the reader count; waiters spin with TBB's exponential backoff and
// yield. Thin adapter: the calls are forwarded, nothing is re-implemented.
// Progress: blocking (spinning with yield).
// Ordering: lock()/lock_shared() acquire, unlock()/unlock_shared() release (TBB's contract).
// Not for: long critical sections or heavy oversubscription (waiters spin); many-core
// read-mostly data (readers share one word, like std::shared_mutex).
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_TBB

#include <oneapi/tbb/spin_rw_mutex.h>

#include "../concepts.hpp"

namespace lfbench::prim {

class TbbSpinRwMutex {
 public:
  static constexpr std::string_view name = "tbb_spin_rw_mutex";
  static constexpr Traits traits{.progress = Progress::blocking, .library = "tbb"};

  void lock() { m_.lock(); }
  void unlock() { m_.unlock(); }
  bool try_lock() { return m_.try_lock(); }
  void lock_shared() { m_.lock_shared(); }
  void unlock_shared() { m_.unlock_shared(); }
  bool try_lock_shared() { return m_.try_lock_shared(); }

 private:
  alignas(cacheline) tbb::spin_rw_mutex m_;
};

static_assert(SharedLock<TbbSpinRwMutex>);

}  // namespace lfbench::prim

#endif  // LFBENCH_HAVE_TBB
