// oneTBB's concurrent_queue and concurrent_bounded_queue as lfbench Queues:
//   tbb_concurrent_queue          — unbounded, non-blocking (push never fails, try_pop);
//   tbb_concurrent_bounded_queue  — set_capacity(capacity), try_push fails when full.
// Both spread items over several micro-queues by ticket. Thin adapter: calls forwarded.
// Progress: blocking (micro-queues wait for the ticket before theirs; the bounded form's
// bookkeeping spins).
// Ordering: FIFO for one producer as each consumer sees it (tickets are taken in order).
// Not for: heavy oversubscription (ticket waits spin on preempted peers).
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_TBB

#include <oneapi/tbb/concurrent_queue.h>

#include <cstdint>
#include <type_traits>

#include "../concepts.hpp"

namespace lfbench::prim {

namespace detail {
template <class V, bool Bounded>
class TbbQueueAdapter {
 public:
  using value_type = V;
  static constexpr std::string_view name = Bounded ? "tbb_concurrent_bounded_queue" : "tbb_concurrent_queue";
  static constexpr Traits traits{.progress = Progress::blocking,
                                 .producers = Producers::multi,
                                 .consumers = Producers::multi,
                                 .library = "tbb",
                                 .bounded = Bounded,
                                 .order = Order::fifo,
                                 .tsan_blind = "its pages come from tbbmalloc, which is not instrumented: that report is suppressed"};

  explicit TbbQueueAdapter(QueueConfig c = {}) {
    if constexpr (Bounded) q_.set_capacity(static_cast<std::ptrdiff_t>(c.capacity));
  }
  bool try_push(const V& v) {
    if constexpr (Bounded) {
      return q_.try_push(v);
    } else {
      q_.push(v);
      return true;
    }
  }
  bool try_pop(V& out) { return q_.try_pop(out); }

 private:
  std::conditional_t<Bounded, tbb::concurrent_bounded_queue<V>, tbb::concurrent_queue<V>> q_;
};
}  // namespace detail

template <class V>
using TbbConcurrentQueue = detail::TbbQueueAdapter<V, false>;
template <class V>
using TbbConcurrentBoundedQueue = detail::TbbQueueAdapter<V, true>;

static_assert(Queue<TbbConcurrentQueue<std::uint64_t>>);
static_assert(Queue<TbbConcurrentBoundedQueue<std::uint64_t>>);

}  // namespace lfbench::prim

#endif
