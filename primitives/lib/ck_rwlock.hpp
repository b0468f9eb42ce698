// Concurrency Kit's ck_rwlock as an lfbench SharedLock: a writer flag and a reader count on
// separate words; readers back out while a writer is present (writer-preferring), everyone
// spins with a plain pause. Thin adapter: the calls are forwarded, nothing is re-implemented.
// Progress: blocking (pure spinning: no backoff, no yield).
// Ordering: lock()/lock_shared() acquire, unlock()/unlock_shared() release (ck's fences;
// annotated for ThreadSanitizer, which does not see ck's inline-asm atomics).
// Not for: threads > cores (a waiter spins out its slice while the holder is descheduled);
// many-core read-mostly data (readers share one counter word).
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_CK

#include <ck_rwlock.h>

#include "../concepts.hpp"
#include "tsan_sync.hpp"

namespace lfbench::prim {

class CkRwlock {
 public:
  static constexpr std::string_view name = "ck_rwlock";
  static constexpr Traits traits{.progress = Progress::blocking, .library = "ck",
                                 .tsan_blind = "ck's atomics are inline assembly TSan does not see; the adapter asserts the lock's ordering to TSan"};

  CkRwlock() noexcept { ck_rwlock_init(&l_); }
  CkRwlock(const CkRwlock&) = delete;
  CkRwlock& operator=(const CkRwlock&) = delete;

  void lock() noexcept {
    ck_rwlock_write_lock(&l_);
    detail::tsan_acquire(&l_);
  }
  bool try_lock() noexcept {
    if (!ck_rwlock_write_trylock(&l_)) return false;
    detail::tsan_acquire(&l_);
    return true;
  }
  void unlock() noexcept {
    detail::tsan_release(&l_);
    ck_rwlock_write_unlock(&l_);
  }
  void lock_shared() noexcept {
    ck_rwlock_read_lock(&l_);
    detail::tsan_acquire(&l_);
  }
  bool try_lock_shared() noexcept {
    if (!ck_rwlock_read_trylock(&l_)) return false;
    detail::tsan_acquire(&l_);
    return true;
  }
  void unlock_shared() noexcept {
    detail::tsan_release(&l_);
    ck_rwlock_read_unlock(&l_);
  }

 private:
  alignas(cacheline) ck_rwlock_t l_;
};

static_assert(SharedLock<CkRwlock>);

}  // namespace lfbench::prim

#endif  // LFBENCH_HAVE_CK
