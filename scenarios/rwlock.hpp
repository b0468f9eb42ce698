// Scenario `rwlock` (case 000's event bus and status field, case 003's "RWMutex doesn't
// scale", case 004's "RWMutex is not effective at 50/50"): a small record that writers update
// and readers read, guarded by the primitive under test. Each operation is a read with
// probability read_pct, else a write; `critical_ns` of calibrated arithmetic on the record runs
// inside the lock (spread between the record's fields, so an unprotected reader really overlaps
// a writer), `parallel_ns` outside it.
//
// The record is kFields 64-bit fields that every write sets to one new value (old + 1). Under a
// lock they are plain memory, which the lock alone orders: a lock that fails to (relaxed
// orders) is a data race ThreadSanitizer reports (lfbench verify). A seqlock's readers race
// with writers by design, so for an OptimisticLock the fields are read and written as relaxed
// atomics, which the C++ model allows. Both compile to plain loads and stores here; a compiler
// barrier between fields keeps the stores apart, as a real record's would be, so a reader that
// overlaps a writer sees the tear. The record sits on its own cache line, apart from the lock,
// so the figures compare the locks, not their layout.
//
// How a primitive is driven (one code path, three kinds):
//   SharedLock      readers lock_shared/unlock_shared, writers lock/unlock;
//   Lock            readers take it exclusively, like code that never split its mutex;
//   OptimisticLock  (seqlock) readers run the read section, then validate and retry;
// read_section() below is the one place that knows the difference.
//
// Verify after every window: no reader ever saw fields that differ (a torn or unprotected
// read), the record's fields are equal, and the record advanced by exactly the writes done
// (a lost write shows as a shortfall).
// Metrics: writes_completed_pct (writes that got the lock before the window's stop, of those
// requested), read_retries_per_read (optimistic readers only). Read and write throughput and
// latency are apart through op_kinds; a writer's wait for the lock is in the write latency
// percentiles (--latency). Nothing is timed otherwise: two timer reads per write cost more
// than an uncontended lock.
//
// This header is the cell (installed: a user's primitive is instantiated in it, in the user's
// file); rwlock.cpp registers the scenario.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "harness/scenario.hpp"

namespace lfbench::scenario::rwlock {

inline constexpr std::string_view id = "rwlock";

enum RwKind : unsigned { kRead = 0, kWrite = 1 };

// Runs the read section f() under P's read protocol and returns f's result; for an
// optimistic lock, only a validated attempt's result, counting discarded attempts in `retries`.
// Always inlined: it sits on the measured path of every read.
template <class P, class F>
[[gnu::always_inline]] inline auto read_section(P& p, std::uint64_t& retries, F&& f) {
  if constexpr (prim::OptimisticLock<P>) {
    for (;;) {
      const std::uint64_t s = p.read_begin();
      auto r = f();
      if (!p.read_retry(s)) return r;
      ++retries;
    }
  } else if constexpr (prim::SharedLock<P>) {
    p.lock_shared();
    auto r = f();
    p.unlock_shared();
    return r;
  } else {
    p.lock();
    auto r = f();
    p.unlock();
    return r;
  }
}

// "Real work": a chain of dependent multiply-adds the compiler cannot fold or drop.
[[gnu::always_inline]] inline std::uint64_t work(std::uint64_t x, std::uint32_t iters) noexcept {
  for (std::uint32_t i = 0; i < iters; ++i) {
    x = x * 0x5851F42D4C957F2Dull + 0x14057B7EF767814Full;
    asm volatile("" : "+r"(x));
  }
  return x;
}

struct Calibration {
  double work_iters_per_ns = 0;
};

// Measured once per cell (the machine is shared: its speed drifts): the best of a few runs.
inline Calibration calibrate_cell() {
  using clock = std::chrono::steady_clock;
  Calibration c;
  constexpr std::uint32_t kIters = 200'000;
  double best_ns = 1e300;
  std::uint64_t sink = 1;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = clock::now();
    sink = work(sink, kIters);
    const double ns = std::chrono::duration<double, std::nano>(clock::now() - t0).count();
    if (ns > 0 && ns < best_ns) best_ns = ns;
  }
  asm volatile("" : : "r"(sink));
  c.work_iters_per_ns = kIters / best_ns;
  return c;
}

inline constexpr unsigned kFields = 4;

template <class P>
class RwCell final : public Cell {
 public:
  explicit RwCell(const CellSpec& s)
      : read_per_64k_(static_cast<std::uint32_t>(s.params.integer("read_pct") * 65536 / 100)),
        threads_(s.threads) {
    const std::int64_t critical_ns = s.params.integer("critical_ns");
    const std::int64_t parallel_ns = s.params.integer("parallel_ns");
    cal_ = calibrate_cell();
    // The critical work is split evenly between the fields (see the file comment).
    field_iters_ = static_cast<std::uint32_t>(critical_ns * cal_.work_iters_per_ns / kFields + 0.5);
    parallel_iters_ = static_cast<std::uint32_t>(parallel_ns * cal_.work_iters_per_ns + 0.5);
  }

  void begin_window() override {
    start_ = field(0);  // no worker runs now
    for (auto& t : per_thread_) t.value = {};
  }

  void run(Worker& w) override {
    // xorshift: a register-only generator deciding read vs write with no shared state.
    std::uint64_t x = 0x9E3779B97F4A7C15ull * (w.tid() + 1);
    std::uint64_t reads = 0, torn = 0, retries = 0;
    std::uint64_t writes = 0, late = 0;
    std::uint64_t sink = 0;
    w.loop([&]() -> unsigned {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      if (parallel_iters_ != 0) sink = work(sink + x, parallel_iters_);
      if ((x & 0xFFFF) < read_per_64k_) {
        // The lock (or the seqlock's validation) orders these loads; see the file comment.
        // Returns whether the fields differed; `acc` keeps the work alive (a discarded
        // optimistic attempt's value is simply overwritten).
        std::uint64_t acc = sink;
        torn += read_section(lock_, retries, [&]() -> bool {
          const std::uint64_t first = field(0);
          bool differs = false;
          acc = sink;
          for (unsigned i = 1; i < kFields; ++i) {
            acc = work(acc + first, field_iters_);
            differs |= field(i) != first;
          }
          return differs;
        });
        sink = acc;
        ++reads;
        return kRead;
      }
      // No timer here: a writer's wait is in the write latency percentiles with --latency.
      lock_.lock();
      late += w.stopping();  // got the lock only after the window ended
      // Inside the exclusive lock; the unlock's release publishes these stores.
      const std::uint64_t v = field(0) + 1;
      for (unsigned i = 0; i < kFields; ++i) {
        sink = work(sink + v, field_iters_);
        set_field(i, v);
      }
      lock_.unlock();
      ++writes;
      return kWrite;
    });
    asm volatile("" : : "r"(sink));
    per_thread_[w.tid()].value = State{reads, torn, retries, writes, late};
  }

  Verdict verify() override {
    State t = total();
    std::uint64_t f[kFields];
    for (unsigned i = 0; i < kFields; ++i) f[i] = field(i);
    if (t.torn != 0)
      return {false, std::to_string(t.torn) + " of " + std::to_string(t.reads) +
                         " reads saw a torn record (fields not all equal)"};
    for (unsigned i = 1; i < kFields; ++i)
      if (f[i] != f[0])
        return {false, "final record is torn: field " + std::to_string(i) + " = " + std::to_string(f[i]) +
                           ", field 0 = " + std::to_string(f[0])};
    const std::uint64_t grew = f[0] - start_;
    if (grew != t.writes)
      return {false, "record advanced by " + std::to_string(grew) + " but " + std::to_string(t.writes) +
                         " writes were performed (lost writes)"};
    return {true, "no torn read in " + std::to_string(t.reads) + " reads; record advanced by exactly the " +
                      std::to_string(t.writes) + " writes"};
  }

  Metrics metrics() override {
    const State t = total();
    Metrics m;
    const double writes = static_cast<double>(t.writes);
    m.emplace_back("writes_completed_pct", t.writes ? 100.0 * (writes - t.late) / writes : 100.0);
    if constexpr (prim::OptimisticLock<P>)
      m.emplace_back("read_retries_per_read", t.reads ? static_cast<double>(t.retries) / t.reads : 0);
    return m;
  }

 private:
  struct State {
    std::uint64_t reads = 0, torn = 0, retries = 0, writes = 0, late = 0;
  };
  struct alignas(prim::cacheline) Record {
    std::uint64_t f[kFields] = {};
  };
  static constexpr bool kRacyReads = prim::OptimisticLock<P>;  // see the file comment

  [[gnu::always_inline]] std::uint64_t field(unsigned i) {
    std::uint64_t v;
    if constexpr (kRacyReads) v = std::atomic_ref<std::uint64_t>(record_.f[i]).load(std::memory_order_relaxed);
    else v = record_.f[i];
    asm volatile("" ::: "memory");  // one load per field, in order (a compiler barrier only)
    return v;
  }
  [[gnu::always_inline]] void set_field(unsigned i, std::uint64_t v) {
    if constexpr (kRacyReads) std::atomic_ref<std::uint64_t>(record_.f[i]).store(v, std::memory_order_relaxed);
    else record_.f[i] = v;
    asm volatile("" ::: "memory");
  }

  State total() const {
    State t;
    for (const auto& s : per_thread_) {
      t.reads += s.value.reads;
      t.torn += s.value.torn;
      t.retries += s.value.retries;
      t.writes += s.value.writes;
      t.late += s.value.late;
    }
    return t;
  }

  std::uint32_t read_per_64k_;
  unsigned threads_;
  Calibration cal_;
  std::uint32_t field_iters_ = 0, parallel_iters_ = 0;
  P lock_;
  Record record_;
  std::uint64_t start_ = 0;
  std::vector<prim::Padded<State>> per_thread_ = std::vector<prim::Padded<State>>(threads_);
};

// P's entry here, if it fits: any Lock (a plain one with its readers taking it exclusively).
template <class P>
void offer() {
  if constexpr (prim::Lock<P>) add_primitive(id, entry<P, RwCell<P>>());
}

}  // namespace lfbench::scenario::rwlock
