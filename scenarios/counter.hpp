// Scenario `counter` (case 000's request counters, case 003's id generator): one shared 64-bit
// counter that every thread increments; `read_pct` of the operations read the total instead.
// Lock primitives guard a plain integer; Counter primitives are the counter.
//
// Verify after every window: the counter grew by exactly the increments performed, and every
// thread saw its own reads never go backwards.
//
// This header is the cell (installed: a user's primitive is instantiated in it, in the user's
// file); counter.cpp registers the scenario.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness/scenario.hpp"
#include "locked.hpp"

namespace lfbench::scenario::counter {

inline constexpr std::string_view id = "counter";

enum Kind : unsigned { kAdd = 0, kRead = 1 };

// A Counter's add and read, or those of a Locked integer (locked.hpp) under any lock used
// exclusively. Always inlined: they sit on the measured path.
template <class C>
[[gnu::always_inline]] inline void add_to(C& c, std::uint64_t n) {
  if constexpr (prim::Counter<C>) c.add(n);
  else c.update([n](std::uint64_t& v) { v += n; });
}
template <class C>
[[gnu::always_inline]] inline std::uint64_t value_of(C& c) {
  if constexpr (prim::Counter<C>) return c.read();
  else return c.read([](std::uint64_t v) { return v; });
}

template <class C>
class CounterCell final : public Cell {
 public:
  explicit CounterCell(const CellSpec& s)
      : read_per_64k_(static_cast<std::uint32_t>(s.params.integer("read_pct") * 65536 / 100)),
        threads_(s.threads) {}

  void begin_window() override {
    start_ = value_of(counter_);
    for (auto& t : per_thread_) t.value = {};
  }

  void run(Worker& w) override {
    State& st = per_thread_[w.tid()].value;
    // xorshift: a register-only generator deciding read vs add with no shared state.
    std::uint64_t x = 0x9E3779B97F4A7C15ull * (w.tid() + 1);
    std::uint64_t last = 0, added = 0, backwards = 0;
    w.loop([&]() -> unsigned {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      if ((x & 0xFFFF) < read_per_64k_) {
        const std::uint64_t v = value_of(counter_);
        backwards += v < last;
        last = v;
        return kRead;
      }
      add_to(counter_, 1);
      ++added;
      return kAdd;
    });
    st.added = added;
    st.backwards = backwards;
  }

  Verdict verify() override {
    std::uint64_t added = 0, backwards = 0;
    for (const auto& t : per_thread_) {
      added += t.value.added;
      backwards += t.value.backwards;
    }
    const std::uint64_t grew = value_of(counter_) - start_;
    if (grew != added)
      return {false, "counter grew by " + std::to_string(grew) + " but " + std::to_string(added) +
                         " increments were performed"};
    if (backwards != 0)
      return {false, std::to_string(backwards) + " reads went backwards"};
    return {true, "total = increments (" + std::to_string(added) + "), reads monotonic"};
  }

 private:
  struct State {
    std::uint64_t added = 0, backwards = 0;
  };
  std::uint32_t read_per_64k_;
  unsigned threads_;
  C counter_;
  std::uint64_t start_ = 0;
  std::vector<prim::Padded<State>> per_thread_ = std::vector<prim::Padded<State>>(threads_);
};

// P's entry here, if it fits: a Lock (any lock, used exclusively) guards a plain integer; a
// Counter is the counter.
template <class P>
void offer() {
  if constexpr (prim::Lock<P>) add_primitive(id, entry<P, CounterCell<Locked<P, Readers::exclusive>>>());
  else if constexpr (prim::Counter<P>) add_primitive(id, entry<P, CounterCell<P>>());
}

}  // namespace lfbench::scenario::counter
