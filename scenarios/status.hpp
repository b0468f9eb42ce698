// Scenario `status` (case 000's process status): a small state word with a state machine —
// pending -> running -> stopped | failed | success, and restart (stopped | failed | success ->
// pending) — read very often and changed rarely. Threads with tid < `writers` change it with
// probability 100 - read_pct per operation (each write is one legal transition from the state it
// sees); every other operation reads it.
//
// The word is a Snapshot (concepts.hpp) of one 64-bit value, version << 3 | state, so readers
// can check transitions. Three ways to keep it:
//   Locked<L>         the field under any Lock/SharedLock (locked.hpp; readers take it shared
//                     when they can);
//   atomic_store      atomic load + store, case 000's SetStatus (primitives/atomic_store.hpp):
//                     correct with one writer only — two writers can both act on the same state
//                     and one transition is lost;
//   atomic_cas        compare-and-swap from the state read, case 000's CompareAndSwapStatus
//                     (primitives/atomic_cas.hpp): only legal transitions succeed, a failed CAS
//                     re-reads and retries.
//
// Verify after every window: no reader saw an illegal step (a version going back, two states
// under one version, or consecutive versions whose states are not a legal transition), and the
// version advanced by exactly the transitions the writers performed.
//
// This header is the cell (installed: a user's primitive is instantiated in it, in the user's
// file); status.cpp registers the scenario.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../primitives/atomic_cas.hpp"
#include "../primitives/atomic_store.hpp"
#include "harness/scenario.hpp"
#include "locked.hpp"

namespace lfbench::scenario::status {

inline constexpr std::string_view id = "status";

enum StatusKind : unsigned { kGet = 0, kTransition = 1 };
// kPending = 0: the word every way of keeping it starts at.
enum State : std::uint64_t { kPending, kRunning, kStopped, kFailed, kSuccess };

constexpr std::uint64_t state_of(std::uint64_t w) { return w & 7; }
constexpr std::uint64_t version_of(std::uint64_t w) { return w >> 3; }

constexpr bool legal(std::uint64_t from, std::uint64_t to) {
  switch (from) {
    case kPending: return to == kRunning;
    case kRunning: return to == kStopped || to == kFailed || to == kSuccess;
    case kStopped: case kFailed: case kSuccess: return to == kPending;  // restart
  }
  return false;
}

// The next word from w: a legal successor state (picked by `choice` where there are several),
// one version later.
constexpr std::uint64_t next_word(std::uint64_t w, std::uint64_t choice) {
  std::uint64_t s = kPending;
  switch (state_of(w)) {
    case kPending: s = kRunning; break;
    case kRunning: s = kStopped + choice % 3; break;
    default: s = kPending; break;
  }
  return (version_of(w) + 1) << 3 | s;
}

template <class S>
class StatusCell final : public Cell {
 public:
  explicit StatusCell(const CellSpec& s)
      : read_per_64k_(static_cast<std::uint32_t>(s.params.integer("read_pct") * 65536 / 100)),
        writers_(static_cast<unsigned>(s.params.integer("writers"))),
        threads_(s.threads) {}

  void begin_window() override {
    status_.read([&](std::uint64_t w) { start_ = w; });
    for (auto& t : per_thread_) t.value = {};
  }

  void run(Worker& w) override {
    std::uint64_t x = 0x9E3779B97F4A7C15ull * (w.tid() + 1);
    std::uint64_t last = start_, illegal = 0, transitions = 0;
    const std::uint32_t read_per_64k = w.tid() < writers_ ? read_per_64k_ : 65536;
    w.loop([&]() -> unsigned {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      if ((x & 0xFFFF) < read_per_64k) {
        std::uint64_t now = 0;
        status_.read([&](std::uint64_t v) { now = v; });
        illegal += !step_ok(last, now);
        last = now;
        return kGet;
      }
      std::uint64_t after = 0;
      status_.update([&](std::uint64_t& v) {
        v = next_word(v, x >> 32);
        after = v;
      });
      ++transitions;
      last = after;  // our own write is the newest word we know of
      return kTransition;
    });
    per_thread_[w.tid()].value = State{illegal, transitions};
  }

  Verdict verify() override {
    std::uint64_t illegal = 0, transitions = 0;
    for (const auto& t : per_thread_) {
      illegal += t.value.illegal;
      transitions += t.value.transitions;
    }
    std::uint64_t end = 0;
    status_.read([&](std::uint64_t v) { end = v; });
    if (illegal != 0) return {false, std::to_string(illegal) + " reads saw an illegal status step"};
    const std::uint64_t advanced = version_of(end) - version_of(start_);
    if (advanced != transitions)
      return {false, "status advanced " + std::to_string(advanced) + " versions but " + std::to_string(transitions) +
                         " transitions were performed (lost transitions)"};
    return {true, "every observed step legal; version advanced by exactly the " + std::to_string(transitions) +
                      " transitions"};
  }

 private:
  // A reader's consecutive observations: same word, or a newer version; one version apart
  // they must be a legal transition (further apart, the steps in between went unseen).
  static bool step_ok(std::uint64_t last, std::uint64_t now) {
    if (version_of(now) == version_of(last)) return now == last;
    if (version_of(now) < version_of(last)) return false;
    return version_of(now) != version_of(last) + 1 || legal(state_of(last), state_of(now));
  }

  struct State {
    std::uint64_t illegal = 0, transitions = 0;
  };
  std::uint32_t read_per_64k_;
  unsigned writers_;
  unsigned threads_;
  S status_;
  std::uint64_t start_ = 0;
  std::vector<prim::Padded<State>> per_thread_ = std::vector<prim::Padded<State>>(threads_);
};

// P's entry here, if it fits: any Lock guards the word (readers take a SharedLock shared).
// Listed under P's name; its kind says how the scenario uses it (as a Snapshot of the word).
template <class P>
void offer() {
  if constexpr (prim::Lock<P>) add_primitive(id, entry<Locked<P>, StatusCell<Locked<P>>>());
}

}  // namespace lfbench::scenario::status
