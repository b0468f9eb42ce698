// The cow scenario's oracle catches a snapshot that updates the shared value in place, without
// copying (what copy-on-write code degrades to when someone "optimises" the copy away):
// readers then see a registry whose entries and checksum disagree. Every real Snapshot passes.
// Includes the scenario's source so its cell template can measure a test-only primitive.
#include <gtest/gtest.h>

#include <mutex>

#include "primitives/tests/stress.hpp"
#include "scenarios/cow.cpp"
#include "scenarios/tests/oracle.hpp"

namespace lfbench {
namespace {

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

template <class S>
std::vector<Verdict> windows(unsigned threads, int n, std::int64_t entries, std::int64_t write_pct,
                             std::int64_t updates_per_sec, bool iterate) {
  return test::verdicts<CowCell<S>>(threads, n,
                                    {{"entries", entries},
                                     {"write_pct", write_pct},
                                     {"updates_per_sec", updates_per_sec},
                                     {"read_op", iterate ? "iterate" : "lookup"}});
}

TEST(CowOracle, CatchesUpdatesInPlace) {
  if (test::kTsan) GTEST_SKIP() << "the broken snapshot races by design; release and ASan builds run this";
  const auto [failed, detail] = test::failures(windows<InPlaceSnapshot<Registry>>(4, 10, 256, 50, 0, true));
  EXPECT_GT(failed, 0) << "the oracle never noticed readers sharing the value being updated";
  if (failed) {
    EXPECT_TRUE(detail.find("torn") != std::string::npos || detail.find("not whole") != std::string::npos) << detail;
  }
}

TEST(CowOracle, PassesEveryRealPrimitive) {
  auto check = []<class S>() {
    for (const auto& v : windows<S>(4, 2, 256, 20, 0, true)) EXPECT_TRUE(v.ok) << S::name << ": " << v.detail;
    for (const auto& v : windows<S>(3, 2, 4096, 0, 2000, false)) EXPECT_TRUE(v.ok) << S::name << ": " << v.detail;
    for (const auto& v : windows<S>(1, 1, 16, 0, 10000, false)) EXPECT_TRUE(v.ok) << S::name << ": " << v.detail;
  };
  prim::for_each_type(prim::Snapshots<Registry>{}, check);
}

}  // namespace
}  // namespace lfbench
