// ThreadSanitizer annotations for library adapters whose library synchronises in code TSan
// does not instrument (Concurrency Kit's inline-asm atomics, TBB's compiled queuing lock):
// the adapter tells TSan "this release happens-before that acquire" on the lock's address,
// so the data the lock protects is not reported as racing. No-ops without TSan.
// Not a primitive: a helper of the adapters in this directory.
#pragma once

#include "sanitizers.hpp"

#ifdef LFBENCH_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace lfbench::prim::detail {

// After the library's acquire: everything released on `addr` happens-before what follows.
inline void tsan_acquire([[maybe_unused]] void* addr) noexcept {
#ifdef LFBENCH_TSAN
  __tsan_acquire(addr);
#endif
}

// Before the library's release (TSan's release merges, so many readers can each release).
inline void tsan_release([[maybe_unused]] void* addr) noexcept {
#ifdef LFBENCH_TSAN
  __tsan_release(addr);
#endif
}

}  // namespace lfbench::prim::detail
