#include "runner.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <sstream>

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
  Pool& pool;
  Results& results;
  std::vector<std::unique_ptr<Cell>> live;  // the cell under measurement (built lazily)
  std::size_t windows_done = 0, windows_total = 0;
};

WindowOptions window_options(const CellPlan& c, const RunOptions& opt, std::chrono::nanoseconds d) {
  WindowOptions w;
  w.duration = d;
  w.threads = c.threads;
  w.batch = c.scenario->batch;
  w.latency = c.latency;
  w.wait = opt.wait;
  return w;
}

void progress(Context& ctx, std::size_t i) {
  if (ctx.opt.progress)
    ctx.opt.progress(RunProgress{i, ctx.plan.cells.size(), ctx.windows_done, ctx.windows_total,
                                 ctx.plan.cells[i].run_name()});
}

// One Google Benchmark repetition = one measured window of cell i.
void measure(benchmark::State& st, Context& ctx, std::size_t i) {
  const CellPlan& plan = ctx.plan.cells[i];
  CellResult& out = ctx.results.cells[i];
  if (ctx.results.interrupted) {
    st.SkipWithError("interrupted before this cell");
    for (auto _ : st) {
    }
    return;
  }
  auto& cell = ctx.live[i];
  if (!cell) {
    cell = plan.primitive->make(CellSpec{plan.params, plan.threads});
    if (plan.warmup.count() > 0) {
      const auto w = ctx.pool.run_window(*cell, window_options(plan, ctx.opt, plan.warmup));
      if (w.interrupted) ctx.results.interrupted = true;
    }
    ++ctx.windows_done;
  }
  for (auto _ : st) {
    if (ctx.results.interrupted) {
      st.SkipWithError("interrupted");
      break;
    }
    WindowResult w = ctx.pool.run_window(*cell, window_options(plan, ctx.opt, plan.duration));
    if (w.interrupted) {
      ctx.results.interrupted = true;
      st.SkipWithError("interrupted");
      break;
    }
    const double ops = static_cast<double>(std::max<std::uint64_t>(1, w.total_ops()));
    // Manual time = the window's ns per operation, so Google Benchmark's real_time is ns/op.
    st.SetIterationTime(w.seconds / ops);
    st.counters["ops_per_sec"] = ops / w.seconds;
    for (std::size_t k = 0; k < plan.scenario->op_kinds.size(); ++k)
      st.counters[plan.scenario->op_kinds[k] + "_ops_per_sec"] =
          static_cast<double>(w.ops_by_kind[k]) / w.seconds;
    st.counters["jain"] = fairness(w.per_thread_ops).jain;
    st.counters["verified"] = w.verdict.ok ? 1 : 0;  // every window sets the same counters
    out.windows.push_back(std::move(w));
  }
  ++ctx.windows_done;
  progress(ctx, i);
  if (out.windows.size() >= plan.repetitions || ctx.results.interrupted) {
    out.complete = out.windows.size() == plan.repetitions;
    cell.reset();  // frees the cell's state as soon as it is measured
  }
}

}  // namespace

Results run_plan(const Plan& plan, const RunOptions& opt) {
  Results results;
  // Threads first: the pool exists before calibration and before any timed lock.
  Pool pool(plan.max_threads(), opt.pin);
  const Topology topo = read_topology();
  if (opt.calibrate) results.calibration = calibrate(topo);
  results.worker_cpus = pool.cpus();
  results.pin = to_string(opt.pin);

  results.cells.resize(plan.cells.size());
  Context ctx{plan, opt, pool, results, {}, 0, 0};
  ctx.live.resize(plan.cells.size());
  for (std::size_t i = 0; i < plan.cells.size(); ++i) {
    results.cells[i].plan = plan.cells[i];
    results.cells[i].index = i;
    ctx.windows_total += plan.cells[i].repetitions + 1;
  }

  // Google Benchmark's own flag parsing is the public way to set its interleaving.
  // Static storage: Initialize keeps argv[0] and prints it in the context at report time
  // (a block-scoped array left it dangling; AddressSanitizer caught it).
  {
    static char prog[] = "lfbench";
    static std::string flag;
    flag = std::string("--benchmark_enable_random_interleaving=") + (opt.interleave ? "true" : "false");
    char* argv[] = {prog, flag.data(), nullptr};
    int argc = 2;
    benchmark::Initialize(&argc, argv);
  }
  benchmark::ClearRegisteredBenchmarks();
  auto min_max = [](benchmark::internal::Benchmark* b) {
    b->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
    b->ComputeStatistics("max", [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); });
  };
  for (std::size_t i = 0; i < plan.cells.size(); ++i) {
    auto* b = benchmark::RegisterBenchmark(plan.cells[i].run_name().c_str(),
                                           [&ctx, i](benchmark::State& st) { measure(st, ctx, i); });
    b->UseManualTime()->Iterations(1)->Repetitions(static_cast<int>(plan.cells[i].repetitions));
    b->Unit(benchmark::kNanosecond);
    min_max(b);
  }
  Collector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);
  benchmark::ClearRegisteredBenchmarks();
  results.gbench_json = collector.json();

  // A cell an interrupt cut short keeps the windows it measured (flagged incomplete); one
  // that never ran a window is not a result.
  std::erase_if(results.cells, [](const CellResult& c) { return c.windows.empty(); });
  return results;
}

}  // namespace lfbench

