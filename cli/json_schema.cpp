#include "json_schema.hpp"

#include <cmath>
#include <set>
#include <stdexcept>

#include "results_schema.hpp"

namespace lfbench {

using nlohmann::json;

namespace {

// Annotations and containers the validator reads through; everything else is a check.
const std::set<std::string> kAnnotations = {"$schema", "$id", "title", "description", "$defs", "x-lfbench-limits"};
const std::set<std::string> kChecks = {"type",     "required", "properties",       "additionalProperties",
                                       "items",    "minItems", "maxItems",         "minimum",
                                       "maximum",  "exclusiveMinimum", "const",    "enum",
                                       "pattern",  "maxLength", "uniqueItems",     "$ref"};

std::string show(const json& v) {
  std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 60) + "..." : s;
}

bool integral(const json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  const double d = v.get<double>();
  return std::isfinite(d) && d == std::floor(d);
}

bool has_type(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  if (t == "number") return v.is_number();
  if (t == "integer") return integral(v);
  return false;
}

std::string type_words(const json& t) {
  if (t.is_string()) return t.get<std::string>() == "integer" ? "an integer" : "a " + t.get<std::string>();
  std::string out;
  for (std::size_t i = 0; i < t.size(); ++i) out += (i ? " or " : "") + type_words(t[i]);
  return out;
}

std::string child(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

}  // namespace

JsonSchema::JsonSchema(json schema) : root_(std::move(schema)) { audit(root_, "#"); }

void JsonSchema::audit(const json& s, const std::string& where) {
  if (!s.is_object()) throw std::invalid_argument("schema at " + where + " is not an object");
  for (const auto& [k, v] : s.items()) {
    if (kAnnotations.contains(k)) {
      if (k == "$defs")
        for (const auto& [name, d] : v.items()) audit(d, where + "/$defs/" + name);
      continue;
    }
    if (!kChecks.contains(k)) throw std::invalid_argument("schema keyword '" + k + "' at " + where + " is not supported");
    if (k == "properties")
      for (const auto& [name, d] : v.items()) audit(d, where + "/properties/" + name);
    if (k == "additionalProperties" || k == "items") audit(v, where + "/" + k);
    if (k == "pattern") patterns_.emplace(v.get<std::string>(), std::regex(v.get<std::string>(), std::regex::ECMAScript));
    if (k == "$ref") (void)resolve(v.get<std::string>());
  }
}

const json& JsonSchema::resolve(const std::string& ref) const {
  if (ref == "#") return root_;
  const std::string prefix = "#/$defs/";
  if (ref.starts_with(prefix)) {
    const auto defs = root_.find("$defs");
    if (defs != root_.end())
      if (const auto it = defs->find(ref.substr(prefix.size())); it != defs->end()) return *it;
  }
  throw std::invalid_argument("schema $ref '" + ref + "' does not resolve");
}

std::string JsonSchema::validate(const json& doc, const std::string& ref) const {
  const std::string why = check(doc, resolve(ref), "");
  return why;
}

std::string JsonSchema::check(const json& v, const json& s, const std::string& path) const {
  const std::string at = path.empty() ? "the top level" : path;
  if (const auto r = s.find("$ref"); r != s.end())
    if (auto why = check(v, resolve(r->get<std::string>()), path); !why.empty()) return why;
  if (const auto t = s.find("type"); t != s.end()) {
    bool ok = false;
    if (t->is_string()) ok = has_type(v, t->get<std::string>());
    else
      for (const auto& one : *t) ok |= has_type(v, one.get<std::string>());
    if (!ok) return at + " is " + show(v) + "; allowed: " + type_words(*t);
  }
  if (const auto c = s.find("const"); c != s.end() && v != *c) return at + " is " + show(v) + "; allowed: " + c->dump();
  if (const auto e = s.find("enum"); e != s.end()) {
    bool ok = false;
    for (const auto& x : *e) ok |= v == x;
    if (!ok) return at + " is " + show(v) + "; allowed: one of " + e->dump();
  }
  if (v.is_number()) {
    const double x = v.get<double>();
    if (const auto m = s.find("minimum"); m != s.end() && x < m->get<double>())
      return at + " is " + show(v) + "; allowed: at least " + m->dump();
    if (const auto m = s.find("exclusiveMinimum"); m != s.end() && x <= m->get<double>())
      return at + " is " + show(v) + "; allowed: more than " + m->dump();
    if (const auto m = s.find("maximum"); m != s.end() && x > m->get<double>())
      return at + " is " + show(v) + "; allowed: at most " + m->dump();
  }
  if (v.is_string()) {
    const auto& str = v.get_ref<const std::string&>();
    // maxLength counts code points; bytes bound them from above, so count only when needed.
    if (const auto m = s.find("maxLength"); m != s.end() && str.size() > m->get<std::size_t>()) {
      std::size_t points = 0;
      for (const char ch : str) points += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
      if (points > m->get<std::size_t>())
        return at + " is a string of " + std::to_string(points) + " characters; allowed: at most " + m->dump();
    }
    // Checked after maxLength: the regex engine recurses per character.
    if (const auto p = s.find("pattern"); p != s.end() && !std::regex_search(str, patterns_.at(p->get<std::string>())))
      return at + " is " + show(v) + "; allowed: a string matching " + p->dump();
  }
  if (v.is_array()) {
    if (const auto m = s.find("minItems"); m != s.end() && v.size() < m->get<std::size_t>())
      return at + " has " + std::to_string(v.size()) + " items; allowed: at least " + m->dump();
    if (const auto m = s.find("maxItems"); m != s.end() && v.size() > m->get<std::size_t>())
      return at + " has " + std::to_string(v.size()) + " items; allowed: at most " + m->dump();
    if (const auto u = s.find("uniqueItems"); u != s.end() && u->get<bool>())
      for (std::size_t i = 0; i < v.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
          if (v[i] == v[j]) return at + " repeats " + show(v[i]) + "; allowed: unique items";
    if (const auto items = s.find("items"); items != s.end())
      for (std::size_t i = 0; i < v.size(); ++i)
        if (auto why = check(v[i], *items, path + "[" + std::to_string(i) + "]"); !why.empty()) return why;
  }
  if (v.is_object()) {
    if (const auto req = s.find("required"); req != s.end())
      for (const auto& k : *req)
        if (!v.contains(k.get<std::string>())) return at + " lacks \"" + k.get<std::string>() + "\"; it is required";
    const auto props = s.find("properties");
    const auto extra = s.find("additionalProperties");
    for (const auto& [k, x] : v.items()) {
      if (props != s.end())
        if (const auto p = props->find(k); p != props->end()) {
          if (auto why = check(x, *p, child(path, k)); !why.empty()) return why;
          continue;
        }
      if (extra != s.end())
        if (auto why = check(x, *extra, child(path, k)); !why.empty()) return why;
    }
  }
  return "";
}

namespace {

std::string numbers(const json& v, double max_abs, const std::string& path) {
  if (v.is_number()) {
    const double x = v.get<double>();
    // Integers beyond int64 parse as unsigned or float; either way their magnitude is checked.
    if (!std::isfinite(x) || std::fabs(x) > max_abs)
      return (path.empty() ? "the top level" : path) + " is " + show(v) + "; allowed: finite numbers of magnitude at most " +
             json(max_abs).dump();
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i)
      if (auto why = numbers(v[i], max_abs, path + "[" + std::to_string(i) + "]"); !why.empty()) return why;
  } else if (v.is_object()) {
    for (const auto& [k, x] : v.items())
      if (auto why = numbers(x, max_abs, child(path, k)); !why.empty()) return why;
  }
  return "";
}

}  // namespace

std::string check_numbers(const json& doc, const ResultsLimits& limits) {
  if (doc.is_object())
    if (const auto b = doc.find("benchmarks"); b != doc.end() && b->is_array() && b->size() > limits.max_entries)
      return "benchmarks has " + std::to_string(b->size()) + " entries; allowed: at most " +
             std::to_string(limits.max_entries);
  return numbers(doc, limits.max_abs_number, "");
}

const JsonSchema& results_schema() {
  static const JsonSchema schema(json::parse(kResultsSchemaText));
  return schema;
}

const ResultsLimits& results_limits() {
  static const ResultsLimits limits = [] {
    const json& l = results_schema().root().at("x-lfbench-limits");
    ResultsLimits r;
    r.max_file_bytes = l.at("max_file_bytes").get<std::size_t>();
    r.json.max_depth = l.at("max_depth").get<int>();
    r.json.max_string_bytes = l.at("max_string_bytes").get<std::size_t>();
    r.json.max_number_chars = l.at("max_number_chars").get<std::size_t>();
    r.max_abs_number = l.at("max_abs_number").get<double>();
    r.max_entries = l.at("max_entries").get<std::size_t>();
    return r;
  }();
  return limits;
}

}  // namespace lfbench
