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
  WorkerProcess& worker;
  Results& results;
  std::vector<std::deque<JournalRecord>> replay;
  std::size_t windows_done = 0, windows_total = 0;
};

void progress(Context& ctx, std::size_t i) {
  if (ctx.opt.progress)
    ctx.opt.progress(RunProgress{i, ctx.plan.cells.size(), ctx.windows_done, ctx.windows_total,
                                 ctx.plan.cells[i].run_name()});
}

// The next window of cell i: from the journal being resumed, else from the worker (and then
// into the journal before anything else happens to it).
Outcome next_window(Context& ctx, std::size_t i) {
  Outcome o;
  if (i < ctx.replay.size() && !ctx.replay[i].empty()) {
    JournalRecord r = std::move(ctx.replay[i].front());
    ctx.replay[i].pop_front();
    o.kind = r.failure == "hung" ? Outcome::hung : r.failure.empty() ? Outcome::window : Outcome::crashed;
    o.detail = r.detail;
    o.result = std::move(r.window);
    return o;
  }
  const CellPlan& c = ctx.plan.cells[i];
  WindowRequest req{i, c.scenario->id, c.primitive->id, c.params.items(), c.threads, c.duration, c.warmup, c.latency};
  o = ctx.worker.run(req);
  if (o.kind == Outcome::window && ctx.opt.journal) ctx.opt.journal(JournalRecord{i, "", "", o.result});
  if ((o.kind == Outcome::hung || o.kind == Outcome::crashed) && ctx.opt.journal)
    ctx.opt.journal(JournalRecord{i, o.kind == Outcome::hung ? "hung" : "crashed", o.detail, {}});
  return o;
}

// One Google Benchmark repetition = one measured window of cell i, run by a worker. A
// disturbed window is measured again (up to the cell's repetitions in extra windows in all)
// unless the user keeps them; a window whose verification failed is never discarded. A worker
// that hangs or dies fails the cell (recorded, not fatal): the next window gets a new worker.
void measure(benchmark::State& st, Context& ctx, std::size_t i) {
  const CellPlan& plan = ctx.plan.cells[i];
  CellResult& out = ctx.results.cells[i];
  if (ctx.results.interrupted || !out.failure.empty()) {
    st.SkipWithError(ctx.results.interrupted ? "interrupted before this window" : "the cell failed");
    for (auto _ : st) {
    }
    return;
  }
  for (auto _ : st) {
    Outcome o = next_window(ctx, i);
    while (o.kind == Outcome::window && o.result.judgement.disturbed && o.result.verdict.ok &&
           !ctx.opt.keep_disturbed && out.discarded.size() < plan.repetitions) {
      const WindowResult& w = o.result;
      out.discarded.push_back({w.judgement.reason, w.seconds * 1e9 / static_cast<double>(std::max<std::uint64_t>(1, w.total_ops()))});
      ++ctx.windows_total;
      ++ctx.windows_done;
      progress(ctx, i);
      o = next_window(ctx, i);
    }
    if (o.kind == Outcome::interrupted) {
      ctx.results.interrupted = true;
      ctx.results.signal = o.signal;
      st.SkipWithError("interrupted");
      break;
    }
    if (o.kind != Outcome::window) {
      out.failure = o.kind == Outcome::hung ? "hung" : "crashed";
      out.failure_detail = "window " + std::to_string(out.windows.size() + 1) + ": " + o.detail;
      st.SkipWithError(out.failure.c_str());
      break;
    }
    WindowResult& w = o.result;
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
  out.complete = out.windows.size() == plan.repetitions;
}

}  // namespace

Results run_plan(const Plan& plan, const RunOptions& opt) {
  Results results;
  tsc::calibrate();
  if (opt.calibrate) results.calibration = calibrate(read_topology(), opt.pin);
  {
    const auto order = read_topology().order(opt.pin);
    for (unsigned i = 0; i < plan.max_threads(); ++i) results.worker_cpus.push_back(order.empty() ? -1 : order[i % order.size()]);
  }
  results.pin = to_string(opt.pin);

  results.cells.resize(plan.cells.size());
  WorkerProcess worker(opt.worker_exe, plan.max_threads(), opt.pin, opt.signal_fd);
  Context ctx{plan, opt, worker, results, opt.replay, 0, 0};
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
  // that never ran a window is not a result, unless it failed (hung or crashed: a result).
  std::erase_if(results.cells, [](const CellResult& c) { return c.windows.empty() && c.failure.empty(); });
  return results;
}

}  // namespace lfbench

