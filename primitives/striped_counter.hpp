// A striped counter: one padded slot per thread (by a per-thread index), summed on read —
// writes never share a cache line, reads pay for touching every slot.
// Progress: wait-free for add and read.
// Ordering: relaxed: each slot is a count; a read sums slots one by one, so it is not a
// snapshot of one instant, but per-slot coherence keeps each reader's totals monotonic.
// Not for: read-heavy counters or reads that need an exact instantaneous total
// (case 000's "current connections" gauge): a read touches every slot's cache line.
#pragma once

#include <atomic>
#include <bit>
#include <memory>
#include <algorithm>
#include <thread>

#include "concepts.hpp"

namespace lfbench::prim {

class StripedCounter {
 public:
  static constexpr std::string_view name = "striped_counter";
  static constexpr Traits traits{.progress = Progress::wait_free};
  // Two slots per hardware thread, rounded to a power of two, so that reads stay cheap on
  // small machines and writers rarely share a slot on large ones.
  StripedCounter()
      : mask_(std::bit_ceil(2 * std::max(1u, std::thread::hardware_concurrency())) - 1),
        slots_(std::make_unique<Padded<std::atomic<std::uint64_t>>[]>(mask_ + 1)) {}

  void add(std::uint64_t n) noexcept {
    // fetch_add, not load+store: two threads may share a slot once more threads than slots
    // have used it, and the slot line is already owned by this core so the RMW stays local.
    slots_[thread_index() & mask_].value.fetch_add(n, std::memory_order_relaxed);
  }

  std::uint64_t read() const noexcept {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i <= mask_; ++i) sum += slots_[i].value.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  static std::size_t thread_index() noexcept {
    static std::atomic<std::size_t> next{0};
    // Constant-initialised thread_local: no guard on the hot path, only a TLS load.
    static thread_local std::size_t mine = ~std::size_t{0};
    if (mine == ~std::size_t{0}) mine = next.fetch_add(1, std::memory_order_relaxed);
    return mine;
  }

  std::size_t mask_;
  std::unique_ptr<Padded<std::atomic<std::uint64_t>>[]> slots_;
};

static_assert(Counter<StripedCounter>);

}  // namespace lfbench::prim
