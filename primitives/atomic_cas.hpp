// A 64-bit word read with an atomic load and updated by compare-and-swap from the word read:
// case 000's CompareAndSwapStatus. update(fn) runs fn on the word it saw and installs the result
// only if the word is still that one; otherwise it runs fn again on the newer word.
// Progress: lock-free (a failed CAS means another update succeeded).
// Ordering: the successful CAS releases and every load acquires, so a reader sees what was
// written before the update whose word it reads.
// Not for: updates with side effects: fn may run several times per update.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "concepts.hpp"

namespace lfbench::prim {

class AtomicCas {
 public:
  using value_type = std::uint64_t;
  static constexpr std::string_view name = "atomic_cas";
  static constexpr Traits traits{.progress = Progress::lock_free};
  template <class F>
  void read(F&& f) const {
    f(word_.load(std::memory_order_acquire));  // acquire: pairs with the CAS's release
  }
  template <class F>
  void update(F&& f) {
    std::uint64_t seen = word_.load(std::memory_order_relaxed);  // re-checked by the CAS
    for (;;) {
      std::uint64_t w = seen;
      f(w);
      // acq_rel: release publishes the new word; acquire makes the retry's view current.
      if (word_.compare_exchange_weak(seen, w, std::memory_order_acq_rel, std::memory_order_relaxed)) return;
    }
  }

 private:
  alignas(cacheline) std::atomic<std::uint64_t> word_{0};
};

static_assert(Snapshot<AtomicCas>);

}  // namespace lfbench::prim
