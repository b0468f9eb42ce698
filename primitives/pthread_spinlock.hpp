// POSIX pthread_spinlock_t (glibc: a test-and-set loop with pause, no backoff, no yield).
// Progress: blocking.
// Ordering: lock acquires, unlock releases (POSIX memory synchronisation).
// Not for: threads > cores: with no yield a waiter spins out its whole slice while the holder
// is descheduled.
#pragma once

#include <pthread.h>

#include <system_error>

#include "concepts.hpp"

namespace lfbench::prim {

class PthreadSpinlock {
 public:
  static constexpr std::string_view name = "pthread_spinlock";
  static constexpr Traits traits{.progress = Progress::blocking};

  PthreadSpinlock() {
    if (int rc = pthread_spin_init(&s_, PTHREAD_PROCESS_PRIVATE); rc != 0)
      throw std::system_error(rc, std::generic_category(), "pthread_spin_init");
  }
  ~PthreadSpinlock() { pthread_spin_destroy(&s_); }
  PthreadSpinlock(const PthreadSpinlock&) = delete;
  PthreadSpinlock& operator=(const PthreadSpinlock&) = delete;

  void lock() noexcept { pthread_spin_lock(&s_); }
  void unlock() noexcept { pthread_spin_unlock(&s_); }
  bool try_lock() noexcept { return pthread_spin_trylock(&s_) == 0; }

 private:
  alignas(cacheline) pthread_spinlock_t s_;
};

static_assert(Lock<PthreadSpinlock>);

}  // namespace lfbench::prim
