// std::mutex around a value updated in place: the baseline every snapshot is compared with.
// Progress: blocking (readers exclude each other as well as the writer).
// Ordering: lock() acquires and unlock() releases, so a reader sees every update completed
// before it took the lock, and none in progress.
// Not for: read-mostly data with several concurrent readers (they serialise); see
// shared_mutex_snapshot and the copy-on-write snapshots.
#pragma once

#include <cstdint>
#include <mutex>

#include "concepts.hpp"
#include "locked_snapshot.hpp"

namespace lfbench::prim {

template <class T>
class MutexSnapshot : public detail::LockedSnapshot<T, std::mutex> {
 public:
  static constexpr std::string_view name = "mutex_snapshot";
  static constexpr Traits traits{.progress = Progress::blocking};
};

static_assert(Snapshot<MutexSnapshot<std::uint64_t>>);

}  // namespace lfbench::prim
