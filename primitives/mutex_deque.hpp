// A std::deque behind one std::mutex: the baseline queue every other one is measured against
// (case 002's "mutex queue"). Unbounded; pushes and pops take the same lock. Bulk forms take
// the lock once for the whole batch.
// Progress: blocking (a preempted holder stalls every producer and consumer).
// Ordering: the mutex orders everything; FIFO overall, so per producer too.
// Not for: many producers and consumers on many cores (one lock line serialises them); hard
// latency bounds (the deque allocates a block now and then under the lock).
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>

#include "concepts.hpp"

namespace lfbench::prim {

template <class V>
class MutexDeque {
 public:
  using value_type = V;
  static constexpr std::string_view name = "mutex_deque";
  static constexpr Traits traits{.progress = Progress::blocking,
                                 .producers = Producers::multi,
                                 .consumers = Producers::multi,
                                 .bounded = false,
                                 .order = Order::fifo};

  bool try_push(const V& v) {
    std::scoped_lock g(m_);
    q_.push_back(v);
    return true;
  }
  bool try_pop(V& out) {
    std::scoped_lock g(m_);
    if (q_.empty()) return false;
    out = std::move(q_.front());
    q_.pop_front();
    return true;
  }
  std::size_t try_push_bulk(const V* v, std::size_t n) {
    std::scoped_lock g(m_);
    q_.insert(q_.end(), v, v + n);
    return n;
  }
  std::size_t try_pop_bulk(V* out, std::size_t n) {
    std::scoped_lock g(m_);
    const std::size_t k = n < q_.size() ? n : q_.size();
    for (std::size_t i = 0; i < k; ++i) {
      out[i] = std::move(q_.front());
      q_.pop_front();
    }
    return k;
  }

 private:
  std::mutex m_;
  std::deque<V> q_;
};

static_assert(Queue<MutexDeque<std::uint64_t>>);

}  // namespace lfbench::prim
