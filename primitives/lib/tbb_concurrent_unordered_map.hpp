// tbb::concurrent_unordered_map (oneTBB) as an lfbench Map: a split-ordered list; find and
// insert are lock-free (CAS on list links), erase is not concurrency-safe (so not used).
// Thin adapter: calls forwarded, nothing re-implemented. Reserves capacity up front.
// Progress: lock-free (find/insert; node allocation goes through the allocator).
// Ordering: TBB's contract: an inserted element is published with release, found with acquire.
// Not for: workloads that remove keys (unsafe_erase only).
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_TBB

#include <oneapi/tbb/concurrent_unordered_map.h>

#include <cstdint>

#include "../concepts.hpp"
#include "../mix_hash.hpp"

namespace lfbench::prim {

class TbbConcurrentUnorderedMap {
 public:
  static constexpr std::string_view name = "tbb_concurrent_unordered_map";
  static constexpr Traits traits{.progress = Progress::lock_free, .library = "tbb",
                                 .tsan_blind = "its nodes come from tbbmalloc, which is not instrumented: that report is suppressed"};

  // Not reserve(): in oneTBB 2021.8 it never returns when the table already has the buckets
  // asked for (its loop retries until a CAS it then never tries: reserve(0), and any capacity up
  // to 32 = 8 initial buckets x load factor 4; found by lfbench verify's 16-key map). rehash()
  // grows the bucket count by one CAS, or leaves it.
  explicit TbbConcurrentUnorderedMap(MapConfig c = {}) {
    if (c.capacity != 0) m_.rehash(c.capacity);
  }

  bool find(std::uint64_t k, std::uint64_t* out) {
    const auto it = m_.find(k);
    if (it == m_.end()) return false;
    *out = it->second;
    return true;
  }
  // insert() returns the element in the table for k: ours, or the one that won the race.
  std::uint64_t get_or_add(std::uint64_t k, std::uint64_t v) { return m_.insert({k, v}).first->second; }
  std::size_t size() { return m_.size(); }

 private:
  // MixHash, not std::hash (the identity): keys sharing low bits would crowd a few buckets.
  tbb::concurrent_unordered_map<std::uint64_t, std::uint64_t, detail::MixHash> m_;
};

static_assert(Map<TbbConcurrentUnorderedMap>);

}  // namespace lfbench::prim

#endif
