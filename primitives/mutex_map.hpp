// One std::unordered_map under one std::mutex (case 004's option 1, std::mutex variant).
// Progress: blocking. Ordering: the lock's acquire/release (sharded_map.hpp).
// Not for: more than a couple of threads: every operation serialises on one lock.
#pragma once

#include "std_mutex.hpp"
#include "sharded_map.hpp"

namespace lfbench::prim {

struct MutexMapName {
  static constexpr std::string_view name = "mutex_map";
};
using MutexMap = ShardedMap<StdMutex, MutexMapName, 1>;

static_assert(Map<MutexMap>);

}  // namespace lfbench::prim
