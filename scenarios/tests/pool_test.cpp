// The worker pool: start barrier and stop flag, counting by kind, per-thread counts summing to
// the total, latency sampling, interruption, and reuse across windows of varying width.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "scenarios/harness/alloc_count.hpp"
#include "scenarios/harness/pool.hpp"

namespace lfbench {
namespace {

using namespace std::chrono_literals;

// Counts what it did itself, to check the harness's counts against.
class CountingCell final : public Cell {
 public:
  explicit CountingCell(unsigned threads) : mine_(threads) {}
  void begin_window() override {
    ++windows_;
    for (auto& m : mine_) m.value = {};
  }
  void run(Worker& w) override {
    Mine& m = mine_[w.tid()].value;
    m.ran = true;
    m.threads_seen = w.threads();
    std::uint64_t n = 0;
    w.loop([&]() -> unsigned { return static_cast<unsigned>(n++ & 1); });
    m.ops = n;
  }
  Verdict verify() override {
    ++verified_;
    return {true, "counted"};
  }
  struct Mine {
    bool ran = false;
    unsigned threads_seen = 0;
    std::uint64_t ops = 0;
  };
  std::vector<prim::Padded<Mine>> mine_;
  int windows_ = 0, verified_ = 0;
};

TEST(Pool, CountsEveryThreadsOpsExactlyAndByKind) {
  Pool pool(4, Placement{Placement::smt, {}});
  CountingCell cell(4);
  WindowOptions opt;
  opt.threads = 4;
  opt.duration = 30ms;
  const WindowResult r = pool.run_window(cell, opt);
  ASSERT_EQ(r.per_thread_ops.size(), 4u);
  std::uint64_t sum = 0;
  for (unsigned t = 0; t < 4; ++t) {
    EXPECT_TRUE(cell.mine_[t].value.ran) << "thread " << t;
    EXPECT_EQ(cell.mine_[t].value.threads_seen, 4u);
    EXPECT_EQ(r.per_thread_ops[t], cell.mine_[t].value.ops) << "thread " << t;
    sum += r.per_thread_ops[t];
  }
  EXPECT_EQ(sum, r.total_ops());
  // Each thread alternates kinds 0,1,0,1...: totals differ by at most one per thread.
  const auto k0 = r.ops_by_kind[0], k1 = r.ops_by_kind[1];
  EXPECT_LE(k0 - k1, 4u);
  EXPECT_EQ(r.ops_by_kind[2] + r.ops_by_kind[3], 0u);
  EXPECT_GT(r.seconds, 0.0);
  EXPECT_TRUE(r.verdict.ok);
  EXPECT_EQ(cell.verified_, 1);
  EXPECT_FALSE(r.interrupted);
}

TEST(Pool, OnlyTheCellsThreadsRunAndWidthsVaryAcrossReuse) {
  // Oversubscribed and reused: 16 workers on a 2-core machine, windows of different widths.
  Pool pool(16, Placement{Placement::smt, {}});
  for (unsigned threads : {1u, 16u, 3u, 16u, 2u}) {
    CountingCell cell(16);
    WindowOptions opt;
    opt.threads = threads;
    opt.duration = 20ms;
    const WindowResult r = pool.run_window(cell, opt);
    ASSERT_EQ(r.per_thread_ops.size(), threads);
    for (unsigned t = 0; t < 16; ++t) EXPECT_EQ(cell.mine_[t].value.ran, t < threads) << threads << "/" << t;
    EXPECT_EQ(cell.windows_, 1);
    EXPECT_EQ(cell.verified_, 1);
  }
}

TEST(Pool, StopFlagEndsEveryThreadEvenWhenOversubscribed) {
  Pool pool(32, Placement{Placement::none, {}});
  CountingCell cell(32);
  WindowOptions opt;
  opt.threads = 32;
  opt.duration = 10ms;
  for (int i = 0; i < 5; ++i) {
    const WindowResult r = pool.run_window(cell, opt);  // returns: every thread saw the flag
    EXPECT_EQ(r.per_thread_ops.size(), 32u);
  }
  EXPECT_EQ(cell.verified_, 5);
}

TEST(Pool, LatencySamplingRecordsSomeButNotAllOps) {
  Pool pool(2, Placement{Placement::smt, {}});
  CountingCell cell(2);
  WindowOptions opt;
  opt.threads = 2;
  opt.duration = 20ms;
  opt.sample_every = 64;
  const WindowResult r = pool.run_window(cell, opt);
  const std::uint64_t sampled = r.latency[0].count() + r.latency[1].count();
  EXPECT_GT(sampled, 0u);
  EXPECT_LT(sampled, r.total_ops());
  // One op in 64 is timed: per thread that is ceil(ops/64) give or take the start offset.
  EXPECT_LE(sampled, r.total_ops() / 64 + 2);
}

TEST(Pool, NoLatencyWhenOff) {
  Pool pool(2, Placement{Placement::smt, {}});
  CountingCell cell(2);
  WindowOptions opt;
  opt.threads = 2;
  opt.duration = 10ms;
  const WindowResult r = pool.run_window(cell, opt);
  for (const auto& h : r.latency) EXPECT_EQ(h.count(), 0u);
}

TEST(Pool, InterruptedWaitMarksTheWindow) {
  Pool pool(2, Placement{Placement::smt, {}});
  CountingCell cell(2);
  WindowOptions opt;
  opt.threads = 2;
  opt.duration = 10s;  // would be long; the wait says "interrupted" at once
  opt.wait = [](std::chrono::nanoseconds) { return false; };
  const WindowResult r = pool.run_window(cell, opt);
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(cell.verified_, 1);
}

TEST(Pool, FailedVerifyIsReported) {
  struct Failing final : Cell {
    void run(Worker& w) override {
      w.loop([] {});
    }
    Verdict verify() override { return {false, "broken on purpose"}; }
  } cell;
  Pool pool(1, Placement{Placement::none, {}});
  WindowOptions opt;
  opt.threads = 1;
  opt.duration = 5ms;
  const WindowResult r = pool.run_window(cell, opt);
  EXPECT_FALSE(r.verdict.ok);
  EXPECT_EQ(r.verdict.detail, "broken on purpose");
}

}  // namespace
}  // namespace lfbench

namespace lfbench {
namespace {

// alloc_count.hpp: operator new counts on the thread that calls it, and a window's count is
// the measuring threads' (allocs_per_op among its metrics).
TEST(Allocations, CountedPerThreadAndPerWindow) {
  if (!allocations_counted()) GTEST_SKIP() << "a sanitizer build keeps its runtime's operator new";
  const std::uint64_t before = thread_allocations();
  int* p = new int(1);
  asm volatile("" : : "r"(p) : "memory");  // the allocation is not elided
  delete p;
  EXPECT_EQ(thread_allocations(), before + 1);
  std::uint64_t elsewhere = 0;
  std::thread([&] {
    const std::uint64_t mine = thread_allocations();
    for (int i = 0; i < 3; ++i) {
      int* q = new int(i);
      asm volatile("" : : "r"(q) : "memory");
      delete q;
    }
    elsewhere = thread_allocations() - mine;
  }).join();
  EXPECT_EQ(elsewhere, 3u);
  // This thread's: its own one and std::thread's state (allocated by its creator), not the 3.
  EXPECT_LT(thread_allocations(), before + 4) << "another thread's allocations are its own";
}

}  // namespace
}  // namespace lfbench
