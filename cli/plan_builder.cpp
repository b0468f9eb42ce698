#include "plan_builder.hpp"

#include <fnmatch.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "input.hpp"
#include "lfbench_config.h"

namespace lfbench {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool is_glob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::vector<std::string> ids(const Scenario& s) {
  std::vector<std::string> out;
  for (const auto& p : s.primitives) out.push_back(p.id);
  return out;
}

std::vector<std::string> param_names(const Scenario& s) {
  std::vector<std::string> out;
  for (const auto& p : s.params) out.push_back(p.name);
  return out;
}

const Scenario& scenario_or_throw(const std::string& id, const std::string& where) {
  if (const Scenario* s = find_scenario(id)) return *s;
  std::vector<std::string> all;
  for (const auto& s : scenarios()) all.push_back(s.id);
  throw BadInput(where + "unknown scenario '" + id + "'" + did_you_mean(id, all) +
                 " (scenarios: " + join(all) + ")");
}

std::string allowed(const ParamSpec& p) {
  if (!p.is_int()) return "one of " + join(p.choices);
  return "integers " + std::to_string(p.min) + ".." + std::to_string(p.max) + (p.unit.empty() ? "" : " (" + p.unit + ")");
}

// Normalises one value of parameter p ("050" -> "50"), or throws.
std::string check_value(const Scenario& s, const ParamSpec& p, const std::string& v, const std::string& where) {
  const std::string what = where + s.id + " --param " + p.name;
  if (p.is_int()) return std::to_string(parse_int(v, what, p.min, p.max));
  for (const auto& c : p.choices)
    if (c == v) return v;
  throw BadInput(what + ": '" + v + "' is not allowed" + did_you_mean(v, p.choices) + "; allowed: " + allowed(p));
}

std::vector<const PrimitiveEntry*> select_primitives(const Scenario& s, const std::vector<std::string>& patterns,
                                                     bool globs_may_miss, const std::string& where) {
  if (patterns.empty()) {
    std::vector<const PrimitiveEntry*> all;
    for (const auto& p : s.primitives) all.push_back(&p);
    return all;
  }
  std::vector<const PrimitiveEntry*> out;
  for (const auto& pat : patterns) {
    bool matched = false;
    for (const auto& p : s.primitives)
      if (fnmatch(pat.c_str(), p.id.c_str(), 0) == 0) {
        matched = true;
        if (std::find(out.begin(), out.end(), &p) == out.end()) out.push_back(&p);
      }
    if (!matched && !(globs_may_miss && is_glob(pat)))
      throw BadInput(where + "scenario " + s.id + " has no primitive '" + pat + "'" + did_you_mean(pat, ids(s)) +
                     " (primitives: " + join(ids(s)) + ")");
  }
  return out;
}

}  // namespace

Plan build_plan(const std::vector<RunRequest>& runs, const RunRequest& flags, bool from_suite) {
  // Flags' --param names must exist in at least one scenario of the plan.
  for (const auto& [name, values] : flags.params) {
    bool known = false;
    std::vector<std::string> names;
    for (const auto& r : runs) {
      const Scenario& s = scenario_or_throw(r.scenario, r.origin);
      known |= s.param(name) != nullptr;
      for (const auto& n : param_names(s)) names.push_back(n);
    }
    if (!known)
      throw BadInput("--param: unknown parameter '" + name + "'" + did_you_mean(name, names) +
                     (names.empty() ? " (this scenario has no parameters)" : " (parameters: " + join(names) + ")"));
  }

  // Flags' --primitive patterns filter suite runs: each must match in at least one run.
  if (from_suite)
    for (const auto& pat : flags.primitives) {
      std::vector<std::string> all;
      bool matched = false;
      for (const auto& r : runs)
        for (const auto& p : scenario_or_throw(r.scenario, r.origin).primitives) {
          all.push_back(p.id);
          matched |= fnmatch(pat.c_str(), p.id.c_str(), 0) == 0;
        }
      if (!matched)
        throw BadInput("--primitive: no primitive of this suite matches '" + pat + "'" + did_you_mean(pat, all));
    }

  Plan plan;
  std::set<std::string> seen;
  std::string unsupported;  // the first cell left out because its primitive cannot run it
  for (const auto& r : runs) {
    const std::string where = r.origin.empty() ? "" : r.origin + ": ";
    const Scenario& s = scenario_or_throw(r.scenario, where);

    // Sweeps: flags, else the run's, else the scenario's defaults; each value checked.
    std::vector<std::pair<const ParamSpec*, std::vector<std::string>>> sweeps;
    for (const auto& [name, values] : r.params)
      if (!s.param(name))
        throw BadInput(where + "scenario " + s.id + " has no parameter '" + name + "'" +
                       did_you_mean(name, param_names(s)) + " (parameters: " + join(param_names(s)) + ")");
    for (const auto& p : s.params) {
      const std::vector<std::string>* chosen = &p.default_sweep;
      for (const auto& [name, values] : r.params)
        if (name == p.name) chosen = &values;
      for (const auto& [name, values] : flags.params)
        if (name == p.name) chosen = &values;
      if (chosen->empty()) throw BadInput(where + s.id + " --param " + p.name + ": no values; allowed: " + allowed(p));
      std::vector<std::string> vals;
      for (const auto& v : *chosen) {
        auto n = check_value(s, p, v, where);
        if (std::find(vals.begin(), vals.end(), n) == vals.end()) vals.push_back(std::move(n));
      }
      sweeps.emplace_back(&p, std::move(vals));
    }

    auto prims = select_primitives(s, r.primitives, from_suite, where);
    if (from_suite && !flags.primitives.empty()) {
      std::vector<const PrimitiveEntry*> keep;
      for (const auto& p : s.primitives)
        for (const auto& pat : flags.primitives)
          if (fnmatch(pat.c_str(), p.id.c_str(), 0) == 0) keep.push_back(&p);
      std::erase_if(prims, [&](const PrimitiveEntry* p) { return std::find(keep.begin(), keep.end(), p) == keep.end(); });
    }

    const auto threads = flags.threads.value_or(r.threads.value_or(kDefaultThreads));
    CellPlan base;
    base.scenario = &s;
    base.duration = flags.duration.value_or(r.duration.value_or(kDefaultDuration));
    base.warmup = flags.warmup.value_or(r.warmup.value_or(kDefaultWarmup));
    base.repetitions = flags.repetitions.value_or(r.repetitions.value_or(kDefaultRepetitions));
    base.latency = flags.latency.value_or(r.latency.value_or(false));

    // Order: parameters, then threads, then primitives — so the primitives compared for one
    // workload are measured next to each other in time.
    std::vector<std::size_t> idx(sweeps.size(), 0);
    for (bool more = true; more;) {
      for (unsigned t : threads)
        for (const PrimitiveEntry* p : prims) {
          CellPlan c = base;
          c.primitive = p;
          c.threads = t;
          for (std::size_t i = 0; i < sweeps.size(); ++i) {
            const auto& name = sweeps[i].first->name;
            if (std::find(p->ignores.begin(), p->ignores.end(), name) == p->ignores.end())
              c.params.set(name, sweeps[i].second[idx[i]]);
          }
          if (p->unsupported) {
            if (auto why = p->unsupported(CellSpec{c.params, t}); !why.empty()) {
              if (unsupported.empty()) unsupported = p->id + " at threads=" + std::to_string(t) + ": " + why;
              continue;
            }
          }
          if (seen.insert(c.run_name()).second) plan.cells.push_back(std::move(c));
        }
      more = false;
      for (std::size_t i = sweeps.size(); i-- > 0;) {
        if (++idx[i] < sweeps[i].second.size()) {
          more = true;
          break;
        }
        idx[i] = 0;
      }
    }
  }
  if (plan.cells.empty() && !unsupported.empty())
    throw BadInput("nothing to run: every cell left out as unsupported (" + unsupported + ")");
  if (plan.cells.empty()) throw BadInput("nothing to run: no primitive matches --primitive in any run");
  return plan;
}

// ---- suite files ---------------------------------------------------------------------------

namespace {

// Line of every value in a JSON text, keyed by JSON pointer ("/runs/0/threads"). Only used
// on text nlohmann already parsed, so it can assume the text is valid JSON.
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
      r.repetitions = static_cast<unsigned>(parse_int(std::to_string(o["repetitions"].get<std::int64_t>()),
                                                      where(ptr + "/repetitions") + ": repetitions", 1, kMaxRepetitions));
    }
    if (o.contains("latency")) {
      if (!o["latency"].is_boolean()) fail(ptr + "/latency", "true or false");
      r.latency = o["latency"].get<bool>();
    }
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

fs::path exe_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path(".") : p.parent_path();
}

std::vector<fs::path> suite_dirs() {
  // Installed: <prefix>/bin/lfbench and <prefix>/share/lfbench/suites; in a build tree, the
  // source tree's scenarios/suites.
  return {exe_dir() / "../share/lfbench/suites", fs::path(LFBENCH_SOURCE_DIR) / "scenarios/suites"};
}

}  // namespace

std::vector<RunRequest> parse_suite(const std::string& text, const std::string& file) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // Line and column from the byte offset nlohmann reports.
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i, ++col)
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
  const json* runs = &doc;
  std::string ptr;
  if (doc.is_object()) {
    static const std::set<std::string> keys = {"name", "description", "defaults", "runs"};
    for (const auto& [k, v] : doc.items())
      if (!keys.count(k)) rd.fail("/" + k, "one of the keys name, description, defaults, runs");
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
  std::vector<RunRequest> out;
  for (std::size_t i = 0; i < runs->size(); ++i) out.push_back(rd.run((*runs)[i], ptr + "/" + std::to_string(i), defaults));
  return out;
}

std::vector<std::string> suite_names() {
  std::set<std::string> names;
  for (const auto& d : suite_dirs()) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.path().extension() == ".json") names.insert(e.path().stem().string());
  }
  return {names.begin(), names.end()};
}

std::vector<RunRequest> load_suite(const std::string& name_or_path) {
  fs::path path = name_or_path;
  const bool by_name = name_or_path.find('/') == std::string::npos && path.extension() != ".json";
  if (by_name) {
    path.clear();
    for (const auto& d : suite_dirs())
      if (fs::exists(d / (name_or_path + ".json"))) {
        path = d / (name_or_path + ".json");
        break;
      }
    if (path.empty())
      throw BadInput("--suite: no suite named '" + name_or_path + "'" + did_you_mean(name_or_path, suite_names()) +
                     " (suites: " + join(suite_names()) + "; or give a path to a .json file)");
  }
  std::ifstream in(path);
  if (!in) throw BadInput("--suite: cannot read '" + path.string() + "': " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_suite(ss.str(), by_name ? name_or_path + ".json" : path.string());
}

}  // namespace lfbench
