// The machine's topology as hwloc reports it (packages, NUMA nodes, L3 domains, cores and their
// hardware threads), and where a placement policy puts each measuring thread on it.
//
// A contended figure depends first on where its threads sit: a cache line crosses between SMT
// siblings, inside one L3, between L3 domains (AMD's CCX/CCD) or between packages at costs
// several times apart. So a placement is a value a plan sweeps (--pin cores,smt,l3,spread), the
// CPU of every thread is recorded per cell, and calibrate measures a round trip per distance
// class. LFBENCH_TOPOLOGY=synthetic:DESCRIPTION (hwloc's synthetic syntax) or =FILE.xml (what
// lstopo or hwloc writes) plans on another machine's topology; measuring on one is refused.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lfbench {

// One hardware thread (PU) and where it sits. cpu: the OS's number (what sched_setaffinity
// takes); core, l3, package, numa: hwloc's logical indexes of the objects holding it. A level
// the machine lacks (no L3 cache object, no NUMA node) counts as one per package (L3) or one for
// the machine (NUMA).
struct Pu {
  int cpu = 0, core = 0, l3 = 0, package = 0, numa = 0;
};

// How far apart two threads are, nearest first: the distance classes calibrate measures and
// the report reads contended figures against (the farthest pair of a cell's threads).
enum class Distance { same_cpu, smt, l3, other_l3, other_package };
const char* to_string(Distance d);  // "same_cpu", "smt", "same_l3", "other_l3", "other_package"

// Where a cell's threads run. Policies (each a value of --pin):
//   cores   one thread per core, cores in order, before any core's second hardware thread (default)
//   smt     a core's hardware threads before the next core (compact is its old name)
//   l3      inside one L3 domain (the one with most CPUs): its cores first, then their SMT
//           siblings; more threads than it has CPUs cannot be honoured
//   spread  across packages, then L3 domains, then cores, hardware threads last (scatter is its
//           old name: the same order where a package has one L3 domain)
//   none    unpinned: the OS places the threads
//   cpus:0,2,4-7  thread i on the i-th CPU listed; more threads than listed cannot be honoured
// cores, smt and spread put threads beyond the CPUs on them again, in the same order
// (oversubscription is a cell like any other).
struct Placement {
  enum Policy { cores, smt, l3, spread, none, cpus } policy = cores;
  std::vector<int> list;  // cpus: the CPUs, in order
  std::string name() const;  // canonical: "cores", "cpus:0,2,4-7"
  bool operator==(const Placement&) const = default;
};
// One --pin value; compact and scatter are taken as smt and spread. Throws std::invalid_argument
// (one line naming the value and what is allowed).
Placement parse_placement(std::string_view text);
// The name an older lfbench build's worker knows for p (compact, scatter, none): what an A/B
// worker is started with, before each request names its CPUs.
const char* legacy_pin_name(const Placement& p);

struct Topology {
  std::vector<Pu> pus;  // the PUs this process may run on, in hwloc's logical order
  int packages = 1, numa_nodes = 1, l3s = 1, cores = 1;
  std::string source = "hwloc";  // or "synthetic:...", or the XML file read
  bool this_machine = true;      // false: another machine's topology: plan on it, never measure
  int threads_per_core() const { return cores ? std::max(1, static_cast<int>(pus.size()) / cores) : 1; }

  // The CPU each of `threads` threads gets under p (-1: unpinned), or nullopt with `why` set
  // when p cannot be honoured at that many threads.
  std::optional<std::vector<int>> order(const Placement& p, unsigned threads, std::string* why = nullptr) const;
  const Pu* find(int cpu) const;  // nullptr: not a CPU of this topology
  Distance distance(int cpu_a, int cpu_b) const;
  // The farthest apart two of these CPUs are (same_cpu for one, or for unpinned threads).
  Distance span(const std::vector<int>& cpus) const;
};

// This machine's topology (or LFBENCH_TOPOLOGY's), read once through hwloc. Throws
// std::invalid_argument if LFBENCH_TOPOLOGY cannot be read (one line naming it).
const Topology& read_topology();
// The topology of `spec` ("" = this machine, "synthetic:...", or an XML file's path).
Topology topology_from(const std::string& spec);
// This machine's topology exported as hwloc XML (for tests: it must read back the same).
std::string topology_xml();

// The CPUs this process may run on (its affinity when first asked): cheap, no hwloc (a worker
// started per A/B window needs no topology of its own; its requests name their CPUs).
const std::vector<int>& allowed_cpus();
bool pin_current_thread(int cpu);  // -1: every allowed CPU; false if the kernel refused

}  // namespace lfbench
