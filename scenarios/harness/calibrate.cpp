#include "calibrate.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "../../primitives/concepts.hpp"
#include "../../primitives/spin.hpp"
#include "stats.hpp"
#include "tsc.hpp"

namespace lfbench {

namespace {

using clock = std::chrono::steady_clock;

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

template <class F>
double ns_per_call(F&& f, int batch, int batches) {
  std::vector<double> v;
  for (int b = 0; b < batches; ++b) {
    const auto t0 = clock::now();
    for (int i = 0; i < batch; ++i) f();
    v.push_back(std::chrono::duration<double, std::nano>(clock::now() - t0).count() / batch);
  }
  return median(v);
}

// Two pinned threads bounce one cache line: A writes an odd value, B answers with the next
// even one. Each sample is kRounds round trips; a sample where a partner was descheduled
// for long (spin bound exceeded) is dropped rather than hanging calibration.
std::vector<double> ping_pong(int cpu_a, int cpu_b) {
  constexpr int kSamples = 31, kRounds = 1000;
  constexpr auto kGiveUp = std::chrono::milliseconds(50);
  struct alignas(prim::cacheline) Line {
    std::atomic<std::uint64_t> v{0};
  };
  Line line;
  // relaxed: the abort flag carries no data, B only needs to see it eventually.
  alignas(prim::cacheline) std::atomic<int> phase{0};  // 2 = stop
  std::vector<double> samples;

  std::thread b([&] {
    pin_current_thread(cpu_b);
    // acquire/release pairs on the line are what a lock handover costs; seq_cst adds nothing.
    std::uint64_t expect = 1;
    for (;;) {
      // B never gives up by itself: A decides when a sample is lost and raises the abort.
      while (line.v.load(std::memory_order_acquire) != expect) {
        if (phase.load(std::memory_order_relaxed) == 2) return;
        prim::detail::cpu_relax();
      }
      line.v.store(expect + 1, std::memory_order_release);
      expect += 2;
    }
  });

  pin_current_thread(cpu_a);
  std::uint64_t next = 1;
  for (int s = 0; s < kSamples; ++s) {
    const auto t0 = clock::now();
    bool ok = true;
    for (int r = 0; r < kRounds && ok; ++r) {
      line.v.store(next, std::memory_order_release);
      const auto wait_start = clock::now();
      unsigned spins = 0;
      while (line.v.load(std::memory_order_acquire) != next + 1) {
        prim::detail::cpu_relax();
        if ((++spins & 1023) == 0 && clock::now() - wait_start > kGiveUp) {
          ok = false;
          break;
        }
      }
      next += 2;
    }
    if (!ok) break;  // partner not running: keep what we have
    samples.push_back(std::chrono::duration<double, std::nano>(clock::now() - t0).count() / kRounds);
  }
  phase.store(2, std::memory_order_relaxed);
  b.join();
  return samples;
}

}  // namespace

bool is_bimodal(std::vector<double> s) {
  if (s.size() < 5) return false;
  std::sort(s.begin(), s.end());
  std::size_t cut = 1;
  double widest = -1;
  for (std::size_t i = 1; i < s.size(); ++i)
    if (s[i] - s[i - 1] > widest) {
      widest = s[i] - s[i - 1];
      cut = i;
    }
  const std::vector<double> lo(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(cut));
  const std::vector<double> hi(s.begin() + static_cast<std::ptrdiff_t>(cut), s.end());
  const double min_share = 0.2 * static_cast<double>(s.size());
  if (static_cast<double>(lo.size()) < min_share || static_cast<double>(hi.size()) < min_share) return false;
  const double mlo = median(lo);
  return mlo > 0 && median(hi) >= 1.5 * mlo;
}

std::vector<std::pair<Distance, std::pair<int, int>>> pairs_by_distance(const Topology& topo) {
  std::vector<std::pair<Distance, std::pair<int, int>>> out;
  for (const Distance d : {Distance::smt, Distance::l3, Distance::other_l3, Distance::other_package}) {
    // The first pair in the topology's order at exactly that distance.
    bool found = false;
    for (std::size_t i = 0; i < topo.pus.size() && !found; ++i)
      for (std::size_t j = i + 1; j < topo.pus.size() && !found; ++j)
        if (topo.distance(topo.pus[i].cpu, topo.pus[j].cpu) == d) {
          out.push_back({d, {topo.pus[i].cpu, topo.pus[j].cpu}});
          found = true;
        }
  }
  return out;
}

Calibration calibrate(const Topology& topo) {
  const auto start = clock::now();
  Calibration c;
  c.timer_ns = ns_per_call([] { (void)clock::now(); }, 2000, 15);
  alignas(prim::cacheline) std::atomic<std::uint64_t> a{0};
  // relaxed: only the cost of the locked instruction is wanted, not any ordering.
  c.atomic_rmw_ns = ns_per_call([&] { a.fetch_add(1, std::memory_order_relaxed); }, 20000, 15);
  const tsc::Calibration& t = tsc::calibrate();
  c.tsc_overhead_ns = t.overhead_ns();
  c.tsc_resolution_ns = t.resolution_ns;
  c.tsc_source = t.source();
  // The ping-pong pins this thread; it runs on a short-lived thread so the caller's affinity
  // is untouched.
  const auto measure = [](int x, int y) {
    std::vector<double> samples;
    std::thread([&] { samples = ping_pong(x, y); }).join();
    return samples;
  };
  if (const auto order = topo.order(Placement{}, 2); order && (*order)[0] != (*order)[1]) {
    c.c2c_cpu_a = (*order)[0];
    c.c2c_cpu_b = (*order)[1];
    c.c2c_samples_ns = measure(c.c2c_cpu_a, c.c2c_cpu_b);
    if (c.c2c_samples_ns.empty()) {
      c.c2c_cpu_a = c.c2c_cpu_b = -1;
    } else {
      c.c2c_round_trip_ns = median(c.c2c_samples_ns);
      c.c2c_p10_ns = quantile(c.c2c_samples_ns, 0.1);
      c.c2c_p90_ns = quantile(c.c2c_samples_ns, 0.9);
      c.c2c_bimodal = is_bimodal(c.c2c_samples_ns);
    }
  }
  for (const auto& [d, pair] : pairs_by_distance(topo)) {
    const bool same = pair == std::pair{c.c2c_cpu_a, c.c2c_cpu_b};
    const std::vector<double> s = same ? c.c2c_samples_ns : measure(pair.first, pair.second);
    if (s.empty()) continue;
    c.by_distance.push_back({d, pair.first, pair.second, median(s), quantile(s, 0.1), quantile(s, 0.9), is_bimodal(s)});
  }
  c.seconds = std::chrono::duration<double>(clock::now() - start).count();
  return c;
}

}  // namespace lfbench
