// moodycamel::ReaderWriterQueue (Cameron Desrochers) as an lfbench Queue: a single-producer
// single-consumer queue made of a linked list of ring blocks; enqueue adds a block when the
// current ones are full (unbounded). Thin adapter: calls forwarded, nothing re-implemented.
// capacity sizes the first block.
// Progress: wait-free, except enqueue's block allocation when it grows.
// Ordering: FIFO; the library's fences publish each item.
// Not for: more than one producer or consumer at a time.
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_READERWRITERQUEUE

#include <readerwriterqueue/readerwriterqueue.h>

#include <cstdint>

#include "../concepts.hpp"

namespace lfbench::prim {

template <class V>
class Readerwriterqueue {
 public:
  using value_type = V;
  static constexpr std::string_view name = "readerwriterqueue";
  static constexpr Traits traits{.progress = Progress::wait_free,
                                 .producers = Producers::single,
                                 .consumers = Producers::single,
                                 .library = "readerwriterqueue",
                                 .bounded = false,
                                 .order = Order::fifo,
                                 .tsan_blind = "it orders with std::atomic_thread_fence, which ThreadSanitizer does not model: that report is suppressed"};

  explicit Readerwriterqueue(QueueConfig c = {}) : q_(c.capacity) {}
  bool try_push(const V& v) { return q_.enqueue(v); }
  bool try_pop(V& out) { return q_.try_dequeue(out); }

 private:
  moodycamel::ReaderWriterQueue<V> q_;
};

static_assert(Queue<Readerwriterqueue<std::uint64_t>>);

}  // namespace lfbench::prim

#endif
