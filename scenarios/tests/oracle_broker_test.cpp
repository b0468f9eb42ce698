// The broker scenario's oracle catches delivery designs that lose or duplicate messages: a
// push drain that drops a message when a consumer's prefetch buffer is full (a non-blocking
// send), and a cursor that advances one position short after each read (redelivery). Every
// real design passes with every queue.
// Includes the scenario's header (its cell) so its cell template can run the faulty designs.
#include <gtest/gtest.h>

#include "primitives/kinds.hpp"
#include "scenarios/broker.hpp"
#include "scenarios/tests/oracle.hpp"

namespace lfbench {
namespace {

using namespace scenario::broker;

using Small = msg::Message<msg::kSmall>;

template <class Q, Fault F = Fault::none>
std::vector<Verdict> windows(unsigned threads, int n, const char* delivery, std::int64_t prefetch,
                             std::int64_t queues = 1) {
  return test::verdicts<BrokerCell<Q, F>>(threads, n,
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
  const auto [failed, detail] = test::failures(windows<prim::MpmcRing<Small>, Fault::drop_when_full>(4, 5, "push", 1));
  EXPECT_GT(failed, 0) << "a push delivery that drops messages passed";
  EXPECT_NE(detail.find("lost"), std::string::npos) << detail;
}

TEST(BrokerOracle, CatchesACursorThatRedelivers) {
  const auto [failed, detail] = test::failures(windows<CursorRing<Small>, Fault::reread_last>(4, 3, "cursor", 8));
  EXPECT_GT(failed, 0) << "a cursor that delivers messages twice passed";
  EXPECT_NE(detail.find("twice"), std::string::npos) << detail;
}

TEST(BrokerOracle, PassesEveryRealDesign) {
  auto check = []<class Q>() {
    if constexpr (!Q::traits.known_broken) {
      const bool multi = Q::traits.producers == prim::Producers::multi && Q::traits.consumers == prim::Producers::multi;
      // push: a drain, a producer and a consumer (an SPSC queue has one of each); pull: 1p1c.
      for (const auto& v : windows<Q>(3, 1, "push", 4)) EXPECT_TRUE(v.ok) << Q::name << " push: " << v.detail;
      for (const auto& v : windows<Q>(2, 1, "pull", 4)) EXPECT_TRUE(v.ok) << Q::name << " pull: " << v.detail;
      if (multi) {
        for (const auto& v : windows<Q>(6, 1, "push", 3, 2)) EXPECT_TRUE(v.ok) << Q::name << " push x2: " << v.detail;
        for (const auto& v : windows<Q>(5, 1, "pull", 3)) EXPECT_TRUE(v.ok) << Q::name << " pull 2p3c: " << v.detail;
      }
    }
  };
  prim::for_each_type(prim::Queues<Small>{}, check);
  for (const auto& v : windows<CursorRing<Small>>(2, 1, "cursor", 4)) EXPECT_TRUE(v.ok) << "cursor 1p1c: " << v.detail;
  for (const auto& v : windows<CursorRing<Small>>(5, 2, "cursor", 3)) EXPECT_TRUE(v.ok) << "cursor 2p3c: " << v.detail;
  for (const auto& v : windows<CursorRing<Small>>(6, 1, "cursor", 100, 2))
    EXPECT_TRUE(v.ok) << "cursor, two rings: " << v.detail;
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
