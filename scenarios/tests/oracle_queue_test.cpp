// The queue scenario's oracle catches case 000's ring (seed_ring: a slot claimed by CAS before
// its item is stored), and a queue that drops or duplicates a message now and then; every
// real Queue passes it in both modes.
// Includes the scenario's header (its cell) so its cell template can measure test-only primitives;
// real queues run the cells the registry made for them (lfbench_scenarios).
#include <gtest/gtest.h>

#include <deque>
#include <mutex>

#include "primitives/mpmc_ring.hpp"
#include "primitives/seed_ring.hpp"
#include "primitives/spsc_ring.hpp"
#include "scenarios/queue.hpp"
#include "scenarios/tests/oracle.hpp"

namespace lfbench {
namespace {

using namespace scenario::queue;

using Small = msg::Message<msg::kSmall>;

// Broken on purpose, TSan-clean (everything under the mutex): the second push, and every
// 1000th after it, is dropped or pushed twice (so even a starved first window has a fault).
template <class V, bool Duplicate>
class LossyDeque {
 public:
  using value_type = V;
  static constexpr std::string_view name = Duplicate ? "duplicating_deque" : "dropping_deque";
  static constexpr prim::Traits traits{.producers = prim::Producers::multi,
                                       .consumers = prim::Producers::multi,
                                       .order = prim::Order::fifo};
  bool try_push(const V& v) {
    std::scoped_lock g(m_);
    if (++n_ % 1000 == 2) {  // the second push of the first window, and every 1000th after
      if (!Duplicate) return true;
      q_.push_back(v);
    }
    q_.push_back(v);
    return true;
  }
  bool try_pop(V& out) {
    std::scoped_lock g(m_);
    if (q_.empty()) return false;
    out = q_.front();
    q_.pop_front();
    return true;
  }

 private:
  std::mutex m_;
  std::deque<V> q_;
  std::uint64_t n_ = 0;
};

// Broken on purpose: LIFO while it claims FIFO.
template <class V>
class StackClaimingFifo {
 public:
  using value_type = V;
  static constexpr std::string_view name = "stack_claiming_fifo";
  static constexpr prim::Traits traits{.producers = prim::Producers::multi,
                                       .consumers = prim::Producers::multi,
                                       .order = prim::Order::fifo};
  bool try_push(const V& v) {
    std::scoped_lock g(m_);
    q_.push_back(v);
    return true;
  }
  bool try_pop(V& out) {
    std::scoped_lock g(m_);
    if (q_.empty()) return false;
    out = q_.back();
    q_.pop_back();
    return true;
  }

 private:
  std::mutex m_;
  std::deque<V> q_;
};

// queue: test::cell<QueueCell<Q>> for a test-only queue, or a registered queue's entry.
std::vector<Verdict> windows(const auto& queue, unsigned threads, int n, const char* split, const char* mode,
                             std::int64_t capacity) {
  return test::verdicts(queue, threads, n,
                        {{"split", split},
                         {"capacity", capacity},
                         {"batch", 1},
                         {"payload_bytes", 16},
                         {"mode", mode}});
}

TEST(QueueOracle, CatchesCaseZeroRing) {
  // Several producers and consumers on a small ring: claims and stores interleave constantly.
  int failed = 0;
  std::string detail;
  const PrimitiveEntry* seed_ring = test::registered(id, prim::SeedRing<Small>::name);
  ASSERT_NE(seed_ring, nullptr);
  for (const char* split : {"N:N", "1:N"}) {
    const auto [f, d] = test::failures(windows(*seed_ring, 4, 5, split, "throughput", 16));
    failed += f;
    if (f) detail = d;
  }
  EXPECT_GT(failed, 0) << "the oracle never noticed case 000's ring read a slot before its item was stored";
  EXPECT_TRUE(seed_ring->traits.known_broken) << "seed_ring must say it is known broken";
  if (failed) {
    EXPECT_TRUE(detail.find("corrupted") != std::string::npos || detail.find("lost") != std::string::npos ||
                detail.find("twice") != std::string::npos || detail.find("order") != std::string::npos)
        << detail;
  }
}

TEST(QueueOracle, CatchesDroppedAndDuplicatedMessages) {
  // Every window pushes far more than 1000 messages, even on a busy machine, so each has a
  // fault; the oracle must flag the windows (at least one: a starved window may push fewer).
  constexpr auto dropping = test::cell<QueueCell<LossyDeque<Small, false>>>;
  constexpr auto duplicating = test::cell<QueueCell<LossyDeque<Small, true>>>;
  const auto [dropped, d1] = test::failures(windows(dropping, 2, 3, "N:N", "throughput", 1024));
  EXPECT_GT(dropped, 0) << "a dropped message went unnoticed";
  EXPECT_NE(d1.find("lost"), std::string::npos) << d1;
  const auto [doubled, d2] = test::failures(windows(duplicating, 2, 3, "N:N", "throughput", 1024));
  EXPECT_GT(doubled, 0) << "a duplicated message went unnoticed";
  EXPECT_NE(d2.find("twice"), std::string::npos) << d2;
  const auto [pp, d3] = test::failures(windows(dropping, 2, 3, "1:1", "pingpong", 16));
  EXPECT_GT(pp, 0) << "a message dropped in ping-pong went unnoticed";
}

TEST(QueueOracle, CatchesBrokenOrder) {
  // One producer, one consumer, and a queue that hands out the newest item first.
  const auto [failed, detail] =
      test::failures(windows(test::cell<QueueCell<StackClaimingFifo<Small>>>, 2, 3, "1:1", "throughput", 1024));
  EXPECT_GT(failed, 0) << "LIFO passed as FIFO";
  EXPECT_NE(detail.find("FIFO"), std::string::npos) << detail;
}

TEST(QueueOracle, PassesEveryRealQueue) {
  test::for_each_registered(id, test::listed({test::List::queues}), [](const PrimitiveEntry& q) {
    auto expect_ok = [&](unsigned threads, const char* split, const char* mode, std::int64_t capacity) {
      for (const auto& v : windows(q, threads, 1, split, mode, capacity))
        EXPECT_TRUE(v.ok) << q.id << " threads=" << threads << " split=" << split << " mode=" << mode << ": "
                          << v.detail;
    };
    expect_ok(2, "1:1", "throughput", 64);
    expect_ok(2, "1:1", "pingpong", 4);
    expect_ok(1, "N:N", "throughput", 64);
    if (q.traits.producers == prim::Producers::multi && q.traits.consumers == prim::Producers::multi) {
      expect_ok(4, "N:N", "throughput", 16);
      expect_ok(3, "N:1", "throughput", 16);
      expect_ok(3, "1:N", "throughput", 16);
      expect_ok(4, "N:N", "pingpong", 16);
    }
  });
}

TEST(QueueOracle, LeavesOutCellsAQueueCannotRun) {
  Params p;
  p.set("split", "N:N");
  p.set("mode", "throughput");
  EXPECT_NE(unsupported<prim::SpscRing<Small>>(CellSpec{p, 4}), "") << "an SPSC ring accepted two producers";
  EXPECT_EQ(unsupported<prim::SpscRing<Small>>(CellSpec{p, 2}), "");
  EXPECT_EQ(unsupported<prim::MpmcRing<Small>>(CellSpec{p, 8}), "");
  p.set("mode", "pingpong");
  EXPECT_NE(unsupported<prim::MpmcRing<Small>>(CellSpec{p, 3}), "") << "ping-pong accepted an odd thread count";
}

}  // namespace
}  // namespace lfbench
