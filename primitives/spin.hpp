// Spinning helpers shared by lfbench's own spinning primitives: a CPU pause and a bounded
// exponential backoff that yields once it has spun long enough, so a spinning waiter does not
// burn the whole time slice of a preempted lock holder when threads outnumber cores.
#pragma once

#include <sched.h>

#include <cstdint>

namespace lfbench::prim::detail {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#else
  asm volatile("" ::: "memory");
#endif
}

class Backoff {
 public:
  void pause() noexcept {
    if (spins_ < kMaxSpins) {
      for (std::uint32_t i = 0; i < spins_; ++i) cpu_relax();
      spins_ *= 2;
    } else {
      sched_yield();  // waited ~kMaxSpins pauses: the holder is probably not running
    }
  }

 private:
  static constexpr std::uint32_t kMaxSpins = 1024;
  std::uint32_t spins_ = 1;
};

}  // namespace lfbench::prim::detail
