// The part of Dmitry Vyukov's bounded ring that lfbench's sequenced rings share: slots a cache
// line apart, each with a sequence number saying whose turn it is, and the producers' claim
// (a CAS on the tail only when the slot says "free for this lap"). mpmc_ring adds consumers
// that claim with a CAS on a head; cursor_ring, consumers that each read their own positions.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "concepts.hpp"

namespace lfbench::prim::detail {

template <class V>
class SequencedRing {
 public:
  // REQUIRES: slots is a power of two, at least 2.
  explicit SequencedRing(std::size_t slots) : mask_(slots - 1), slots_(std::make_unique<Slot[]>(slots)) {
    // relaxed: the ring is not shared yet; whoever receives it synchronises with this thread.
    for (std::size_t i = 0; i <= mask_; ++i) slots_[i].seq.store(i, std::memory_order_relaxed);
  }

  bool try_push(const V& v) {
    // relaxed: a hint where to try; the slot's sequence decides.
    std::size_t pos = tail_.value.load(std::memory_order_relaxed);
    for (;;) {
      Slot& s = slots_[pos & mask_];
      // acquire: pairs with the consumer's release of the slot, so its read of the last lap's
      // item is done before we overwrite it.
      const std::size_t seq = s.seq.load(std::memory_order_acquire);
      const auto dif = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos);
      if (dif == 0) {
        // relaxed: the claim only decides who writes the slot; the slot's sequence publishes.
        if (tail_.value.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed, std::memory_order_relaxed)) {
          s.value = v;
          // release: publishes the item written above to the consumer that acquires seq.
          s.seq.store(pos + 1, std::memory_order_release);
          return true;
        }
      } else if (dif < 0) {
        return false;  // the slot still holds last lap's item: full (at this slot's consumer)
      } else {
        pos = tail_.value.load(std::memory_order_relaxed);  // another producer took pos
      }
    }
  }

 protected:
  struct alignas(cacheline) Slot {
    std::atomic<std::size_t> seq{0};
    V value{};
  };
  // A consumer is done with the slot at pos: free it for the next lap's producer.
  void release(std::size_t pos) {
    slots_[pos & mask_].seq.store(pos + mask_ + 1, std::memory_order_release);  // release: our read happens before
  }

  const std::size_t mask_;
  std::unique_ptr<Slot[]> slots_;
  Padded<std::atomic<std::size_t>> tail_;  // next position to push
};

}  // namespace lfbench::prim::detail
