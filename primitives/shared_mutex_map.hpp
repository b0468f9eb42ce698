// One std::unordered_map under one std::shared_mutex (case 004's option 1): lookups shared, inserts exclusive.
// Progress: blocking. Ordering: the lock's acquire/release (sharded_map.hpp).
// Not for: insert-heavy mixes: readers and writers still share the lock's one word.
#pragma once

#include "std_shared_mutex.hpp"
#include "sharded_map.hpp"

namespace lfbench::prim {

struct SharedMutexMapName {
  static constexpr std::string_view name = "shared_mutex_map";
};
using SharedMutexMap = ShardedMap<StdSharedMutex, SharedMutexMapName, 1>;

static_assert(Map<SharedMutexMap>);

}  // namespace lfbench::prim
