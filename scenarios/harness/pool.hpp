// The worker pool: threads created once per run (also defeating glibc's single-threaded lock
// shortcut), pinned by policy, and driven window by window: all of a cell's threads pass a
// start barrier, run Cell::run until the one stop flag is raised, and report their counts.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "scenario.hpp"
#include "topology.hpp"
#include "usage.hpp"
#include "worker.hpp"

namespace lfbench {

// What a window does, in order: reset its cell's state (Cell::begin_window, e.g. a map's
// prefill), run the threads, check the oracle (Cell::verify).
enum class Phase { prefill, window, verify };
const char* to_string(Phase p);

struct WindowOptions {
  std::chrono::nanoseconds duration{std::chrono::milliseconds(200)};
  unsigned threads = 1;
  std::uint32_t batch = 64;
  std::uint32_t sample_every = 0;  // 0: no latency; else time one op in this many (a power of two)
  bool blocking = true;           // the primitive's progress guarantee, for the disturbance rule
  bool perturb = false;           // lfbench verify: Worker::Setup::perturb
  // Waits up to d while the window runs; returns false if the run was interrupted (the
  // window is then cut short and marked so). Default: sleep.
  std::function<bool(std::chrono::nanoseconds)> wait = {};
  // Called before each phase, outside the measured span (the worker tells its supervisor, whose
  // watchdog bounds each phase apart: protocol.hpp).
  std::function<void(Phase)> phase = {};
  // Per thread, the CPU to run on (-1: unpinned); empty: where the pool's placement put it.
  std::vector<int> cpus = {};
};

struct WindowResult {
  double seconds = 0;      // start barrier release to the last thread's stop
  double cpu_seconds = 0;  // the measuring threads' CPU time over the window, summed
  std::vector<std::uint64_t> per_thread_ops;
  std::vector<ThreadUsage> usage;  // per thread: CPU time, waits for a CPU, context switches
  double steal_seconds = 0;        // hypervisor steal on the pool's CPUs during the window
  WindowJudgement judgement;       // disturbed or not, and why (usage.hpp)
  std::uint32_t sample_every = 0;  // latency: one op in this many was timed (0: off)
  std::array<std::uint64_t, kMaxOpKinds> ops_by_kind{};
  std::array<LatencyHistogram, kMaxOpKinds> latency{};  // merged over threads; empty if off
  Verdict verdict;
  Metrics metrics;
  bool interrupted = false;

  std::uint64_t total_ops() const;
};

class Pool {
 public:
  // Threads created once; placed at the first window by `pin`, unless windows name their CPUs
  // (WindowOptions::cpus).
  Pool(unsigned threads, const Placement& pin = {});
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  unsigned size() const { return static_cast<unsigned>(workers_.size()); }
  const std::vector<int>& cpus() const { return cpus_; }  // per worker; -1 = unpinned
  // CPUs the first n workers can run on (distinct pinned CPUs, or every CPU when unpinned).
  unsigned cpus_for(unsigned n) const;

  // REQUIRES: opt.threads <= size(). Runs one window of `cell` and then its verify step.
  WindowResult run_window(Cell& cell, const WindowOptions& opt);

 private:
  struct Slot;
  void worker_main(unsigned index, int cpu);

  std::vector<int> cpus_;
  Placement pin_;
  bool placed_ = false;
  std::vector<std::unique_ptr<Slot>> workers_;
  std::vector<std::thread> threads_;

  // Window control, written by the coordinator between windows.
  Cell* cell_ = nullptr;
  unsigned active_ = 0;
  Worker::Setup setup_{};
  alignas(prim::cacheline) std::atomic<bool> stop_{false};
  alignas(prim::cacheline) std::atomic<std::uint32_t> generation_{0};  // bumped to start a window
  alignas(prim::cacheline) std::atomic<std::uint32_t> ready_{0};       // arrived at the barrier
  alignas(prim::cacheline) std::atomic<bool> go_{false};               // barrier release
  alignas(prim::cacheline) std::atomic<std::uint32_t> running_{0};     // not yet finished
  bool quit_ = false;
};

}  // namespace lfbench
