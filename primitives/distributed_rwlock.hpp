// A distributed ("big-reader", per-thread) reader-writer lock: each reader thread announces
// itself in its own padded slot, so concurrent readers never write a shared cache line; a
// writer raises one flag and then waits until every slot in use is empty. The drwmutex idea of
// case 003 ("RWMutex doesn't scale"), with slots by thread (detail::thread_slot) instead of by
// CPU, so the slot a reader releases is always the one it took even if it migrated meanwhile,
// and no two threads ever share a slot: a read costs one atomic exchange to enter and one plain
// (release) store to leave. `used_` bounds the writer's sweep to the slots ever used on this lock.
// Progress: blocking. Writer-preferring: once a writer has raised the flag, new readers back
// off until it is done (readers can starve under a continuous stream of writers).
// Ordering: lock_shared() acquires from the last unlock() (its seq_cst load of the writer flag
// reads the release store); lock() acquires from every reader's unlock_shared() (its slot loads
// read the release stores). The reader's slot store and the writer's flag exchange are a Dekker
// pair (store, then load the other's variable): both seq_cst, so at least one sees the other —
// a reader never enters while a writer is inside. A reader raises used_ (seq_cst) before its
// slot store and the writer loads used_ (seq_cst) after its flag exchange, so a reader that
// missed the flag is inside the writer's sweep.
// REQUIRES: a thread does not take the read lock it already holds (one slot per thread).
// Not for: write-heavy mixes (a write sweeps one cache line per thread that ever read);
// recursive read locking; memory-tight uses (two cache lines per possible thread per lock).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "concepts.hpp"
#include "spin.hpp"
#include "thread_slot.hpp"

namespace lfbench::prim {

class DistributedRwlock {
 public:
  static constexpr std::string_view name = "distributed_rwlock";
  static constexpr Traits traits{.progress = Progress::blocking};

  void lock_shared() noexcept {
    std::atomic<std::uint32_t>& slot = enter();
    detail::Backoff backoff;
    for (;;) {
      // seq_cst: the store half of the Dekker pair (see the file comment); an exchange on x86.
      slot.store(1, std::memory_order_seq_cst);
      // seq_cst: the load half of the Dekker pair, and an acquire of the last writer's unlock.
      if (!writer_.value.load(std::memory_order_seq_cst)) return;
      // A writer is in or waiting: withdraw so it can finish its sweep, and wait for it.
      // relaxed: a withdrawn announcement publishes nothing.
      slot.store(0, std::memory_order_relaxed);
      do {
        backoff.pause();
      } while (writer_.value.load(std::memory_order_relaxed));  // re-checked with seq_cst above
    }
  }

  bool try_lock_shared() noexcept {
    std::atomic<std::uint32_t>& slot = enter();
    slot.store(1, std::memory_order_seq_cst);  // as in lock_shared
    if (!writer_.value.load(std::memory_order_seq_cst)) return true;
    slot.store(0, std::memory_order_relaxed);  // as in lock_shared
    return false;
  }

  void unlock_shared() noexcept {
    // release: the read section happens-before the writer whose sweep reads this store.
    // A plain store on x86: only this thread writes its slot.
    slots_[detail::thread_slot()].value.store(0, std::memory_order_release);
  }

  void lock() noexcept {
    detail::Backoff backoff;
    // seq_cst: the store half of the writer's Dekker pair; also acquires the previous
    // writer's unlock (writers serialise on the flag).
    while (writer_.value.exchange(true, std::memory_order_seq_cst)) {
      do {
        backoff.pause();
      } while (writer_.value.load(std::memory_order_relaxed));  // re-checked by the exchange
    }
    drain();
  }

  bool try_lock() noexcept {
    // relaxed pre-check: avoid taking the flag's line exclusive when a writer visibly holds it.
    if (writer_.value.load(std::memory_order_relaxed)) return false;
    if (writer_.value.exchange(true, std::memory_order_seq_cst)) return false;  // as in lock
    // seq_cst: as in drain().
    const unsigned n = used_.value.load(std::memory_order_seq_cst);
    for (unsigned i = 0; i < n; ++i) {
      if (slots_[i].value.load(std::memory_order_seq_cst) != 0) {  // as in drain
        writer_.value.store(false, std::memory_order_release);  // we held it: release as unlock
        return false;
      }
    }
    return true;
  }

  void unlock() noexcept {
    writer_.value.store(false, std::memory_order_release);  // publishes the write section
  }

 private:
  // Two cache lines per slot: x86's adjacent-line prefetcher fetches lines in pairs, which
  // would make neighbouring readers' slots share traffic like false sharing does.
  struct alignas(2 * cacheline) Slot {
    std::atomic<std::uint32_t> value{0};
  };

  // This thread's slot, after making sure writers sweep it.
  std::atomic<std::uint32_t>& enter() noexcept {
    const unsigned i = detail::thread_slot();
    // relaxed: a stale small value only sends us to the CAS, which re-checks.
    unsigned n = used_.value.load(std::memory_order_relaxed);
    // seq_cst: ordered before our slot store (see the file comment). Rare: once per thread.
    while (n <= i && !used_.value.compare_exchange_weak(n, i + 1, std::memory_order_seq_cst,
                                                        std::memory_order_relaxed)) {
    }
    return slots_[i].value;
  }

  void drain() noexcept {
    // seq_cst: after the flag exchange in the single order, so it sees every raise by a
    // reader that might have missed the flag.
    const unsigned n = used_.value.load(std::memory_order_seq_cst);
    for (unsigned i = 0; i < n; ++i) {
      detail::Backoff wait;
      // seq_cst: the load half of the Dekker pair; acquires the readers' release stores.
      while (slots_[i].value.load(std::memory_order_seq_cst) != 0) wait.pause();
    }
  }

  Padded<std::atomic<bool>> writer_;
  Padded<std::atomic<unsigned>> used_;  // slots [0, used_) may hold readers
  std::unique_ptr<Slot[]> slots_ = std::make_unique<Slot[]>(detail::kMaxThreadSlots);
};

static_assert(SharedLock<DistributedRwlock>);

}  // namespace lfbench::prim
