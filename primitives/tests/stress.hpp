// Helpers shared by the primitive stress tests (one test file per kind concept, each a typed
// GoogleTest suite over that kind's TypeList in kinds.hpp).
//
//   using LockTypes = lfbench::test::GtestTypes<lfbench::prim::Locks>;
//   TYPED_TEST_SUITE(LockTest, LockTypes, lfbench::test::PrimitiveName);
//   lfbench::test::run_threads(16, [&](unsigned t) { ... });
//
// Worker threads never call ASSERT_*/EXPECT_*: they count what they saw (violations, sums) into
// per-thread slots or atomics, and the test asserts on those after run_threads() has joined.
// Nothing here asserts a time or a speed: this machine is shared and noisy.
#pragma once

#include <gtest/gtest.h>

#include "../lib/sanitizers.hpp"

#include <cstddef>
#include <cstdint>
#include <latch>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "primitives/concepts.hpp"

namespace lfbench::test {

// lfbench::prim::TypeList<Ts...> -> ::testing::Types<Ts...>, so a primitive added to its kind's
// list in kinds.hpp is picked up by that kind's test suite with no edit here.
namespace detail {
template <class List>
struct ToGtestTypes;
template <class... Ts>
struct ToGtestTypes<prim::TypeList<Ts...>> {
  using type = ::testing::Types<Ts...>;
};
}  // namespace detail
template <class List>
using GtestTypes = typename detail::ToGtestTypes<List>::type;

// Names typed tests by the primitive's stable id: LockTest/ttas_spinlock.Stress.
struct PrimitiveName {
  template <class T>
  static std::string GetName(int) {
    return std::string(T::name);
  }
};

// Threads used to stress a primitive: far above the 2 cores of the CI machine on purpose, so
// that holders are preempted inside critical sections and waiters run while they are.
inline constexpr unsigned kOversubscribed = 16;

// True under ThreadSanitizer, which slows atomics and synchronisation by an order of magnitude:
// tests use scaled() so the same coverage runs in bounded time there.
#ifdef LFBENCH_TSAN
inline constexpr bool kTsan = true;
#else
inline constexpr bool kTsan = false;
#endif

// An iteration count, reduced under TSan (never below 1).
constexpr std::size_t scaled(std::size_t n, std::size_t tsan_divisor = 4) {
  if (!kTsan) return n;
  return n / tsan_divisor > 0 ? n / tsan_divisor : 1;
}

// Runs fn(t) on n new threads, t = 0..n-1, released together by a start barrier so that they
// overlap as much as the scheduler allows, and joins them all before returning.
template <class F>
void run_threads(unsigned n, F&& fn) {
  std::latch start(static_cast<std::ptrdiff_t>(n));
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (unsigned t = 0; t < n; ++t) {
    threads.emplace_back([&start, &fn, t] {
      start.arrive_and_wait();
      fn(t);
    });
  }
  for (auto& th : threads) th.join();
}

// One per-thread result slot on its own cache line, so that threads counting their own
// violations do not slow each other down (or serialise through one shared line).
template <class T>
using Slot = prim::Padded<T>;

template <class T>
T sum_slots(const std::vector<Slot<T>>& slots) {
  T total{};
  for (const auto& s : slots) total += s.value;
  return total;
}

// A critical section that notices when it is not exclusive. Call enter_and_leave() only with
// the lock under test held (exclusively). `count` is a plain integer, so a lost update shows in
// the final count (and ThreadSanitizer reports the race); `inside` is volatile so that its
// increment, re-check and decrement all really happen and an overlapping thread is observed.
struct ExclusiveSection {
  std::uint64_t count = 0;
  volatile int inside = 0;

  // Returns true when another thread was inside at the same time (a mutual-exclusion failure).
  bool enter_and_leave() noexcept {
    const int before = inside;
    inside = before + 1;
    count = count + 1;
    const int now = inside;
    inside = now - 1;
    return before != 0 || now != 1;
  }
};

}  // namespace lfbench::test
