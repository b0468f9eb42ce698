// A 64-bit word read with an atomic load and updated with a load, fn, then a separate store:
// case 000's SetStatus. read(fn) calls fn(word); update(fn) runs fn on the word it loaded and
// stores the result.
// Progress: wait-free.
// Ordering: the store releases and every load acquires, so a reader sees what was written
// before the update whose word it reads.
// Not for: more than one writer: two updates can start from the same word and one of them is
// lost (the status scenario keeps it to show its oracle catching that); see atomic_cas.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "concepts.hpp"

namespace lfbench::prim {

class AtomicStore {
 public:
  using value_type = std::uint64_t;
  static constexpr std::string_view name = "atomic_store";
  static constexpr Traits traits{.progress = Progress::wait_free};
  template <class F>
  void read(F&& f) const {
    f(word_.load(std::memory_order_acquire));  // acquire: pairs with the release store
  }
  template <class F>
  void update(F&& f) {
    std::uint64_t w = word_.load(std::memory_order_acquire);  // acquire: as in read
    f(w);
    word_.store(w, std::memory_order_release);  // release: publishes the new word
  }

 private:
  alignas(cacheline) std::atomic<std::uint64_t> word_{0};
};

static_assert(Snapshot<AtomicStore>);

}  // namespace lfbench::prim
