// lfbench's bounded single-producer single-consumer ring with cached indices: the producer
// owns the tail and keeps a private copy of the head, re-reading the consumer's head only when
// its copy says the ring is full (and the consumer likewise with the tail when it looks
// empty), so in steady state neither side touches the other's cache line for most items.
// Bulk forms hand a whole batch over with one index store. Capacity: a power of two (rounded).
// Progress: wait-free (each call is a bounded number of steps).
// Ordering: FIFO; the index stores release the items written before them.
// Not for: more than one producer or one consumer at a time (nothing arbitrates them).
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "concepts.hpp"

namespace lfbench::prim {

template <class V>
class SpscRing {
 public:
  using value_type = V;
  static constexpr std::string_view name = "spsc_ring";
  static constexpr Traits traits{.progress = Progress::wait_free,
                                 .producers = Producers::single,
                                 .consumers = Producers::single,
                                 .bounded = true,
                                 .order = Order::fifo};

  explicit SpscRing(QueueConfig c = {})
      : mask_(std::bit_ceil(c.capacity < 1 ? std::size_t{1} : c.capacity) - 1),
        slots_(std::make_unique<V[]>(mask_ + 1)) {}

  bool try_push(const V& v) { return try_push_bulk(&v, 1) == 1; }
  bool try_pop(V& out) { return try_pop_bulk(&out, 1) == 1; }

  std::size_t try_push_bulk(const V* v, std::size_t n) {
    Producer& p = producer_;
    // relaxed: only this thread writes the tail.
    const std::size_t tail = p.tail.load(std::memory_order_relaxed);
    std::size_t room = mask_ + 1 - (tail - p.cached_head);
    if (room < n) {
      // acquire: the consumer's reads of the slots it freed are done before we overwrite them.
      p.cached_head = consumer_.head.load(std::memory_order_acquire);
      room = mask_ + 1 - (tail - p.cached_head);
    }
    const std::size_t k = n < room ? n : room;
    for (std::size_t i = 0; i < k; ++i) slots_[(tail + i) & mask_] = v[i];
    // release: publishes the k items written above to the consumer's acquire of the tail.
    if (k) p.tail.store(tail + k, std::memory_order_release);
    return k;
  }

  std::size_t try_pop_bulk(V* out, std::size_t n) {
    Consumer& c = consumer_;
    const std::size_t head = c.head.load(std::memory_order_relaxed);  // relaxed: only we write it
    std::size_t ready = c.cached_tail - head;
    if (ready < n) {
      // acquire: pairs with the producer's release; the items before the tail are written.
      c.cached_tail = producer_.tail.load(std::memory_order_acquire);
      ready = c.cached_tail - head;
    }
    const std::size_t k = n < ready ? n : ready;
    for (std::size_t i = 0; i < k; ++i) out[i] = std::move(slots_[(head + i) & mask_]);
    // release: our reads of those slots happen before the producer reuses them.
    if (k) c.head.store(head + k, std::memory_order_release);
    return k;
  }

 private:
  struct alignas(cacheline) Producer {
    std::atomic<std::size_t> tail{0};
    std::size_t cached_head = 0;  // the consumer's head as last read
  };
  struct alignas(cacheline) Consumer {
    std::atomic<std::size_t> head{0};
    std::size_t cached_tail = 0;  // the producer's tail as last read
  };

  const std::size_t mask_;
  std::unique_ptr<V[]> slots_;
  Producer producer_;
  Consumer consumer_;
};

static_assert(Queue<SpscRing<std::uint64_t>>);

}  // namespace lfbench::prim
