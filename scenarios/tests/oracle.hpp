// Shared by the oracle tests: run a few short windows of one scenario cell (built from the
// given parameter values, as the registry would) and collect each window's verdict.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

template <class CellT>
std::vector<Verdict> verdicts(unsigned threads, int windows,
                              std::initializer_list<std::pair<const char*, ParamValue>> values) {
  Params params;
  for (const auto& [name, v] : values) params.set(name, v.text);
  CellT cell(CellSpec{params, threads});
  Pool pool(threads, Pin::compact);
  WindowOptions opt;
  opt.threads = threads;
  opt.duration = std::chrono::milliseconds(20);
  std::vector<Verdict> out;
  for (int i = 0; i < windows; ++i) out.push_back(pool.run_window(cell, opt).verdict);
  return out;
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
