// A sequence lock for small records: writers take it exclusively and bump a sequence number
// to odd on entry and back to even on exit; readers never write anything and never block a
// writer — they read the record optimistically and retry if the sequence moved meanwhile.
// It is its own kind, OptimisticLock (concepts.hpp), not a SharedLock: a reader does not hold
// it, it validates afterwards, so a read is
//     for (;;) { s = l.read_begin(); <copy the record>; if (!l.read_retry(s)) break; }
// and the record's fields must be std::atomic accessed with memory_order_relaxed (the copy
// races with writers by design; with atomics that race is defined, and the retry discards it).
// Progress: writers blocking (a spinlock on the sequence with backoff); readers obstruction-
// free against each other but retry while a writer is inside, so writers can starve readers.
// Ordering: lock() acquires (CAS acquire) and its release fence orders the odd sequence before
// the record's stores; unlock() releases. read_begin() acquires the even sequence written by the
// last unlock(); read_retry()'s acquire fence orders the record's loads before its re-load of
// the sequence (Boehm, "Can seqlocks get along with programming language memory models?").
// Not for: records with pointers a reader follows (a torn read could chase a freed pointer
// before it is discarded), large records (every retry re-copies them), write-heavy mixes.
#pragma once

#include <atomic>
#include <cstdint>

#include "concepts.hpp"
#include "spin.hpp"

namespace lfbench::prim {

class Seqlock {
 public:
  static constexpr std::string_view name = "seqlock";
  static constexpr Traits traits{.progress = Progress::blocking,
                                 .tsan_blind = "its lock() and read_retry() order with std::atomic_thread_fence, which ThreadSanitizer does not model"};

  void lock() noexcept {
    detail::Backoff backoff;
    std::uint64_t s = seq_.load(std::memory_order_relaxed);
    for (;;) {
      // acquire: we see the previous writer's record stores (its unlock released them).
      if ((s & 1) == 0 &&
          seq_.compare_exchange_weak(s, s + 1, std::memory_order_acquire, std::memory_order_relaxed))
        break;
      backoff.pause();
      s = seq_.load(std::memory_order_relaxed);  // re-checked by the CAS
    }
    // release fence: a reader that sees any of our record stores then sees the odd sequence
    // (its read_retry fence + load), so it retries.
    std::atomic_thread_fence(std::memory_order_release);
  }

  bool try_lock() noexcept {
    std::uint64_t s = seq_.load(std::memory_order_relaxed);  // re-checked by the CAS
    if ((s & 1) != 0 ||
        !seq_.compare_exchange_strong(s, s + 1, std::memory_order_acquire, std::memory_order_relaxed))
      return false;
    std::atomic_thread_fence(std::memory_order_release);  // as in lock()
    return true;
  }

  void unlock() noexcept {
    // relaxed load: only the holder writes seq_ while it is odd, so it reads its own store.
    // release store: publishes the record's stores with the even sequence readers acquire.
    seq_.store(seq_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  // Start of an optimistic read: waits out a writer inside, returns the even sequence.
  std::uint64_t read_begin() const noexcept {
    detail::Backoff backoff;
    for (;;) {
      // acquire: the record's loads that follow see at least the last unlock's stores.
      const std::uint64_t s = seq_.load(std::memory_order_acquire);
      if ((s & 1) == 0) return s;
      backoff.pause();
    }
  }

  // End of an optimistic read: true if a writer may have changed the record since read_begin
  // returned `s` (the copy must then be discarded and the read retried).
  bool read_retry(std::uint64_t s) const noexcept {
    // acquire fence: the record's relaxed loads above are ordered before the re-load below, so
    // if any of them saw a writer's store, the re-load sees that writer's odd sequence or later.
    std::atomic_thread_fence(std::memory_order_acquire);
    return seq_.load(std::memory_order_relaxed) != s;
  }

 private:
  alignas(cacheline) std::atomic<std::uint64_t> seq_{0};
};

static_assert(OptimisticLock<Seqlock>);

}  // namespace lfbench::prim
