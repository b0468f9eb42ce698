#include "topology.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

namespace lfbench {

bool parse_pin(const std::string& s, Pin& out) {
  if (s == "compact") out = Pin::compact;
  else if (s == "scatter") out = Pin::scatter;
  else if (s == "none") out = Pin::none;
  else return false;
  return true;
}

const char* to_string(Pin p) {
  switch (p) {
    case Pin::compact: return "compact";
    case Pin::scatter: return "scatter";
    case Pin::none: return "none";
  }
  return "?";
}

namespace {
int read_int(const std::string& path, int fallback) {
  std::ifstream in(path);
  int v = fallback;
  return (in >> v) ? v : fallback;
}
}  // namespace

Topology read_topology() {
  Topology t;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) CPU_SET(0, &set);
  std::set<std::pair<int, int>> cores;
  std::set<int> packages;
  for (int id = 0; id < CPU_SETSIZE; ++id) {
    if (!CPU_ISSET(id, &set)) continue;
    const std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(id) + "/topology/";
    Cpu c{id, read_int(dir + "core_id", id), read_int(dir + "physical_package_id", 0)};
    t.cpus.push_back(c);
    cores.insert({c.package, c.core});
    packages.insert(c.package);
  }
  t.cores = std::max<int>(1, static_cast<int>(cores.size()));
  t.packages = std::max<int>(1, static_cast<int>(packages.size()));
  return t;
}

std::vector<int> Topology::order(Pin pin) const {
  std::vector<int> out;
  if (pin == Pin::none) return std::vector<int>(cpus.size(), -1);
  std::vector<Cpu> v = cpus;
  if (pin == Pin::compact) {
    // Siblings of one core next to each other, cores of one package next to each other.
    std::sort(v.begin(), v.end(), [](const Cpu& a, const Cpu& b) {
      return std::tie(a.package, a.core, a.id) < std::tie(b.package, b.core, b.id);
    });
  } else {
    // Rank each CPU by (its index among its core's threads, its core's index in its package),
    // then interleave packages: one per package, then one per core, hardware threads last.
    std::sort(v.begin(), v.end(), [](const Cpu& a, const Cpu& b) {
      return std::tie(a.package, a.core, a.id) < std::tie(b.package, b.core, b.id);
    });
    struct Ranked {
      int thread_rank, core_rank, package, id;
    };
    std::vector<Ranked> r;
    std::map<std::pair<int, int>, int> threads_seen;
    std::map<int, std::set<int>> cores_of;
    for (const auto& c : v) cores_of[c.package].insert(c.core);
    for (const auto& c : v) {
      const auto& cs = cores_of[c.package];
      const int core_rank = static_cast<int>(std::distance(cs.begin(), cs.find(c.core)));
      r.push_back({threads_seen[{c.package, c.core}]++, core_rank, c.package, c.id});
    }
    std::sort(r.begin(), r.end(), [](const Ranked& a, const Ranked& b) {
      return std::tie(a.thread_rank, a.core_rank, a.package, a.id) < std::tie(b.thread_rank, b.core_rank, b.package, b.id);
    });
    for (const auto& x : r) out.push_back(x.id);
    return out;
  }
  for (const auto& c : v) out.push_back(c.id);
  return out;
}

bool pin_current_thread(int cpu) {
  if (cpu < 0) return true;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

}  // namespace lfbench
