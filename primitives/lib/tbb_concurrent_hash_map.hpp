// tbb::concurrent_hash_map (oneTBB) as an lfbench Map: a bucket array with a reader-writer
// lock per bucket and per element; lookups hold a const_accessor (element read lock).
// Thin adapter: calls forwarded, nothing re-implemented. Reserves capacity buckets up front.
// Progress: blocking (TBB's spin-then-yield locks).
// Ordering: TBB's contract: an accessor's lock acquires, its release publishes.
// Not for: heavy oversubscription (its locks spin); tiny maps (per-element lock overhead).
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_TBB

#include <oneapi/tbb/concurrent_hash_map.h>

#include <cstdint>

#include "../concepts.hpp"
#include "../mix_hash.hpp"

namespace lfbench::prim {

class TbbConcurrentHashMap {
 public:
  static constexpr std::string_view name = "tbb_concurrent_hash_map";
  static constexpr Traits traits{.progress = Progress::blocking, .library = "tbb"};

  explicit TbbConcurrentHashMap(MapConfig c = {}) { m_.rehash(c.capacity); }

  bool find(std::uint64_t k, std::uint64_t* out) {
    Table::const_accessor a;
    if (!m_.find(a, k)) return false;
    *out = a->second;
    return true;
  }
  // insert() with a const_accessor inserts the pair if absent and leaves `a` on whichever
  // element is in the table (ours or the racing winner's).
  std::uint64_t get_or_add(std::uint64_t k, std::uint64_t v) {
    Table::const_accessor a;
    m_.insert(a, Table::value_type(k, v));
    return a->second;
  }
  std::size_t size() { return m_.size(); }

 private:
  // MixHash, not tbb_hasher: keys sharing low bits would crowd a few buckets (mix_hash.hpp).
  using Table = tbb::concurrent_hash_map<std::uint64_t, std::uint64_t, detail::MixHash>;
  Table m_;
};

static_assert(Map<TbbConcurrentHashMap>);

}  // namespace lfbench::prim

#endif
