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
}  // namespace

Registration::Registration(Scenario s) {
  auto& all = registry();
  all.push_back(std::move(s));
  std::sort(all.begin(), all.end(), [](const Scenario& a, const Scenario& b) { return a.id < b.id; });
}

const std::vector<Scenario>& scenarios() { return registry(); }

const Scenario* find_scenario(std::string_view id) {
  for (const auto& s : registry())
    if (s.id == id) return &s;
  return nullptr;
}

}  // namespace lfbench
