// detail::UrcuSnapshot<T, Flavor>: copy-on-write through an atomic raw pointer, old copies
// reclaimed after an RCU grace period of liburcu's `Flavor` (urcu_memb_snapshot.hpp,
// urcu_qsbr_snapshot.hpp). Only the flavours' prefixed symbols are used (urcu_memb_*,
// urcu_qsbr_*) so both flavours live in one binary; <urcu.h>, which maps the unprefixed names
// to one flavour, is never included.
//
// Publication is a std::atomic<T*> (release store, acquire load) rather than liburcu's
// rcu_assign_pointer/rcu_dereference: same instructions on x86 and ARM for these uses, and
// ThreadSanitizer understands it. The grace period itself happens inside the uninstrumented
// library, so under TSan a reader's end of reading is annotated as a release on this
// snapshot (grace_) and the writer's return from synchronize_rcu as the matching acquire: exactly the
// happens-before a grace period guarantees, nothing more.
//
// Thread registration: every reading thread registers with the flavour on its first read and
// unregisters when it exits (a thread_local guard per flavour), because lfbench's worker
// threads are long-lived and shared across cells and the primitive cannot know them in advance.
// Updates wait for a grace period (synchronize_rcu, outside the writers' mutex) then free the
// old copy, so every retired copy is reclaimed when update() returns, and the grace period is
// part of update latency.
#pragma once

#include <atomic>
#include <mutex>
#include <utility>

#include "../concepts.hpp"

#include "sanitizers.hpp"
#ifdef LFBENCH_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace lfbench::prim::detail {

// Whether the calling thread is registered with Flavor, and (QSBR) online.
template <class Flavor>
struct UrcuThread {
  enum State { unregistered, online, offline };
  State state = unregistered;
  ~UrcuThread() {
    if (state != unregistered) Flavor::unregister_thread();
  }
};
// A function-local thread_local, not a namespace-scope variable template: GCC 12 never runs
// the destructor of a constant-initialised thread_local variable template, so threads exited
// still registered and liburcu's registry kept their freed records (a crash seen here).
template <class Flavor>
UrcuThread<Flavor>& urcu_thread() {
  thread_local UrcuThread<Flavor> me;
  return me;
}

// Flavor provides: register_thread, unregister_thread, read_lock, read_unlock,
// synchronize_rcu, and for QSBR (quiescent_state == true) quiescent_state, thread_online,
// thread_offline.
template <class T, class Flavor>
class UrcuSnapshot {
 public:
  using value_type = T;

  UrcuSnapshot() = default;
  UrcuSnapshot(const UrcuSnapshot&) = delete;
  UrcuSnapshot& operator=(const UrcuSnapshot&) = delete;
  // REQUIRES: no thread is reading (the last copy is freed without a grace period).
  ~UrcuSnapshot() { delete current_.load(std::memory_order_relaxed); }

  template <class F>
  decltype(auto) read(F&& fn) const {
    auto& me = urcu_thread<Flavor>();
    if (me.state != UrcuThread<Flavor>::online) come_online(me);
    if constexpr (!Flavor::qsbr) Flavor::read_lock();
    // acquire: pairs with update()'s release store, so the copy's contents are visible.
    const T* view = current_.load(std::memory_order_acquire);
    struct Done {  // runs after fn, also when fn's result is returned by value
      const UrcuSnapshot* self;
      ~Done() {
#ifdef LFBENCH_TSAN
        __tsan_release(&self->grace_);
#endif
        // QSBR: announcing a quiescent state after every read is one load and compare while
        // no grace period is pending; it bounds a grace period to one read per reader.
        if constexpr (Flavor::qsbr) Flavor::quiescent_state(); else Flavor::read_unlock();
      }
    } done{this};
    return std::forward<F>(fn)(*view);
  }

  template <class F>
  void update(F&& fn) {
    auto& me = urcu_thread<Flavor>();
    // QSBR: an online thread blocked on writer_ would stall the grace period of the writer
    // holding it, which waits for this thread: go offline first, back online after.
    bool was_online = false;
    if constexpr (Flavor::qsbr) {
      was_online = me.state == UrcuThread<Flavor>::online;
      if (was_online) thread_offline();
    }
    T* old = nullptr;
    {
      std::scoped_lock g(writer_);
      // relaxed: writers are serialised by writer_ (its lock orders this after the last store),
      // and only the writer that replaced a copy frees it.
      old = current_.load(std::memory_order_relaxed);
      T* next = new T(*old);
      std::forward<F>(fn)(*next);
      // release: readers that load the new pointer see the copy fully built.
      current_.store(next, std::memory_order_release);
    }
    // Outside writer_: the next writer copies and publishes while this one waits, and liburcu
    // lets writers that wait at the same time share one grace period.
    Flavor::synchronize_rcu();  // every reader that could hold `old` has finished with it
#ifdef LFBENCH_TSAN
    __tsan_acquire(&grace_);
#endif
    delete old;
    if (was_online) come_online(me);
  }

  // QSBR: the calling thread stops reading for a while (see concepts.hpp, snapshot_offline).
  void thread_offline() const
    requires(Flavor::qsbr)
  {
    auto& me = urcu_thread<Flavor>();
    if (me.state != UrcuThread<Flavor>::online) return;
    Flavor::thread_offline();
    me.state = UrcuThread<Flavor>::offline;
  }

 private:
  static void come_online(UrcuThread<Flavor>& me) {
    if (me.state == UrcuThread<Flavor>::unregistered)
      Flavor::register_thread();  // a QSBR thread is online once registered
    else
      Flavor::thread_online();
    me.state = UrcuThread<Flavor>::online;
  }

  alignas(cacheline) std::atomic<T*> current_{new T()};
  alignas(cacheline) std::mutex writer_;  // apart from current_: writers queue without disturbing readers
  // TSan only: the address a grace period's happens-before is annotated on. Not current_: TSan
  // treats a release store to an atomic as replacing that address's clock, so a later update's
  // publication would drop the readers' releases and make a correct grace period look racy.
  mutable char grace_ = 0;
};

}  // namespace lfbench::prim::detail
