// detail::LockedSnapshot<T, M>: the value itself, updated in place under M (no copy), read
// under M shared when M is a shared mutex and exclusive otherwise. The common body of
// mutex_snapshot.hpp and shared_mutex_snapshot.hpp, the baselines copy-on-write is measured
// against: a reader's view is consistent because it holds the lock for the whole of fn.
#pragma once

#include <mutex>
#include <shared_mutex>
#include <utility>

#include "concepts.hpp"

namespace lfbench::prim::detail {

template <class T, class M>
class LockedSnapshot {
 public:
  using value_type = T;

  template <class F>
  decltype(auto) read(F&& fn) const {
    if constexpr (requires(M& m) { m.lock_shared(); }) {
      std::shared_lock g(m_);
      return std::forward<F>(fn)(std::as_const(value_));
    } else {
      std::scoped_lock g(m_);
      return std::forward<F>(fn)(std::as_const(value_));
    }
  }

  template <class F>
  void update(F&& fn) {
    std::scoped_lock g(m_);
    std::forward<F>(fn)(value_);
  }

 private:
  // The lock and the value share lines on purpose: that is how a locked map is laid out in
  // real code, and a reader touching the lock then the value pays for it.
  alignas(cacheline) mutable M m_;
  T value_{};
};

}  // namespace lfbench::prim::detail
