#include "scenario.hpp"

#include <algorithm>
#include <stdexcept>

namespace lfbench {

void Params::set(std::string name, std::string value) {
  for (auto& [k, v] : items_)
    if (k == name) {
      v = std::move(value);
      return;
    }
  items_.emplace_back(std::move(name), std::move(value));
}

bool Params::has(std::string_view name) const {
  return std::any_of(items_.begin(), items_.end(), [&](const auto& kv) { return kv.first == name; });
}

const std::string& Params::text(std::string_view name) const {
  for (const auto& [k, v] : items_)
    if (k == name) return v;
  throw std::logic_error("no parameter '" + std::string(name) + "' in this cell");
}

std::int64_t Params::integer(std::string_view name) const { return std::stoll(text(name)); }

const PrimitiveEntry* Scenario::primitive(std::string_view id) const {
  for (const auto& p : primitives)
    if (p.id == id) return &p;
  return nullptr;
}

const ParamSpec* Scenario::param(std::string_view name) const {
  for (const auto& p : params)
    if (p.name == name) return &p;
  return nullptr;
}

namespace {
std::vector<Scenario>& registry() {
  static std::vector<Scenario> all;  // function-local: safe from static-init order
  return all;
}

struct Offered {
  std::string scenario;
  PrimitiveEntry entry;
  std::uint64_t rank;
};

constexpr std::uint64_t kUnranked = std::uint64_t{1} << 32;
std::uint64_t current_rank = kUnranked;  // OfferRank's; only touched by static initialisers

std::vector<Offered>& offered() {
  static std::vector<Offered> all;  // function-local: safe from static-init order
  return all;
}

// Moves the queued primitives into their scenarios, ranked ones first (OfferRank), then in the
// order they were offered.
// Runs before any worker thread exists (the CLI and the worker look scenarios up first).
std::vector<Scenario>& settled() {
  auto& all = registry();
  auto& queue = offered();
  std::vector<Offered> todo;
  todo.swap(queue);
  std::stable_sort(todo.begin(), todo.end(), [](const Offered& a, const Offered& b) { return a.rank < b.rank; });
  for (auto& o : todo) {
    const std::string& id = o.scenario;  // named: clang 14 cannot capture a structured binding
    PrimitiveEntry& e = o.entry;
    auto s = std::find_if(all.begin(), all.end(), [&](const Scenario& x) { return x.id == id; });
    if (s == all.end())
      throw std::logic_error("primitive '" + e.id + "' was offered to scenario '" + id + "', which is not registered");
    if (s->primitive(e.id))
      throw std::logic_error("scenario '" + id + "' has two primitives named '" + e.id +
                             "' (a primitive's name must be unique)");
    s->primitives.push_back(std::move(e));
  }
  return all;
}
}  // namespace

void add_primitive(std::string_view scenario, PrimitiveEntry e) {
  offered().push_back({std::string(scenario), std::move(e), current_rank});
}

OfferRank::OfferRank(std::uint32_t rank) { current_rank = rank; }
OfferRank::~OfferRank() { current_rank = kUnranked; }

Registration::Registration(Scenario s) {
  auto& all = registry();
  all.push_back(std::move(s));
  std::sort(all.begin(), all.end(), [](const Scenario& a, const Scenario& b) { return a.id < b.id; });
}

const std::vector<Scenario>& scenarios() { return settled(); }

const Scenario* find_scenario(std::string_view id) {
  for (const auto& s : settled())
    if (s.id == id) return &s;
  return nullptr;
}

}  // namespace lfbench
