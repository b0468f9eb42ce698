// Correctness stress for every Snapshot in lfbench::prim::Snapshots (kinds.hpp): under 16
// oversubscribed threads (writers updating, readers reading), every read sees a whole value
// (all its words equal its version), versions never go backwards per reader, no update is lost,
// and every copy a primitive made has been freed once the threads are done. Values are
// poisoned when destroyed, and this test also runs under AddressSanitizer (ci/test), so a
// reader touching a reclaimed snapshot is caught. A primitive added to the Snapshots list is
// tested here with no edit to this file.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "primitives/kinds.hpp"
#include "primitives/tests/stress.hpp"

namespace {

using lfbench::test::kOversubscribed;
using lfbench::test::run_threads;
using lfbench::test::scaled;
using lfbench::test::Slot;
using lfbench::test::sum_slots;

struct Tally {
  std::atomic<std::uint64_t> made{0}, freed{0};
};

constexpr std::uint64_t kLive = 0x5AFE5AFE5AFE5AFEull, kDead = 0xDEADDEADDEADDEADull;

// A value big enough that a copy is not one store: a whole one has every word equal.
struct Probe {
  std::uint64_t live = kLive;
  std::array<std::uint64_t, 16> words{};
  Tally* tally = nullptr;

  Probe() = default;
  Probe(const Probe& o) : words(o.words), tally(o.tally) {
    if (tally) tally->made.fetch_add(1, std::memory_order_relaxed);  // relaxed: a tally
  }
  Probe& operator=(const Probe&) = delete;
  ~Probe() {
    std::atomic_ref<std::uint64_t>(live).store(kDead, std::memory_order_relaxed);  // not a dead store
    if (tally) tally->freed.fetch_add(1, std::memory_order_relaxed);
  }
  bool whole() const {
    for (auto w : words)
      if (w != words[0]) return false;
    return live == kLive;
  }
};

template <class S>
class SnapshotTest : public ::testing::Test {
 protected:
  Tally tally_;  // outlives snap_ (declared first)
  S snap_;
};

using SnapshotTypes = lfbench::test::GtestTypes<lfbench::prim::Snapshots<Probe>>;
TYPED_TEST_SUITE(SnapshotTest, SnapshotTypes, lfbench::test::PrimitiveName);

std::uint64_t version(const Probe& p) { return p.words[0]; }

TYPED_TEST(SnapshotTest, UpdatesAreVisibleToLaterReads) {
  static_assert(lfbench::prim::Snapshot<TypeParam>);
  auto& s = this->snap_;
  EXPECT_EQ(s.read(version), 0u);
  s.update([&](Probe& p) {
    p.tally = &this->tally_;
    p.words.fill(7);
  });
  EXPECT_EQ(s.read(version), 7u);
  EXPECT_TRUE(s.read([](const Probe& p) { return p.whole(); }));
  s.update([](Probe& p) { p.words.fill(p.words[0] + 1); });
  EXPECT_EQ(s.read(version), 8u);
  lfbench::prim::snapshot_offline(s);  // QSBR: this thread is about to wait for others
}

TYPED_TEST(SnapshotTest, ConcurrentReadersSeeWholeValuesAndNoUpdateIsLost) {
  auto& s = this->snap_;
  s.update([&](Probe& p) { p.tally = &this->tally_; });
  constexpr unsigned kWriters = 4;
  const std::size_t updates = scaled(1500), reads = scaled(20000);
  std::vector<Slot<std::uint64_t>> torn(kOversubscribed), backwards(kOversubscribed);
  run_threads(kOversubscribed, [&](unsigned t) {
    if (t < kWriters) {
      for (std::size_t i = 0; i < updates; ++i)
        s.update([](Probe& p) {
          // Word by word, so a reader sharing the value being written would see it torn.
          for (auto& w : p.words) w = w + 1;
        });
      return;
    }
    // A fixed number of reads, not "until the writers are done": a reader-preferring rwlock
    // (glibc's, under std::shared_mutex) lets 12 looping readers starve the writers for ever.
    std::uint64_t last = 0, bad = 0, back = 0;
    for (std::size_t i = 0; i < reads; ++i) {
      const auto [v, ok] = s.read([](const Probe& p) { return std::pair{version(p), p.whole()}; });
      bad += !ok;
      back += v < last;
      last = v;
    }
    lfbench::prim::snapshot_offline(s);  // QSBR: this thread is done reading
    torn[t].value = bad;
    backwards[t].value = back;
  });
  EXPECT_EQ(sum_slots(torn), 0u) << "a reader saw a torn or reclaimed value";
  EXPECT_EQ(sum_slots(backwards), 0u) << "a reader saw the version go backwards";
  EXPECT_EQ(s.read(version), kWriters * updates) << "updates were lost";
  EXPECT_TRUE(s.read([](const Probe& p) { return p.whole(); }));
  lfbench::prim::snapshot_offline(s);
  lfbench::prim::snapshot_reclaim(s);  // no thread reads now: everything retired can go
  // Every copy made was retired by a later update and reclaimed by now. (The value the first
  // update replaced had no tally, so it is not counted as made: it balances the current one.)
  EXPECT_EQ(this->tally_.made.load(), this->tally_.freed.load()) << "retired snapshots were not reclaimed";
}

// A reader still inside fn while an update replaces its value keeps reading a whole, live
// value: the copy it holds is not reclaimed under it. (Locks and RCU make the update wait for
// the reader, so the reader stops waiting after a while; copy-on-write without a grace period
// completes the update while the reader holds the old copy.)
TYPED_TEST(SnapshotTest, AValueBeingReadIsNotReclaimedUnderTheReader) {
  auto& s = this->snap_;
  s.update([&](Probe& p) {
    p.tally = &this->tally_;
    p.words.fill(1);
  });
  std::atomic<bool> reading{false}, updated{false};
  std::atomic<int> whole_after{-1};
  run_threads(2, [&](unsigned t) {
    if (t == 0) {
      s.read([&](const Probe& p) {
        reading.store(true, std::memory_order_release);
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
        // acquire: pairs with the updater's release, so its update has completed.
        while (!updated.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < give_up)
          std::this_thread::yield();
        whole_after.store(p.whole() && version(p) == 1 ? 1 : 0, std::memory_order_relaxed);
        return 0;
      });
      lfbench::prim::snapshot_offline(s);
      return;
    }
    while (!reading.load(std::memory_order_acquire)) std::this_thread::yield();
    s.update([](Probe& p) { p.words.fill(2); });
    updated.store(true, std::memory_order_release);
  });
  EXPECT_EQ(whole_after.load(), 1) << "the value a reader held was changed or reclaimed under it";
  EXPECT_EQ(s.read(version), 2u);
  lfbench::prim::snapshot_offline(s);
  lfbench::prim::snapshot_reclaim(s);
  EXPECT_EQ(this->tally_.made.load(), this->tally_.freed.load());
}

}  // namespace
