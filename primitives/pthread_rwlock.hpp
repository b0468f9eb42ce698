// POSIX pthread_rwlock_t with glibc's default kind (PTHREAD_RWLOCK_PREFER_READER_NP): a new
// reader gets in while readers hold the lock even if a writer waits, so a steady stream of
// readers can starve writers (see the rwlock scenario's max_write_wait_ns).
// Progress: blocking (futex).
// Ordering: lock()/lock_shared() acquire, unlock()/unlock_shared() release (POSIX memory
// synchronisation).
// Not for: write-heavy mixes with many readers if writers need bounded waits; use
// pthread_rwlock_prefer_writer, which is the same lock with the other preference.
#pragma once

#include <pthread.h>

#include <system_error>

#include "concepts.hpp"

namespace lfbench::prim {

namespace detail {

// The pthread_rwlock_t of one glibc kind (PTHREAD_RWLOCK_PREFER_*_NP); the named primitives
// below differ only by that kind.
template <int Kind>
class BasicPthreadRwlock {
 public:
  BasicPthreadRwlock() {
    pthread_rwlockattr_t a;
    pthread_rwlockattr_init(&a);
    pthread_rwlockattr_setkind_np(&a, Kind);
    const int rc = pthread_rwlock_init(&l_, &a);
    pthread_rwlockattr_destroy(&a);
    if (rc != 0) throw std::system_error(rc, std::generic_category(), "pthread_rwlock_init");
  }
  ~BasicPthreadRwlock() { pthread_rwlock_destroy(&l_); }
  BasicPthreadRwlock(const BasicPthreadRwlock&) = delete;
  BasicPthreadRwlock& operator=(const BasicPthreadRwlock&) = delete;

  void lock() noexcept { pthread_rwlock_wrlock(&l_); }
  void unlock() noexcept { pthread_rwlock_unlock(&l_); }
  bool try_lock() noexcept { return pthread_rwlock_trywrlock(&l_) == 0; }
  void lock_shared() noexcept { pthread_rwlock_rdlock(&l_); }
  void unlock_shared() noexcept { pthread_rwlock_unlock(&l_); }
  bool try_lock_shared() noexcept { return pthread_rwlock_tryrdlock(&l_) == 0; }

 private:
  alignas(cacheline) pthread_rwlock_t l_;
};

}  // namespace detail

class PthreadRwlock : public detail::BasicPthreadRwlock<PTHREAD_RWLOCK_PREFER_READER_NP> {
 public:
  static constexpr std::string_view name = "pthread_rwlock";
  static constexpr Traits traits{.progress = Progress::blocking};
};

static_assert(SharedLock<PthreadRwlock>);

}  // namespace lfbench::prim
