// What a scenario's Cell::run sees of its thread: its index, and loop(op), which runs the
// operation until the window's stop flag is raised. The flag is read once per batch, so its
// cost is a fraction of a nanosecond per operation; ops are counted in a register-resident
// local and stored once per batch.
//
// op() returns void, or the index of the kind of operation it did (e.g. 0 = read,
// 1 = write, in the order of Scenario::op_kinds) so that kinds are counted and timed apart.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <type_traits>

#include "histogram.hpp"

namespace lfbench {

inline constexpr unsigned kMaxOpKinds = 4;

class Worker {
 public:
  unsigned tid() const noexcept { return tid_; }
  unsigned threads() const noexcept { return threads_; }
  bool stopping() const noexcept { return stop_->load(std::memory_order_relaxed); }

  template <class Op>
  void loop(Op&& op) {
    if (sample_mask_ == 0)
      plain(op);
    else
      sampled(op);
  }

  // For a scenario thread that paces itself instead of calling loop() (e.g. a writer doing
  // N updates per second): count what it did.
  void count(unsigned kind, std::uint64_t n = 1) noexcept { ops_[kind] += n; }
  // For such a thread: record one operation's latency (only when latency sampling is on).
  bool sampling() const noexcept { return sample_mask_ != 0; }
  void record_latency(unsigned kind, std::uint64_t ns) noexcept { hist_[kind].record(ns); }

  // --- harness side -------------------------------------------------------------------------
  struct Setup {
    const std::atomic<bool>* stop;
    unsigned tid, threads;
    std::uint32_t batch;        // ops between stop-flag checks
    std::uint32_t sample_mask;  // 0: no latency; else time one op in every sample_mask+1
  };
  void begin(const Setup& s) noexcept {
    stop_ = s.stop;
    tid_ = s.tid;
    threads_ = s.threads;
    batch_ = s.batch;
    sample_mask_ = s.sample_mask;
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

  template <class Op>
  void sampled(Op& op) {
    using clock = std::chrono::steady_clock;
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
        const auto t0 = clock::now();
        unsigned k = 0;
        if constexpr (kinded<Op>) k = static_cast<unsigned>(op()); else op();
        const auto t1 = clock::now();
        t.add(k);
        hist_[k].record(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
      }
      t.flush(ops_);
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
  std::array<std::uint64_t, kMaxOpKinds> ops_{};
  std::array<LatencyHistogram, kMaxOpKinds> hist_{};
};

}  // namespace lfbench
