// A small per-thread index for primitives that keep one slot per thread (distributed reader
// counts, per-thread queue nodes, registered readers): unique among the threads alive at the
// same time, and handed back when a thread exits, so that a process creating thousands of
// short-lived threads (the tests do) still uses indexes below kMaxThreadSlots.
// Not a primitive: a helper of the primitives that need it.
//
// Progress: wait-free after a thread's first call (one TLS load); the first call scans a
// bitmap with CAS.
// Ordering: an index is claimed with acquire and freed with release, so a thread reusing an
// index sees everything its previous owner wrote to per-index state before exiting.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace lfbench::prim::detail {

inline constexpr unsigned kMaxThreadSlots = 1024;

namespace thread_slot_impl {

inline std::atomic<std::uint64_t> used[kMaxThreadSlots / 64];
// Constant-initialised: the hot path is a TLS load and a compare, no guard.
inline constinit thread_local unsigned mine = ~0u;

inline unsigned claim() noexcept {
  for (unsigned w = 0; w < kMaxThreadSlots / 64; ++w) {
    // relaxed: only a hint of which bits are free; the CAS below decides.
    std::uint64_t bits = used[w].load(std::memory_order_relaxed);
    while (bits != ~std::uint64_t{0}) {
      const unsigned b = static_cast<unsigned>(std::countr_one(bits));
      // acquire: pairs with the release in Releaser, see the file comment.
      if (used[w].compare_exchange_weak(bits, bits | (std::uint64_t{1} << b), std::memory_order_acquire,
                                        std::memory_order_relaxed))
        return w * 64 + b;
    }
  }
  std::fputs("lfbench: more than kMaxThreadSlots threads alive at once\n", stderr);
  std::abort();
}

struct Releaser {
  ~Releaser() {
    if (mine == ~0u) return;
    // release: publishes this thread's writes to per-index state to the next owner.
    used[mine / 64].fetch_and(~(std::uint64_t{1} << (mine % 64)), std::memory_order_release);
    mine = ~0u;
  }
};

[[gnu::noinline]] inline unsigned first_call() noexcept {
  mine = claim();
  thread_local Releaser releaser;  // constructed once per thread, on this slow path only
  (void)releaser;
  return mine;
}

}  // namespace thread_slot_impl

// This thread's index, < kMaxThreadSlots, stable for the thread's life.
inline unsigned thread_slot() noexcept {
  const unsigned m = thread_slot_impl::mine;
  return m != ~0u ? m : thread_slot_impl::first_call();
}

}  // namespace lfbench::prim::detail
