#include "tsc.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <vector>

#if LFBENCH_HAVE_RDTSC
#include <cpuid.h>
#endif

namespace lfbench::tsc {

namespace {

// Invariant TSC: cpuid says so (leaf 0x80000007, EDX bit 8), or the kernel uses the TSC as its
// clocksource (it demotes a TSC that drifts), or /proc/cpuinfo lists constant_tsc and
// nonstop_tsc (hypervisors often hide the cpuid bit but pass the flags).
bool invariant_tsc() {
#if LFBENCH_HAVE_RDTSC
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8))) return true;
  std::ifstream cs("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string src;
  if (cs >> src && src == "tsc") return true;
  std::ifstream info("/proc/cpuinfo");
  std::string line;
  while (std::getline(info, line))
    if (line.rfind("flags", 0) == 0)
      return line.find(" constant_tsc") != std::string::npos && line.find(" nonstop_tsc") != std::string::npos;
#endif
  return false;
}

Calibration measure() {
  Calibration c;
  c.rdtsc = invariant_tsc();
  detail::use_rdtsc = c.rdtsc;
  // A worker takes its supervisor's rate (kRateEnv): the same invariant TSC, and a worker per
  // A/B window would otherwise spin 20 ms of every window's start-up for it.
  const char* given = detail::rate_from_supervisor ? std::getenv(kRateEnv) : nullptr;
  char* end = nullptr;
  const double rate = given ? std::strtod(given, &end) : 0;
  if (c.rdtsc && given && *end == '\0' && std::isfinite(rate) && rate > 1e-3 && rate < 1e3) {
    c.ns_per_tick = rate;
  } else if (c.rdtsc) {
    // Rate: TSC ticks against steady_clock over ~20 ms of spinning (a sleep could migrate the
    // thread; with an invariant TSC that does not matter, but a spin keeps the figure tight).
    using clock = std::chrono::steady_clock;
    const auto s0 = clock::now();
    const std::uint64_t t0 = now();
    while (clock::now() - s0 < std::chrono::milliseconds(20)) {
    }
    const auto s1 = clock::now();
    const std::uint64_t t1 = now();
    const double ns = std::chrono::duration<double, std::nano>(s1 - s0).count();
    if (t1 > t0 && ns > 0) c.ns_per_tick = ns / static_cast<double>(t1 - t0);
  }
  // The cost of a pair of now() readings: its median is subtracted from every interval, and
  // its spread (p90 - p10, at least one tick) is the resolution below which an interval is
  // not a number.
  std::vector<std::uint64_t> pairs(20000);
  for (auto& p : pairs) {
    const std::uint64_t a = now();
    const std::uint64_t b = now();
    p = b - a;
  }
  std::sort(pairs.begin(), pairs.end());
  c.overhead_ticks = static_cast<double>(pairs[pairs.size() / 2]);
  const double spread = static_cast<double>(pairs[pairs.size() * 9 / 10] - pairs[pairs.size() / 10]);
  c.resolution_ns = std::max(1.0, spread) * c.ns_per_tick;
  return c;
}

}  // namespace

const Calibration& calibrate() {
  static const Calibration c = measure();  // thread-safe static init
  return c;
}

}  // namespace lfbench::tsc
