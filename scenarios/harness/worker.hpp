// What a scenario's Cell::run sees of its thread: its index, and loop(op), which runs the
// operation until the window's stop flag is raised. The flag is read once per batch, so its
// cost is a fraction of a nanosecond per operation; ops are counted in a register-resident
// local and stored once per batch.
//
// op() returns void, or the index of the kind of operation it did (e.g. 0 = read,
// 1 = write, in the order of Scenario::op_kinds) so that kinds are counted and timed apart.
#pragma once

#include <sched.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <type_traits>

#include "../../primitives/spin.hpp"

#include "histogram.hpp"
#include "tsc.hpp"

namespace lfbench {

inline constexpr unsigned kMaxOpKinds = 4;

class Worker {
 public:
  unsigned tid() const noexcept { return tid_; }
  unsigned threads() const noexcept { return threads_; }
  bool stopping() const noexcept { return stop_->load(std::memory_order_relaxed); }

  template <class Op>
  void loop(Op&& op) {
    if (perturb_)
      perturbed(op);
    else if (!sampling_)
      plain(op);
    else
      sampled(op);
  }

  // For a scenario thread that paces itself instead of calling loop() (e.g. a writer doing
  // N updates per second): count what it did, and say that it sleeps by design (so its idle
  // time is not taken for a disturbance of the window: see usage.hpp).
  void sleeps_by_design() noexcept { sleeps_ = true; }
  bool sleeps() const noexcept { return sleeps_; }
  void count(unsigned kind, std::uint64_t n = 1) noexcept { ops_[kind] += n; }
  // For such a thread: record one operation's latency (only when latency sampling is on).
  bool sampling() const noexcept { return sampling_; }
  void record_latency(unsigned kind, std::uint64_t ns) noexcept { hist_[kind].record(ns); }

  // --- harness side -------------------------------------------------------------------------
  struct Setup {
    const std::atomic<bool>* stop;
    unsigned tid, threads;
    std::uint32_t batch;        // ops between stop-flag checks
    std::uint32_t sample_every;     // 0: no latency; else time one op in this many (a power of two)
    const tsc::Calibration* timer;  // REQUIRES: set when sample_every != 0
    bool perturb = false;           // lfbench verify: random short delays between operations
  };
  void begin(const Setup& s) noexcept {
    stop_ = s.stop;
    tid_ = s.tid;
    threads_ = s.threads;
    batch_ = s.batch;
    sampling_ = s.sample_every != 0;
    sample_mask_ = sampling_ ? s.sample_every - 1 : 0;
    timer_ = s.timer;
    perturb_ = s.perturb;
    sleeps_ = false;
    ops_ = {};
    for (auto& h : hist_) h.clear();
  }
  const std::array<std::uint64_t, kMaxOpKinds>& ops() const noexcept { return ops_; }
  const std::array<LatencyHistogram, kMaxOpKinds>& latency() const noexcept { return hist_; }

 private:
  template <class Op>
  static constexpr bool kinded = !std::is_void_v<std::invoke_result_t<Op&>>;

  template <class Op>
  void plain(Op& op) {
    while (!stopping()) {
      if constexpr (kinded<Op>) {
        Tally t;
        for (std::uint32_t i = 0; i < batch_; ++i) t.add(static_cast<unsigned>(op()));
        t.flush(ops_);
      } else {
        for (std::uint32_t i = 0; i < batch_; ++i) op();
        ops_[0] += batch_;
      }
    }
  }

  // One op in sample_mask+1 is timed with the cycle counter; the pair's own cost is subtracted
  // (tsc::interval_ns). The runner picks the rate so that timing costs about 1% of the op.
  template <class Op>
  void sampled(Op& op) {
    const tsc::Calibration& cal = *timer_;
    std::uint32_t n = tid_;  // offset so threads do not sample in lockstep
    while (!stopping()) {
      Tally t;
      for (std::uint32_t i = 0; i < batch_; ++i, ++n) {
        if ((n & sample_mask_) != 0) {
          unsigned k = 0;
          if constexpr (kinded<Op>) k = static_cast<unsigned>(op()); else op();
          t.add(k);
          continue;
        }
        const std::uint64_t t0 = tsc::now();
        unsigned k = 0;
        if constexpr (kinded<Op>) k = static_cast<unsigned>(op()); else op();
        const std::uint64_t t1 = tsc::now();
        t.add(k);
        hist_[k].record(tsc::interval_ns(t0, t1, cal));
      }
      t.flush(ops_);
    }
  }

  // lfbench verify only (never a measured window): after an op, sometimes a short spin (1 in 8,
  // up to 63 pauses) or a yield (1 in 256), so that threads meet in the orders a steady loop
  // rarely makes — one delayed between its load and its store, one preempted holding a lock —
  // and ThreadSanitizer sees those interleavings.
  template <class Op>
  void perturbed(Op& op) {
    std::uint64_t x = (tsc::now() | 1) * 0x9E3779B97F4A7C15ull * (tid_ + 1);
    while (!stopping()) {
      for (std::uint32_t i = 0; i < batch_; ++i) {
        unsigned k = 0;
        if constexpr (kinded<Op>) k = static_cast<unsigned>(op()); else op();
        ++ops_[k];
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if ((x & 7) == 0)
          for (auto n = (x >> 3) & 63; n != 0; --n) prim::detail::cpu_relax();
        else if ((x & 0x7F8) == 0x7F8)
          sched_yield();
      }
    }
  }

  // Op kinds tallied in registers over a batch, not in ops_[k]: a store per op would sit in
  // the store buffer, and the next locked RMW (the usual primitive op on x86) waits for it to
  // drain — a cost of the harness, not of the primitive.
  struct Tally {
    static_assert(kMaxOpKinds == 4);
    std::uint64_t n0 = 0, n1 = 0, n2 = 0, n3 = 0;
    void add(unsigned k) noexcept {
      n0 += k == 0;
      n1 += k == 1;
      n2 += k == 2;
      n3 += k == 3;
    }
    void flush(std::array<std::uint64_t, kMaxOpKinds>& ops) const noexcept {
      ops[0] += n0;
      ops[1] += n1;
      ops[2] += n2;
      ops[3] += n3;
    }
  };

  const std::atomic<bool>* stop_ = nullptr;
  unsigned tid_ = 0, threads_ = 1;
  std::uint32_t batch_ = 64, sample_mask_ = 0;
  const tsc::Calibration* timer_ = nullptr;
  bool sampling_ = false, sleeps_ = false, perturb_ = false;
  std::array<std::uint64_t, kMaxOpKinds> ops_{};
  std::array<LatencyHistogram, kMaxOpKinds> hist_{};
};

}  // namespace lfbench
