// What a scenario is: its id, parameters (declared once: the CLI, the plan, the JSON and
// `describe` all read them from here), the primitives it accepts, and per cell a Cell holding
// the shared state, the per-thread operation and the verify step. A scenario file registers
// itself with a static `Registration`; primitives reach it through add_primitive() (see
// lfbench.hpp: register_primitive<P>() offers P to every scenario). The harness knows no
// scenario or primitive by name.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../../primitives/concepts.hpp"
#include "worker.hpp"

namespace lfbench {

struct ParamSpec {
  std::string name;
  std::string help;
  std::vector<std::string> default_sweep;
  std::int64_t min = 0, max = 0;     // inclusive range of an integer parameter
  std::vector<std::string> choices;  // non-empty: an enumerated parameter
  std::string unit = {};             // "%", "ns", "entries", ...
  bool is_int() const { return choices.empty(); }
};

// One cell's parameter values, in the scenario's declared order.
class Params {
 public:
  void set(std::string name, std::string value);
  std::int64_t integer(std::string_view name) const;  // REQUIRES: an integer param of the cell
  const std::string& text(std::string_view name) const;
  bool has(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct CellSpec {
  const Params& params;
  unsigned threads;
};

struct Verdict {
  bool ok = true;
  std::string detail;  // what was checked, or what broke
};

// Extra per-window figures a scenario reports (name with unit, value), e.g. "writes_completed_pct".
using Metrics = std::vector<std::pair<std::string, double>>;

// A cell's shared state, built once per cell and reused across its windows. begin_window,
// verify and metrics run on the coordinating thread while no worker runs.
class Cell {
 public:
  virtual ~Cell() = default;
  virtual void begin_window() {}
  virtual void run(Worker& w) = 0;  // on each of the cell's threads: its share of one window
  virtual Verdict verify() = 0;     // after every window: the scenario's oracle
  virtual Metrics metrics() { return {}; }
};

struct PrimitiveEntry {
  std::string id;
  std::string kind;  // the concept it is used through: "Lock", "SharedLock", "Counter", ...
  prim::Traits traits;
  std::function<std::unique_ptr<Cell>(const CellSpec&)> make;
  std::vector<std::string> ignores = {};  // parameters that do not apply to this primitive
  // Optional: why this primitive cannot run a cell ("" = it can), e.g. a single-producer
  // queue in a cell with several producers. The plan leaves such cells out.
  std::function<std::string(const CellSpec&)> unsupported = {};
};

// A figure the report draws beside throughput. key: m:NAME (the metric NAME of Cell::metrics),
// op:KIND (the ops/s of one of op_kinds), lat:KIND:PCT (that kind's latency percentile, p50 ...).
// A paced scenario's cell reports how many paced events (a dedicated writer's updates, a
// reader's snapshots) a window made as this metric; fewer than kMinPacedEvents flags the cell
// `underpaced` (CellResult::flags) and the report does not rank it. Ten: one event more or less
// then moves its figure by a tenth at most.
inline constexpr const char* kPacedEventsMetric = "paced_events";
inline constexpr double kMinPacedEvents = 10;

struct Measure {
  std::string key;
  std::string title;  // the panel's title, with its unit: "delivered msgs/s"
};

struct Scenario {
  std::string id;
  std::string summary;
  std::vector<ParamSpec> params;
  std::vector<std::string> op_kinds;  // what op() returns indexes; empty when it returns void
  std::vector<PrimitiveEntry> primitives;
  std::uint32_t batch = 64;  // ops between stop-flag checks; lower it for slow operations
  // For the report, written into the results context (lfbench_scenarios) so that it names no
  // scenario or primitive itself. baselines: the primitives its relative views divide by, the
  // first measured one (the plain lock-based choice a newcomer writes first); measures: its own
  // figures; roles: its threads have roles (producers/consumers), so fairness over all threads
  // means nothing and is not charted.
  std::vector<std::string> baselines = {};
  std::vector<Measure> measures = {};
  bool roles = false;
  // lfbench verify's cells: small state that maximises conflicts (few keys, a small capacity,
  // reads and writes mixed); a parameter not named takes the first value of its default sweep.
  std::vector<std::pair<std::string, std::vector<std::string>>> verify_params = {};

  const PrimitiveEntry* primitive(std::string_view id) const;
  const ParamSpec* param(std::string_view name) const;
};

// All registered scenarios, sorted by id.
const std::vector<Scenario>& scenarios();
const Scenario* find_scenario(std::string_view id);

struct Registration {
  explicit Registration(Scenario s);
};

// Adds a primitive's entry to a scenario: the one way primitives reach scenarios, built-in
// (scenarios/builtin/primitives.cpp) and a user's (LFBENCH_PRIMITIVE) alike. Queued, and added
// by the next scenarios() / find_scenario(): primitives register from static initialisers in other
// files, which may run before the scenario's own Registration (no order between files).
// A scenario id that is not registered, or a primitive id the scenario already has, is a
// build mistake: scenarios() then throws std::logic_error naming both.
void add_primitive(std::string_view scenario, PrimitiveEntry e);

// The order a scenario lists its primitives in: ranked ones by rank, then the others in the order
// they were offered. The built-ins are compiled in parts (scenarios/builtin/primitives.cpp) whose
// static initialisers run in no set order, so each part ranks what it offers by its place in
// kinds.hpp.
// Held around add_primitive() calls (static initialisation is single-threaded).
class OfferRank {
 public:
  explicit OfferRank(std::uint32_t rank);
  ~OfferRank();
  OfferRank(const OfferRank&) = delete;
  OfferRank& operator=(const OfferRank&) = delete;
};

template <class P>
constexpr std::string_view kind_of() {
  if constexpr (prim::SharedLock<P>) return "SharedLock";
  else if constexpr (prim::OptimisticLock<P>) return "OptimisticLock";
  else if constexpr (prim::Lock<P>) return "Lock";
  else if constexpr (prim::Counter<P>) return "Counter";
  else if constexpr (prim::Map<P>) return "Map";
  else if constexpr (prim::Snapshot<P>) return "Snapshot";
  else if constexpr (prim::Queue<P>) return "Queue";
  else if constexpr (prim::Recorder<P>) return "Recorder";
  else return "none";  // a stand-in (the empty scenario measures no primitive)
}

// The registry entry for primitive P measured by the cell type CellT (constructible from a
// CellSpec): the usual way a scenario lists its primitives.
template <class P, class CellT>
PrimitiveEntry entry(std::vector<std::string> ignores = {}) {
  return PrimitiveEntry{std::string(P::name), std::string(kind_of<P>()), prim::traits_of<P>(),
                        [](const CellSpec& s) -> std::unique_ptr<Cell> {
                          return std::make_unique<CellT>(s);
                        },
                        std::move(ignores)};
}

}  // namespace lfbench
