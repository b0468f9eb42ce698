#include "results_json.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <thread>

#include "../scenarios/harness/tsc.hpp"
#include "environment.hpp"

namespace lfbench {

using nlohmann::json;

namespace {

double round_to(double x, double step) { return std::round(x / step) * step; }

// A verdict and what it holds for: the scenario's oracle ("level") on this machine's memory
// order. An oracle passing on x86-TSO does not show that a primitive's acquire/release are right.
json verification_json(bool ok, const std::string& detail) {
  static const std::string model = memory_model();
  return {{"ok", ok}, {"detail", detail}, {"level", "oracle"}, {"memory_model", model}};
}

double pick(const Summary& s, const std::string& stat) {
  if (stat == "mean") return s.mean;
  if (stat == "median") return s.median;
  if (stat == "stddev") return s.stddev;
  if (stat == "cv") return s.cv;
  if (stat == "min") return s.min;
  if (stat == "max") return s.max;
  return s.median;
}

json summary_json(const Summary& s) {
  return {{"median", s.median}, {"mean", s.mean}, {"min", s.min}, {"max", s.max},
          {"stddev", s.stddev}, {"cv", s.cv},     {"n", s.n}};
}

// Percentiles below the latency timer's resolution are not numbers: they are null and named
// in below_resolution, with the resolution beside them.
json latency_json(const LatencyHistogram& h, std::uint32_t sample_every) {
  const tsc::Calibration& t = tsc::calibrate();
  json o = {{"samples", h.count()},
            {"sample_every", sample_every},
            {"timer", t.source()},
            {"timer_overhead_ns", std::round(t.overhead_ns() * 10) / 10},
            {"resolution_ns", std::round(t.resolution_ns * 10) / 10}};
  json below = json::array();
  const std::pair<const char*, double> qs[] = {{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}, {"p999", 0.999}, {"max", 1.0}};
  for (const auto& [name, q] : qs) {
    const std::uint64_t v = q < 1 ? h.percentile(q) : h.max();
    if (h.count() && static_cast<double>(v) < t.resolution_ns) {
      o[name] = nullptr;
      below.push_back(name);
    } else {
      o[name] = v;
    }
  }
  o["below_resolution"] = below;
  return o;
}

// Each thread's share of the window: on a CPU, and waiting for one (null where the kernel
// keeps no schedstats), with its context switches.
json usage_json(const WindowResult& w) {
  json a = json::array();
  for (const auto& u : w.usage)
    a.push_back({{"cpu_share", w.seconds > 0 ? u.cpu_seconds / w.seconds : 0},
                 {"runqueue_share", u.runqueue_seconds < 0 ? json(nullptr) : json(w.seconds > 0 ? u.runqueue_seconds / w.seconds : 0)},
                 {"involuntary_switches", u.involuntary},
                 {"voluntary_switches", u.voluntary},
                 {"sleeps_by_design", u.sleeps_by_design}});
  return a;
}

// Fairness per CPU time: each thread's ops per CPU-second, so a thread the scheduler gave
// less CPU is not taken for one the primitive starved.
json fairness_cpu_json(const std::vector<std::uint64_t>& ops, const std::vector<double>& cpu_seconds) {
  std::vector<std::uint64_t> rate;
  for (std::size_t i = 0; i < ops.size() && i < cpu_seconds.size(); ++i)
    rate.push_back(cpu_seconds[i] > 0 ? static_cast<std::uint64_t>(static_cast<double>(ops[i]) / cpu_seconds[i]) : 0);
  const Fairness f = fairness(rate);
  return {{"jain", f.jain}, {"min_share", f.min_share}, {"max_share", f.max_share}};
}

std::vector<double> thread_cpu(const WindowResult& w) {
  std::vector<double> v;
  for (const auto& u : w.usage) v.push_back(u.cpu_seconds);
  return v;
}

json params_json(const CellPlan& p) {
  json o = json::object();
  for (const auto& [k, v] : p.params.items()) {
    const ParamSpec* spec = p.scenario->param(k);
    if (spec && spec->is_int()) o[k] = std::stoll(v);
    else o[k] = v;
  }
  return o;
}

json fairness_json(const std::vector<std::uint64_t>& per_thread) {
  const Fairness f = fairness(per_thread);
  return {{"jain", f.jain}, {"min_share", f.min_share}, {"max_share", f.max_share}};
}

double ops_per_sec(const WindowResult& w) { return static_cast<double>(w.total_ops()) / w.seconds; }
double cpu_ns_per_op(const WindowResult& w) {
  return w.cpu_seconds * 1e9 / static_cast<double>(std::max<std::uint64_t>(1, w.total_ops()));
}

// The lfbench object for one window (stat empty) or for an aggregate over all windows.
json entry_json(const CellResult& c, const WindowResult* w, const std::string& stat, unsigned cpus) {
  const CellPlan& p = c.plan;
  json o = cell_json(c, cpus);
  const auto over_windows = [&](auto f) {
    std::vector<double> v;
    for (const auto& win : c.windows) v.push_back(f(win));
    return pick(summarize(v), stat);
  };
  if (w) {
    // The cell's discarded windows are the cell's: on its aggregates only. Repeated in every
    // window's entry, a 10-minute --until-decided run under load wrote 41 MB (2.3 KB of them
    // per entry), past what the reader takes.
    if (c.windows.size() >= 2) o.erase("discarded_windows");  // Google Benchmark writes aggregates from 2
    o["ops_per_sec"] = ops_per_sec(*w);
    o["ns_per_op"] = w->seconds * 1e9 / static_cast<double>(std::max<std::uint64_t>(1, w->total_ops()));
    o["cpu_ns_per_op"] = cpu_ns_per_op(*w);
    o["window_seconds"] = w->seconds;
    o["per_thread_ops"] = w->per_thread_ops;
    o["fairness"] = fairness_json(w->per_thread_ops);
    o["fairness_cpu"] = fairness_cpu_json(w->per_thread_ops, thread_cpu(*w));
    o["threads_usage"] = usage_json(*w);
    o["steal_seconds"] = w->steal_seconds;
    const double lost = lost_share(w->seconds, w->usage, w->steal_seconds);
    o["lost_share"] = lost < 0 ? json(nullptr) : json(lost);
    o["disturbed"] = w->judgement.disturbed;
    o["disturbance"] = w->judgement.reason;
    o["verification"] = verification_json(w->verdict.ok, w->verdict.detail);
    json kinds = json::object();
    for (std::size_t k = 0; k < p.scenario->op_kinds.size(); ++k) {
      json kj = {{"ops_per_sec", static_cast<double>(w->ops_by_kind[k]) / w->seconds}};
      if (p.latency && w->latency[k].count()) kj["latency_ns"] = latency_json(w->latency[k], w->sample_every);
      kinds[p.scenario->op_kinds[k]] = kj;
    }
    o["op_kinds"] = kinds;
    if (p.latency) {
      LatencyHistogram all;
      for (const auto& h : w->latency) all.merge(h);
      o["latency_ns"] = latency_json(all, w->sample_every);
    }
    json m = json::object();
    for (const auto& [k, v] : w->metrics) m[k] = v;
    o["metrics"] = m;
  } else {
    o["aggregate"] = stat;
    o["ops_per_sec"] = over_windows(ops_per_sec);
    o["cpu_ns_per_op"] = over_windows(cpu_ns_per_op);
    for (const auto& [k, v] : o["op_kinds"].items()) {
      const std::size_t idx = static_cast<std::size_t>(
          std::find(p.scenario->op_kinds.begin(), p.scenario->op_kinds.end(), k) - p.scenario->op_kinds.begin());
      v["ops_per_sec"] = over_windows([&](const WindowResult& win) {
        return static_cast<double>(win.ops_by_kind[idx]) / win.seconds;
      });
    }
    std::map<std::string, std::vector<double>> metrics;
    for (const auto& win : c.windows)
      for (const auto& [k, v] : win.metrics) metrics[k].push_back(v);
    json m = json::object();
    for (const auto& [k, v] : metrics) m[k] = pick(summarize(v), stat);
    o["metrics"] = m;
  }
  return o;
}

// Google Benchmark writes NaN and Infinity bare (e.g. the cv of a counter that stayed 0),
// which is not JSON: they become null.
std::string sanitize(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) out += text[++i];
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    for (const char* bad : {"-NaN", "NaN", "-Infinity", "Infinity"}) {
      const std::string_view b(bad);
      if (text.compare(i, b.size(), b) == 0) {
        out += "null";
        i += b.size() - 1;
        goto next;
      }
    }
    out += c;
  next:;
  }
  return out;
}

// Google Benchmark appends /iterations:1/repeats:N/manual_time to every name, so a file run
// with another -r would share no name with this one (compare.py would match nothing). Names
// are the cell's id (+ _<aggregate>) instead, and `threads` is the cell's thread count (what
// readers of Google Benchmark files, e.g. github-action-benchmark, show), not the 1 thread
// that coordinated the window. In an A/B run the name carries "@build" (lfbench.id does not).
void stable_names(json& e, const CellPlan& p) {
  const std::string id = p.display_name();
  const std::string agg = e.value("run_type", "") == "aggregate" ? e.value("aggregate_name", "") : "";
  e["run_name"] = id;
  e["name"] = agg.empty() ? id : id + "_" + agg;
  e["threads"] = p.threads;
}

json discarded_json(const CellResult& c) {
  json a = json::array();
  for (const auto& d : c.discarded) a.push_back({{"reason", d.reason}, {"ns_per_op", d.ns_per_op}});
  return a;
}

}  // namespace

json cell_json(const CellResult& c, unsigned cpus) {
  const CellPlan& p = c.plan;
  std::vector<std::uint64_t> per_thread(p.threads, 0);
  std::vector<double> per_thread_cpu(p.threads, 0);
  std::uint32_t sample_every = 0;
  LatencyHistogram all;
  std::vector<LatencyHistogram> kinds(p.scenario->op_kinds.size());
  json verification = verification_json(true, "");
  for (const auto& w : c.windows) {
    for (std::size_t i = 0; i < per_thread.size() && i < w.per_thread_ops.size(); ++i) per_thread[i] += w.per_thread_ops[i];
    for (std::size_t i = 0; i < per_thread_cpu.size() && i < w.usage.size(); ++i) per_thread_cpu[i] += w.usage[i].cpu_seconds;
    sample_every = std::max(sample_every, w.sample_every);
    for (std::size_t k = 0; k < kMaxOpKinds; ++k) {
      all.merge(w.latency[k]);
      if (k < kinds.size()) kinds[k].merge(w.latency[k]);
    }
    if (verification["ok"] && (!w.verdict.ok || verification["detail"] == ""))
      verification = verification_json(w.verdict.ok, w.verdict.detail);
  }
  std::vector<double> ops;
  for (const auto& w : c.windows) ops.push_back(ops_per_sec(w));
  const Summary ns = c.ns_per_op();
  if (!c.failure.empty()) verification = verification_json(false, c.failure + ": " + c.failure_detail);
  json o = {
      {"id", p.run_name()},
      {"scenario", p.scenario->id},
      {"primitive", p.primitive->id},
      {"kind", p.primitive->kind},
      {"progress", std::string(prim::to_string(p.primitive->traits.progress))},
      {"library", std::string(p.primitive->traits.library)},
      {"params", params_json(p)},
      {"threads", p.threads},
      {"repetitions", p.repetitions},
      {"window_ms", round_to(std::chrono::duration<double, std::milli>(p.duration).count(), 0.001)},
      {"warmup_ms", round_to(std::chrono::duration<double, std::milli>(p.warmup).count(), 0.001)},
      {"ops_per_sec", summarize(ops).median},
      {"ns_per_op", ns.median},
      {"per_thread_ops", per_thread},
      {"fairness", fairness_json(per_thread)},
      {"fairness_cpu", fairness_cpu_json(per_thread, per_thread_cpu)},
      {"verification", verification},
      {"disturbed_windows", c.disturbed_windows()},
      {"discarded_windows", discarded_json(c)},
      {"stats", {{"ns_per_op", summary_json(ns)}, {"ops_per_sec", summary_json(summarize(ops))}}},
      {"flags", c.flags(cpus)},
  };
  json kj = json::object();
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    std::vector<double> v;
    for (const auto& w : c.windows) v.push_back(static_cast<double>(w.ops_by_kind[k]) / w.seconds);
    kj[p.scenario->op_kinds[k]] = {{"ops_per_sec", summarize(v).median}};
    if (p.latency && kinds[k].count()) kj[p.scenario->op_kinds[k]]["latency_ns"] = latency_json(kinds[k], sample_every);
  }
  o["op_kinds"] = kj;
  if (p.latency) o["latency_ns"] = latency_json(all, sample_every);
  if (!p.build.empty()) o["build"] = p.build;
  // Where each thread ran, and how far apart they were (the report reads contended figures in
  // round trips of that distance class: calibration.c2c_by_distance).
  const Topology& topo = read_topology();
  json threads = json::array();
  for (const int cpu : c.cpus) {
    const Pu* u = topo.find(cpu);
    threads.push_back(u ? json{{"cpu", u->cpu}, {"core", u->core}, {"l3", u->l3}, {"package", u->package}, {"numa", u->numa}}
                        : json{{"cpu", -1}});
  }
  o["placement"] = {{"policy", p.placement.name()}, {"span", to_string(topo.span(c.cpus))}, {"threads", threads}};
  if (p.placement != Placement{}) o["params"]["pin"] = p.placement.name();
  return o;
}

ResultsFile results_so_far(const Results& r, const Plan& plan) {
  ResultsFile f;
  f.name = "this run";
  f.lfbench = true;
  f.incomplete = r.interrupted;
  for (const auto& b : plan.builds) {
    f.builds.push_back(b.name);
    f.build_paths.push_back(b.path);
  }
  for (const auto& c : r.cells) {
    ResultsCell cell;
    cell.id = c.plan.run_name();
    cell.build = c.plan.build;
    cell.scenario = c.plan.scenario->id;
    cell.primitive = c.plan.primitive->id;
    cell.threads = c.plan.threads;
    for (std::size_t k = 0; k < c.windows.size(); ++k) {
      const WindowResult& w = c.windows[k];
      cell.samples.push_back({w.seconds * 1e9 / static_cast<double>(std::max<std::uint64_t>(1, w.total_ops())),
                              static_cast<std::int64_t>(k), w.judgement.disturbed, cpu_ns_per_op(w),
                              lost_share(w.seconds, w.usage, w.steal_seconds)});
    }
    cell.verified = c.failure.empty() && c.valid();
    cell.verification_detail = c.failure.empty() ? "verification failed" : c.failure + ": " + c.failure_detail;
    f.cells.push_back(std::move(cell));
  }
  return f;
}

json results_json(const Results& r, const json& context) {
  json doc = json::parse(sanitize(r.gbench_json));
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  std::map<std::size_t, const CellResult*> by_family;
  for (const auto& c : r.cells) by_family[c.index] = &c;

  json entries = json::array();
  for (auto& e : doc["benchmarks"]) {
    // Entries of cells cut short by an interrupt (Google Benchmark marks them as errors) are
    // not results.
    const auto it = by_family.find(e.value("family_index", std::size_t{0}));
    if (e.value("error_occurred", false) || it == by_family.end()) continue;
    const CellResult& c = *it->second;
    stable_names(e, c.plan);
    if (e.value("run_type", "") == "aggregate") {
      const std::string stat = e.value("aggregate_name", "median");
      e["lfbench"] = entry_json(c, nullptr, stat, cpus);
      e["cpu_time"] = e["lfbench"]["cpu_ns_per_op"];  // same statistic, over per-window CPU ns/op
    } else {
      const auto rep = e.value("repetition_index", std::size_t{0});
      if (rep >= c.windows.size()) continue;
      e["lfbench"] = entry_json(c, &c.windows[rep], "", cpus);
      // Which window of the run this was: in an A/B run the two of a pair are adjacent.
      if (rep < c.window_seq.size()) e["lfbench"]["window_seq"] = c.window_seq[rep];
      // Google Benchmark timed only the coordinating thread's CPU; the process's CPU time per
      // operation over the window is the figure that means something here.
      e["cpu_time"] = e["lfbench"]["cpu_ns_per_op"];
    }
    entries.push_back(std::move(e));
  }
  // A cell whose worker hung or crashed before it finished a window still has an entry: the
  // failure is a result (Google Benchmark recorded only errors for it).
  for (const auto& c : r.cells) {
    if (c.failure.empty() || !c.windows.empty()) continue;
    json l = cell_json(c, cpus);
    l["metrics"] = json::object();
    l["cpu_ns_per_op"] = 0;
    entries.push_back({{"name", c.plan.display_name()}, {"run_name", c.plan.display_name()}, {"run_type", "iteration"},
                       {"family_index", c.index}, {"per_family_instance_index", 0}, {"repetitions", c.plan.repetitions},
                       {"repetition_index", 0}, {"threads", c.plan.threads}, {"iterations", 0}, {"real_time", 0}, {"cpu_time", 0},
                       {"time_unit", "ns"}, {"error_occurred", true}, {"error_message", c.failure + ": " + c.failure_detail},
                       {"lfbench", l}});
  }
  // Interleaved repetitions finish cells in random order; the file lists them in plan order.
  std::stable_sort(entries.begin(), entries.end(), [](const json& a, const json& b) {
    return a.value("family_index", std::size_t{0}) < b.value("family_index", std::size_t{0});
  });
  doc["benchmarks"] = std::move(entries);
  for (const auto& [k, v] : context.items()) doc["context"][k] = v;
  doc["context"]["lfbench_schema_version"] = kSchemaVersion;
  doc["context"]["lfbench_incomplete"] = r.interrupted;
  // The placements measured (in plan order) and the first cell's CPUs (what files before
  // per-cell placements recorded).
  std::string pins;  // space-separated: a cpus: list has commas of its own
  for (const auto& c : r.cells)
    if (const std::string n = c.plan.placement.name(); (" " + pins + " ").find(" " + n + " ") == std::string::npos)
      pins += (pins.empty() ? "" : " ") + n;
  doc["context"]["lfbench_pin"] = pins.empty() ? Placement{}.name() : pins;
  doc["context"]["lfbench_worker_cpus"] = r.cells.empty() ? std::vector<int>{} : r.cells.front().cpus;
  doc["context"]["lfbench_timing_note"] =
      "lfbench times its own windows; Google Benchmark's library_build_type does not affect these figures";
  return doc;
}

}  // namespace lfbench
