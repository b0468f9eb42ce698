// Shared by the oracle tests: run a few short windows of one scenario cell (built from the
// given parameter values, as the registry would) and collect each window's verdict.
//
// A real primitive's cell comes from its registry entry: lfbench_scenarios already compiles
// every primitive in every scenario's cells, and compiling them again here was most of these
// tests' build time. Only test-only primitives (broken on purpose) have their cell built here.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "primitives/concepts.hpp"
#include "scenarios/harness/pool.hpp"
#include "scenarios/harness/scenario.hpp"

namespace lfbench::test {

// A parameter value as written in a suite: a number or a choice ("iterate").
struct ParamValue {
  std::string text;
  ParamValue(std::int64_t v) : text(std::to_string(v)) {}  // NOLINT: implicit on purpose
  template <class S>
    requires std::convertible_to<const S&, std::string_view>
  ParamValue(const S& s) : text(std::string_view(s)) {}  // NOLINT
};

using Values = std::initializer_list<std::pair<const char*, ParamValue>>;

// Names the cell type to build here, for a test-only primitive: verdicts(cell<QueueCell<Q>>, ...).
template <class CellT>
struct CellType {};
template <class CellT>
inline constexpr CellType<CellT> cell{};

inline Params params_of(Values values) {
  Params params;
  for (const auto& [name, v] : values) params.set(name, v.text);
  return params;
}

inline std::vector<Verdict> run_windows(Cell& cell, unsigned threads, int windows) {
  Pool pool(threads, Placement{Placement::smt, {}});
  WindowOptions opt;
  opt.threads = threads;
  opt.duration = std::chrono::milliseconds(20);
  std::vector<Verdict> out;
  for (int i = 0; i < windows; ++i) out.push_back(pool.run_window(cell, opt).verdict);
  return out;
}

template <class CellT>
std::vector<Verdict> verdicts(CellType<CellT>, unsigned threads, int windows, Values values) {
  const Params params = params_of(values);
  CellT c(CellSpec{params, threads});
  return run_windows(c, threads, windows);
}

// A registered primitive's cell, made by its entry. A cell the entry refuses is one failed
// verdict: the plan would leave it out, so the test asked for something no run measures.
inline std::vector<Verdict> verdicts(const PrimitiveEntry& e, unsigned threads, int windows, Values values) {
  const Params params = params_of(values);
  const CellSpec spec{params, threads};
  if (e.unsupported) {
    if (std::string why = e.unsupported(spec); !why.empty())
      return {Verdict{false, e.id + " cannot run this cell: " + why}};
  }
  return run_windows(*e.make(spec), threads, windows);
}

// A kinds.hpp list's primitive as the registry names it.
struct Listed {
  std::string_view id;
  prim::Traits traits;
};

// kinds.hpp's lists; queues carry the smallest message, snapshots hold cow's registry, recorders
// keep stats fields (the form whose name the registry lists).
enum class List { locks, shared_locks, optimistic_locks, counters, maps, snapshots, queues, recorders };

// The primitives of the given lists, in kinds.hpp's order. Defined in oracle_lists.cpp alone:
// kinds.hpp (every primitive's header, and their libraries') weighed on each test file's parse.
std::vector<Listed> listed(std::initializer_list<List> lists);

// `scenario`'s entry for primitive `id`, or nullptr and a failure naming both.
inline const PrimitiveEntry* registered(std::string_view scenario, std::string_view id) {
  const Scenario* s = find_scenario(scenario);
  const PrimitiveEntry* e = s ? s->primitive(id) : nullptr;
  if (!e) ADD_FAILURE() << "scenario " << scenario << " has no registered primitive " << id;
  return e;
}

// Calls check with `scenario`'s entry for each listed primitive, known-broken ones left out
// (they are listed for their oracle test). The lists say what to check, so a primitive the
// registry lacks fails rather than goes unchecked, and so does checking none.
inline void for_each_registered(std::string_view scenario, const std::vector<Listed>& primitives,
                                const std::function<void(const PrimitiveEntry&)>& check) {
  int checked = 0;
  for (const Listed& p : primitives) {
    if (p.traits.known_broken) continue;
    if (const PrimitiveEntry* e = registered(scenario, p.id)) {
      check(*e);
      ++checked;
    }
  }
  EXPECT_GT(checked, 0) << "no primitive of scenario " << scenario << " was checked";
}

// How many verdicts failed, and the detail of the last failure.
inline std::pair<int, std::string> failures(const std::vector<Verdict>& vs) {
  std::pair<int, std::string> f{0, {}};
  for (const auto& v : vs)
    if (!v.ok) {
      ++f.first;
      f.second = v.detail;
    }
  return f;
}

}  // namespace lfbench::test
