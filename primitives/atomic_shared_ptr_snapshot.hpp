// Copy-on-write through std::atomic<std::shared_ptr<const T>> (C++20; Go's atomic.Value is
// the model): a reader loads the current pointer (one reference taken and dropped per read),
// an update copies the value, modifies the copy and stores it; the last reference frees the
// old one, on whichever thread drops it.
// Progress: blocking. libstdc++ 12 implements the atomic shared_ptr with a lock bit in the
// control pointer (is_lock_free() is false; the cow scenario reports it as a metric), so a
// load spins while another thread's load or store holds it. Writers serialise on a mutex.
// Ordering: store(release) publishes the fully built copy; load(acquire) sees it whole.
// Not for: large values updated often (each update copies the whole value: measure with the
// cow scenario), or many readers on many cores (every read writes the shared refcount line).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

#include "concepts.hpp"

namespace lfbench::prim {

template <class T>
class AtomicSharedPtrSnapshot {
 public:
  using value_type = T;
  static constexpr std::string_view name = "atomic_shared_ptr_snapshot";
  static constexpr Traits traits{
      .progress = Progress::blocking,
      .tsan_blind = "libstdc++ 12's atomic<shared_ptr> races on its own pointer (lock bit released relaxed): that report is suppressed"};

  template <class F>
  decltype(auto) read(F&& fn) const {
    // acquire: pairs with update()'s release store, so the copy's contents are visible. The
    // local shared_ptr keeps the view alive until fn returns even if an update replaces it.
    const std::shared_ptr<const T> view = current_.load(std::memory_order_acquire);
    return std::forward<F>(fn)(*view);
  }

  template <class F>
  void update(F&& fn) {
    std::scoped_lock g(writer_);
    // relaxed: writers are serialised by writer_, whose lock orders this load after the
    // previous writer's store.
    auto next = std::make_shared<T>(*current_.load(std::memory_order_relaxed));
    std::forward<F>(fn)(*next);
    // release: readers that load the new pointer see the copy fully built.
    current_.store(std::shared_ptr<const T>(std::move(next)), std::memory_order_release);
  }

  bool is_lock_free() const noexcept { return current_.is_lock_free(); }

 private:
  alignas(cacheline) std::atomic<std::shared_ptr<const T>> current_{std::make_shared<const T>()};
  alignas(cacheline) std::mutex writer_;  // apart from current_: writers queue without disturbing readers
};

static_assert(Snapshot<AtomicSharedPtrSnapshot<std::uint64_t>>);

}  // namespace lfbench::prim
