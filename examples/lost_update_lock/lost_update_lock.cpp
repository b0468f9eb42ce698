// A broken lock, kept to show that lfbench's oracles catch it: lock() tests the flag and then
// sets it with two separate operations, so two threads can both see it free and both enter.
// Updates made under it are lost (counter: the total falls short of the increments; rwlock:
// torn reads and lost writes), and `run` exits 1 with the cells marked invalid.
#include <atomic>
#include <string_view>

#include <lfbench/lfbench.hpp>

class LostUpdateLock {
 public:
  static constexpr std::string_view name = "lost_update_lock";

  void lock() noexcept {
    while (locked_.load(std::memory_order_acquire)) lfbench::cpu_relax();
    locked_.store(true, std::memory_order_relaxed);  // BUG: not one atomic test-and-set
  }
  bool try_lock() noexcept {
    if (locked_.load(std::memory_order_acquire)) return false;
    locked_.store(true, std::memory_order_relaxed);  // BUG: same race
    return true;
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

LFBENCH_PRIMITIVE(LostUpdateLock);
