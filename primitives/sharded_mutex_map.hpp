// N std::unordered_maps, each under its own std::mutex (case 004's option 3); N = the shards parameter.
// Progress: blocking. Ordering: the lock's acquire/release (sharded_map.hpp).
// Not for: skewed keys: the hot keys' shards serialise.
#pragma once

#include "std_mutex.hpp"
#include "sharded_map.hpp"

namespace lfbench::prim {

struct ShardedMutexMapName {
  static constexpr std::string_view name = "sharded_mutex_map";
};
using ShardedMutexMap = ShardedMap<StdMutex, ShardedMutexMapName, 0>;

static_assert(Map<ShardedMutexMap>);

}  // namespace lfbench::prim
