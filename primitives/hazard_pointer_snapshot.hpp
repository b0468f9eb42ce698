// lfbench's own copy-on-write: an atomic raw pointer to the current copy, old copies reclaimed
// with hazard pointers (Michael, "Hazard Pointers", IEEE TPDS 2004). A reader announces the
// pointer it is about to use in its thread's hazard slot, re-checks that it is still current,
// and clears the slot after fn; an update copies the value, publishes the copy, retires the
// old one and frees every retired copy that no slot announces. No grace period: an update
// never waits for readers, and at most one copy per reading thread outlives its update.
//
// Why it is correct (the Dekker pair, all four accesses seq_cst, so they are in one total
// order S): the reader does hp = p; then q = current. The writer does current = next; then
// reads every hp. If the writer's read of this reader's hp missed `hp = p`, that read precedes
// `hp = p` in S, so `current = next` precedes the reader's load of current, which therefore
// returns next (or later), not p: the reader retries and never dereferences p. If the read saw
// hp = p, p stays retired. A reader that validated p reads it until it stores hp = nullptr
// (release); the writer's seq_cst load that sees that (or any later) store acquires it, so the
// reader's accesses happen before the delete. ABA is harmless: if p's address is reused by a
// newer copy, a reader that validates p reads that newer copy, which is current and whole.
//
// Progress: readers lock-free (a reader retries only when an update was published between its
// load and its re-check; it never waits); updates blocking (serialised by a mutex).
// Ordering: the publishing store is seq_cst (a release): a reader that validates the new
// pointer with its seq_cst (acquire) load sees the copy fully built.
// Not for: nested reads on one thread (one hazard slot per thread: the inner read would clear
// the outer one's); more than kHazardSlots threads alive at once; large values updated often.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <utility>
#include <vector>

#include "concepts.hpp"

namespace lfbench::prim {

namespace detail {

// One hazard slot per thread, shared by every instance (one process-wide domain, like folly's
// default one): a slot holds an address, and two live copies never share one. Threads take a
// slot on their first read and give it back when they exit, so slots are reused; an update
// scans only the slots below the high-water mark.
inline constexpr unsigned kHazardSlots = 2048;  // lfbench's 1024 worker threads, plus others

struct HazardDomain {
  Padded<std::atomic<const void*>> slots[kHazardSlots];
  std::atomic<bool> taken[kHazardSlots] = {};
  std::atomic<unsigned> high{0};  // every slot in use is below high
};
inline HazardDomain hazard_domain;

struct HazardSlot {
  unsigned index = 0;
  HazardSlot() {
    auto& d = hazard_domain;
    for (unsigned i = 0; i < kHazardSlots; ++i) {
      // acquire: pairs with a previous owner's release below, so its last clear is visible.
      if (d.taken[i].load(std::memory_order_relaxed) || d.taken[i].exchange(true, std::memory_order_acquire)) continue;
      index = i;
      unsigned h = d.high.load(std::memory_order_relaxed);
      // seq_cst: a slot below high must be visible to any scan that could miss its hazard
      // (the scan loads high seq_cst, before the slots; this precedes our first hazard store).
      while (h <= i && !d.high.compare_exchange_weak(h, i + 1, std::memory_order_seq_cst)) {
      }
      return;
    }
    std::fputs("lfbench: more than 2048 threads read a hazard_pointer_snapshot at once\n", stderr);
    std::abort();
  }
  ~HazardSlot() {
    hazard_domain.slots[index].value.store(nullptr, std::memory_order_release);
    hazard_domain.taken[index].store(false, std::memory_order_release);
  }
};
// Function-local, so its destructor surely runs at thread exit (see urcu_snapshot.hpp).
inline unsigned hazard_slot() {
  thread_local HazardSlot me;
  return me.index;
}

}  // namespace detail

template <class T>
class HazardPointerSnapshot {
 public:
  using value_type = T;
  static constexpr std::string_view name = "hazard_pointer_snapshot";
  static constexpr Traits traits{.progress = Progress::blocking};

  HazardPointerSnapshot() { retired_.reserve(detail::kHazardSlots + 1); }  // update never reallocates
  HazardPointerSnapshot(const HazardPointerSnapshot&) = delete;
  HazardPointerSnapshot& operator=(const HazardPointerSnapshot&) = delete;
  // REQUIRES: no thread is reading.
  ~HazardPointerSnapshot() {
    for (const T* r : retired_) delete r;
    delete current_.load(std::memory_order_relaxed);
  }

  template <class F>
  decltype(auto) read(F&& fn) const {
    std::atomic<const void*>& hp = detail::hazard_domain.slots[detail::hazard_slot()].value;
    const T* p = current_.load(std::memory_order_relaxed);  // relaxed: validated below
    for (;;) {
      hp.store(p, std::memory_order_seq_cst);  // seq_cst: the reader's half of the Dekker pair
      // seq_cst: the other half; as an acquire it also pairs with update()'s publication.
      const T* q = current_.load(std::memory_order_seq_cst);
      if (q == p) break;
      p = q;
    }
    struct Clear {  // runs after fn, also when fn's result is returned by value
      std::atomic<const void*>& hp;
      ~Clear() { hp.store(nullptr, std::memory_order_release); }  // release: fn's reads come first
    } clear{hp};
    return std::forward<F>(fn)(*p);
  }

  template <class F>
  void update(F&& fn) {
    std::scoped_lock g(writer_);
    // relaxed: writers are serialised by writer_, and only they store or free current_.
    const T* old = current_.load(std::memory_order_relaxed);
    T* next = new T(*old);
    std::forward<F>(fn)(*next);
    current_.store(next, std::memory_order_seq_cst);  // seq_cst: the writer's half of the pair
    retired_.push_back(old);
    scan();
  }

  // Frees every retired copy no reader announces now. update() does this itself; the cow
  // scenario also calls it between windows (no reader then), so all are freed by the end.
  void reclaim() {
    std::scoped_lock g(writer_);
    scan();
  }

 private:
  void scan() {
    const auto& d = detail::hazard_domain;
    const unsigned high = d.high.load(std::memory_order_seq_cst);
    std::size_t kept = 0;
    for (const T* r : retired_) {
      bool hazardous = false;
      // seq_cst: after the publishing store in S (see the header comment).
      for (unsigned i = 0; i < high && !hazardous; ++i) hazardous = d.slots[i].value.load(std::memory_order_seq_cst) == r;
      if (hazardous)
        retired_[kept++] = r;
      else
        delete r;
    }
    retired_.resize(kept);  // shrinking: never allocates
  }

  alignas(cacheline) std::atomic<const T*> current_{new T()};
  alignas(cacheline) std::mutex writer_;  // apart from current_: writers queue without disturbing readers
  std::vector<const T*> retired_;         // guarded by writer_; at most one per reading thread after scan
};

static_assert(Snapshot<HazardPointerSnapshot<std::uint64_t>>);

}  // namespace lfbench::prim
