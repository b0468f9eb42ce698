#include "runner.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <sstream>

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
  Pool& pool;
  Results& results;
  std::vector<std::unique_ptr<Cell>> live;  // the cell under measurement (built lazily)
  std::size_t windows_done = 0, windows_total = 0;
};

WindowOptions window_options(const CellPlan& c, const RunOptions& opt, std::chrono::nanoseconds d,
                             std::uint32_t sample_every) {
  WindowOptions w;
  w.duration = d;
  w.threads = c.threads;
  w.batch = c.scenario->batch;
  w.sample_every = sample_every;
  w.blocking = c.primitive->traits.progress == prim::Progress::blocking;
  w.wait = opt.wait;
  return w;
}

void progress(Context& ctx, std::size_t i) {
  if (ctx.opt.progress)
    ctx.opt.progress(RunProgress{i, ctx.plan.cells.size(), ctx.windows_done, ctx.windows_total,
                                 ctx.plan.cells[i].run_name()});
}

// Latency sampling rate: one op in 2^k, the smallest power of two at which timing (the timer
// pair and the histogram update) costs at most 1% of an operation as the warm-up measured it.
std::uint32_t sample_every_for(const WindowResult& warm, unsigned threads) {
  constexpr double kHistogramNs = 3;
  const double ops = static_cast<double>(std::max<std::uint64_t>(1, warm.total_ops()));
  const double op_ns = warm.seconds * 1e9 * threads / ops;  // one thread's wall time per op
  const double every = (tsc::calibrate().overhead_ns() + kHistogramNs) / (0.01 * std::max(op_ns, 0.1));
  std::uint32_t n = 1;
  while (n < every && n < (1u << 16)) n <<= 1;
  return n;
}

// One measured window of a cell: a warm-up window first (its figures are not kept; it sets the
// latency sampling rate), then the window. A warm-up whose verification failed is returned
// instead: a failed oracle is a result wherever it happens.
WindowResult measure_once(Context& ctx, const CellPlan& plan, Cell& cell) {
  std::uint32_t every = plan.latency ? 1024 : 0;
  if (plan.warmup.count() > 0) {
    WindowResult warm = ctx.pool.run_window(cell, window_options(plan, ctx.opt, plan.warmup, 0));
    if (warm.interrupted || !warm.verdict.ok) return warm;
    if (plan.latency) every = sample_every_for(warm, plan.threads);
  }
  return ctx.pool.run_window(cell, window_options(plan, ctx.opt, plan.duration, every));
}

// One Google Benchmark repetition = one measured window of cell i. A disturbed window is
// measured again (up to the cell's repetitions in extra windows in all) unless the user keeps
// them; a window whose verification failed is never discarded.
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
  if (!cell) cell = plan.primitive->make(CellSpec{plan.params, plan.threads});
  for (auto _ : st) {
    if (ctx.results.interrupted) {
      st.SkipWithError("interrupted");
      break;
    }
    WindowResult w = measure_once(ctx, plan, *cell);
    while (!w.interrupted && w.judgement.disturbed && w.verdict.ok && !ctx.opt.keep_disturbed &&
           out.discarded.size() < plan.repetitions) {
      out.discarded.push_back({w.judgement.reason, w.seconds * 1e9 / static_cast<double>(std::max<std::uint64_t>(1, w.total_ops()))});
      ++ctx.windows_total;
      ++ctx.windows_done;
      progress(ctx, i);
      w = measure_once(ctx, plan, *cell);
    }
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
    st.counters["disturbed"] = w.judgement.disturbed ? 1 : 0;
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
  tsc::calibrate();  // settles the cycle counter before any window may read it
  if (opt.calibrate) results.calibration = calibrate(read_topology(), opt.pin);
  results.worker_cpus = pool.cpus();
  results.pin = to_string(opt.pin);

  results.cells.resize(plan.cells.size());
  Context ctx{plan, opt, pool, results, {}, 0, 0};
  ctx.live.resize(plan.cells.size());
  for (std::size_t i = 0; i < plan.cells.size(); ++i) {
    results.cells[i].plan = plan.cells[i];
    results.cells[i].index = i;
    ctx.windows_total += plan.cells[i].repetitions;
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

