// The status scenario's oracle catches a state machine kept with a plain atomic load + store
// (case 000's SetStatus) when two threads change the status: both act on the same state, so
// readers see two states under one version and transitions are lost — verify must say so.
// With one writer, and with CAS or a lock for any number of writers, every window must pass.
// Includes the scenario's source so its cell template can be driven directly.
#include <gtest/gtest.h>

#include "scenarios/harness/pool.hpp"
#include "scenarios/status.cpp"

namespace lfbench {
namespace {

using namespace std::chrono_literals;

template <class S>
std::vector<Verdict> windows(unsigned threads, int n, unsigned writers, std::int64_t read_pct) {
  Params params;
  params.set("read_pct", std::to_string(read_pct));
  params.set("writers", std::to_string(writers));
  StatusCell<S> cell(CellSpec{params, threads});
  Pool pool(threads, Pin::compact);
  WindowOptions opt;
  opt.threads = threads;
  opt.duration = 20ms;
  std::vector<Verdict> out;
  for (int i = 0; i < n; ++i) out.push_back(pool.run_window(cell, opt).verdict);
  return out;
}

TEST(StatusOracle, CatchesLoadStoreTransitionsFromTwoWriters) {
  int failed = 0;
  std::string detail;
  for (const auto& v : windows<AtomicStore>(4, 10, 4, 50))
    if (!v.ok) {
      ++failed;
      detail = v.detail;
    }
  EXPECT_GT(failed, 0) << "the oracle never noticed racing load/store transitions";
  if (failed) {
    EXPECT_TRUE(detail.find("illegal") != std::string::npos || detail.find("lost") != std::string::npos)
        << detail;
  }
}

TEST(StatusOracle, PassesEveryCorrectUse) {
  for (const auto& v : windows<AtomicStore>(4, 2, 1, 50)) EXPECT_TRUE(v.ok) << "atomic_store, 1 writer: " << v.detail;
  for (const auto& v : windows<AtomicCas>(4, 2, 4, 50)) EXPECT_TRUE(v.ok) << "atomic_cas: " << v.detail;
  auto locked = []<class L>() {
    for (const auto& v : windows<Locked<L>>(4, 1, 4, 50)) EXPECT_TRUE(v.ok) << L::name << ": " << v.detail;
  };
  prim::for_each_type(prim::Locks{}, locked);
  prim::for_each_type(prim::SharedLocks{}, locked);
}

}  // namespace
}  // namespace lfbench
