// Environment context for every results file: machine, build and calibration facts, as the
// lfbench_* keys of the results JSON context.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../scenarios/harness/calibrate.hpp"
#include "../scenarios/harness/topology.hpp"

namespace lfbench {

std::string host_name();

// lfbench_version, lfbench_git_sha, lfbench_host, lfbench_cpu_model, lfbench_logical_cpus,
// lfbench_topology, lfbench_kernel, lfbench_compiler, lfbench_compiler_flags,
// lfbench_build_type, lfbench_libraries, lfbench_load_avg, lfbench_virtualized,
// lfbench_hypervisor, lfbench_memory_model.
nlohmann::json machine_context(const Topology& topo);

nlohmann::json calibration_json(const Calibration& c);

// The hardware memory order this build runs under, which every oracle's verdict holds for:
// "x86-TSO" (stores are not reordered with stores nor loads with loads, so a missing
// acquire/release often goes unseen), or a weakly ordered one ("arm64 (weak)", ...), where the
// same oracle can catch it. Results say it per cell (verification.memory_model) and in the
// context (lfbench_memory_model).
std::string memory_model();

// The machine's state around a run (DESIGN "Measuring"): /proc/stat per CPU and the load
// average, sampled twice; the JSON gives each CPU's busy and steal share between the samples.
struct MachineSample {
  struct Cpu {
    int id;
    unsigned long long busy, idle, steal;  // jiffies
  };
  std::vector<Cpu> cpus;
  double load1 = 0;
  bool valid = false;
};
MachineSample sample_machine();
nlohmann::json machine_state_json(const MachineSample& before, const MachineSample& after);
// CPU frequency governor per CPU, where cpufreq is readable (empty object otherwise).
nlohmann::json cpu_governors();

}  // namespace lfbench
