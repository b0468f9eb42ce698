// A counter that is one std::atomic<uint64_t> incremented with fetch_add, in two orderings:
// atomic_relaxed (the right choice for a statistic) and atomic_seq_cst (what code that never
// thought about ordering gets). One template, two ids: the ordering is the only difference.
// Progress: wait-free (one locked RMW on x86; LL/SC loop or LSE atomic on ARM).
// Ordering: Order for add(); read() is acquire for seq_cst, relaxed otherwise.
// Not for: many writers on many cores at high rates: every add takes the one line exclusive
// (see striped_counter).
#pragma once

#include <atomic>

#include "concepts.hpp"

namespace lfbench::prim {

template <std::memory_order Order>
class AtomicCounter {
  static_assert(Order == std::memory_order_relaxed || Order == std::memory_order_seq_cst);

 public:
  static constexpr std::string_view name =
      Order == std::memory_order_relaxed ? "atomic_relaxed" : "atomic_seq_cst";
  static constexpr Traits traits{.progress = Progress::wait_free};

  // relaxed: a count needs atomicity, not ordering with other memory; seq_cst as the default.
  void add(std::uint64_t n) noexcept { v_.fetch_add(n, Order); }
  std::uint64_t read() const noexcept {
    // Per-location coherence keeps relaxed reads monotonic for one reader.
    return v_.load(Order == std::memory_order_relaxed ? std::memory_order_relaxed
                                                      : std::memory_order_seq_cst);
  }

 private:
  alignas(cacheline) std::atomic<std::uint64_t> v_{0};
};

using AtomicRelaxed = AtomicCounter<std::memory_order_relaxed>;
using AtomicSeqCst = AtomicCounter<std::memory_order_seq_cst>;

static_assert(Counter<AtomicRelaxed>);
static_assert(Counter<AtomicSeqCst>);

}  // namespace lfbench::prim
