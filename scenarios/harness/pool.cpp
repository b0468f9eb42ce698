#include "pool.hpp"

#include <time.h>

#include <algorithm>

#include "alloc_count.hpp"

namespace lfbench {

namespace {
using clock = std::chrono::steady_clock;
}  // namespace

std::uint64_t WindowResult::total_ops() const {
  std::uint64_t n = 0;
  for (auto k : ops_by_kind) n += k;
  return n;
}

struct alignas(prim::cacheline) Pool::Slot {
  Worker worker;
  clock::time_point end{};
  ThreadUsage usage;
  std::uint64_t allocations = 0;  // operator new calls during the window (alloc_count.hpp)
};

unsigned Pool::cpus_for(unsigned n) const {
  std::vector<int> used;
  for (unsigned i = 0; i < n && i < cpus_.size(); ++i) {
    if (cpus_[i] < 0) return static_cast<unsigned>(std::max<std::size_t>(1, allowed_cpus().size()));
    if (std::find(used.begin(), used.end(), cpus_[i]) == used.end()) used.push_back(cpus_[i]);
  }
  return static_cast<unsigned>(std::max<std::size_t>(1, used.size()));
}

Pool::Pool(unsigned threads, const Placement& pin) : pin_(pin) {
  // Unpinned until the first window: it names its CPUs (WindowOptions::cpus), or the pool's
  // placement is applied then (the topology is read only by a pool that needs it).
  for (unsigned i = 0; i < threads; ++i) {
    cpus_.push_back(-1);
    workers_.push_back(std::make_unique<Slot>());
  }
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this, i] { worker_main(i, -1); });
}

Pool::~Pool() {
  quit_ = true;
  generation_.fetch_add(1, std::memory_order_release);  // publishes quit_
  generation_.notify_all();
  for (auto& t : threads_) t.join();
}

void Pool::worker_main(unsigned index, int cpu) {
  pin_current_thread(cpu);
  Slot& slot = *workers_[index];
  int pinned = cpu;
  const UsageProbe probe;
  std::uint32_t seen = 0;
  for (;;) {
    generation_.wait(seen, std::memory_order_acquire);
    // acquire: the window setup (cell_, active_, setup_, quit_) written before the bump.
    seen = generation_.load(std::memory_order_acquire);
    if (quit_) return;
    const bool active = index < active_;
    if (active) {
      // The window's placement (cpus_, written before the bump), taken before usage is read.
      if (cpus_[index] != pinned) {
        pin_current_thread(cpus_[index]);
        pinned = cpus_[index];
      }
      Worker::Setup s = setup_;
      s.tid = index;
      slot.worker.begin(s);
    }
    // Start barrier. Every worker, active or not, acknowledges each window, so none is still
    // reading this window's setup when the coordinator writes the next one. Active ones then
    // sleep until the coordinator releases everyone at once (futex wait, not spinning: with
    // more threads than cores a spinning waiter would steal the slice of one not yet arrived).
    // Usage is read before the barrier and after the stop, never inside the loop: the span
    // covers the whole window (including waking up late, which is a disturbance too).
    UsageProbe::Sample u0;
    std::uint64_t allocs0 = 0;
    if (active) {
      u0 = probe.read();
      allocs0 = thread_allocations();
    }
    if (ready_.fetch_add(1, std::memory_order_acq_rel) + 1 == size()) ready_.notify_one();
    if (!active) continue;
    go_.wait(false, std::memory_order_acquire);

    cell_->run(slot.worker);

    slot.end = clock::now();
    slot.allocations = thread_allocations() - allocs0;
    slot.usage = UsageProbe::between(u0, probe.read());
    slot.usage.sleeps_by_design = slot.worker.sleeps();
    // release: publishes this worker's counts and end time to the coordinator.
    if (running_.fetch_sub(1, std::memory_order_acq_rel) == 1) running_.notify_one();
  }
}

WindowResult Pool::run_window(Cell& cell, const WindowOptions& opt) {
  const auto phase = [&opt](Phase p) {
    if (opt.phase) opt.phase(p);
  };
  phase(Phase::prefill);
  // The state's reset on the first thread's CPU: what it allocates is first touched on that
  // thread's NUMA node (the worker built the cell there too).
  const int home = opt.cpus.empty() ? -1 : opt.cpus[0];
  if (home >= 0) pin_current_thread(home);
  cell.begin_window();
  if (home >= 0) pin_current_thread(-1);
  phase(Phase::window);
  cell_ = &cell;
  active_ = opt.threads;
  if (!opt.cpus.empty()) {
    for (std::size_t i = 0; i < opt.cpus.size() && i < cpus_.size(); ++i) cpus_[i] = opt.cpus[i];
    placed_ = true;
  } else if (!placed_) {
    // A placement that cannot be honoured at this many threads (l3, cpus:) leaves them unpinned.
    if (const auto order = read_topology().order(pin_, size())) cpus_ = *order;
    placed_ = true;
  }
  setup_ = Worker::Setup{&stop_, 0, opt.threads, std::max<std::uint32_t>(1, opt.batch), opt.sample_every,
                         opt.sample_every ? &tsc::calibrate() : nullptr, opt.perturb};
  std::vector<int> used(cpus_.begin(), cpus_.begin() + opt.threads);
  if (std::find(used.begin(), used.end(), -1) != used.end()) used.clear();  // unpinned: all CPUs
  const double steal0 = steal_seconds(used);
  // relaxed: all three are published by the release bump of generation_ below.
  stop_.store(false, std::memory_order_relaxed);
  go_.store(false, std::memory_order_relaxed);
  ready_.store(0, std::memory_order_relaxed);
  running_.store(active_, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();

  for (std::uint32_t r; (r = ready_.load(std::memory_order_acquire)) != size();)
    ready_.wait(r, std::memory_order_acquire);

  WindowResult res;
  const unsigned long continued = continues();
  const auto t0 = clock::now();
  go_.store(true, std::memory_order_release);
  go_.notify_all();

  const bool completed = opt.wait ? opt.wait(opt.duration) : (std::this_thread::sleep_for(opt.duration), true);
  // relaxed: the flag carries no data; workers publish their results through running_.
  stop_.store(true, std::memory_order_relaxed);
  for (std::uint32_t r; (r = running_.load(std::memory_order_acquire)) != 0;)
    running_.wait(r, std::memory_order_acquire);
  const double steal1 = steal_seconds(used);

  auto t_end = t0;
  res.per_thread_ops.resize(active_);
  for (unsigned i = 0; i < active_; ++i) {
    const Slot& s = *workers_[i];
    t_end = std::max(t_end, s.end);
    res.usage.push_back(s.usage);
    res.cpu_seconds += s.usage.cpu_seconds;
    std::uint64_t mine = 0;
    for (unsigned k = 0; k < kMaxOpKinds; ++k) {
      mine += s.worker.ops()[k];
      res.ops_by_kind[k] += s.worker.ops()[k];
      if (opt.sample_every) res.latency[k].merge(s.worker.latency()[k]);
    }
    res.per_thread_ops[i] = mine;
  }
  std::uint64_t allocations = 0;
  for (unsigned i = 0; i < active_; ++i) allocations += workers_[i]->allocations;
  Metrics own;  // the harness's figures of the window, after the scenario's
  if (allocations_counted())  // per operation: for a queue or the broker, per message delivered
    own.emplace_back("allocs_per_op", static_cast<double>(allocations) /
                                                               static_cast<double>(std::max<std::uint64_t>(1, res.total_ops())));
  res.seconds = std::chrono::duration<double>(t_end - t0).count();
  res.steal_seconds = steal0 >= 0 && steal1 >= 0 ? steal1 - steal0 : 0;
  res.sample_every = opt.sample_every;
  res.judgement = judge_window(res.seconds, cpus_for(active_), opt.blocking, res.usage, res.steal_seconds);
  if (continues() != continued)
    res.judgement = {true, "the worker was stopped during the window (SIGSTOP or SIGTSTP, then SIGCONT)"};
  res.interrupted = !completed;
  phase(Phase::verify);
  res.verdict = cell.verify();
  res.metrics = cell.metrics();
  res.metrics.insert(res.metrics.end(), own.begin(), own.end());
  return res;
}

}  // namespace lfbench
