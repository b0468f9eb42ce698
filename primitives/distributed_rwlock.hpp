// A distributed ("big-reader", per-thread) reader-writer lock: each reader announces itself
// in its own padded slot, so concurrent readers never write a shared cache line; a writer
// raises one flag and then waits until every slot is empty. The drwmutex idea of case 003
// ("RWMutex doesn't scale"), with slots by thread (detail::thread_slot) instead of by CPU so
// the slot a reader releases is always the one it took, even if it migrated meanwhile.
// Progress: blocking. Writer-preferring: once a writer has raised the flag, new readers back
// off until it is done (readers can starve under a continuous stream of writers).
// Ordering: lock_shared() acquires from the last unlock() (its seq_cst load of the writer flag
// reads the release store); lock() acquires from every reader's unlock_shared() (its slot loads
// read the release decrements). The reader's slot increment and the writer's flag exchange
// are a Dekker pair (store, then load the other's variable): both are seq_cst so at least one
// of them sees the other — a reader never enters while a writer is inside.
// Not for: write-heavy mixes: a write touches every slot's cache line (cost grows with the
// slot count, i.e. with the machine); memory-tight uses (one cache line per slot per lock).
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <memory>
#include <thread>

#include "concepts.hpp"
#include "spin.hpp"
#include "thread_slot.hpp"

namespace lfbench::prim {

class DistributedRwlock {
 public:
  static constexpr std::string_view name = "distributed_rwlock";
  static constexpr Traits traits{.progress = Progress::blocking};

  // Two slots per hardware thread (at least 8), rounded to a power of two: threads of one
  // process rarely share a slot, and a writer's sweep stays proportional to the machine.
  DistributedRwlock()
      : mask_(std::bit_ceil(std::max(8u, 2 * std::thread::hardware_concurrency())) - 1),
        slots_(std::make_unique<Slot[]>(mask_ + 1)) {}

  void lock_shared() noexcept {
    std::atomic<std::uint32_t>& slot = my_slot();
    detail::Backoff backoff;
    for (;;) {
      // seq_cst: the store half of the Dekker pair (see the file comment). An RMW rather than
      // a store because threads may share a slot; the line is this thread's, so it stays local.
      slot.fetch_add(1, std::memory_order_seq_cst);
      // seq_cst: the load half of the Dekker pair, and an acquire of the last writer's unlock.
      if (!writer_.value.load(std::memory_order_seq_cst)) return;
      // A writer is in or waiting: withdraw so it can drain the slots, and wait for it.
      // release: a withdrawn announcement publishes nothing, but keeps the slot's RMW chain
      // a release sequence for the other readers sharing the slot.
      slot.fetch_sub(1, std::memory_order_release);
      do {
        backoff.pause();
      } while (writer_.value.load(std::memory_order_relaxed));  // re-checked with seq_cst above
    }
  }

  bool try_lock_shared() noexcept {
    std::atomic<std::uint32_t>& slot = my_slot();
    slot.fetch_add(1, std::memory_order_seq_cst);  // as in lock_shared
    if (!writer_.value.load(std::memory_order_seq_cst)) return true;
    slot.fetch_sub(1, std::memory_order_release);  // as in lock_shared
    return false;
  }

  void unlock_shared() noexcept {
    // release: the read section happens-before the writer whose sweep reads this decrement.
    my_slot().fetch_sub(1, std::memory_order_release);
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
    for (std::size_t i = 0; i <= mask_; ++i) {
      detail::Backoff drain;
      // seq_cst: the load half of the Dekker pair; acquires the readers' release decrements.
      while (slots_[i].value.load(std::memory_order_seq_cst) != 0) drain.pause();
    }
  }

  bool try_lock() noexcept {
    // relaxed pre-check: avoid taking the flag's line exclusive when a writer visibly holds it.
    if (writer_.value.load(std::memory_order_relaxed)) return false;
    if (writer_.value.exchange(true, std::memory_order_seq_cst)) return false;  // as in lock
    for (std::size_t i = 0; i <= mask_; ++i) {
      if (slots_[i].value.load(std::memory_order_seq_cst) != 0) {  // as in lock
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

  std::atomic<std::uint32_t>& my_slot() noexcept { return slots_[detail::thread_slot() & mask_].value; }

  std::size_t mask_;
  std::unique_ptr<Slot[]> slots_;
  Padded<std::atomic<bool>> writer_;
};

static_assert(SharedLock<DistributedRwlock>);

}  // namespace lfbench::prim
