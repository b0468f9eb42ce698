// The cow scenario's oracle catches a snapshot that updates the shared value in place, without
// copying (what copy-on-write code degrades to when someone "optimises" the copy away):
// readers then see a registry whose entries and checksum disagree. Every real Snapshot passes.
// Includes the scenario's header (its cell) so its cell template can measure test-only primitives;
// real snapshots run the cells the registry made for them (lfbench_scenarios).
#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "primitives/mutex_snapshot.hpp"
#include "primitives/tests/stress.hpp"
#include "scenarios/cow.hpp"
#include "scenarios/tests/oracle.hpp"

namespace lfbench {
namespace {

using namespace scenario::cow;

// Broken on purpose: readers use the one value while a writer modifies it. That is a data race
// by design, so this primitive runs only outside ThreadSanitizer (release and ASan builds).
template <class T>
class InPlaceSnapshot {
 public:
  using value_type = T;
  static constexpr std::string_view name = "in_place_snapshot";
  static constexpr prim::Traits traits{};
  template <class F>
  decltype(auto) read(F&& fn) const {
    return std::forward<F>(fn)(value_);
  }
  template <class F>
  void update(F&& fn) {
    std::scoped_lock g(writer_);
    std::forward<F>(fn)(value_);
  }

 private:
  std::mutex writer_;
  T value_{};
};
static_assert(prim::Snapshot<InPlaceSnapshot<Registry>>);

// A correct snapshot (mutex_snapshot) that also records which entries its updates changed, so
// a test can see where the scenario's writes land. The set is static because the cell owns
// the snapshot; it is guarded by the snapshot's mutex (update() runs fn under it).
template <class T>
class TouchRecordingSnapshot : public prim::MutexSnapshot<T> {
 public:
  static constexpr std::string_view name = "touch_recording_snapshot";
  template <class F>
  void update(F&& fn) {
    prim::MutexSnapshot<T>::update([&](T& r) {
      std::forward<F>(fn)(r);
      if (r.version == 0) return;  // the cell's initial fill, not a write
      for (const Entry& e : r.entries)
        if (e.version == r.version) touched.insert(e.key);  // the entry this update bumped
    });
  }
  inline static std::set<std::uint64_t> touched;
};
static_assert(prim::Snapshot<TouchRecordingSnapshot<Registry>>);

// snapshot: test::cell<CowCell<S>> for a test-only snapshot, or a registered snapshot's entry.
std::vector<Verdict> windows(const auto& snapshot, unsigned threads, int n, std::int64_t entries,
                             std::int64_t write_pct, std::int64_t updates_per_sec, bool iterate) {
  return test::verdicts(snapshot, threads, n,
                        {{"entries", entries},
                         {"write_pct", write_pct},
                         {"updates_per_sec", updates_per_sec},
                         {"read_op", iterate ? "iterate" : "lookup"}});
}

TEST(CowOracle, CatchesUpdatesInPlace) {
  if (test::kTsan) GTEST_SKIP() << "the broken snapshot races by design; release and ASan builds run this";
  const auto [failed, detail] =
      test::failures(windows(test::cell<CowCell<InPlaceSnapshot<Registry>>>, 4, 10, 256, 50, 0, true));
  EXPECT_GT(failed, 0) << "the oracle never noticed readers sharing the value being updated";
  if (failed) {
    EXPECT_TRUE(detail.find("torn") != std::string::npos || detail.find("not whole") != std::string::npos) << detail;
  }
}

// write_pct updates pick their entry uniformly: a pick from too few random bits once sent every
// one of them (and every lookup) to entry 0, which would measure a registry of one hot line.
TEST(CowOracle, MixedWritesSpreadOverTheRegistry) {
  using S = TouchRecordingSnapshot<Registry>;
  S::touched.clear();
  for (const auto& v : windows(test::cell<CowCell<S>>, 1, 3, 256, 50, 0, false)) EXPECT_TRUE(v.ok) << v.detail;
  EXPECT_GT(S::touched.size(), 128u) << "updates touched only " << S::touched.size() << " of 256 entries";
}

TEST(CowOracle, PassesEveryRealPrimitive) {
  test::for_each_registered(id, test::listed({test::List::snapshots}), [](const PrimitiveEntry& s) {
    for (const auto& v : windows(s, 4, 2, 256, 20, 0, true)) EXPECT_TRUE(v.ok) << s.id << ": " << v.detail;
    for (const auto& v : windows(s, 3, 2, 4096, 0, 2000, false)) EXPECT_TRUE(v.ok) << s.id << ": " << v.detail;
    for (const auto& v : windows(s, 1, 1, 16, 0, 10000, false)) EXPECT_TRUE(v.ok) << s.id << ": " << v.detail;
  });
}

}  // namespace
}  // namespace lfbench
