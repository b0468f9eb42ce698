// The results-file contract, shared with the Python report: reports/results.schema.json (compiled
// in) and its x-lfbench-limits. A small JSON Schema validator for the keywords that schema uses;
// a keyword it does not know is refused when the schema is loaded (a test loads it), so the
// schema cannot say more than this validator checks.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "input.hpp"

namespace lfbench {

struct ResultsLimits {
  std::size_t max_file_bytes = 0;
  JsonLimits json;
  double max_abs_number = 0;
  std::size_t max_entries = 0;
};

class JsonSchema {
 public:
  // Throws std::invalid_argument on a keyword outside the supported set.
  explicit JsonSchema(nlohmann::json schema);
  // "" when doc validates against the (sub)schema at `ref` ("#" or "#/$defs/name"), else the
  // first violation: "benchmarks[3].lfbench.verification.ok is 0; allowed: a boolean".
  std::string validate(const nlohmann::json& doc, const std::string& ref = "#") const;
  const nlohmann::json& root() const { return root_; }

 private:
  std::string check(const nlohmann::json& v, const nlohmann::json& s, const std::string& path) const;
  const nlohmann::json& resolve(const std::string& ref) const;
  void audit(const nlohmann::json& s, const std::string& where);
  nlohmann::json root_;
  std::map<std::string, std::regex> patterns_;
};

// reports/results.schema.json as compiled into lfbench, and its limits.
const JsonSchema& results_schema();
const ResultsLimits& results_limits();

// Every number in doc finite and within the limit, at most max_entries benchmarks; "" or the
// first violation. Recursive like validate(): call both only on text check_json_limits passed.
std::string check_numbers(const nlohmann::json& doc, const ResultsLimits& limits);

}  // namespace lfbench
