// Environment context for every results file: machine, build and calibration facts, as the
// lfbench_* keys of the results JSON context.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "../scenarios/harness/calibrate.hpp"
#include "../scenarios/harness/topology.hpp"

namespace lfbench {

std::string host_name();

// lfbench_version, lfbench_git_sha, lfbench_host, lfbench_cpu_model, lfbench_logical_cpus,
// lfbench_topology, lfbench_kernel, lfbench_compiler, lfbench_compiler_flags,
// lfbench_build_type, lfbench_libraries, lfbench_load_avg, lfbench_virtualized,
// lfbench_hypervisor.
nlohmann::json machine_context(const Topology& topo);

nlohmann::json calibration_json(const Calibration& c);

}  // namespace lfbench
