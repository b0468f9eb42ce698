// The rwlock scenario's oracle catches a broken reader-writer lock: readers that skip the lock
// read the record while a writer is halfway through it, and verify must report torn reads.
// Every real primitive (Locks seen exclusively, SharedLocks, OptimisticLocks) must pass.
// Includes the scenario's header (its cell) so its cell template can measure a test-only primitive;
// real locks run the cells the registry made for them (lfbench_scenarios).
#include <gtest/gtest.h>

#include "scenarios/rwlock.hpp"
#include "primitives/tests/stress.hpp"
#include "scenarios/tests/oracle.hpp"

namespace lfbench {
namespace {

using namespace scenario::rwlock;

// Broken on purpose: writers exclude each other, readers take nothing, so a read can interleave
// with a write. Under a lock the record is plain memory: a data race by design, which
// ThreadSanitizer reports (what lfbench verify relies on), so this runs outside TSan only
// (release and ASan builds), where the oracle alone must catch it.
class ReadersSkipTheLock {
 public:
  static constexpr std::string_view name = "readers_skip_the_lock";
  static constexpr prim::Traits traits{};
  void lock() { m_.lock(); }
  void unlock() { m_.unlock(); }
  bool try_lock() { return m_.try_lock(); }
  void lock_shared() {}
  void unlock_shared() {}
  bool try_lock_shared() { return true; }

 private:
  std::mutex m_;
};
static_assert(prim::SharedLock<ReadersSkipTheLock>);

// lock: test::cell<RwCell<P>> for a test-only lock, or a registered lock's entry.
std::vector<Verdict> windows(const auto& lock, unsigned threads, int n, std::int64_t read_pct,
                             std::int64_t critical_ns) {
  return test::verdicts(lock, threads, n, {{"read_pct", read_pct}, {"critical_ns", critical_ns}, {"parallel_ns", 0}});
}

TEST(RwlockOracle, CatchesReadersThatSkipTheLock) {
  if (test::kTsan) GTEST_SKIP() << "the broken lock races by design; release and ASan builds run this";
  const auto [failed, detail] = test::failures(windows(test::cell<RwCell<ReadersSkipTheLock>>, 4, 10, 50, 100));
  EXPECT_GT(failed, 0) << "the oracle never noticed unprotected reads";
  if (failed) {
    EXPECT_NE(detail.find("torn"), std::string::npos) << detail;
  }
}

TEST(RwlockOracle, PassesEveryRealPrimitive) {
  const auto locks = test::listed({test::List::locks, test::List::shared_locks, test::List::optimistic_locks});
  test::for_each_registered(id, locks, [](const PrimitiveEntry& p) {
    for (const auto& v : windows(p, 4, 2, 50, 100)) EXPECT_TRUE(v.ok) << p.id << ": " << v.detail;
    for (const auto& v : windows(p, 3, 1, 90, 0)) EXPECT_TRUE(v.ok) << p.id << ": " << v.detail;
  });
}

}  // namespace
}  // namespace lfbench
