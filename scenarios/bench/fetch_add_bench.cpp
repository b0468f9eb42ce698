// A plain Google Benchmark microbenchmark of the operation `lfbench run counter --primitive
// atomic_relaxed --threads 1 --param read_pct=0` measures: the two should agree, which checks
// that lfbench's windows, batching and stop flag add nothing measurable to an operation.
// Run: build/scenarios/bench/fetch_add_bench   (see README, "Checking the harness").
#include <benchmark/benchmark.h>

#include "primitives/atomic_counter.hpp"

static void BM_AtomicRelaxedAdd(benchmark::State& state) {
  lfbench::prim::AtomicRelaxed c;
  for (auto _ : state) c.add(1);
  benchmark::DoNotOptimize(c.read());
}
BENCHMARK(BM_AtomicRelaxedAdd)->Repetitions(5)->ReportAggregatesOnly(true);

BENCHMARK_MAIN();
