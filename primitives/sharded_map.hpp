// The template behind the four lock-based Maps: N shards, each an std::unordered_map under its
// own lock L, the shard chosen by a hash of the key. N = 1 is case 004's option 1 (one map,
// one lock); N > 1 its options 3/3b. With a SharedLock L, find() takes the shard's lock shared
// and get_or_add() first looks under the shared lock, then inserts under the exclusive one
// (try_emplace re-checks, so a racing inserter's id wins and is returned).
// Insertion allocates a node: that is the primitive's own cost; each shard reserves
// capacity/N buckets up front so rehashing does not happen while measured.
// Progress: blocking. Ordering: the shard's lock orders everything (acquire/release).
// Not for: hot keys (Zipf): all of them land in few shards, whatever N is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "concepts.hpp"
#include "mix_hash.hpp"

namespace lfbench::prim {

// Tag supplies name; FixedShards != 0 pins the shard count (the single-map primitives).
template <class L, class Tag, std::size_t FixedShards>
class ShardedMap {
 public:
  static constexpr std::string_view name = Tag::name;
  static constexpr Traits traits{.progress = Progress::blocking};
  // Whether MapConfig::shards (the map scenario's `shards`) changes anything (map_uses_shards).
  static constexpr bool uses_shards = FixedShards == 0;

  explicit ShardedMap(MapConfig c = {})
      : shards_(FixedShards ? FixedShards : (c.shards ? c.shards : 1)) {
    for (auto& s : shards_) s.map.reserve(c.capacity / shards_.size() + 1);
  }

  bool find(std::uint64_t k, std::uint64_t* out) {
    Shard& s = shard(k);
    if constexpr (SharedLock<L>) {
      s.lock.lock_shared();
      const bool hit = lookup(s, k, out);
      s.lock.unlock_shared();
      return hit;
    } else {
      std::scoped_lock g(s.lock);
      return lookup(s, k, out);
    }
  }

  std::uint64_t get_or_add(std::uint64_t k, std::uint64_t v) {
    Shard& s = shard(k);
    if constexpr (SharedLock<L>) {
      std::uint64_t found = 0;
      s.lock.lock_shared();
      const bool hit = lookup(s, k, &found);
      s.lock.unlock_shared();
      if (hit) return found;
    }
    std::scoped_lock g(s.lock);
    return s.map.try_emplace(k, v).first->second;
  }

  // Not linearisable against concurrent inserts (shards are summed one by one); exact when
  // quiescent, which is when the scenario calls it.
  std::size_t size() {
    std::size_t n = 0;
    for (auto& s : shards_) {
      std::scoped_lock g(s.lock);
      n += s.map.size();
    }
    return n;
  }

 private:
  // Each shard on its own cache lines: neighbouring shards' locks never share a line.
  struct alignas(cacheline) Shard {
    L lock;
    std::unordered_map<std::uint64_t, std::uint64_t> map;
  };

  static bool lookup(Shard& s, std::uint64_t k, std::uint64_t* out) {
    const auto it = s.map.find(k);
    if (it == s.map.end()) return false;
    *out = it->second;
    return true;
  }

  // Not k % N: real keys (ids with a stride, aligned addresses, ids from a counter that
  // hands out blocks) share low bits, so k % N would pile them into few shards (keys that are
  // multiples of 64 all go to shard 0 for any power-of-two N <= 64). A splitmix64 finalizer
  // spreads every input bit over the high bits, and multiply-shift maps those onto [0, N)
  // for any N, without a division.
  Shard& shard(std::uint64_t k) {
    if (shards_.size() == 1) return shards_[0];
    return shards_[detail::scale(detail::mix64(k), shards_.size())];
  }

  std::vector<Shard> shards_;
};

}  // namespace lfbench::prim
