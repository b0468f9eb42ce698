// The status scenario's oracle catches a state machine kept with a plain atomic load + store
// (case 000's SetStatus) when several threads change the status: two act on the same state, so
// readers see two states under one version and transitions are lost — verify must say so.
// With one writer, and with CAS or a lock for any number of writers, every window must pass.
// Runs the cells the registry made (lfbench_scenarios): every way of keeping the word here is a
// registered primitive.
#include <gtest/gtest.h>

#include "scenarios/status.hpp"
#include "scenarios/tests/oracle.hpp"

namespace lfbench {
namespace {

using namespace scenario::status;

std::vector<Verdict> windows(const PrimitiveEntry& word, unsigned threads, int n, std::int64_t writers) {
  return test::verdicts(word, threads, n, {{"read_pct", 50}, {"writers", writers}});
}

TEST(StatusOracle, CatchesLoadStoreTransitionsFromSeveralWriters) {
  const PrimitiveEntry* store = test::registered(id, prim::AtomicStore::name);
  ASSERT_NE(store, nullptr);
  const auto [failed, detail] = test::failures(windows(*store, 4, 10, 4));
  EXPECT_GT(failed, 0) << "the oracle never noticed racing load/store transitions";
  if (failed) {
    EXPECT_TRUE(detail.find("illegal") != std::string::npos || detail.find("lost") != std::string::npos)
        << detail;
  }
}

TEST(StatusOracle, PassesEveryCorrectUse) {
  if (const PrimitiveEntry* store = test::registered(id, prim::AtomicStore::name)) {
    for (const auto& v : windows(*store, 4, 2, 1)) EXPECT_TRUE(v.ok) << "atomic_store, 1 writer: " << v.detail;
  }
  if (const PrimitiveEntry* cas = test::registered(id, prim::AtomicCas::name)) {
    for (const auto& v : windows(*cas, 4, 2, 4)) EXPECT_TRUE(v.ok) << "atomic_cas: " << v.detail;
  }
  // A lock keeps the word under Locked<L>, registered under the lock's name.
  const auto locks = test::listed({test::List::locks, test::List::shared_locks});
  test::for_each_registered(id, locks, [](const PrimitiveEntry& p) {
    for (const auto& v : windows(p, 4, 1, 4)) EXPECT_TRUE(v.ok) << p.id << ": " << v.detail;
  });
}

}  // namespace
}  // namespace lfbench
