// Locked<L>: a 64-bit value guarded by a Lock, the way code that protects a field with a mutex
// keeps it, seen as a Snapshot of that value (concepts.hpp). Named and traited as L, so a
// scenario lists it under L's name: counter keeps its integer in it, status its status word.
// read(fn) runs fn(const value&) holding L shared when L is a SharedLock (exclusively with
// Readers::exclusive, or when L has no shared mode); update(fn) runs fn(value&) holding it
// exclusively.
#pragma once

#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <utility>

#include "../primitives/concepts.hpp"

namespace lfbench::scenario {

enum class Readers { shared, exclusive };

template <prim::Lock L, Readers R = Readers::shared>
class Locked {
 public:
  using value_type = std::uint64_t;
  static constexpr std::string_view name = L::name;
  static constexpr prim::Traits traits = prim::traits_of<L>();

  template <class F>
  decltype(auto) read(F&& f) {
    if constexpr (R == Readers::shared && prim::SharedLock<L>) {
      std::shared_lock g(lock_);
      return std::forward<F>(f)(std::as_const(value_));
    } else {
      std::scoped_lock g(lock_);
      return std::forward<F>(f)(std::as_const(value_));
    }
  }
  template <class F>
  decltype(auto) update(F&& f) {
    std::scoped_lock g(lock_);
    return std::forward<F>(f)(value_);
  }

 private:
  L lock_;
  std::uint64_t value_ = 0;  // same line as the lock: a locked field's real layout
};

}  // namespace lfbench::scenario
