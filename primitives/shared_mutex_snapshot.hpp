// std::shared_mutex around a value updated in place (no copy): readers share the lock, an
// update takes it exclusively. The RW-lock side of case 000's "RWMutex vs atomic.Value".
// Progress: blocking (an update waits for every reader in fn; readers wait for an update).
// Ordering: lock_shared() acquires and unlock() releases, so a reader sees every update
// completed before it took the lock, and none in progress.
// Not for: short reads from many cores (every lock_shared writes the lock's one cache line),
// or long reads with frequent updates (the writer waits them out, then blocks new readers).
#pragma once

#include <cstdint>
#include <shared_mutex>

#include "concepts.hpp"
#include "locked_snapshot.hpp"

namespace lfbench::prim {

template <class T>
class SharedMutexSnapshot : public detail::LockedSnapshot<T, std::shared_mutex> {
 public:
  static constexpr std::string_view name = "shared_mutex_snapshot";
  static constexpr Traits traits{.progress = Progress::blocking};
};

static_assert(Snapshot<SharedMutexSnapshot<std::uint64_t>>);

}  // namespace lfbench::prim
