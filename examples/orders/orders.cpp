// Three primitives, each built twice from one template: Ordered = true publishes its data with
// release/acquire, Ordered = false with memory_order_relaxed. x86's total store order hides the
// difference from every oracle (`run` calls both verified here); on ARM or POWER the relaxed
// ones lose updates or hand out unready data. lfbench verify, in a ThreadSanitizer build
// (./build.sh), checks happens-before instead and fails the relaxed ones:
//   ttas_relaxed   a test-and-test-and-set lock whose exchange and store are relaxed
//   ring_relaxed   a bounded MPMC ring whose producer publishes its slot with a relaxed store
//   cow_relaxed    a copy-on-write snapshot that publishes its new copy with a relaxed store
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include <lfbench/lfbench.hpp>

namespace orders {

template <bool Ordered>
inline constexpr auto kAcquire = Ordered ? std::memory_order_acquire : std::memory_order_relaxed;
template <bool Ordered>
inline constexpr auto kRelease = Ordered ? std::memory_order_release : std::memory_order_relaxed;

template <bool Ordered>
class Ttas {
 public:
  static constexpr std::string_view name = Ordered ? "ttas_ordered" : "ttas_relaxed";

  void lock() noexcept {
    while (held_.exchange(true, kAcquire<Ordered>))
      while (held_.load(std::memory_order_relaxed)) lfbench::cpu_relax();
  }
  bool try_lock() noexcept { return !held_.load(std::memory_order_relaxed) && !held_.exchange(true, kAcquire<Ordered>); }
  void unlock() noexcept { held_.store(false, kRelease<Ordered>); }

 private:
  std::atomic<bool> held_{false};
};

// Vyukov's bounded MPMC queue: each slot's sequence number says whose turn it is; a producer
// fills the slot, then publishes it by storing the next sequence number (release, or the bug).
template <class V, bool Ordered>
class Ring {
 public:
  using value_type = V;
  static constexpr std::string_view name = Ordered ? "ring_ordered" : "ring_relaxed";
  static constexpr lfbench::prim::Traits traits{.progress = lfbench::prim::Progress::blocking,
                                                .producers = lfbench::prim::Producers::multi,
                                                .consumers = lfbench::prim::Producers::multi,
                                                .bounded = true,
                                                .order = lfbench::prim::Order::fifo};

  explicit Ring(lfbench::prim::QueueConfig c)
      : mask_(std::bit_ceil(c.capacity < 2 ? std::size_t{2} : c.capacity) - 1), slots_(new Slot[mask_ + 1]) {
    for (std::size_t i = 0; i <= mask_; ++i) slots_[i].seq.store(i, std::memory_order_relaxed);
  }

  bool try_push(const V& v) {
    std::size_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      Slot& s = slots_[pos & mask_];
      const auto d = static_cast<std::intptr_t>(s.seq.load(std::memory_order_acquire)) - static_cast<std::intptr_t>(pos);
      if (d == 0 && tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
        s.item = v;
        s.seq.store(pos + 1, kRelease<Ordered>);  // publishes the item (the bug: relaxed)
        return true;
      }
      if (d < 0) return false;  // full
      if (d > 0) pos = tail_.load(std::memory_order_relaxed);
    }
  }

  bool try_pop(V& out) {
    std::size_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      Slot& s = slots_[pos & mask_];
      const auto d = static_cast<std::intptr_t>(s.seq.load(std::memory_order_acquire)) - static_cast<std::intptr_t>(pos + 1);
      if (d == 0 && head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
        out = s.item;
        s.seq.store(pos + mask_ + 1, std::memory_order_release);  // the slot is free for the next lap
        return true;
      }
      if (d < 0) return false;  // empty
      if (d > 0) pos = head_.load(std::memory_order_relaxed);
    }
  }

 private:
  struct Slot {
    std::atomic<std::size_t> seq{0};
    V item{};
  };
  const std::size_t mask_;
  std::unique_ptr<Slot[]> slots_;
  alignas(64) std::atomic<std::size_t> tail_{0};
  alignas(64) std::atomic<std::size_t> head_{0};
};
template <class V>
using RingOrdered = Ring<V, true>;
template <class V>
using RingRelaxed = Ring<V, false>;

// Copy-on-write: update() copies the current value under a mutex, changes the copy and
// publishes its pointer (release, or the bug); readers load the pointer. Old copies are kept
// until reclaim(), which lfbench calls when no thread reads.
template <class T, bool Ordered>
class Cow {
 public:
  using value_type = T;
  static constexpr std::string_view name = Ordered ? "cow_ordered" : "cow_relaxed";

  Cow() : current_(new T()) { all_.emplace_back(current_.load(std::memory_order_relaxed)); }

  template <class F>
  decltype(auto) read(F&& fn) const {
    return fn(*current_.load(std::memory_order_acquire));
  }
  template <class F>
  void update(F&& fn) {
    const std::lock_guard<std::mutex> g(m_);
    auto next = std::make_unique<T>(*current_.load(std::memory_order_relaxed));
    fn(*next);
    current_.store(next.get(), kRelease<Ordered>);  // publishes the copy (the bug: relaxed)
    all_.push_back(std::move(next));
  }
  void reclaim() {
    const std::lock_guard<std::mutex> g(m_);
    std::erase_if(all_, [this](const std::unique_ptr<T>& p) { return p.get() != current_.load(std::memory_order_relaxed); });
  }

 private:
  std::atomic<T*> current_;
  std::mutex m_;
  std::vector<std::unique_ptr<T>> all_;
};
template <class T>
using CowOrdered = Cow<T, true>;
template <class T>
using CowRelaxed = Cow<T, false>;

}  // namespace orders

LFBENCH_PRIMITIVE(orders::Ttas<true>);
LFBENCH_PRIMITIVE(orders::Ttas<false>);
LFBENCH_PRIMITIVE_TEMPLATE(orders::RingOrdered);
LFBENCH_PRIMITIVE_TEMPLATE(orders::RingRelaxed);
LFBENCH_PRIMITIVE_TEMPLATE(orders::CowOrdered);
LFBENCH_PRIMITIVE_TEMPLATE(orders::CowRelaxed);
