// The status scenario's oracle catches a state machine kept with a plain atomic load + store
// (case 000's SetStatus) when several threads change the status: two act on the same state, so
// readers see two states under one version and transitions are lost — verify must say so.
// With one writer, and with CAS or a lock for any number of writers, every window must pass.
// Includes the scenario's header (its cell) so its cell template can be driven directly.
#include <gtest/gtest.h>

#include "primitives/kinds.hpp"
#include "scenarios/status.hpp"
#include "scenarios/tests/oracle.hpp"

namespace lfbench {
namespace {

using namespace scenario::status;

template <class S>
std::vector<Verdict> windows(unsigned threads, int n, std::int64_t writers) {
  return test::verdicts<StatusCell<S>>(threads, n, {{"read_pct", 50}, {"writers", writers}});
}

TEST(StatusOracle, CatchesLoadStoreTransitionsFromSeveralWriters) {
  const auto [failed, detail] = test::failures(windows<prim::AtomicStore>(4, 10, 4));
  EXPECT_GT(failed, 0) << "the oracle never noticed racing load/store transitions";
  if (failed) {
    EXPECT_TRUE(detail.find("illegal") != std::string::npos || detail.find("lost") != std::string::npos)
        << detail;
  }
}

TEST(StatusOracle, PassesEveryCorrectUse) {
  for (const auto& v : windows<prim::AtomicStore>(4, 2, 1)) EXPECT_TRUE(v.ok) << "atomic_store, 1 writer: " << v.detail;
  for (const auto& v : windows<prim::AtomicCas>(4, 2, 4)) EXPECT_TRUE(v.ok) << "atomic_cas: " << v.detail;
  auto locked = []<class L>() {
    for (const auto& v : windows<scenario::Locked<L>>(4, 1, 4)) EXPECT_TRUE(v.ok) << L::name << ": " << v.detail;
  };
  prim::for_each_type(prim::Locks{}, locked);
  prim::for_each_type(prim::SharedLocks{}, locked);
}

}  // namespace
}  // namespace lfbench
