// atomic_queue (Maxim Egorushkin) as lfbench Queues: AtomicQueueB2, its bounded ring for any
// item type with a run-time capacity, in its multi-producer multi-consumer form
// (atomic_queue_mpmc) and its single-producer single-consumer form (atomic_queue_spsc).
// Thin adapter: calls forwarded, nothing re-implemented. Each slot has a state byte
// (empty/storing/stored/loading); a claim is a CAS on head or tail, then the slot's state.
// Capacity is rounded up by the library (a power of two, at least a few cache lines' worth).
// Progress: blocking (a consumer that claimed a slot spins until its producer stores the item:
// a preempted producer stalls it).
// Ordering: the SPSC form is FIFO. The MPMC form is not, even per producer: a consumer that
// claimed position p waits on p's slot, and if p's producer is preempted before storing,
// the producer of position p+capacity (a lap later) may store into that slot first, so the
// consumer takes the later item (the library marks its claim loops "not FIFO"). lfbench's
// queue test sees this under oversubscription; the order is relaxed, with no bound. The
// library's acquire/release on the state byte publishes each item.
// Not for: more threads than cores (claimants spin on a preempted peer's slot); unbounded use.
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_ATOMIC_QUEUE

#include <atomic_queue/atomic_queue.h>

#include <cstddef>
#include <cstdint>

#include "../concepts.hpp"

namespace lfbench::prim {

namespace detail {
template <class V, bool Spsc>
class AtomicQueueAdapter {
 public:
  using value_type = V;
  static constexpr std::string_view name = Spsc ? "atomic_queue_spsc" : "atomic_queue_mpmc";
  static constexpr Traits traits{.progress = Progress::blocking,
                                 .producers = Spsc ? Producers::single : Producers::multi,
                                 .consumers = Spsc ? Producers::single : Producers::multi,
                                 .library = "atomic_queue",
                                 .bounded = true,
                                 .order = Spsc ? Order::fifo : Order::relaxed};

  explicit AtomicQueueAdapter(QueueConfig c = {}) : q_(static_cast<unsigned>(c.capacity)) {}
  bool try_push(const V& v) { return q_.try_push(v); }
  bool try_pop(V& out) { return q_.try_pop(out); }

 private:
  // MAXIMIZE_THROUGHPUT (the library's default), TOTAL_ORDER off (its default).
  atomic_queue::AtomicQueueB2<V, std::allocator<V>, true, false, Spsc> q_;
};
}  // namespace detail

template <class V>
using AtomicQueueMpmc = detail::AtomicQueueAdapter<V, false>;
template <class V>
using AtomicQueueSpsc = detail::AtomicQueueAdapter<V, true>;

static_assert(Queue<AtomicQueueMpmc<std::uint64_t>>);
static_assert(Queue<AtomicQueueSpsc<std::uint64_t>>);

}  // namespace lfbench::prim

#endif
