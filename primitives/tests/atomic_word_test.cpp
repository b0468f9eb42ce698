// Correctness stress for the atomic words (atomic_store.hpp, atomic_cas.hpp): under 16
// oversubscribed threads, writers incrementing the word through update() and readers reading
// it, no update is lost and no reader sees the word go backwards: atomic_cas with several
// writers, atomic_store with the one writer its contract allows. The last test runs the same
// check on atomic_store with several writers and expects it to catch lost updates, which shows
// the check can fail.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "primitives/atomic_cas.hpp"
#include "primitives/atomic_store.hpp"
#include "primitives/tests/stress.hpp"

namespace {

using lfbench::test::kOversubscribed;
using lfbench::test::run_threads;
using lfbench::test::scaled;
using lfbench::test::Slot;
using lfbench::test::sum_slots;

struct Outcome {
  std::uint64_t lost = 0;       // updates performed minus the word's final value
  std::uint64_t backwards = 0;  // reads that saw a smaller word than the reader's previous one
};

// yield_inside: a writer gives up its CPU inside every 16th update, between the word's load and
// its store, so that another writer runs there whatever the scheduler does (the lost-update
// window made wide for the test that must see a loss).
template <class W>
Outcome stress(unsigned writers, std::size_t updates, bool yield_inside = false) {
  W word;
  const std::size_t reads = scaled(20000);
  std::vector<Slot<std::uint64_t>> backwards(kOversubscribed);
  std::atomic<unsigned> writing{writers};
  run_threads(kOversubscribed, [&](unsigned t) {
    if (t < writers) {
      for (std::size_t i = 0; i < updates; ++i)
        word.update([&](std::uint64_t& w) {
          ++w;
          if (yield_inside && i % 16 == 0) std::this_thread::yield();
        });
      writing.fetch_sub(1, std::memory_order_relaxed);  // relaxed: only ends the readers' loop
      return;
    }
    // Reads until the writers are done (and at least `reads`), so readers overlap every update.
    std::uint64_t last = 0, back = 0;
    for (std::size_t i = 0; i < reads || writing.load(std::memory_order_relaxed) > 0; ++i) {
      std::uint64_t now = 0;
      word.read([&](std::uint64_t v) { now = v; });
      back += now < last;
      last = now;
    }
    backwards[t].value = back;
  });
  std::uint64_t final = 0;
  word.read([&](std::uint64_t v) { final = v; });
  return {writers * updates - final, sum_slots(backwards)};
}

TEST(AtomicWord, CasLosesNoUpdateFromSeveralWriters) {
  const Outcome o = stress<lfbench::prim::AtomicCas>(4, scaled(200000));
  EXPECT_EQ(o.lost, 0u) << "atomic_cas lost updates";
  EXPECT_EQ(o.backwards, 0u) << "a reader saw atomic_cas's word go backwards";
}

TEST(AtomicWord, StoreLosesNoUpdateFromOneWriter) {
  const Outcome o = stress<lfbench::prim::AtomicStore>(1, scaled(400000));
  EXPECT_EQ(o.lost, 0u) << "atomic_store lost updates with one writer";
  EXPECT_EQ(o.backwards, 0u) << "a reader saw atomic_store's word go backwards";
}

TEST(AtomicWord, TheCheckCatchesStoreLosingUpdatesFromSeveralWriters) {
  // Two writers interleaving between the load and the store lose an update. Left to the
  // scheduler, 16 threads on 2 cores can run the writers one after another and lose nothing, so
  // the writers yield inside the update: another writer then runs between load and store on any
  // machine, even one CPU (a few rounds, stopping at the first loss).
  std::uint64_t lost = 0;
  for (int round = 0; round < 20 && lost == 0; ++round)
    lost = stress<lfbench::prim::AtomicStore>(4, scaled(1000), true).lost;
  EXPECT_GT(lost, 0u) << "the check never noticed atomic_store's lost updates";
}

}  // namespace
