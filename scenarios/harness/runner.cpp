#include "runner.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "tsc.hpp"

namespace lfbench {

namespace {

// Google Benchmark's display reporter, used as a collector: it forwards everything to Google
// Benchmark's own JSONReporter writing into a string, so the results file is exactly what
// Google Benchmark writes (and its compare.py reads), and nothing reaches the terminal.
class Collector final : public benchmark::BenchmarkReporter {
 public:
  Collector() {
    SetOutputStream(&sink_);
    SetErrorStream(&sink_);
    json_.SetOutputStream(&out_);
    json_.SetErrorStream(&sink_);
  }
  bool ReportContext(const Context& c) override { return json_.ReportContext(c); }
  void ReportRuns(const std::vector<Run>& runs) override { json_.ReportRuns(runs); }
  void Finalize() override { json_.Finalize(); }
  std::string json() const { return out_.str(); }

 private:
  benchmark::JSONReporter json_;
  std::ostringstream out_, sink_;
};

struct Context {
  const Plan& plan;
  const RunOptions& opt;
  std::vector<std::unique_ptr<WorkerProcess>>& workers;  // one per build
  std::vector<std::size_t> worker_of;                    // per cell
  std::vector<std::vector<int>> cpus_of;                 // per cell: its threads' CPUs (-1: unpinned)
  Results& results;
  std::vector<std::deque<JournalRecord>> replay;
  std::size_t windows_done = 0, windows_total = 0;
  std::size_t seq = 0;  // windows asked for so far, discarded ones included
  // --until-decided, once deciding: cells decided and not, and the budget left.
  bool deciding = false;
  std::size_t decided = 0, undecided = 0;
  std::chrono::nanoseconds budget_left{};
};

void progress(Context& ctx, std::size_t i) {
  if (!ctx.opt.progress) return;
  std::size_t done = 0, disturbed = 0;
  for (std::size_t k = 0; k < ctx.results.cells.size(); ++k) {
    done += ctx.results.cells[k].windows.size() >= ctx.plan.cells[k].repetitions || !ctx.results.cells[k].failure.empty();
    disturbed += ctx.results.cells[k].discarded.size();
  }
  ctx.opt.progress(RunProgress{i, ctx.plan.cells.size(), ctx.windows_done, ctx.windows_total, done, disturbed,
                               ctx.plan.cells[i].display_name(), ctx.deciding, ctx.decided, ctx.undecided, ctx.budget_left});
}

// The next window of cell i in the attempt `attempt`: from the journal being resumed (with
// the sequence number it had), else from its build's worker (and then into the journal before
// anything else happens to it).
Outcome next_window(Context& ctx, std::size_t i, std::size_t attempt, std::size_t& seq) {
  Outcome o;
  if (i < ctx.replay.size() && !ctx.replay[i].empty()) {
    JournalRecord r = std::move(ctx.replay[i].front());
    ctx.replay[i].pop_front();
    o.kind = r.failure == "hung" ? Outcome::hung : r.failure.empty() ? Outcome::window : Outcome::crashed;
    o.detail = r.detail;
    o.result = std::move(r.window);
    seq = r.seq;
    return o;
  }
  seq = ctx.seq++;
  const CellPlan& c = ctx.plan.cells[i];
  const WindowRequest req{i, c.scenario->id, c.primitive->id, c.params.items(), c.threads, c.duration, c.warmup, c.latency,
                          c.perturb, ctx.cpus_of[i]};
  o = ctx.workers[ctx.worker_of[i]]->run(req);
  if (ctx.opt.fresh_workers) ctx.workers[ctx.worker_of[i]]->retire();
  if (o.kind == Outcome::window && ctx.opt.journal) ctx.opt.journal(JournalRecord{i, "", "", o.result, seq, attempt});
  if ((o.kind == Outcome::hung || o.kind == Outcome::crashed) && ctx.opt.journal)
    ctx.opt.journal(JournalRecord{i, o.kind == Outcome::hung ? "hung" : "crashed", o.detail, {}, seq, attempt});
  return o;
}

double ns_per_op(const WindowResult& w) {
  return w.seconds * 1e9 / static_cast<double>(std::max<std::uint64_t>(1, w.total_ops()));
}

// One slot: one more window of each cell of a group (the same cell in every build; one cell
// without --ab), the builds in random order, so that the windows of a pair see the same
// machine and neither build always goes first. A disturbed window is measured again with its
// whole pair (up to the cell's repetitions in extra windows) unless the user keeps them; a
// window whose verification failed is never discarded. A worker that hangs or dies fails its
// cell (recorded, not fatal): its partner goes on alone, the next window gets a new worker.
// Returns false when a signal came.
bool measure_slot(Context& ctx, std::vector<std::size_t> group, std::mt19937_64& rng) {
  std::erase_if(group, [&](std::size_t i) { return !ctx.results.cells[i].failure.empty(); });
  if (group.empty()) return true;
  std::shuffle(group.begin(), group.end(), rng);
  for (;;) {
    std::vector<std::tuple<std::size_t, WindowResult, std::size_t>> got;  // cell, window, seq
    std::string disturbed;  // why this attempt's windows are not kept
    const std::size_t attempt = ctx.seq;  // a measured attempt's first window takes this seq
    for (const std::size_t i : group) {
      std::size_t seq = 0;
      Outcome o = next_window(ctx, i, attempt, seq);
      ++ctx.windows_done;
      progress(ctx, i);
      if (o.kind == Outcome::interrupted) {
        ctx.results.interrupted = true;
        ctx.results.signal = o.signal;
        return false;
      }
      CellResult& out = ctx.results.cells[i];
      if (o.kind != Outcome::window) {
        out.failure = o.kind == Outcome::hung ? "hung" : "crashed";
        out.failure_detail = "window " + std::to_string(out.windows.size() + 1) + ": " + o.detail;
        continue;
      }
      const WindowResult& w = o.result;
      if (w.judgement.disturbed && w.verdict.ok && disturbed.empty())
        disturbed = (group.size() > 1 ? ctx.plan.cells[i].build + ": " : "") + w.judgement.reason;
      got.emplace_back(i, std::move(o.result), seq);
    }
    const bool remeasure = !disturbed.empty() && !ctx.opt.keep_disturbed &&
                           std::all_of(got.begin(), got.end(), [&](const auto& g) {
                             return std::get<1>(g).verdict.ok &&
                                    ctx.results.cells[std::get<0>(g)].discarded.size() < ctx.plan.cells[std::get<0>(g)].repetitions;
                           });
    if (!remeasure) {
      for (auto& [i, w, seq] : got) {
        ctx.results.cells[i].windows.push_back(std::move(w));
        ctx.results.cells[i].window_seq.push_back(seq);
      }
      if (!got.empty()) progress(ctx, std::get<0>(got.front()));  // with the cells these windows completed
      return true;
    }
    for (auto& [i, w, seq] : got) {
      ctx.results.cells[i].discarded.push_back(
          {w.judgement.disturbed ? w.judgement.reason : "its pair was disturbed (" + disturbed + ")", ns_per_op(w)});
      ++ctx.windows_total;
    }
    std::erase_if(group, [&](std::size_t i) { return !ctx.results.cells[i].failure.empty(); });
    if (group.empty()) return true;
  }
}

// --until-decided: pairs of the undecided groups, in rounds (each round: every group undecided
// when it began, closest to a decision first, skipping any decided meanwhile), until none is
// undecided or the next pair would pass the budget. The budget counts from `start`, the first
// window. Returns false when a signal came.
bool until_decided(Context& ctx, const std::vector<std::vector<std::size_t>>& groups,
                   const std::map<std::string, std::size_t>& group_of, std::mt19937_64& rng,
                   std::chrono::steady_clock::time_point start) {
  const UntilDecided& u = *ctx.opt.until_decided;
  const auto slot_time = [&](std::size_t g) {
    std::chrono::nanoseconds t{};
    for (const std::size_t i : groups[g]) t += ctx.plan.cells[i].duration + ctx.plan.cells[i].warmup;
    return t;
  };
  const auto undecided = [&] {
    std::vector<std::size_t> out;
    for (const std::string& id : u.undecided(ctx.results))
      if (const auto it = group_of.find(id); it != group_of.end()) out.push_back(it->second);
    ctx.deciding = true;
    ctx.undecided = out.size();
    ctx.decided = groups.size() - out.size();
    return out;
  };
  for (std::vector<std::size_t> round = undecided(); !round.empty();) {
    const std::size_t g = round.front();
    const auto used = std::chrono::steady_clock::now() - start;
    ctx.budget_left = std::chrono::duration_cast<std::chrono::nanoseconds>(u.budget - used);
    if (used + slot_time(g) > u.budget) {
      ctx.results.stopped = "budget";
      return true;
    }
    ctx.windows_total += groups[g].size();
    if (!measure_slot(ctx, groups[g], rng)) return false;
    ++ctx.results.extra_pairs;
    // The rest of the round, less what this pair (or any other) decided; then a new round.
    const std::vector<std::size_t> now = undecided();
    round.erase(round.begin());
    std::erase_if(round, [&](std::size_t x) { return std::find(now.begin(), now.end(), x) == now.end(); });
    if (round.empty()) round = now;
  }
  ctx.results.stopped = "decided";
  return true;
}

// One Google Benchmark repetition = one window the scheduler measured for cell i.
void report(benchmark::State& st, Context& ctx, std::size_t i, std::size_t& next) {
  const CellPlan& plan = ctx.plan.cells[i];
  const CellResult& out = ctx.results.cells[i];
  if (next >= out.windows.size()) {
    st.SkipWithError(!out.failure.empty() ? out.failure.c_str() : "interrupted before this window");
    for (auto _ : st) {
    }
    return;
  }
  const WindowResult& w = out.windows[next++];
  for (auto _ : st) {
    const double ops = static_cast<double>(std::max<std::uint64_t>(1, w.total_ops()));
    // Manual time = the window's ns per operation, so Google Benchmark's real_time is ns/op.
    st.SetIterationTime(w.seconds / ops);
    st.counters["ops_per_sec"] = ops / w.seconds;
    for (std::size_t k = 0; k < plan.scenario->op_kinds.size(); ++k)
      st.counters[plan.scenario->op_kinds[k] + "_ops_per_sec"] =
          static_cast<double>(w.ops_by_kind[k]) / w.seconds;
    st.counters["jain"] = fairness(w.per_thread_ops).jain;
    st.counters["verified"] = w.verdict.ok ? 1 : 0;  // every window sets the same counters
    st.counters["disturbed"] = w.judgement.disturbed ? 1 : 0;
  }
}

std::vector<Build> builds_of(const Plan& plan, const RunOptions& opt) {
  return plan.builds.empty() ? std::vector<Build>{{"", opt.worker_exe}} : plan.builds;
}

}  // namespace

std::vector<BuildInfo> check_builds(const Plan& plan, int signal_fd) {
  std::vector<BuildInfo> out;
  for (const Build& b : plan.builds) {
    WorkerProcess w(b.path, 1, "none", signal_fd);
    BuildInfo info{b, w.hello()};
    const auto& catalog = info.hello.value("catalog", nlohmann::json());
    if (catalog.is_object())  // an older build of the same protocol says nothing: its windows will
      for (const auto& c : plan.cells) {
        if (c.build != b.name) continue;
        const auto sc = catalog.find(c.scenario->id);
        const auto has = [](const nlohmann::json& list, const std::string& x) {
          return list.is_array() && std::find(list.begin(), list.end(), x) != list.end();
        };
        std::string lacks;
        if (sc == catalog.end()) lacks = "scenario " + c.scenario->id;
        else if (!has(sc->value("primitives", nlohmann::json()), c.primitive->id)) lacks = c.scenario->id + "/" + c.primitive->id;
        else
          for (const auto& [k, v] : c.params.items())
            if (!has(sc->value("params", nlohmann::json()), k)) lacks = "parameter " + k + " of " + c.scenario->id;
        if (!lacks.empty())
          throw std::invalid_argument("--ab " + b.name + "=" + b.path + ": that build has no " + lacks +
                                      "; allowed: cells every build can measure (choose with -p / --param)");
      }
    out.push_back(std::move(info));
  }
  return out;
}

Results run_plan(const Plan& plan, const RunOptions& opt) {
  Results results;
  tsc::calibrate();
  const Topology& topo = read_topology();
  if (opt.calibrate) results.calibration = calibrate(topo);
  const std::vector<Build> builds = builds_of(plan, opt);
  std::vector<std::unique_ptr<WorkerProcess>> workers;
  // Each request names its threads' CPUs; the worker's own --pin only places the threads of an
  // older build, which does not read them (a name such a build knows).
  const char* start_pin = legacy_pin_name(plan.cells.empty() ? Placement{} : plan.cells.front().placement);
  for (const Build& b : builds) workers.push_back(std::make_unique<WorkerProcess>(b.path, plan.max_threads(), start_pin, opt.signal_fd));
  Context ctx{plan, opt, workers, {}, {}, results, opt.replay, 0, 0, opt.first_seq};
  results.cells.resize(plan.cells.size());
  for (const CellPlan& c : plan.cells) {
    std::string why;
    const auto cpus = topo.order(c.placement, c.threads, &why);
    if (!cpus) throw std::logic_error("cell " + c.display_name() + " planned where it cannot be placed: " + why);
    ctx.cpus_of.push_back(*cpus);
  }
  // Groups: the same cell in every build, by id, in plan order.
  std::vector<std::vector<std::size_t>> groups;
  std::map<std::string, std::size_t> group_of;
  for (std::size_t i = 0; i < plan.cells.size(); ++i) {
    const CellPlan& c = plan.cells[i];
    results.cells[i].plan = c;
    results.cells[i].index = i;
    results.cells[i].cpus = ctx.cpus_of[i];
    ctx.windows_total += c.repetitions;
    ctx.worker_of.push_back(static_cast<std::size_t>(
        std::find_if(builds.begin(), builds.end(), [&](const Build& b) { return b.name == c.build; }) - builds.begin()));
    if (ctx.worker_of.back() >= builds.size()) throw std::logic_error("cell " + c.display_name() + " of no build");
    const auto [it, added] = group_of.emplace(c.run_name(), groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(i);
  }

  // The schedule: every group's repetitions as slots, in random order unless asked otherwise.
  std::vector<std::size_t> slots;
  for (std::size_t g = 0; g < groups.size(); ++g)
    slots.insert(slots.end(), plan.cells[groups[g].front()].repetitions, g);
  std::mt19937_64 rng(std::random_device{}());
  if (opt.interleave) std::shuffle(slots.begin(), slots.end(), rng);
  const auto start = std::chrono::steady_clock::now();
  bool measured_all = true;
  for (const std::size_t g : slots)
    if (!(measured_all = measure_slot(ctx, groups[g], rng))) break;
  if (opt.until_decided)
    if (!measured_all || !until_decided(ctx, groups, group_of, rng, start)) results.stopped = "interrupted";
  for (auto& c : results.cells) {
    c.complete = c.windows.size() >= c.plan.repetitions;
    // Pairs measured until decided are repetitions of the cell like the first ones.
    c.plan.repetitions = std::max<unsigned>(c.plan.repetitions, static_cast<unsigned>(c.windows.size()));
  }

  // Google Benchmark makes the results of the measured windows (its statistics, its JSON).
  // Static storage: Initialize keeps argv[0] and prints it in the context at report time
  // (a block-scoped array left it dangling; AddressSanitizer caught it).
  {
    static char prog[] = "lfbench";
    char* argv[] = {prog, nullptr};
    int argc = 1;
    benchmark::Initialize(&argc, argv);
  }
  benchmark::ClearRegisteredBenchmarks();
  auto min_max = [](benchmark::internal::Benchmark* b) {
    b->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
    b->ComputeStatistics("max", [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); });
  };
  std::vector<std::size_t> reported(plan.cells.size(), 0);
  for (std::size_t i = 0; i < plan.cells.size(); ++i) {
    auto* b = benchmark::RegisterBenchmark(plan.cells[i].display_name().c_str(), [&ctx, &reported, i](benchmark::State& st) {
      report(st, ctx, i, reported[i]);
    });
    b->UseManualTime()->Iterations(1)->Repetitions(static_cast<int>(results.cells[i].plan.repetitions));
    b->Unit(benchmark::kNanosecond);
    min_max(b);
  }
  Collector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);
  benchmark::ClearRegisteredBenchmarks();
  results.gbench_json = collector.json();

  // A cell an interrupt cut short keeps the windows it measured (flagged incomplete); one
  // that never ran a window is not a result, unless it failed (hung or crashed: a result).
  std::erase_if(results.cells, [](const CellResult& c) { return c.windows.empty() && c.failure.empty(); });
  return results;
}

}  // namespace lfbench
