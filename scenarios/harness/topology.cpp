#include "topology.hpp"

#include <hwloc.h>
#include <hwloc/export.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <tuple>

namespace lfbench {

const char* to_string(Distance d) {
  switch (d) {
    case Distance::same_cpu: return "same_cpu";
    case Distance::smt: return "smt";
    case Distance::l3: return "same_l3";
    case Distance::other_l3: return "other_l3";
    case Distance::other_package: return "other_package";
  }
  return "?";
}

namespace {

constexpr const char* kPolicies = "cores, smt, l3, spread, none, cpus:LIST (e.g. cpus:0,2,4-7); compact and scatter (= smt, spread)";

std::string cpu_list_text(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    out += (out.empty() ? "" : ",") + std::to_string(cpus[i]) + (j > i + 1 ? "-" + std::to_string(cpus[j]) : "");
    if (j == i + 1) out += "," + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

int parse_cpu(std::string_view s, std::string_view whole) {
  int v = 0;
  if (s.empty() || s.size() > 6) throw std::invalid_argument("--pin: '" + std::string(whole) + "' is not a CPU list; allowed: " + kPolicies);
  for (char c : s) {
    if (c < '0' || c > '9') throw std::invalid_argument("--pin: '" + std::string(whole) + "' is not a CPU list; allowed: " + kPolicies);
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::string Placement::name() const {
  switch (policy) {
    case cores: return "cores";
    case smt: return "smt";
    case l3: return "l3";
    case spread: return "spread";
    case none: return "none";
    case cpus: return "cpus:" + cpu_list_text(list);
  }
  return "?";
}

Placement parse_placement(std::string_view text) {
  Placement p;
  if (text == "cores") p.policy = Placement::cores;
  else if (text == "smt" || text == "compact") p.policy = Placement::smt;
  else if (text == "l3") p.policy = Placement::l3;
  else if (text == "spread" || text == "scatter") p.policy = Placement::spread;
  else if (text == "none") p.policy = Placement::none;
  else if (text.starts_with("cpus:")) {
    p.policy = Placement::cpus;
    std::string_view rest = text.substr(5);
    while (!rest.empty() || p.list.empty()) {
      const auto comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      const auto dash = item.find('-');
      const int a = parse_cpu(item.substr(0, dash), text);
      const int b = dash == std::string_view::npos ? a : parse_cpu(item.substr(dash + 1), text);
      if (b < a || b - a > 4096) throw std::invalid_argument("--pin: '" + std::string(text) + "' has a range backwards or too long");
      for (int c = a; c <= b; ++c) {
        if (std::find(p.list.begin(), p.list.end(), c) != p.list.end())
          throw std::invalid_argument("--pin: '" + std::string(text) + "' lists CPU " + std::to_string(c) + " twice");
        p.list.push_back(c);
      }
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
      if (rest.empty()) throw std::invalid_argument("--pin: '" + std::string(text) + "' ends with a comma");
    }
  } else {
    throw std::invalid_argument("--pin: '" + std::string(text) + "' is not a placement; allowed: " + kPolicies);
  }
  return p;
}

const char* legacy_pin_name(const Placement& p) {
  switch (p.policy) {
    case Placement::none: return "none";
    case Placement::spread: return "scatter";
    default: return "compact";
  }
}

const Pu* Topology::find(int cpu) const {
  for (const auto& p : pus)
    if (p.cpu == cpu) return &p;
  return nullptr;
}

Distance Topology::distance(int a, int b) const {
  const Pu* x = find(a);
  const Pu* y = find(b);
  if (!x || !y || a == b) return Distance::same_cpu;
  if (x->package != y->package) return Distance::other_package;
  if (x->l3 != y->l3) return Distance::other_l3;
  if (x->core != y->core) return Distance::l3;
  return Distance::smt;
}

Distance Topology::span(const std::vector<int>& cpus) const {
  Distance d = Distance::same_cpu;
  for (std::size_t i = 0; i < cpus.size(); ++i)
    for (std::size_t j = i + 1; j < cpus.size(); ++j)
      if (cpus[i] >= 0 && cpus[j] >= 0) d = std::max(d, distance(cpus[i], cpus[j]));
  return d;
}

std::optional<std::vector<int>> Topology::order(const Placement& p, unsigned threads, std::string* why) const {
  const auto refuse = [&](std::string w) -> std::optional<std::vector<int>> {
    if (why) *why = std::move(w);
    return std::nullopt;
  };
  if (p.policy == Placement::none || pus.empty()) return std::vector<int>(threads, -1);
  if (p.policy == Placement::cpus) {
    for (int c : p.list)
      if (!find(c)) return refuse("CPU " + std::to_string(c) + " is not one this process may run on (" + source + ")");
    if (threads > p.list.size())
      return refuse(std::to_string(threads) + " threads on the " + std::to_string(p.list.size()) + " CPUs listed");
    return std::vector<int>(p.list.begin(), p.list.begin() + threads);
  }
  // Each PU's rank among its core's PUs (0: the core's first hardware thread), its core's rank in
  // its L3 domain and that domain's rank in its package: the keys every policy orders by.
  struct Ranked {
    const Pu* pu;
    int smt_rank, core_in_l3, l3_in_package;
  };
  std::map<int, int> seen_of_core;
  std::map<int, std::set<int>> cores_of_l3, l3s_of_package;
  for (const auto& u : pus) {
    cores_of_l3[u.l3].insert(u.core);
    l3s_of_package[u.package].insert(u.l3);
  }
  std::vector<Ranked> r;
  for (const auto& u : pus) {
    const auto& cs = cores_of_l3[u.l3];
    const auto& ls = l3s_of_package[u.package];
    r.push_back({&u, seen_of_core[u.core]++, static_cast<int>(std::distance(cs.begin(), cs.find(u.core))),
                 static_cast<int>(std::distance(ls.begin(), ls.find(u.l3)))});
  }
  const auto logical = [this](const Ranked& x) { return static_cast<int>(x.pu - pus.data()); };
  if (p.policy == Placement::l3) {
    // The L3 domain with most CPUs (the first of equals); the others are not used.
    std::map<int, int> size;
    for (const auto& u : pus) ++size[u.l3];
    const int domain = std::max_element(size.begin(), size.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
    if (threads > static_cast<unsigned>(size[domain]))
      return refuse(std::to_string(threads) + " threads in one L3 domain of " + std::to_string(size[domain]) + " CPUs");
    std::erase_if(r, [&](const Ranked& x) { return x.pu->l3 != domain; });
  }
  std::sort(r.begin(), r.end(), [&](const Ranked& a, const Ranked& b) {
    switch (p.policy) {
      case Placement::smt:
        return logical(a) < logical(b);
      case Placement::spread:
        return std::tuple(a.smt_rank, a.core_in_l3, a.l3_in_package, a.pu->package, logical(a)) <
               std::tuple(b.smt_rank, b.core_in_l3, b.l3_in_package, b.pu->package, logical(b));
      default:  // cores, l3
        return std::tuple(a.smt_rank, logical(a)) < std::tuple(b.smt_rank, logical(b));
    }
  });
  std::vector<int> out;
  for (unsigned i = 0; i < threads; ++i) out.push_back(r[i % r.size()].pu->cpu);
  return out;
}

namespace {

struct HwlocTopology {
  hwloc_topology_t t = nullptr;
  HwlocTopology() { hwloc_topology_init(&t); }
  ~HwlocTopology() { hwloc_topology_destroy(t); }
  HwlocTopology(const HwlocTopology&) = delete;
  HwlocTopology& operator=(const HwlocTopology&) = delete;
};

int index_of(hwloc_topology_t t, hwloc_obj_type_t type, hwloc_obj_t pu, int fallback) {
  const hwloc_obj_t o = hwloc_get_ancestor_obj_by_type(t, type, pu);
  return o ? static_cast<int>(o->logical_index) : fallback;
}

// Loads `spec` into h: "" this machine, "synthetic:..." or an XML file. Throws std::invalid_argument.
void load(HwlocTopology& h, const std::string& spec) {
  const std::string where = "LFBENCH_TOPOLOGY='" + spec.substr(0, 200) + "'";
  if (spec.starts_with("synthetic:")) {
    if (hwloc_topology_set_synthetic(h.t, spec.c_str() + 10) != 0)
      throw std::invalid_argument(where + " is not a topology hwloc can build; allowed: synthetic:DESCRIPTION in hwloc's syntax "
                                  "(e.g. synthetic:pack:2 l3:4 core:4 pu:2) or an XML file lstopo wrote");
  } else if (!spec.empty()) {
    if (hwloc_topology_set_xml(h.t, spec.c_str()) != 0)
      throw std::invalid_argument(where + ": cannot read it as hwloc XML; allowed: synthetic:DESCRIPTION or an XML file lstopo wrote");
  }
  if (hwloc_topology_load(h.t) != 0) throw std::invalid_argument(where + ": hwloc could not load it");
}

}  // namespace

Topology topology_from(const std::string& spec) {
  HwlocTopology h;
  load(h, spec);
  Topology topo;
  topo.this_machine = hwloc_topology_is_thissystem(h.t) != 0;
  topo.source = spec.empty() ? "hwloc" : spec.starts_with("synthetic:") ? spec : "xml:" + spec;
  // This machine: only the CPUs this process may run on (taskset, cgroups).
  cpu_set_t mine;
  CPU_ZERO(&mine);
  const bool masked = topo.this_machine && sched_getaffinity(0, sizeof mine, &mine) == 0;
  const int n = hwloc_get_nbobjs_by_type(h.t, HWLOC_OBJ_PU);
  const int numas = hwloc_get_nbobjs_by_type(h.t, HWLOC_OBJ_NUMANODE);
  std::set<int> cores, l3s, packages, nodes;
  for (int i = 0; i < n; ++i) {
    const hwloc_obj_t pu = hwloc_get_obj_by_type(h.t, HWLOC_OBJ_PU, static_cast<unsigned>(i));
    if (masked && (pu->os_index >= CPU_SETSIZE || !CPU_ISSET(pu->os_index, &mine))) continue;
    Pu u;
    u.cpu = static_cast<int>(pu->os_index);
    u.package = index_of(h.t, HWLOC_OBJ_PACKAGE, pu, 0);
    u.core = index_of(h.t, HWLOC_OBJ_CORE, pu, i);
    // No L3 object: one domain per package (what the caches of such a machine share is unknown).
    u.l3 = index_of(h.t, HWLOC_OBJ_L3CACHE, pu, -1 - u.package);
    // NUMA nodes hang beside the CPUs in hwloc 2: the node whose CPUs include this one.
    for (int k = 0; k < numas; ++k)
      if (const hwloc_obj_t node = hwloc_get_obj_by_type(h.t, HWLOC_OBJ_NUMANODE, static_cast<unsigned>(k));
          hwloc_bitmap_isset(node->cpuset, pu->os_index)) {
        u.numa = static_cast<int>(node->logical_index);
        break;
      }
    topo.pus.push_back(u);
    cores.insert(u.core);
    l3s.insert(u.l3);
    packages.insert(u.package);
    nodes.insert(u.numa);
  }
  // Negative L3 ids (packages without an L3 object) renumbered after the real ones.
  std::map<int, int> l3_index;
  for (const int l : l3s) l3_index.emplace(l, static_cast<int>(l3_index.size()));
  for (auto& u : topo.pus) u.l3 = l3_index[u.l3];
  topo.cores = std::max<int>(1, static_cast<int>(cores.size()));
  topo.l3s = std::max<int>(1, static_cast<int>(l3s.size()));
  topo.packages = std::max<int>(1, static_cast<int>(packages.size()));
  topo.numa_nodes = std::max<int>(1, static_cast<int>(nodes.size()));
  return topo;
}

const Topology& read_topology() {
  static const Topology t = [] {
    const char* spec = std::getenv("LFBENCH_TOPOLOGY");
    return topology_from(spec ? spec : "");
  }();
  return t;
}

std::string topology_xml() {
  HwlocTopology h;
  load(h, "");
  char* buf = nullptr;
  int len = 0;
  if (hwloc_topology_export_xmlbuffer(h.t, &buf, &len, 0) != 0) return "";
  std::string out(buf, static_cast<std::size_t>(len > 0 ? len - 1 : 0));
  hwloc_free_xmlbuffer(h.t, buf);
  return out;
}

const std::vector<int>& allowed_cpus() {
  static const std::vector<int> cpus = [] {
    std::vector<int> out;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0)
      for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &set)) out.push_back(c);
    return out;
  }();
  return cpus;
}

bool pin_current_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (cpu < 0) {
    // Unpinned: every allowed CPU (a thread pinned before may move again).
    for (const int c : allowed_cpus()) CPU_SET(c, &set);
    if (CPU_COUNT(&set) == 0) return true;
  } else {
    if (cpu >= CPU_SETSIZE) return false;
    CPU_SET(cpu, &set);
  }
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

}  // namespace lfbench
