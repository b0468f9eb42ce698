// Suite files: JSON text -> RunRequests, every error naming the file and the line. The text is
// bounded before it is parsed (check_json_limits), so no suite can exhaust the stack or memory.
#include <cstring>
#include <map>
#include <cmath>
#include <set>
#include <tuple>
#include <string>

#include <nlohmann/json.hpp>

#include "input.hpp"
#include "plan_builder.hpp"

namespace lfbench {

using nlohmann::json;

namespace {

// A suite is a handful of runs: these bounds are far above any real one.
constexpr JsonLimits kSuiteLimits{.max_depth = 32, .max_string_bytes = 4096, .max_number_chars = 32};

// Line of every value in a JSON text, keyed by JSON pointer ("/runs/0/threads"). Only used
// on text nlohmann already parsed and check_json_limits bounded in depth, so it can assume
// valid JSON and recurse.
class LineIndex {
 public:
  explicit LineIndex(const std::string& t) : t_(t) { value(""); }
  int line(const std::string& pointer) const {
    auto it = lines_.find(pointer);
    return it == lines_.end() ? 1 : it->second;
  }

 private:
  void ws() {
    while (i_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[i_]))) line_ += t_[i_++] == '\n';
  }
  std::string str() {
    std::string s;
    for (++i_; i_ < t_.size() && t_[i_] != '"'; ++i_) {
      if (t_[i_] == '\\') ++i_;
      s += t_[i_];
    }
    ++i_;
    return s;
  }
  void value(const std::string& ptr) {
    ws();
    lines_[ptr] = line_;
    if (i_ >= t_.size()) return;
    if (t_[i_] == '{') {
      ++i_;
      for (ws(); i_ < t_.size() && t_[i_] != '}'; ws()) {
        if (t_[i_] == ',') { ++i_; continue; }
        const std::string key = str();
        ws();
        ++i_;  // ':'
        value(ptr + "/" + key);
      }
      ++i_;
    } else if (t_[i_] == '[') {
      ++i_;
      int n = 0;
      for (ws(); i_ < t_.size() && t_[i_] != ']'; ws()) {
        if (t_[i_] == ',') { ++i_; continue; }
        value(ptr + "/" + std::to_string(n++));
      }
      ++i_;
    } else if (t_[i_] == '"') {
      str();
    } else {
      while (i_ < t_.size() && !std::strchr(",]} \t\r\n", t_[i_])) ++i_;
    }
  }
  const std::string& t_;
  std::size_t i_ = 0;
  int line_ = 1;
  std::map<std::string, int> lines_;
};

struct SuiteReader {
  const std::string& file;
  LineIndex lines;

  [[noreturn]] void fail(const std::string& ptr, const std::string& expected) const {
    std::string path = ptr.empty() ? "top level" : ptr.substr(1);
    throw BadInput(file + ":" + std::to_string(lines.line(ptr)) + ": " + path + ": expected " + expected);
  }
  std::string where(const std::string& ptr) const { return file + ":" + std::to_string(lines.line(ptr)); }

  std::string scalar(const json& v, const std::string& ptr, const std::string& expected) const {
    if (v.is_string()) return v.get<std::string>();
    // Unsigned first: an integer above INT64_MAX read as int64 would wrap to a negative one.
    if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
    if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
    fail(ptr, expected);
  }

  void fill_common(const json& o, const std::string& ptr, RunRequest& r) const {
    if (o.contains("threads")) {
      const auto& t = o["threads"];
      const std::string what = where(ptr + "/threads") + ": threads";
      const std::string expected = "a list of thread counts 1.." + std::to_string(kMaxThreads) + " or a range string like \"1-8\"";
      if (t.is_string()) {
        r.threads = parse_threads(t.get<std::string>(), what);
      } else if (t.is_array() && !t.empty()) {
        std::vector<std::string> parts;
        for (std::size_t i = 0; i < t.size(); ++i) parts.push_back(scalar(t[i], ptr + "/threads/" + std::to_string(i), expected));
        r.threads = parse_threads(join(parts, ","), what);
      } else {
        fail(ptr + "/threads", expected);
      }
    }
    for (const char* key : {"duration", "warmup"})
      if (o.contains(key)) {
        if (!o[key].is_string()) fail(ptr + "/" + key, "a duration string like \"200ms\"");
        auto d = parse_duration(o[key].get<std::string>(), where(ptr + "/" + key) + ": " + key, std::string(key) == "warmup");
        (std::string(key) == "duration" ? r.duration : r.warmup) = d;
      }
    if (o.contains("repetitions")) {
      if (!o["repetitions"].is_number_integer()) fail(ptr + "/repetitions", "an integer 1.." + std::to_string(kMaxRepetitions));
      r.repetitions = static_cast<unsigned>(parse_int(scalar(o["repetitions"], ptr + "/repetitions", "an integer"),
                                                      where(ptr + "/repetitions") + ": repetitions", 1, kMaxRepetitions));
    }
    if (o.contains("latency")) {
      if (!o["latency"].is_boolean()) fail(ptr + "/latency", "true or false");
      r.latency = o["latency"].get<bool>();
    }
  }

  // A suite's questions (plan_builder.hpp, Suite::questions): each checked for shape here; the
  // report answers them from what was measured.
  json questions(const json& qs, const std::string& ptr) const {
    static const std::set<std::string> kinds = {"ratio", "best", "crossover", "scaling", "metric", "correctness", "unanswerable"};
    static const std::set<std::string> keys = {"id", "text", "kind", "scenario", "where", "threads", "baseline",
                                               "primitives", "along", "measure", "guess", "needs_cpus", "why"};
    if (!qs.is_array() || qs.size() > 64) fail(ptr, "a list of at most 64 questions");
    std::set<std::string> ids;
    for (std::size_t i = 0; i < qs.size(); ++i) {
      const std::string qp = ptr + "/" + std::to_string(i);
      const json& q = qs[i];
      if (!q.is_object()) fail(qp, "an object {\"id\", \"text\", \"kind\", ...}");
      for (const auto& [k, v] : q.items())
        if (!keys.count(k)) fail(qp + "/" + k, "one of the keys " + join({keys.begin(), keys.end()}));
      const auto text = [&](const char* k, std::size_t most, bool required) {
        if (!q.contains(k)) {
          if (required) fail(qp + "/" + k, "a string");
          return;
        }
        if (!q[k].is_string() || q[k].get_ref<const std::string&>().empty() || q[k].get_ref<const std::string&>().size() > most)
          fail(qp + "/" + k, "a string of 1.." + std::to_string(most) + " bytes");
      };
      text("id", 64, true);
      text("text", 600, true);
      text("kind", 16, true);
      text("why", 600, false);
      for (const char* k : {"scenario", "baseline", "along", "measure"}) text(k, 64, false);
      if (!kinds.count(q["kind"].get<std::string>())) fail(qp + "/kind", "one of " + join({kinds.begin(), kinds.end()}));
      if (!ids.insert(q["id"].get<std::string>()).second) fail(qp + "/id", "an id no other question has");
      if (q.contains("where")) {
        if (!q["where"].is_object()) fail(qp + "/where", "an object of parameter name -> value");
        for (const auto& [k, v] : q["where"].items())
          if (!v.is_string() || v.get_ref<const std::string&>().size() > 256) fail(qp + "/where/" + k, "a string value");
      }
      if (q.contains("primitives")) {
        if (!q["primitives"].is_array() || q["primitives"].size() > 64) fail(qp + "/primitives", "a list of primitive ids");
        for (const auto& p : q["primitives"])
          if (!p.is_string() || p.get_ref<const std::string&>().size() > 64) fail(qp + "/primitives", "a list of primitive ids");
      }
      if (q.contains("threads")) {  // only cells of these thread counts answer it
        if (!q["threads"].is_array() || q["threads"].empty() || q["threads"].size() > 64) fail(qp + "/threads", "a list of thread counts");
        for (const auto& t : q["threads"])
          if (!t.is_number_unsigned() || t.get<std::uint64_t>() < 1 || t.get<std::uint64_t>() > kMaxThreads)
            fail(qp + "/threads", "a list of thread counts 1.." + std::to_string(kMaxThreads));
      }
      if (q.contains("guess") && (!q["guess"].is_number() || !std::isfinite(q["guess"].get<double>())))
        fail(qp + "/guess", "a number");
      if (q.contains("needs_cpus") && (!q["needs_cpus"].is_number_unsigned() || q["needs_cpus"].get<std::uint64_t>() > kMaxThreads))
        fail(qp + "/needs_cpus", "an integer 0.." + std::to_string(kMaxThreads));
    }
    return qs;
  }

  RunRequest run(const json& o, const std::string& ptr, const RunRequest& defaults) const {
    static const std::set<std::string> keys = {"scenario", "primitives", "threads", "params", "duration",
                                               "warmup", "repetitions", "latency", "comment"};
    if (!o.is_object()) fail(ptr, "an object {\"scenario\": ..., \"threads\": [...], \"params\": {...}}");
    for (const auto& [k, v] : o.items())
      if (!keys.count(k)) fail(ptr + "/" + k, "one of the keys scenario, primitives, threads, params, duration, warmup, repetitions, latency, comment");
    RunRequest r = defaults;
    r.origin = where(ptr);
    if (!o.contains("scenario") || !o["scenario"].is_string()) fail(ptr + "/scenario", "a scenario id string");
    r.scenario = o["scenario"].get<std::string>();
    if (o.contains("primitives")) {
      const auto& p = o["primitives"];
      if (!p.is_array()) fail(ptr + "/primitives", "a list of primitive ids or globs");
      for (std::size_t i = 0; i < p.size(); ++i) {
        if (!p[i].is_string()) fail(ptr + "/primitives/" + std::to_string(i), "a primitive id or glob string");
        r.primitives.push_back(p[i].get<std::string>());
      }
    }
    if (o.contains("params")) {
      const auto& ps = o["params"];
      if (!ps.is_object()) fail(ptr + "/params", "an object of parameter name -> list of values");
      for (const auto& [name, vals] : ps.items()) {
        const std::string vp = ptr + "/params/" + name;
        std::vector<std::string> values;
        if (vals.is_array() && !vals.empty()) {
          for (std::size_t i = 0; i < vals.size(); ++i)
            values.push_back(scalar(vals[i], vp + "/" + std::to_string(i), "an integer or a string value"));
        } else if (vals.is_string() || vals.is_number_integer()) {
          values.push_back(scalar(vals, vp, "a value"));
        } else {
          fail(vp, "a non-empty list of values");
        }
        r.params.emplace_back(name, std::move(values));
      }
    }
    fill_common(o, ptr, r);
    return r;
  }
};

}  // namespace

std::vector<RunRequest> parse_suite(const std::string& text, const std::string& file) { return parse_suite_doc(text, file).runs; }

Suite parse_suite_doc(const std::string& text, const std::string& file) {
  check_json_limits(text, file, kSuiteLimits);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::out_of_range& e) {
    // A number too big for a double ("1e999"): nlohmann names the token but not where it is.
    std::string msg = e.what();
    std::size_t at = std::string::npos;
    if (const auto q = msg.find('\''); q != std::string::npos)
      if (const auto q2 = msg.find('\'', q + 1); q2 != std::string::npos) at = text.find(msg.substr(q + 1, q2 - q - 1));
    if (const auto p = msg.find("] "); p != std::string::npos) msg = msg.substr(p + 2);
    throw BadInput((at == std::string::npos ? file : text_position(text, at, file)) + ": " + msg +
                   "; allowed: numbers within a double's range");
  } catch (const json::exception& e) {
    if (e.id < 100 || e.id >= 200) throw BadInput(file + ": malformed JSON: " + e.what());
    const auto& pe = static_cast<const json::parse_error&>(e);
    // Line and column from the byte offset nlohmann reports.
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i + 1 < pe.byte && i < text.size(); ++i, ++col)
      if (text[i] == '\n') {
        ++line;
        col = 0;
      }
    std::string msg = e.what();
    if (auto p = msg.find("syntax error while parsing value - "); p != std::string::npos) msg = msg.substr(p + 35);
    else if (auto q = msg.find("] "); q != std::string::npos) msg = msg.substr(q + 2);
    throw BadInput(file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": malformed JSON: " + msg);
  }
  SuiteReader rd{file, LineIndex(text)};
  RunRequest defaults;
  Suite suite;
  const json* runs = &doc;
  std::string ptr;
  if (doc.is_object()) {
    static const std::set<std::string> keys = {"name", "description", "purpose", "case", "questions", "defaults", "runs"};
    for (const auto& [k, v] : doc.items())
      if (!keys.count(k)) rd.fail("/" + k, "one of the keys name, description, purpose, case, questions, defaults, runs");
    for (const auto& [key, field, limit] : {std::tuple{"name", &suite.name, 64}, std::tuple{"description", &suite.description, 4000},
                                            std::tuple{"purpose", &suite.purpose, 200}, std::tuple{"case", &suite.case_id, 16}})
      if (doc.contains(key)) {
        if (!doc[key].is_string() || doc[key].get_ref<const std::string&>().size() > static_cast<std::size_t>(limit))
          rd.fail(std::string("/") + key, "a string of at most " + std::to_string(limit) + " bytes");
        *field = doc[key].get<std::string>();
      }
    if (doc.contains("questions")) suite.questions = rd.questions(doc["questions"], "/questions");
    if (doc.contains("defaults")) {
      if (!doc["defaults"].is_object()) rd.fail("/defaults", "an object");
      for (const auto& [k, v] : doc["defaults"].items())
        if (k != "threads" && k != "duration" && k != "warmup" && k != "repetitions" && k != "latency")
          rd.fail("/defaults/" + k, "one of the keys threads, duration, warmup, repetitions, latency");
      rd.fill_common(doc["defaults"], "/defaults", defaults);
    }
    if (!doc.contains("runs")) rd.fail("", "a \"runs\" list of scenario invocations");
    runs = &doc["runs"];
    ptr = "/runs";
  }
  if (!runs->is_array() || runs->empty()) rd.fail(ptr, "a non-empty list of scenario invocations");
  for (std::size_t i = 0; i < runs->size(); ++i) suite.runs.push_back(rd.run((*runs)[i], ptr + "/" + std::to_string(i), defaults));
  return suite;
}

}  // namespace lfbench
