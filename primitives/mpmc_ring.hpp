// lfbench's bounded multi-producer multi-consumer ring (Dmitry Vyukov's bounded MPMC queue):
// every slot carries a sequence number saying whose turn it is. A producer claims position p
// with a CAS on the tail only when slot p's sequence says "free for lap p", writes the item,
// then sets the sequence to p+1 ("full"); a consumer claims with a CAS on the head when the
// sequence says full, moves the item out, then sets it to p+capacity ("free for the next lap").
// A slot is never read before its item is written — the step case 000's ring gets wrong.
// Capacity is rounded up to a power of two. Slots are a cache line apart, so a producer filling
// slot p and a consumer emptying slot p-1 do not share a line.
// Progress: blocking in the strict sense (a producer preempted between its claim and its
// sequence store leaves that slot unreadable; try_pop then reports empty even if later slots
// are full), lock-free in the common case; try_push/try_pop themselves never wait.
// Ordering: FIFO: positions are claimed in order and each slot is handed over in order.
// Not for: unbounded bursts (try_push fails when full); large items (each slot holds one).
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "concepts.hpp"
#include "sequenced_ring.hpp"

namespace lfbench::prim {

template <class V>
class MpmcRing : public detail::SequencedRing<V> {
  using Ring = detail::SequencedRing<V>;

 public:
  using value_type = V;
  static constexpr std::string_view name = "mpmc_ring";
  static constexpr Traits traits{.progress = Progress::blocking,
                                 .producers = Producers::multi,
                                 .consumers = Producers::multi,
                                 .bounded = true,
                                 .order = Order::fifo};

  // REQUIRES: capacity >= 1 (rounded up to a power of two, at least 2).
  explicit MpmcRing(QueueConfig c = {}) : Ring(std::bit_ceil(c.capacity < 2 ? std::size_t{2} : c.capacity)) {}

  // try_push: SequencedRing's (the producers' claim).

  bool try_pop(V& out) {
    std::size_t pos = head_.value.load(std::memory_order_relaxed);  // relaxed: a hint, as in try_push
    for (;;) {
      auto& s = this->slots_[pos & this->mask_];
      // acquire: pairs with the producer's release, so the item it wrote is visible.
      const std::size_t seq = s.seq.load(std::memory_order_acquire);
      const auto dif = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos + 1);
      if (dif == 0) {
        // relaxed: as in try_push, the claim is ordered with the slot by its sequence.
        if (head_.value.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed, std::memory_order_relaxed)) {
          out = std::move(s.value);
          this->release(pos);  // our read of the item happens before the next lap's producer writes it
          return true;
        }
      } else if (dif < 0) {
        return false;  // not written yet: empty, or its producer has not finished
      } else {
        pos = head_.value.load(std::memory_order_relaxed);  // another consumer took pos
      }
    }
  }

 private:
  Padded<std::atomic<std::size_t>> head_;  // next position to pop
};

static_assert(Queue<MpmcRing<std::uint64_t>>);

}  // namespace lfbench::prim
