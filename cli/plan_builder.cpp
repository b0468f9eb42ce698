#include "plan_builder.hpp"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "input.hpp"
#include "lfbench_config.h"

namespace lfbench {

namespace fs = std::filesystem;

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
          if (plan.cells.size() > kMaxCells)
            throw BadInput(where + "the plan has more than " + std::to_string(kMaxCells) +
                           " cells; allowed: at most " + std::to_string(kMaxCells) + " (sweep fewer values)");
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

std::vector<unsigned> verify_threads() {
  // More threads than CPUs, so that threads are preempted inside the primitive too.
  const unsigned over = std::clamp(2 * std::max(1u, std::thread::hardware_concurrency()), 8u, 64u);
  return {2, 4, over};
}

Plan verify_plan(const std::vector<std::string>& primitives, const std::vector<std::string>& scenario_ids,
                 std::chrono::nanoseconds budget) {
  std::vector<RunRequest> runs;
  for (const auto& s : scenarios()) {
    if (!scenario_ids.empty() && std::find(scenario_ids.begin(), scenario_ids.end(), s.id) == scenario_ids.end()) continue;
    // The empty scenario measures no primitive (the harness's floor): nothing to verify.
    if (std::all_of(s.primitives.begin(), s.primitives.end(), [](const PrimitiveEntry& p) { return p.kind == "none"; }))
      continue;
    RunRequest r;
    r.scenario = s.id;
    r.threads = verify_threads();
    for (const auto& p : s.params) {
      std::vector<std::string> v = {p.default_sweep.front()};
      for (const auto& [name, values] : s.verify_params)
        if (name == p.name) v = values;
      r.params.emplace_back(p.name, std::move(v));
    }
    r.duration = kVerifyWindow;
    r.warmup = std::chrono::nanoseconds(0);
    r.repetitions = kMinVerifyWindows;
    r.origin = "verify";
    runs.push_back(std::move(r));
  }
  for (const auto& id : scenario_ids) (void)scenario_or_throw(id, "--scenario: ");
  if (runs.empty()) throw BadInput("--scenario: no scenario given measures a primitive; allowed: " + [] {
    std::vector<std::string> all;
    for (const auto& s : scenarios()) all.push_back(s.id);
    return join(all);
  }());
  RunRequest filter;
  filter.primitives = primitives;
  Plan plan = build_plan(runs, filter, true);
  // A known-broken primitive (kept to show an oracle catching it) fails by design: only on request.
  if (primitives.empty()) std::erase_if(plan.cells, [](const CellPlan& c) { return c.primitive->traits.known_broken; });
  // The windows each primitive's budget buys, spread over its cells.
  std::map<std::string, std::size_t> cells_of;
  for (const auto& c : plan.cells) ++cells_of[c.primitive->id];
  for (auto& c : plan.cells) {
    const auto per_cell = budget / static_cast<std::int64_t>(cells_of[c.primitive->id]);
    c.repetitions = static_cast<unsigned>(std::clamp<std::int64_t>(per_cell / kVerifyWindow, kMinVerifyWindows, kMaxVerifyWindows));
    c.perturb = true;
  }
  return plan;
}

// ---- suite files (parsing in suite_file.cpp) ----------------------------------------------

namespace {

fs::path exe_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path(".") : p.parent_path();
}

std::vector<fs::path> suite_dirs() {
  // Installed: <prefix>/bin/lfbench and <prefix>/share/lfbench/suites; a user's own binary
  // built against the installed library: the install prefix's; in a build tree, the source
  // tree's scenarios/suites.
  return {exe_dir() / "../share/lfbench/suites", fs::path(LFBENCH_DATA_DIR) / "suites",
          fs::path(LFBENCH_SOURCE_DIR) / "scenarios/suites"};
}

}  // namespace

std::vector<std::string> suite_names() {
  std::set<std::string> names;
  for (const auto& d : suite_dirs()) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.path().extension() == ".json") names.insert(e.path().stem().string());
  }
  return {names.begin(), names.end()};
}

std::vector<RunRequest> load_suite(const std::string& name_or_path) { return load_suite_file(name_or_path).runs; }

Suite load_suite_file(const std::string& name_or_path) {
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
  // Far above any real suite (a few KiB); bounds what a wrong path (a log, /dev/zero) costs.
  constexpr std::size_t kMaxSuiteBytes = 1 << 20;
  const std::string text = read_input_file(path.string(), kMaxSuiteBytes, "--suite: cannot read '" + path.string() + "'", "suite file");
  Suite suite = parse_suite_doc(text, by_name ? name_or_path + ".json" : path.string());
  if (suite.name.empty()) suite.name = path.stem().string();
  // What the reader cannot know alone: the scenarios its questions name exist in this build.
  for (const auto& q : suite.questions)
    if (q.contains("scenario") && !find_scenario(q["scenario"].get<std::string>()))
      throw BadInput("--suite " + name_or_path + ": question '" + q["id"].get<std::string>() + "' names scenario '" +
                     q["scenario"].get<std::string>() + "', which this lfbench does not have (lfbench list)");
  return suite;
}

void check_cell(const CellPlan& c, const std::string& where) {
  const auto in = [](auto v, auto lo, auto hi) { return v >= lo && v <= hi; };
  if (!in(c.threads, 1u, kMaxThreads))
    throw BadInput(where + ": " + std::to_string(c.threads) + " threads; allowed: 1.." + std::to_string(kMaxThreads));
  if (!in(c.duration, std::chrono::nanoseconds(kMinWindow), std::chrono::nanoseconds(kMaxWindow)) ||
      !in(c.warmup, std::chrono::nanoseconds(0), std::chrono::nanoseconds(kMaxWindow)))
    throw BadInput(where + ": a window of " + format_duration(c.duration) + " after a warm-up of " + format_duration(c.warmup) +
                   "; allowed: windows of " + format_duration(kMinWindow) + "..1h, warm-ups of 0..1h");
  if (!in(c.repetitions, 1u, kMaxRepetitions))
    throw BadInput(where + ": " + std::to_string(c.repetitions) + " repetitions; allowed: 1.." + std::to_string(kMaxRepetitions));
  const Scenario& s = *c.scenario;
  if (c.params.items().size() != s.params.size())
    throw BadInput(where + ": " + s.id + " takes " + std::to_string(s.params.size()) + " parameters, the cell has " +
                   std::to_string(c.params.items().size()));
  for (const auto& p : s.params) {
    if (!c.params.has(p.name)) throw BadInput(where + ": " + s.id + " parameter " + p.name + " is missing");
    const std::string& v = c.params.text(p.name);
    if (check_value(s, p, v, where + ": ") != v)
      throw BadInput(where + ": " + s.id + " --param " + p.name + ": '" + v + "' is not written as lfbench writes it");
  }
  if (c.primitive->unsupported)
    if (auto why = c.primitive->unsupported(CellSpec{c.params, c.threads}); !why.empty())
      throw BadInput(where + ": " + c.primitive->id + " cannot run " + c.run_name() + ": " + why);
}

void check_build(const Build& b, const std::string& where) {
  const bool name_ok = !b.name.empty() && b.name.size() <= 32 &&
                       std::all_of(b.name.begin(), b.name.end(), [](unsigned char ch) {
                         return std::isalnum(ch) || ch == '_' || ch == '.' || ch == '-';
                       });
  if (!name_ok)
    throw BadInput(where + ": build name '" + b.name + "' is not allowed; allowed: 1-32 of A-Z a-z 0-9 _ . -");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(b.path, ec) || ::access(b.path.c_str(), X_OK) != 0)
    throw BadInput(where + ": " + b.name + "=" + b.path + " is not an executable file; allowed: an lfbench binary "
                   "(lfbench itself or a program linked with liblfbench)");
}

std::vector<Build> parse_builds(const std::vector<std::string>& ab) {
  std::vector<Build> builds;
  for (const auto& v : ab) {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq + 1 == v.size())
      throw BadInput("--ab: '" + v + "' is not NAME=PATH; allowed: e.g. --ab base=old/lfbench --ab head=build/cli/lfbench");
    Build b{v.substr(0, eq), v.substr(eq + 1)};
    check_build(b, "--ab");
    b.path = std::filesystem::canonical(b.path).string();  // a --resume from elsewhere finds it
    for (const auto& other : builds)
      if (other.name == b.name) throw BadInput("--ab: build name '" + b.name + "' given twice; allowed: two distinct names");
    builds.push_back(std::move(b));
  }
  if (builds.size() != 2)
    throw BadInput("--ab: " + std::to_string(builds.size()) + " build(s) given; allowed: exactly two, base first "
                   "(--ab base=PATH --ab head=PATH)");
  return builds;
}

void split_builds(Plan& plan, const std::vector<Build>& builds) {
  std::vector<CellPlan> cells;
  for (const auto& c : plan.cells)
    for (const auto& b : builds) {
      cells.push_back(c);
      cells.back().build = b.name;
    }
  if (cells.size() > kMaxCells)
    throw BadInput("--ab: " + std::to_string(cells.size()) + " cells; allowed: at most " + std::to_string(kMaxCells));
  plan.cells = std::move(cells);
  plan.builds = builds;
}

std::vector<Placement> parse_placements(const std::string& text) {
  std::vector<Placement> out;
  std::string item;
  const auto flush = [&] {
    if (item.empty()) throw BadInput("--pin: '" + text + "' has an empty placement; allowed: a comma list such as cores,smt,l3,spread");
    try {
      Placement p = parse_placement(item);
      if (std::find(out.begin(), out.end(), p) != out.end()) throw BadInput("--pin: '" + text + "' names " + p.name() + " twice");
      out.push_back(std::move(p));
    } catch (const std::invalid_argument& e) {
      throw BadInput(e.what());
    }
    item.clear();
  };
  for (const std::string& token : split(text, ',')) {
    // cpus:0,2,4-7 has commas of its own: a number or range after it continues its list.
    const bool continues = !item.empty() && item.starts_with("cpus:") && !token.empty() &&
                           token.find_first_not_of("0123456789-") == std::string::npos;
    if (continues) {
      item += "," + token;
      continue;
    }
    if (!item.empty()) flush();
    item = token;
  }
  flush();
  return out;
}

std::vector<std::string> place_cells(Plan& plan, const std::vector<Placement>& placements, const Topology& topo) {
  std::vector<CellPlan> cells;
  std::vector<std::string> left_out;
  for (const auto& c : plan.cells)
    for (const auto& p : placements) {
      CellPlan placed = c;
      placed.placement = p;
      std::string why;
      if (topo.order(p, c.threads, &why)) cells.push_back(std::move(placed));
      else left_out.push_back(placed.run_name() + ": " + why);
    }
  if (cells.size() > kMaxCells)
    throw BadInput("--pin: " + std::to_string(cells.size()) + " cells; allowed: at most " + std::to_string(kMaxCells));
  if (cells.empty())
    throw BadInput("--pin: no cell can be placed as asked (" + (left_out.empty() ? std::string("no cells") : left_out.front()) +
                   "); allowed: fewer threads, or a placement this machine (" + topo.source + ") can honour");
  plan.cells = std::move(cells);
  return left_out;
}

}  // namespace lfbench
