// A counter incremented with a load + compare_exchange_weak loop: what an increment costs when
// the update is not a single hardware RMW (float sums, min/max, saturating adds in case 001).
// Progress: lock-free (some thread's CAS always succeeds; one thread can retry indefinitely).
// Ordering: relaxed throughout: the value is a count, nothing is published through it.
// Not for: plain increments, where fetch_add never retries (atomic_relaxed).
#pragma once

#include <atomic>

#include "concepts.hpp"

namespace lfbench::prim {

class CasLoop {
 public:
  static constexpr std::string_view name = "cas_loop";
  static constexpr Traits traits{.progress = Progress::lock_free};

  void add(std::uint64_t n) noexcept {
    std::uint64_t cur = v_.load(std::memory_order_relaxed);
    // On failure cur is reloaded; relaxed is enough since only the value itself matters.
    while (!v_.compare_exchange_weak(cur, cur + n, std::memory_order_relaxed)) {
    }
  }
  std::uint64_t read() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  alignas(cacheline) std::atomic<std::uint64_t> v_{0};
};

static_assert(Counter<CasLoop>);

}  // namespace lfbench::prim
