// std::shared_mutex as an lfbench SharedLock (a name and traits around it, nothing else).
// Progress: blocking (libstdc++: a pthread_rwlock_t with glibc's default reader preference).
// Ordering: lock()/lock_shared() acquire, unlock()/unlock_shared() release.
// Not for: very short read sections on many cores: every lock_shared/unlock_shared is an RMW
// on one shared word, so readers serialise on its cache line (case 003's "RWMutex doesn't
// scale"); measure distributed_rwlock and seqlock against it.
#pragma once

#include <shared_mutex>

#include "concepts.hpp"

namespace lfbench::prim {

class StdSharedMutex {
 public:
  static constexpr std::string_view name = "std_shared_mutex";
  static constexpr Traits traits{.progress = Progress::blocking};

  void lock() { m_.lock(); }
  void unlock() { m_.unlock(); }
  bool try_lock() { return m_.try_lock(); }
  void lock_shared() { m_.lock_shared(); }
  void unlock_shared() { m_.unlock_shared(); }
  bool try_lock_shared() { return m_.try_lock_shared(); }

 private:
  alignas(cacheline) std::shared_mutex m_;
};

static_assert(SharedLock<StdSharedMutex>);

}  // namespace lfbench::prim
