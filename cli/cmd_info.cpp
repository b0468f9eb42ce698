// lfbench list | describe SCENARIO | calibrate
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "../scenarios/harness/calibrate.hpp"
#include "../scenarios/harness/scenario.hpp"
#include "commands.hpp"
#include "environment.hpp"
#include "input.hpp"
#include "plan_builder.hpp"

namespace lfbench {

namespace {

int list() {
  std::cout << "Scenarios (lfbench describe ID for parameters):\n";
  for (const auto& s : scenarios()) {
    std::cout << "  " << s.id << " — " << s.summary << "\n";
    for (const auto& p : s.primitives)
      std::cout << "      " << p.id << "  [" << p.kind << ", " << prim::to_string(p.traits.progress)
                << (p.traits.library.empty() ? "" : ", " + std::string(p.traits.library)) << "]\n";
  }
  std::cout << "Optional libraries:\n";
  const nlohmann::json libraries = machine_context(read_topology())["lfbench_libraries"];
  for (const auto& [name, version] : libraries.items())
    std::cout << "  " << name << ": " << (version.is_null() ? "not compiled in" : "compiled in (" + version.get<std::string>() + ")") << "\n";
  std::cout << "Suites (lfbench run --suite NAME; lfbench describe NAME for its cells and questions):\n";
  for (const auto& name : suite_names()) {
    std::string purpose;
    try {
      const Suite s = load_suite_file(name);
      purpose = !s.purpose.empty() ? s.purpose : s.description.substr(0, s.description.find_first_of(".:"));
    } catch (const BadInput& e) {
      purpose = std::string("(cannot be read: ") + e.what() + ")";
    }
    std::cout << "  " << name << " — " << purpose << "\n";
  }
  return 0;
}

// describe SUITE: what it answers (its questions) and the cells it measures.
int describe_suite(const std::string& name) {
  const Suite s = load_suite_file(name);
  std::cout << s.name << (s.purpose.empty() ? "" : " — " + s.purpose) << "\n";
  if (!s.description.empty()) std::cout << "\n" << s.description << "\n";
  if (!s.questions.empty()) {
    std::cout << "\nWhat it answers" << (s.case_id.empty() ? "" : " (case " + s.case_id + ", ../shared/cases)") << ":\n";
    for (const auto& q : s.questions)
      std::cout << "  - " << q["text"].get<std::string>() << "  [" << q["kind"].get<std::string>()
                << (q.contains("scenario") ? " in " + q["scenario"].get<std::string>() : "") << "]\n";
  }
  const Plan plan = build_plan(s.runs, RunRequest{}, true);
  std::cout << "\nCells (" << plan.cells.size() << ", ETA " << format_duration(plan.estimate()) << "):\n";
  for (const auto& c : plan.cells)
    std::cout << "  " << c.run_name() << "  (" << c.repetitions << " x " << format_duration(c.duration) << ")\n";
  return 0;
}

int describe(const std::string& id) {
  const Scenario* s = find_scenario(id);
  if (!s) {
    const std::vector<std::string> suites = suite_names();
    if (std::find(suites.begin(), suites.end(), id) != suites.end()) return describe_suite(id);
    std::vector<std::string> all;
    for (const auto& x : scenarios()) all.push_back(x.id);
    std::vector<std::string> either = all;
    either.insert(either.end(), suites.begin(), suites.end());
    throw BadInput("describe: unknown scenario or suite '" + id + "'" + did_you_mean(id, either) + " (scenarios: " + join(all) +
                   "; suites: " + join(suites) + ")");
  }
  std::cout << s->id << " — " << s->summary << "\n\nParameters (--param NAME=V1,V2,...):\n";
  if (s->params.empty()) std::cout << "  (none)\n";
  for (const auto& p : s->params) {
    std::cout << "  " << p.name << "  " << p.help << "\n      default sweep: " << join(p.default_sweep) << "; allowed: ";
    if (p.is_int()) std::cout << p.min << ".." << p.max << (p.unit.empty() ? "" : " " + p.unit);
    else std::cout << join(p.choices);
    std::cout << "\n";
  }
  std::cout << "\nPrimitives (--primitive ID or glob):\n";
  for (const auto& p : s->primitives) {
    std::cout << "  " << p.id << "  [" << p.kind << ", " << prim::to_string(p.traits.progress) << "]";
    if (!p.ignores.empty()) std::cout << "  (ignores " << join(p.ignores) << ")";
    std::cout << "\n";
  }
  if (!s->op_kinds.empty()) std::cout << "\nOperations counted apart: " << join(s->op_kinds) << "\n";
  // What the report draws for it (declared by the scenario, written into every results file).
  if (!s->baselines.empty()) std::cout << "Report baseline (relative views divide by the first present): " << join(s->baselines) << "\n";
  if (!s->measures.empty()) {
    std::vector<std::string> titles;
    for (const auto& m : s->measures) titles.push_back(m.title);
    std::cout << "Report measures: " << join(titles) << "\n";
  }
  if (s->roles) std::cout << "Threads have roles: fairness is the scenario's own (over the threads that count)\n";
  return 0;
}

int calibrate_command(bool as_json) {
  Topology topo;
  try {
    topo = read_topology();
  } catch (const std::invalid_argument& e) {
    throw BadInput(e.what());
  }
  if (!topo.this_machine)
    throw BadInput("LFBENCH_TOPOLOGY=" + topo.source.substr(0, 200) + " is another machine's topology: calibrate measures this one; allowed: unset it");
  const Calibration c = calibrate(topo);
  if (as_json) {
    std::cout << calibration_json(c).dump(2) << "\n";
    return 0;
  }
  std::printf("timer (steady_clock::now)       %8.1f ns\n", c.timer_ns);
  std::printf("uncontended atomic RMW          %8.1f ns\n", c.atomic_rmw_ns);
  if (c.c2c_cpu_a < 0) {
    std::printf("core-to-core round trip         n/a (one CPU)\n");
  } else {
    std::printf("core-to-core round trip (%d<->%d) %7.1f ns median, p10 %.1f, p90 %.1f%s\n", c.c2c_cpu_a,
                c.c2c_cpu_b, c.c2c_round_trip_ns, c.c2c_p10_ns, c.c2c_p90_ns,
                c.c2c_bimodal ? "  BIMODAL: the machine switches between two latencies" : "");
  }
  // The matrix: one pair per distance class this machine has.
  std::printf("round trip by distance (%s: %d package%s, %d L3 domain%s, %d cores, %zu CPUs):\n", topo.source.c_str(),
              topo.packages, topo.packages > 1 ? "s" : "", topo.l3s, topo.l3s > 1 ? "s" : "", topo.cores, topo.pus.size());
  if (c.by_distance.empty()) std::printf("  n/a (one CPU)\n");
  for (const auto& r : c.by_distance)
    std::printf("  %-14s (%d<->%d) %7.1f ns median, p10 %.1f, p90 %.1f%s\n", to_string(r.distance), r.cpu_a, r.cpu_b, r.ns,
                r.p10_ns, r.p90_ns, r.bimodal ? "  BIMODAL" : "");
  std::printf("(took %.0f ms)\n", c.seconds * 1e3);
  return 0;
}

}  // namespace

void add_info_commands(CLI::App& app, Action& action) {
  app.add_subcommand("list", "list scenarios, their primitives, compiled-in libraries and suites")
      ->callback([&action] { action = list; });

  auto* d = app.add_subcommand("describe", "a scenario's parameters (defaults, ranges, help) and primitives, or a suite's questions and cells");
  auto id = std::make_shared<std::string>();
  d->add_option("id", *id, "scenario id or suite name")->required();
  d->callback([&action, id] { action = [id] { return describe(*id); }; });

  auto* c = app.add_subcommand("calibrate", "measure timer cost, atomic RMW cost and core-to-core latency");
  auto as_json = std::make_shared<bool>(false);
  c->add_flag("--json", *as_json, "print as JSON");
  c->callback([&action, as_json] { action = [as_json] { return calibrate_command(*as_json); }; });
}

}  // namespace lfbench
