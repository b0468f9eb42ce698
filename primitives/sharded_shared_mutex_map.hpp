// N std::unordered_maps, each under its own std::shared_mutex (case 004's option 3b); N = the shards parameter.
// Progress: blocking. Ordering: the lock's acquire/release (sharded_map.hpp).
// Not for: skewed keys: the hot keys' shards serialise.
#pragma once

#include "std_shared_mutex.hpp"
#include "sharded_map.hpp"

namespace lfbench::prim {

struct ShardedSharedMutexMapName {
  static constexpr std::string_view name = "sharded_shared_mutex_map";
};
using ShardedSharedMutexMap = ShardedMap<StdSharedMutex, ShardedSharedMutexMapName, 0>;

static_assert(Map<ShardedSharedMutexMap>);

}  // namespace lfbench::prim
