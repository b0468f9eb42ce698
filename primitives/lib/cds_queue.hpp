// libcds (Max Khizhinsky's Concurrent Data Structures) queues as lfbench Queues:
//   cds_msqueue             — Michael and Scott's lock-free linked queue, hazard pointers;
//   cds_basket_queue        — Hoffman, Shalev and Shavit's baskets-of-items variant, same GC;
//   cds_segmented_queue     — Afek et al.'s segmented queue: a quasi-FIFO list of segments of
//                             kQuasiFactor cells, items leave a segment in any order
//                             (Order::relaxed, by up to kQuasiFactor positions);
//   cds_vyukov_mpmc_cycle_queue — Vyukov's bounded ring (the algorithm of lfbench's mpmc_ring);
//   cds_fc_queue            — a std::queue under flat combining (one thread applies everyone's
//                             published operations); FC queues are pooled, never freed (FcPool).
// Thin adapter: calls forwarded, nothing re-implemented. libcds needs cds::Initialize() and a
// hazard-pointer GC once per process (Runtime, built on first use and kept to the end), and
// every thread that touches a GC-based queue attached to it: the Handle attaches its thread if
// it is not already and detaches it when destroyed; the adapter attaches around its queue's
// construction and destruction (which free nodes through the GC).
// Progress: lock-free (MS, basket, segmented); Vyukov's ring as mpmc_ring.hpp says (blocking in
// the strict sense); flat combining blocking.
// Ordering: FIFO per producer as each consumer sees it, except the segmented queue (relaxed).
// Not for: code that cannot attach its threads to libcds; the GC queues allocate a node per item.
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_CDS

#include <cds/container/basket_queue.h>
#include <cds/container/fcqueue.h>
#include <cds/container/msqueue.h>
#include <cds/container/segmented_queue.h>
#include <cds/container/vyukov_mpmc_cycle_queue.h>
#include <cds/gc/hp.h>
#include <cds/init.h>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <type_traits>
#include <vector>

#include "../concepts.hpp"

namespace lfbench::prim {

namespace detail {

enum class Cds { ms, basket, segmented, vyukov, fc };

// libcds's process-wide state: initialised once, never torn down (threads of other code may
// still be attached at exit; the OS reclaims it).
struct CdsRuntime {
  struct Init {
    Init() { cds::Initialize(); }
  } init;
  cds::gc::HP hp;  // default sizes: enough hazard pointers per thread for these queues
  static void ensure() { static CdsRuntime* rt = new CdsRuntime; (void)rt; }
};

// Attaches the calling thread to libcds for its lifetime, unless it already is.
class CdsAttach {
 public:
  CdsAttach() : attached_(!cds::threading::Manager::isThreadAttached()) {
    CdsRuntime::ensure();
    if (attached_) cds::threading::Manager::attachThread();
  }
  ~CdsAttach() {
    if (attached_) cds::threading::Manager::detachThread();
  }
  CdsAttach(const CdsAttach&) = delete;
  CdsAttach& operator=(const CdsAttach&) = delete;

 private:
  bool attached_;
};

inline constexpr std::size_t kQuasiFactor = 16;

// libcds's flat-combining kernel keeps each thread's publication record in a
// boost::thread_specific_ptr, which boost keys by the pointer's address, and frees the records
// when the queue is destroyed without clearing other threads' slots: a later queue at the same
// address hands a thread its freed record (heap corruption, seen here). So FC queues are never
// destroyed: an empty one goes back to this pool and is reused, and its threads' records with it.
template <class Q>
struct FcPool {
  static Q* take() {
    std::scoped_lock g(mutex());
    auto& f = free();
    if (f.empty()) return new Q();
    Q* q = f.back();
    f.pop_back();
    return q;
  }
  static void give(Q* q) {
    std::scoped_lock g(mutex());
    free().push_back(q);
  }

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::vector<Q*>& free() {
    static auto* v = new std::vector<Q*>;  // never destroyed, like the queues it holds
    return *v;
  }
};

template <class V, Cds K>
struct CdsQueueOf;
template <class V>
struct CdsQueueOf<V, Cds::ms> {
  using type = cds::container::MSQueue<cds::gc::HP, V>;
  static constexpr std::string_view name = "cds_msqueue";
};
template <class V>
struct CdsQueueOf<V, Cds::basket> {
  using type = cds::container::BasketQueue<cds::gc::HP, V>;
  static constexpr std::string_view name = "cds_basket_queue";
};
// libcds 2.3.3's SegmentedQueue allocates a segment as a raw block (header + cells, NewBlock)
// and frees it as one segment (Delete): sized operator delete is told the wrong size. glibc
// ignores the size, but it is undefined behaviour (AddressSanitizer: new-delete-type-mismatch).
// An allocator that frees unsized makes the pair agree; it is otherwise std::allocator.
template <class T>
struct UnsizedFreeAllocator {
  using value_type = T;
  UnsizedFreeAllocator() = default;
  template <class U>
  UnsizedFreeAllocator(const UnsizedFreeAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(static_cast<void*>(p)); }
  friend bool operator==(UnsizedFreeAllocator, UnsizedFreeAllocator) { return true; }
};

template <class V>
struct CdsQueueOf<V, Cds::segmented> {
  using type = cds::container::SegmentedQueue<
      cds::gc::HP, V,
      typename cds::container::segmented_queue::make_traits<cds::opt::allocator<UnsizedFreeAllocator<int>>>::type>;
  static constexpr std::string_view name = "cds_segmented_queue";
};
template <class V>
struct CdsQueueOf<V, Cds::vyukov> {
  using type = cds::container::VyukovMPMCCycleQueue<V>;
  static constexpr std::string_view name = "cds_vyukov_mpmc_cycle_queue";
};
template <class V>
struct CdsQueueOf<V, Cds::fc> {
  using type = cds::container::FCQueue<V>;
  static constexpr std::string_view name = "cds_fc_queue";
};

template <class V, Cds K>
class CdsQueueAdapter {
  using Q = typename CdsQueueOf<V, K>::type;

 public:
  using value_type = V;
  static constexpr std::string_view name = CdsQueueOf<V, K>::name;
  static constexpr Traits traits{
      .progress = K == Cds::vyukov || K == Cds::fc ? Progress::blocking : Progress::lock_free,
      .producers = Producers::multi,
      .consumers = Producers::multi,
      .library = "libcds",
      .bounded = K == Cds::vyukov,
      .order = K == Cds::segmented ? Order::relaxed : Order::fifo,
      .relaxation = K == Cds::segmented ? kQuasiFactor : 0,
      .tsan_blind = "its reclamation runs in libcds.so, which is not instrumented: those reports are suppressed"};

  explicit CdsQueueAdapter(QueueConfig c = {}) {
    CdsAttach a;
    if constexpr (K == Cds::segmented) q_ = &own_.emplace(kQuasiFactor);
    else if constexpr (K == Cds::vyukov) q_ = &own_.emplace(std::bit_ceil(c.capacity < 2 ? std::size_t{2} : c.capacity));
    else if constexpr (K == Cds::fc) q_ = FcPool<Q>::take();
    else q_ = &own_.emplace();
  }
  ~CdsQueueAdapter() {
    CdsAttach a;
    if constexpr (K == Cds::fc) {
      V v;
      while (q_->dequeue(v)) {
      }
      FcPool<Q>::give(q_);
    }
    own_.reset();
  }
  CdsQueueAdapter(const CdsQueueAdapter&) = delete;
  CdsQueueAdapter& operator=(const CdsQueueAdapter&) = delete;

  // REQUIRES (GC queues): the calling thread is attached (holds a Handle).
  bool try_push(const V& v) { return q_->enqueue(v); }
  bool try_pop(V& out) { return q_->dequeue(out); }

  class Handle {
   public:
    explicit Handle(CdsQueueAdapter& a) : q_(*a.q_) {}
    bool try_push(const V& v) { return q_.enqueue(v); }
    bool try_pop(V& out) { return q_.dequeue(out); }

   private:
    CdsAttach attach_;
    Q& q_;
  };

 private:
  Q* q_ = nullptr;
  std::optional<Q> own_;  // all but the flat-combining queue, which comes from FcPool
};

}  // namespace detail

template <class V>
using CdsMsqueue = detail::CdsQueueAdapter<V, detail::Cds::ms>;
template <class V>
using CdsBasketQueue = detail::CdsQueueAdapter<V, detail::Cds::basket>;
template <class V>
using CdsSegmentedQueue = detail::CdsQueueAdapter<V, detail::Cds::segmented>;
template <class V>
using CdsVyukovMpmcCycleQueue = detail::CdsQueueAdapter<V, detail::Cds::vyukov>;
template <class V>
using CdsFcQueue = detail::CdsQueueAdapter<V, detail::Cds::fc>;

static_assert(Queue<CdsMsqueue<std::uint64_t>>);
static_assert(Queue<CdsFcQueue<std::uint64_t>>);

}  // namespace lfbench::prim

#endif
