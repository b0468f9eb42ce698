// The harness's cycle counter: what every timed operation on the measured path reads (latency
// samples, timestamps inside messages, timed updates). steady_clock can cost several times an
// uncontended fetch_add (a virtual machine's clock source is slow), so it would be the figure;
// a fenced rdtsc costs less, and its own cost is measured and subtracted (`lfbench calibrate`
// shows both on this machine).
//
// On x86-64 with an invariant TSC (constant_tsc + nonstop_tsc, or the kernel's clocksource is
// tsc, which the kernel only keeps after checking it) ticks are TSC cycles, converted to ns
// with a rate calibrated against steady_clock once per process. Elsewhere ticks are
// CLOCK_MONOTONIC nanoseconds. Everything here is per process and read-only after calibrate().
#pragma once

#include <cstdint>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define LFBENCH_HAVE_RDTSC 1
#else
#define LFBENCH_HAVE_RDTSC 0
#endif
#include <time.h>

namespace lfbench::tsc {

struct Calibration {
  bool rdtsc = false;          // ticks are TSC cycles (else CLOCK_MONOTONIC ns)
  double ns_per_tick = 1;      // conversion
  double overhead_ticks = 0;   // cost of a back-to-back now() pair, subtracted from intervals
  double resolution_ns = 1;    // smallest interval worth reporting: the pair's cost jitter
  double overhead_ns() const { return overhead_ticks * ns_per_tick; }
  std::string source() const { return rdtsc ? "rdtsc" : "clock_gettime"; }
};

// The supervisor's TSC rate (ns per tick, "%.17g") in its workers' environment: a worker's
// calibrate() uses it instead of measuring when it parses as a plausible rate and this process
// has the TSC too. Only a worker (take_supervisor_rate(), before calibrate()): a variable left in
// a user's shell never replaces what the supervisor or `lfbench calibrate` measures.
inline constexpr const char* kRateEnv = "LFBENCH_TSC_NS_PER_TICK";

namespace detail {
inline bool rate_from_supervisor = false;  // set by take_supervisor_rate()
inline bool use_rdtsc = false;  // set once by calibrate(), before any measuring thread reads it
}
inline void take_supervisor_rate() { detail::rate_from_supervisor = true; }

// A timestamp. The lfences keep the operation being timed from drifting across the read
// (rdtsc alone is not ordered with earlier or later loads).
inline std::uint64_t now() noexcept {
#if LFBENCH_HAVE_RDTSC
  if (detail::use_rdtsc) {
    _mm_lfence();
    const std::uint64_t t = __rdtsc();
    _mm_lfence();
    return t;
  }
#endif
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

// Measures once (about 20 ms) and returns the same figures afterwards. Thread-safe; call it
// before starting measuring threads so that now() is settled.
const Calibration& calibrate();

// An interval [t0, t1] of now() readings as ns with the timer's own cost removed; 0 when the
// interval is within the timer's cost (below resolution: callers show it as such).
inline std::uint64_t interval_ns(std::uint64_t t0, std::uint64_t t1, const Calibration& c) noexcept {
  const double ticks = static_cast<double>(t1 - t0) - c.overhead_ticks;
  return ticks <= 0 ? 0 : static_cast<std::uint64_t>(ticks * c.ns_per_tick + 0.5);
}

}  // namespace lfbench::tsc
