// Concurrency Kit's ck_brlock ("big-reader" lock) as an lfbench SharedLock: every reader
// thread registers its own reader record with the lock and marks only that record on
// lock_shared; a writer takes a writer flag and waits for every registered record to clear.
// ck wants the caller to pass its reader record, so the adapter keeps one per thread (by
// detail::thread_slot), registered on that thread's first read. Thin adapter: the lock
// algorithm is ck's, only the record bookkeeping is here.
// Progress: blocking (pure spinning: no backoff, no yield).
// Ordering: lock()/lock_shared() acquire, unlock()/unlock_shared() release (ck's fences;
// annotated for ThreadSanitizer, which does not see ck's inline-asm atomics).
// Not for: write-heavy mixes (a write walks every registered reader); threads > cores (pure
// spinning); many short-lived reader threads (records stay registered for the lock's life).
// A thread's first read registers it by taking the write lock: it waits for current readers,
// so a thread must not make its first read while it waits on a thread holding a read lock.
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_CK

#include <ck_brlock.h>

#include <memory>

#include "../concepts.hpp"
#include "../thread_slot.hpp"
#include "tsan_sync.hpp"

namespace lfbench::prim {

class CkBrlock {
 public:
  static constexpr std::string_view name = "ck_brlock";
  static constexpr Traits traits{.progress = Progress::blocking, .library = "ck",
                                 .tsan_blind = "ck's atomics are inline assembly TSan does not see; the adapter asserts the lock's ordering to TSan"};

  CkBrlock() noexcept { ck_brlock_init(&l_); }
  CkBrlock(const CkBrlock&) = delete;
  CkBrlock& operator=(const CkBrlock&) = delete;

  void lock() noexcept {
    ck_brlock_write_lock(&l_);
    detail::tsan_acquire(&l_);
  }
  bool try_lock() noexcept {
    // ck's factor bounds the spins before giving up; 1 = fail at the first obstacle.
    if (!ck_brlock_write_trylock(&l_, 1)) return false;
    detail::tsan_acquire(&l_);
    return true;
  }
  void unlock() noexcept {
    detail::tsan_release(&l_);
    ck_brlock_write_unlock(&l_);
  }
  void lock_shared() noexcept {
    ck_brlock_read_lock(&l_, reader());
    detail::tsan_acquire(&l_);
  }
  bool try_lock_shared() noexcept {
    if (!ck_brlock_read_trylock(&l_, reader(), 1)) return false;
    detail::tsan_acquire(&l_);
    return true;
  }
  void unlock_shared() noexcept {
    detail::tsan_release(&l_);
    ck_brlock_read_unlock(reader());
  }

 private:
  struct Reader {
    ck_brlock_reader_t r = CK_BRLOCK_READER_INITIALIZER;
    bool registered = false;  // touched only by the thread owning this slot
  };
  ck_brlock_reader_t* reader() noexcept {
    Reader& mine = readers_[detail::thread_slot()].value;
    if (!mine.registered) {
      // A slot freed by an exited thread stays registered and idle: reusing it is safe.
      ck_brlock_read_register(&l_, &mine.r);
      mine.registered = true;
    }
    return &mine.r;
  }

  alignas(cacheline) ck_brlock_t l_;
  // Each record is written by its reader and polled by writers: one line each.
  std::unique_ptr<Padded<Reader>[]> readers_ = std::make_unique<Padded<Reader>[]>(detail::kMaxThreadSlots);
};

static_assert(SharedLock<CkBrlock>);

}  // namespace lfbench::prim

#endif  // LFBENCH_HAVE_CK
