// Which CPUs this process may run on, how they group into cores and packages (from /sys),
// and the order in which workers are pinned to them.
#pragma once

#include <string>
#include <vector>

namespace lfbench {

enum class Pin { none, compact, scatter };
bool parse_pin(const std::string& s, Pin& out);
const char* to_string(Pin p);

struct Cpu {
  int id = 0, core = 0, package = 0;
};

struct Topology {
  std::vector<Cpu> cpus;  // the CPUs in this process's affinity mask
  int packages = 1, cores = 1;
  int threads_per_core() const { return cores ? static_cast<int>(cpus.size()) / cores : 1; }

  // compact: fill a core's hardware threads, then the next core, then the next package;
  // scatter: one per package, then one per core, hardware threads last; none: no pinning (-1).
  std::vector<int> order(Pin pin) const;
};

Topology read_topology();
bool pin_current_thread(int cpu);  // false if the kernel refused

}  // namespace lfbench
