// moodycamel::ConcurrentQueue and BlockingConcurrentQueue (Cameron Desrochers) as lfbench
// Queues: an unbounded MPMC queue made of one sub-queue per producer (blocks of items), in
// three forms:
//   moodycamel_queue         — implicit producers (one sub-queue per pushing thread, found
//                              through a thread-id hash on every call), no tokens;
//   moodycamel_queue_tokens  — a ProducerToken and ConsumerToken per thread (the Handle):
//                              explicit producers, the library's fast path;
//   moodycamel_blocking_queue — BlockingConcurrentQueue with tokens: try_pop waits on the
//                              queue's semaphore for a short while (kWait) when it is empty,
//                              so consumers sleep instead of spinning: the blocking design.
// Thin adapter: calls forwarded, nothing re-implemented. Bulk forms are the library's.
// capacity pre-sizes the blocks (the queue still grows: unbounded).
// Progress: lock-free (blocking form: consumers block by design).
// Ordering: per producer, FIFO as each consumer sees it (each producer's sub-queue is FIFO);
// no order between producers.
// Not for: a global FIFO across producers; hard memory bounds.
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_MOODYCAMEL

#include <concurrentqueue/blockingconcurrentqueue.h>
#include <concurrentqueue/concurrentqueue.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "../concepts.hpp"

namespace lfbench::prim {

namespace detail {

enum class Moody { implicit, tokens, blocking };

template <class V, Moody M>
class MoodycamelAdapter {
  using Q = std::conditional_t<M == Moody::blocking, moodycamel::BlockingConcurrentQueue<V>,
                               moodycamel::ConcurrentQueue<V>>;
  // Long enough for a producer's next item to arrive, short enough to notice a window's end.
  static constexpr std::chrono::microseconds kWait{200};

 public:
  using value_type = V;
  static constexpr std::string_view name = M == Moody::implicit ? "moodycamel_queue"
                                           : M == Moody::tokens ? "moodycamel_queue_tokens"
                                                                : "moodycamel_blocking_queue";
  static constexpr Traits traits{.progress = M == Moody::blocking ? Progress::blocking : Progress::lock_free,
                                 .producers = Producers::multi,
                                 .consumers = Producers::multi,
                                 .library = "moodycamel",
                                 .bounded = false,
                                 .order = Order::fifo,
                                 .tsan_blind = "it orders with std::atomic_thread_fence, which ThreadSanitizer does not model: that report is suppressed"};

  explicit MoodycamelAdapter(QueueConfig c = {}) : q_(c.capacity) {}

  bool try_push(const V& v) { return q_.enqueue(v); }
  bool try_pop(V& out) {
    if constexpr (M == Moody::blocking) return q_.wait_dequeue_timed(out, kWait);
    else return q_.try_dequeue(out);
  }
  std::size_t try_push_bulk(const V* v, std::size_t n) { return q_.enqueue_bulk(v, n) ? n : 0; }
  std::size_t try_pop_bulk(V* out, std::size_t n) {
    if constexpr (M == Moody::blocking) return q_.wait_dequeue_bulk_timed(out, n, kWait);
    else return q_.try_dequeue_bulk(out, n);
  }

  // The implicit form has no Handle: each call finds the thread's sub-queue by itself.
  class TokenHandle {
   public:
    explicit TokenHandle(MoodycamelAdapter& a) : q_(a.q_), p_(a.q_), c_(a.q_) {}
    bool try_push(const V& v) { return q_.enqueue(p_, v); }
    bool try_pop(V& out) {
      if constexpr (M == Moody::blocking) return q_.wait_dequeue_timed(c_, out, kWait);
      else return q_.try_dequeue(c_, out);
    }
    std::size_t try_push_bulk(const V* v, std::size_t n) { return q_.enqueue_bulk(p_, v, n) ? n : 0; }
    std::size_t try_pop_bulk(V* out, std::size_t n) {
      if constexpr (M == Moody::blocking) return q_.wait_dequeue_bulk_timed(c_, out, n, kWait);
      else return q_.try_dequeue_bulk(c_, out, n);
    }

   private:
    Q& q_;
    moodycamel::ProducerToken p_;
    moodycamel::ConsumerToken c_;
  };
  using Handle = std::conditional_t<M == Moody::implicit, Forward<MoodycamelAdapter>, TokenHandle>;

 private:
  Q q_;
};

}  // namespace detail

template <class V>
using MoodycamelQueue = detail::MoodycamelAdapter<V, detail::Moody::implicit>;
template <class V>
using MoodycamelQueueTokens = detail::MoodycamelAdapter<V, detail::Moody::tokens>;
template <class V>
using MoodycamelBlockingQueue = detail::MoodycamelAdapter<V, detail::Moody::blocking>;

static_assert(Queue<MoodycamelQueue<std::uint64_t>>);
static_assert(Queue<MoodycamelQueueTokens<std::uint64_t>>);
static_assert(Queue<MoodycamelBlockingQueue<std::uint64_t>>);

}  // namespace lfbench::prim

#endif
