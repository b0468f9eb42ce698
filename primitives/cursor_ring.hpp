// cursor_ring: a bounded ring of sequenced slots (Vyukov's per-slot sequence, as mpmc_ring,
// whose producers' claim it shares) whose consumers do not compete: consumer c of C reads only
// positions c, c+C, ... with its own cursor, so a consumer's read is a load and a store, never
// a CAS. The price: a slow consumer holds up the producers when they reach its next slot
// (head-of-line blocking), and messages are dealt to consumers in strict rotation. The broker
// scenario's cursor delivery (scenarios/broker.hpp) is built on it; it is no Queue.
// Progress: as mpmc_ring (producers), wait-free per consumer read.
// Ordering: producers' claims are in order, each consumer reads its positions in order: FIFO
// per producer as each consumer sees it.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <vector>

#include "concepts.hpp"
#include "sequenced_ring.hpp"

namespace lfbench::prim {

template <class V>
class CursorRing : public detail::SequencedRing<V> {
  using Ring = detail::SequencedRing<V>;

 public:
  using value_type = V;
  static constexpr std::string_view name = "cursor_ring";
  static constexpr Traits traits{.progress = Progress::blocking,
                                 .producers = Producers::multi,
                                 .consumers = Producers::multi,
                                 .bounded = true,
                                 .order = Order::fifo};

  CursorRing(std::size_t capacity, unsigned consumers)
      : Ring(std::bit_ceil(std::max<std::size_t>(capacity, consumers * 2))), cursors_(consumers) {
    for (unsigned c = 0; c < consumers; ++c) cursors_[c].value = c;
  }

  // try_push: SequencedRing's (the producers' claim).

  // Consumer c's next up to n messages from its own positions. `shortfall` is a fault for the
  // oracle test (the cursor advances that many positions less than it read).
  std::size_t read(unsigned c, V* out, std::size_t n, std::size_t shortfall = 0) {
    std::size_t& cur = cursors_[c].value;
    const std::size_t stride = cursors_.size();
    std::size_t k = 0, pos = cur;
    for (; k < n; ++k, pos += stride) {
      auto& s = this->slots_[pos & this->mask_];
      // acquire: pairs with the producer's release; the item is written.
      if (s.seq.load(std::memory_order_acquire) != pos + 1) break;
      out[k] = s.value;
    }
    if (k == 0) return 0;
    const std::size_t keep = std::min(shortfall, k - 1);
    for (std::size_t i = 0, p = cur; i < k - keep; ++i, p += stride) this->release(p);
    cur += (k - keep) * stride;
    return k;
  }

 private:
  std::vector<Padded<std::size_t>> cursors_;  // each touched only by its consumer
};

}  // namespace lfbench::prim
