// boost::lockfree::queue as an lfbench Queue: Michael and Scott's lock-free linked queue with
// nodes from a free list (tagged pointers against ABA). push allocates a node when the free
// list is empty (unbounded); capacity pre-fills the free list.
// Thin adapter: calls forwarded, nothing re-implemented.
// Progress: lock-free (when its atomics are: boost says so per platform).
// Ordering: FIFO (linearizable); the library's acquire/release on next pointers publishes items.
// Not for: items that are not trivially copyable and destructible (boost refuses them); large
// items (each push and pop copies the item, and pop may copy it more than once on a retry).
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_BOOST_LOCKFREE

#include <boost/lockfree/queue.hpp>

#include <cstdint>

#include "../concepts.hpp"

namespace lfbench::prim {

template <class V>
class BoostLockfreeQueue {
 public:
  using value_type = V;
  static constexpr std::string_view name = "boost_lockfree_queue";
  static constexpr Traits traits{.progress = Progress::lock_free,
                                 .producers = Producers::multi,
                                 .consumers = Producers::multi,
                                 .library = "boost",
                                 .bounded = false,
                                 .order = Order::fifo,
                                 .tsan_blind = "its freelist relinks nodes with plain stores by design: that report is suppressed"};

  explicit BoostLockfreeQueue(QueueConfig c = {}) : q_(c.capacity) {}
  bool try_push(const V& v) { return q_.push(v); }
  bool try_pop(V& out) { return q_.pop(out); }
  bool is_lock_free() const { return q_.is_lock_free(); }

 private:
  boost::lockfree::queue<V> q_;
};

static_assert(Queue<BoostLockfreeQueue<std::uint64_t>>);

}  // namespace lfbench::prim

#endif
