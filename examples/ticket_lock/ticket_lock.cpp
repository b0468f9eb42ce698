// A ticket lock, benchmarked with lfbench without forking it: this file plus one compile line
// (see build.sh) is a complete lfbench with `ticket_lock` in every scenario that takes a Lock
// (counter, rwlock, status), verified by each scenario's oracle.
//
// Progress: blocking, FIFO-fair (tickets are served in the order they were taken).
// Not for: more threads than cores without the yield below — a preempted waiter whose turn
// comes stalls everyone behind it.
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <string_view>

#include <lfbench/lfbench.hpp>

class TicketLock {
 public:
  static constexpr std::string_view name = "ticket_lock";
  // Optional: without it, the defaults (blocking, no library).
  static constexpr lfbench::prim::Traits traits{.progress = lfbench::prim::Progress::blocking};

  void lock() noexcept {
    // relaxed: taking a ticket orders nothing; the acquire load of serving_ does.
    const std::uint32_t me = next_.fetch_add(1, std::memory_order_relaxed);
    for (std::uint32_t spins = 0; serving_.load(std::memory_order_acquire) != me; ++spins)
      if (spins >= 256) sched_yield();  // the holder is probably not running
      else lfbench::cpu_relax();  // a spin-wait hint to the core (saves power, frees its sibling)
  }

  bool try_lock() noexcept {
    // acquire: synchronises with the unlock that made `s` the ticket being served.
    const std::uint32_t s = serving_.load(std::memory_order_acquire);
    std::uint32_t expected = s;
    return next_.compare_exchange_strong(expected, s + 1, std::memory_order_relaxed);
  }

  void unlock() noexcept {
    // Only the holder writes serving_; release publishes the critical section.
    serving_.store(serving_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

 private:
  alignas(64) std::atomic<std::uint32_t> next_{0};
  alignas(64) std::atomic<std::uint32_t> serving_{0};
};

LFBENCH_PRIMITIVE(TicketLock);
