// compare's rendering layer: one column table (what a row shows, under which title, and its JSON
// fields) that every format draws, and the lines around it. A new column: one line in
// compare_render.cpp's list. A new format: one file (compare_<name>.cpp) and one line there.
#pragma once

#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compare.hpp"

namespace lfbench::compare {

struct Column {
  std::string_view id;                                  // what formats may special-case: "verdict", "cell"
  std::string (*title)(const Comparison&);              // text and Markdown header; nullptr: JSON only
  std::string (*text)(const Comparison&, const Row&);   // text, Markdown and JUnit; "-" when there is nothing
  void (*json)(const Comparison&, const Row&, nlohmann::json& cell);  // its fields in JSON's cell
  bool right = false;                                   // numeric: right-aligned
};
std::span<const Column> columns();

std::string headline(const Comparison& c);  // the verdict of the whole comparison, one line
std::string sources(const Comparison& c);   // which files (and builds) were compared
std::string settings(const Comparison& c);  // alpha, threshold, correction, interval, filters
std::string plural(std::size_t n, const std::string& what);
// Fails the gate or shows a failure: shown loud by every format.
bool bad_row(const Row& r);

}  // namespace lfbench::compare
