// POSIX pthread_rwlock_t of kind PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP: once a writer
// waits, new readers wait behind it, so writers are not starved by a stream of readers (at
// the price of readers queueing behind every writer). Non-recursive: a thread must not take
// the read lock twice (it could deadlock behind a waiting writer).
// Progress: blocking (futex).
// Ordering: lock()/lock_shared() acquire, unlock()/unlock_shared() release.
// Not for: code that re-enters the read lock; read-mostly data where writer latency does not
// matter (the default kind, pthread_rwlock, lets readers through).
#pragma once

#include "pthread_rwlock.hpp"

namespace lfbench::prim {

class PthreadRwlockPreferWriter
    : public detail::BasicPthreadRwlock<PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP> {
 public:
  static constexpr std::string_view name = "pthread_rwlock_prefer_writer";
  static constexpr Traits traits{.progress = Progress::blocking};
};

static_assert(SharedLock<PthreadRwlockPreferWriter>);

}  // namespace lfbench::prim
