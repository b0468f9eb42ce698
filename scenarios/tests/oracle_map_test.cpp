// The map scenario's oracle catches a broken get_or_add: check-then-insert without holding the
// lock across both, so two threads that both miss a key both insert, the second overwriting
// the first's id after the first was handed it. Every real Map must pass.
// Includes the scenario's header (its cell) so its cell template can measure a test-only primitive;
// real maps run the cells the registry made for them (lfbench_scenarios).
#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <unordered_map>

#include "scenarios/map.hpp"
#include "scenarios/tests/oracle.hpp"

namespace lfbench {
namespace {

using namespace scenario::map;

// Broken on purpose: every access is under the mutex (TSan-clean), but the check and the
// insert are two critical sections; the yield between them widens the window.
class CheckThenInsertMap {
 public:
  static constexpr std::string_view name = "check_then_insert_map";
  static constexpr prim::Traits traits{};
  bool find(std::uint64_t k, std::uint64_t* out) {
    std::scoped_lock g(m_);
    const auto it = map_.find(k);
    if (it == map_.end()) return false;
    *out = it->second;
    return true;
  }
  std::uint64_t get_or_add(std::uint64_t k, std::uint64_t v) {
    std::uint64_t found = 0;
    if (find(k, &found)) return found;
    std::this_thread::yield();
    std::scoped_lock g(m_);
    map_[k] = v;
    return v;
  }
  std::size_t size() {
    std::scoped_lock g(m_);
    return map_.size();
  }

 private:
  std::mutex m_;
  std::unordered_map<std::uint64_t, std::uint64_t> map_;
};
static_assert(prim::Map<CheckThenInsertMap>);

// map: test::cell<MapCell<P>> for a test-only map, or a registered map's entry.
std::vector<Verdict> windows(const auto& map, unsigned threads, int n, std::int64_t keys, std::int64_t read_pct) {
  return test::verdicts(map, threads, n, {{"read_pct", read_pct}, {"hit_pct", 0}, {"keys", keys}, {"shards", 4}});
}

TEST(MapOracle, CatchesCheckThenInsert) {
  // Few keys and no lookups: threads keep racing to add the same absent keys.
  const auto [failed, detail] = test::failures(windows(test::cell<MapCell<CheckThenInsertMap>>, 4, 10, 256, 0));
  EXPECT_GT(failed, 0) << "the oracle never noticed a key handed two ids";
  if (failed) {
    EXPECT_NE(detail.find("id"), std::string::npos) << detail;
  }
}

TEST(MapOracle, PassesEveryRealPrimitive) {
  test::for_each_registered(id, test::listed({test::List::maps}), [](const PrimitiveEntry& p) {
    for (const auto& v : windows(p, 4, 2, 4096, 0)) EXPECT_TRUE(v.ok) << p.id << ": " << v.detail;
    for (const auto& v : windows(p, 3, 1, 65536, 50)) EXPECT_TRUE(v.ok) << p.id << ": " << v.detail;
  });
}

}  // namespace
}  // namespace lfbench
