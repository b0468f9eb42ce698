// A short calibration of the machine, run before measuring (well under a second): the physical
// floor contended results are read against.
#pragma once

#include <string>
#include <vector>

#include "topology.hpp"

namespace lfbench {

struct Calibration {
  // Core-to-core cache-line round trip between two pinned threads (ping-pong on one line).
  double c2c_round_trip_ns = 0;  // median of samples
  double c2c_p10_ns = 0, c2c_p90_ns = 0;
  bool c2c_bimodal = false;  // samples fall in two clusters far apart (e.g. a VM's vCPUs on one core, then on two)
  int c2c_cpu_a = -1, c2c_cpu_b = -1;  // -1: only one CPU, no round trip measured
  std::vector<double> c2c_samples_ns;
  // The round trip per distance class the topology has (smt, same L3, other L3, other
  // package), each on one pair of CPUs of that class; nearest first.
  struct RoundTrip {
    Distance distance = Distance::l3;
    int cpu_a = -1, cpu_b = -1;
    double ns = 0, p10_ns = 0, p90_ns = 0;
    bool bimodal = false;
  };
  std::vector<RoundTrip> by_distance;
  double atomic_rmw_ns = 0;  // uncontended fetch_add on a private line
  double timer_ns = 0;       // one steady_clock::now()
  double tsc_overhead_ns = 0, tsc_resolution_ns = 0;  // the latency timer (tsc.hpp): cost of a pair, resolution
  std::string tsc_source;
  double seconds = 0;        // how long calibration took
};

// The core-to-core pair (c2c_*) is the pair of CPUs the default placement (cores) gives the
// first two threads; by_distance adds one pair per distance class the topology has.
Calibration calibrate(const Topology& topo);
// A pair of CPUs of each distance class the topology has, nearest class first.
std::vector<std::pair<Distance, std::pair<int, int>>> pairs_by_distance(const Topology& topo);

// Split into two clusters at the widest gap; bimodal when both hold >= 20% of the samples and
// the upper cluster's median is at least 1.5x the lower one's. Exposed for testing.
bool is_bimodal(std::vector<double> samples);

}  // namespace lfbench
