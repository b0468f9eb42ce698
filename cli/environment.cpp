#include "environment.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "lfbench_config.h"
#include "lfbench_version.h"

namespace lfbench {

using nlohmann::json;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The value of the first "key : value" line of /proc/cpuinfo, or "".
std::string cpuinfo(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key, 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1) == std::string::npos ? line.size() : line.find_first_not_of(' ', colon + 1));
    }
  return "";
}

json version_or_null(bool have, const char* version) {
  if (!have) return nullptr;
  return std::string(*version ? version : "present");
}

double round1(double x) { return std::round(x * 10) / 10; }

}  // namespace

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

json machine_context(const Topology& topo) {
  json c;
  c["lfbench_version"] = LFBENCH_VERSION;
  c["lfbench_git_sha"] = LFBENCH_GIT_SHA;
  c["lfbench_host"] = host_name();
  const std::string model = cpuinfo("model name");
  c["lfbench_cpu_model"] = model.empty() ? "unknown" : model;
  c["lfbench_memory_model"] = memory_model();
  c["lfbench_logical_cpus"] = std::max(1u, std::thread::hardware_concurrency());
  json allowed = json::array(), pus = json::array();
  for (const auto& u : topo.pus) {
    allowed.push_back(u.cpu);
    pus.push_back({{"cpu", u.cpu}, {"core", u.core}, {"l3", u.l3}, {"package", u.package}, {"numa", u.numa}});
  }
  c["lfbench_topology"] = {{"source", topo.source},
                           {"packages", topo.packages},
                           {"numa_nodes", topo.numa_nodes},
                           {"l3_domains", topo.l3s},
                           {"cores", topo.cores},
                           {"threads_per_core", std::max(1, topo.threads_per_core())},
                           {"cpus_allowed", allowed},
                           {"pus", pus}};
  utsname u{};
  c["lfbench_kernel"] = uname(&u) == 0 ? std::string(u.sysname) + " " + u.release + " " + u.machine : "unknown";
  c["lfbench_compiler"] = std::string(LFBENCH_COMPILER) + " (" + __VERSION__ + ")";
  c["lfbench_compiler_flags"] = LFBENCH_COMPILER_FLAGS;
  const std::string sanitize = LFBENCH_SANITIZE;
  c["lfbench_build_type"] = std::string(LFBENCH_BUILD_TYPE) + (sanitize.empty() || sanitize == "none" ? "" : "+" + sanitize);
  c["lfbench_libraries"] = {
      {"google_benchmark", LFBENCH_BENCHMARK_VERSION},
      {"tbb", version_or_null(LFBENCH_HAVE_TBB, LFBENCH_TBB_VERSION)},
      {"ck", version_or_null(LFBENCH_HAVE_CK, LFBENCH_CK_VERSION)},
      {"liburcu", version_or_null(LFBENCH_HAVE_URCU, LFBENCH_URCU_VERSION)},
      {"atomic_queue", version_or_null(LFBENCH_HAVE_ATOMIC_QUEUE, "")},
      {"moodycamel", version_or_null(LFBENCH_HAVE_MOODYCAMEL, "")},
      {"prometheus-cpp", version_or_null(LFBENCH_HAVE_PROMETHEUS, LFBENCH_PROMETHEUS_VERSION)},
      {"readerwriterqueue", version_or_null(LFBENCH_HAVE_READERWRITERQUEUE, "")},
      {"boost_lockfree", version_or_null(LFBENCH_HAVE_BOOST_LOCKFREE, "")},
      {"libcds", version_or_null(LFBENCH_HAVE_CDS, "")},
  };
  double load[3] = {0, 0, 0};
  const int n = getloadavg(load, 3);
  json la = json::array();
  for (int i = 0; i < n; ++i) la.push_back(std::round(load[i] * 100) / 100);
  c["lfbench_load_avg"] = la;
  // A hypervisor sets the CPUID "hypervisor" bit; DMI names which one where it is exposed.
  // Appended, not " " + ... + " ": GCC 12 reports a false -Wrestrict in the inlined insert.
  std::string flags = " ";
  flags += cpuinfo("flags");
  flags += ' ';
  const std::string vendor = read_file("/sys/class/dmi/id/sys_vendor");
  const std::string product = read_file("/sys/class/dmi/id/product_name");
  c["lfbench_virtualized"] = flags.find(" hypervisor ") != std::string::npos;
  std::string hv;
  for (const char* known : {"QEMU", "KVM", "VMware", "Xen", "Microsoft", "Amazon EC2", "Google", "innotek", "Firecracker", "Cloud Hypervisor"})
    if (vendor.find(known) != std::string::npos || product.find(known) != std::string::npos) hv = vendor + (product.empty() ? "" : " " + product);
  c["lfbench_hypervisor"] = hv;
  return c;
}

MachineSample sample_machine() {
  MachineSample m;
  m.valid = true;
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) m.load1 = load[0];
  std::ifstream in("/proc/stat");
  if (!in) m.valid = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("cpu", 0) != 0) break;
    if (line.size() < 4 || line[3] == ' ') continue;
    std::istringstream f(line.substr(3));
    int id = -1;
    unsigned long long v[8] = {};
    f >> id;
    for (auto& x : v) f >> x;
    // user nice system idle iowait irq softirq steal
    m.cpus.push_back({id, v[0] + v[1] + v[2] + v[5] + v[6], v[3] + v[4], v[7]});
  }
  return m;
}

json machine_state_json(const MachineSample& a, const MachineSample& b) {
  json busy = json::object(), steal = json::object();
  for (const auto& x : b.cpus)
    for (const auto& y : a.cpus)
      if (x.id == y.id) {
        const double total = static_cast<double>((x.busy - y.busy) + (x.idle - y.idle) + (x.steal - y.steal));
        busy[std::to_string(x.id)] = total > 0 ? std::round(1000 * static_cast<double>(x.busy - y.busy) / total) / 10 : 0.0;
        steal[std::to_string(x.id)] = total > 0 ? std::round(1000 * static_cast<double>(x.steal - y.steal) / total) / 10 : 0.0;
      }
  return {{"load_avg_1m", std::round(b.load1 * 100) / 100}, {"busy_pct", busy}, {"steal_pct", steal}};
}

json cpu_governors() {
  json g = json::object();
  for (unsigned i = 0; i < std::max(1u, std::thread::hardware_concurrency()); ++i) {
    const std::string v = read_file("/sys/devices/system/cpu/cpu" + std::to_string(i) + "/cpufreq/scaling_governor");
    if (!v.empty()) g[std::to_string(i)] = v;
  }
  return g;
}

json calibration_json(const Calibration& c) {
  json samples = json::array();
  for (double s : c.c2c_samples_ns) samples.push_back(round1(s));
  return {{"c2c_round_trip_ns", round1(c.c2c_round_trip_ns)},
          {"c2c_p10_ns", round1(c.c2c_p10_ns)},
          {"c2c_p90_ns", round1(c.c2c_p90_ns)},
          {"c2c_bimodal", c.c2c_bimodal},
          {"c2c_cpus", c.c2c_cpu_a < 0 ? json(nullptr) : json::array({c.c2c_cpu_a, c.c2c_cpu_b})},
          {"c2c_samples_ns", samples},
          {"atomic_rmw_ns", round1(c.atomic_rmw_ns)},
          {"timer_ns", round1(c.timer_ns)},
          {"latency_timer", c.tsc_source},
          {"latency_timer_overhead_ns", round1(c.tsc_overhead_ns)},
          {"latency_timer_resolution_ns", round1(c.tsc_resolution_ns)},
          {"seconds", std::round(c.seconds * 1000) / 1000},
          {"c2c_by_distance", [&c] {
             json m = json::object();
             for (const auto& r : c.by_distance)
               m[to_string(r.distance)] = {{"ns", round1(r.ns)}, {"p10_ns", round1(r.p10_ns)}, {"p90_ns", round1(r.p90_ns)},
                                           {"bimodal", r.bimodal}, {"cpus", {r.cpu_a, r.cpu_b}}};
             return m;
           }()}};
}

std::string memory_model() {
#if defined(__x86_64__) || defined(__i386__)
  return "x86-TSO";
#elif defined(__aarch64__) || defined(__arm__)
  return "arm64 (weak)";
#elif defined(__powerpc__) || defined(__powerpc64__)
  return "power (weak)";
#elif defined(__riscv)
  return "risc-v RVWMO (weak)";
#else
  return "unknown";
#endif
}

}  // namespace lfbench
