// The broker scenario's oracle catches delivery designs that lose or duplicate messages: a
// push drain that drops a message when a consumer's prefetch buffer is full (a non-blocking
// send), and a cursor that advances one position short after each read (redelivery). Every
// real design passes with every queue.
// Includes the scenario's header (its cell) so its cell template can run the faulty designs;
// real designs run the cells the registry made for them (lfbench_scenarios).
#include <gtest/gtest.h>

#include "primitives/mpmc_ring.hpp"
#include "primitives/spsc_ring.hpp"
#include "scenarios/broker.hpp"
#include "scenarios/tests/oracle.hpp"

namespace lfbench {
namespace {

using namespace scenario::broker;

using Small = msg::Message<msg::kSmall>;

// design: test::cell<BrokerCell<Q, F>> for a faulty design, or a registered design's entry.
std::vector<Verdict> windows(const auto& design, unsigned threads, int n, const char* delivery, std::int64_t prefetch,
                             std::int64_t queues = 1) {
  return test::verdicts(design, threads, n,
                        {{"delivery", delivery},
                         {"split", "N:N"},
                         {"queues", queues},
                         {"prefetch", prefetch},
                         {"capacity", 1024},
                         {"payload_bytes", 16}});
}

TEST(BrokerOracle, CatchesADrainThatDropsWhenABufferIsFull) {
  // One drain, a producer, two consumers with one-message buffers: buffers are often full
  // (though a window on a busy machine may not find them so).
  constexpr auto dropping = test::cell<BrokerCell<prim::MpmcRing<Small>, Fault::drop_when_full>>;
  const auto [failed, detail] = test::failures(windows(dropping, 4, 5, "push", 1));
  EXPECT_GT(failed, 0) << "a push delivery that drops messages passed";
  EXPECT_NE(detail.find("lost"), std::string::npos) << detail;
}

TEST(BrokerOracle, CatchesACursorThatRedelivers) {
  constexpr auto rereading = test::cell<BrokerCell<CursorRing<Small>, Fault::reread_last>>;
  const auto [failed, detail] = test::failures(windows(rereading, 4, 3, "cursor", 8));
  EXPECT_GT(failed, 0) << "a cursor that delivers messages twice passed";
  EXPECT_NE(detail.find("twice"), std::string::npos) << detail;
}

TEST(BrokerOracle, PassesEveryRealDesign) {
  test::for_each_registered(id, test::listed({test::List::queues}), [](const PrimitiveEntry& q) {
    const bool multi = q.traits.producers == prim::Producers::multi && q.traits.consumers == prim::Producers::multi;
    // push: a drain, a producer and a consumer (an SPSC queue has one of each); pull: 1p1c.
    for (const auto& v : windows(q, 3, 1, "push", 4)) EXPECT_TRUE(v.ok) << q.id << " push: " << v.detail;
    for (const auto& v : windows(q, 2, 1, "pull", 4)) EXPECT_TRUE(v.ok) << q.id << " pull: " << v.detail;
    if (multi) {
      for (const auto& v : windows(q, 6, 1, "push", 3, 2)) EXPECT_TRUE(v.ok) << q.id << " push x2: " << v.detail;
      for (const auto& v : windows(q, 5, 1, "pull", 3)) EXPECT_TRUE(v.ok) << q.id << " pull 2p3c: " << v.detail;
    }
  });
  if (const PrimitiveEntry* c = test::registered(id, CursorRing<Small>::name)) {
    for (const auto& v : windows(*c, 2, 1, "cursor", 4)) EXPECT_TRUE(v.ok) << "cursor 1p1c: " << v.detail;
    for (const auto& v : windows(*c, 5, 2, "cursor", 3)) EXPECT_TRUE(v.ok) << "cursor 2p3c: " << v.detail;
    for (const auto& v : windows(*c, 6, 1, "cursor", 100, 2)) EXPECT_TRUE(v.ok) << "cursor, two rings: " << v.detail;
  }
}

TEST(BrokerOracle, LeavesOutCellsADesignCannotRun) {
  Params p;
  p.set("delivery", "cursor");
  p.set("split", "N:N");
  p.set("queues", "1");
  EXPECT_NE(unsupported<prim::MpmcRing<Small>>(CellSpec{p, 4}), "") << "a queue primitive took cursor delivery";
  EXPECT_EQ(unsupported<CursorRing<Small>>(CellSpec{p, 4}), "");
  p.set("delivery", "push");
  EXPECT_NE(unsupported<CursorRing<Small>>(CellSpec{p, 4}), "");
  EXPECT_NE(unsupported<prim::MpmcRing<Small>>(CellSpec{p, 2}), "") << "push without a consumer besides the drain";
  EXPECT_EQ(unsupported<prim::SpscRing<Small>>(CellSpec{p, 3}), "") << "one producer, one drain: an SPSC queue fits";
  p.set("delivery", "pull");
  EXPECT_NE(unsupported<prim::SpscRing<Small>>(CellSpec{p, 5}), "") << "an SPSC queue pulled by three consumers";
}

}  // namespace
}  // namespace lfbench
