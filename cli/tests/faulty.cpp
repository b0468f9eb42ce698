// Test-only primitives that misbehave on purpose, in a scenario of their own (`faulty`),
// compiled into the test binary lfbench_faulty only (cli/tests/meson.build): lfbench must
// treat what they do as ordinary results. Each is a Counter whose add() misbehaves once the
// cell has done `after` operations in all:
//   healthy   never misbehaves (the control);
//   sleeper   claims to be lock-free but sleeps 2 ms every `after` operations: its threads are
//             off the CPU, which the disturbance rule must notice (issue 13);
//   hang      never returns (a lock that deadlocks);
//   segfault  writes through a null pointer;
//   abort     calls std::abort();
//   throw     throws from a measuring thread (std::terminate).
// Parameter prefill_ms makes every window's state reset (begin_window) spin that long.
// And relaxed_lock, registered the way a user's primitive is (LFBENCH_PRIMITIVE), in counter,
// rwlock and status: a spinlock whose lock() and unlock() use relaxed orders, so nothing it
// protects is ordered between threads. x86's store order hides that from the oracles; a
// ThreadSanitizer build reports the race, and the supervisor makes it the cell's verdict.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "lfbench.hpp"
#include "scenarios/harness/scenario.hpp"

namespace lfbench {
namespace {

enum class Fault { none, sleep, hang, segfault, abort, raise };

template <Fault F>
struct Faulty {
  static constexpr std::string_view name = F == Fault::none       ? "healthy"
                                           : F == Fault::sleep    ? "sleeper"
                                           : F == Fault::hang     ? "hang"
                                           : F == Fault::segfault ? "segfault"
                                           : F == Fault::abort    ? "abort"
                                                                  : "throw";
  static constexpr prim::Traits traits{.progress = F == Fault::sleep || F == Fault::none ? prim::Progress::lock_free
                                                                                          : prim::Progress::blocking};
  std::uint64_t after = 0;

  void add(std::uint64_t n) {
    // relaxed: a count, no data published through it.
    const std::uint64_t c = count_.fetch_add(n, std::memory_order_relaxed);
    if (after == 0 || c < after) return;
    if constexpr (F == Fault::sleep) {
      if (c % after == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    } else if constexpr (F == Fault::hang) {
      for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    } else if constexpr (F == Fault::segfault) {
      volatile int* p = nullptr;
      *p = 1;
    } else if constexpr (F == Fault::abort) {
      std::abort();
    } else if constexpr (F == Fault::raise) {
      throw std::runtime_error("faulty primitive threw");
    }
  }
  std::uint64_t read() { return count_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> count_{0};
};

template <class P>
class FaultyCell final : public Cell {
 public:
  explicit FaultyCell(const CellSpec& s)
      : prefill_(std::chrono::milliseconds(s.params.integer("prefill_ms"))), done_(s.threads) {
    prim_.after = static_cast<std::uint64_t>(s.params.integer("after"));
  }
  void begin_window() override {
    // A slow state reset, on the CPU (as a big map's prefill is): the watchdog must not call it hung.
    for (const auto until = std::chrono::steady_clock::now() + prefill_; std::chrono::steady_clock::now() < until;) {
    }
    start_ = prim_.read();
    for (auto& d : done_) d.value = 0;
  }
  void run(Worker& w) override {
    std::uint64_t n = 0;
    w.loop([&] {
      prim_.add(1);
      ++n;
    });
    done_[w.tid()].value = n;
  }
  Verdict verify() override {
    std::uint64_t n = 0;
    for (const auto& d : done_) n += d.value;
    if (prim_.read() - start_ != n) return {false, "count does not match the operations done"};
    return {true, "count = operations (" + std::to_string(n) + ")"};
  }

 private:
  P prim_;
  std::chrono::milliseconds prefill_;
  std::uint64_t start_ = 0;
  std::vector<prim::Padded<std::uint64_t>> done_;
};

template <Fault F>
PrimitiveEntry faulty() {
  return entry<Faulty<F>, FaultyCell<Faulty<F>>>();
}

const Registration registration{Scenario{
    .id = "faulty",
    .summary = "test only: primitives that sleep, hang, crash or throw after `after` operations",
    .params = {ParamSpec{.name = "after",
                         .help = "operations of the cell before the primitive misbehaves (0: never)",
                         .default_sweep = {"1000000"},
                         .min = 0,
                         .max = std::int64_t{1} << 50,
                         .choices = {},
                         .unit = "ops"},
               ParamSpec{.name = "prefill_ms",
                         .help = "time each window's state reset spins on the CPU first (a big map's prefill)",
                         .default_sweep = {"0"},
                         .min = 0,
                         .max = 600000,
                         .choices = {},
                         .unit = "ms"}},
    .op_kinds = {},
    .primitives = {faulty<Fault::none>(), faulty<Fault::sleep>(), faulty<Fault::hang>(), faulty<Fault::segfault>(),
                   faulty<Fault::abort>(), faulty<Fault::raise>()},
}};

class RelaxedLock {
 public:
  static constexpr std::string_view name = "relaxed_lock";
  // Broken on purpose: should be acquire and release.
  void lock() {
    while (held_.exchange(true, std::memory_order_relaxed))
      while (held_.load(std::memory_order_relaxed)) lfbench::cpu_relax();
  }
  bool try_lock() { return !held_.exchange(true, std::memory_order_relaxed); }
  void unlock() { held_.store(false, std::memory_order_relaxed); }

 private:
  std::atomic<bool> held_{false};
};

}  // namespace
}  // namespace lfbench

LFBENCH_PRIMITIVE(lfbench::RelaxedLock);
