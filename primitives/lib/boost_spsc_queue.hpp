// boost::lockfree::spsc_queue as an lfbench Queue: a bounded single-producer single-consumer
// ring buffer with a run-time capacity. Bulk forms are the library's.
// Thin adapter: calls forwarded, nothing re-implemented.
// Progress: wait-free.
// Ordering: FIFO; the library's release store of its write index publishes the items.
// Not for: more than one producer or consumer at a time.
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_BOOST_LOCKFREE

#include <boost/lockfree/spsc_queue.hpp>

#include <cstddef>
#include <cstdint>

#include "../concepts.hpp"

namespace lfbench::prim {

template <class V>
class BoostSpscQueue {
 public:
  using value_type = V;
  static constexpr std::string_view name = "boost_spsc_queue";
  static constexpr Traits traits{.progress = Progress::wait_free,
                                 .producers = Producers::single,
                                 .consumers = Producers::single,
                                 .library = "boost",
                                 .bounded = true,
                                 .order = Order::fifo};

  explicit BoostSpscQueue(QueueConfig c = {}) : q_(c.capacity) {}
  bool try_push(const V& v) { return q_.push(v); }
  bool try_pop(V& out) { return q_.pop(out); }
  std::size_t try_push_bulk(const V* v, std::size_t n) { return q_.push(v, n); }
  std::size_t try_pop_bulk(V* out, std::size_t n) { return q_.pop(out, n); }

 private:
  boost::lockfree::spsc_queue<V> q_;
};

static_assert(Queue<BoostSpscQueue<std::uint64_t>>);

}  // namespace lfbench::prim

#endif
