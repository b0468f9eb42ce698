// Placement on three machines this 2-CPU box is not, built by hwloc from synthetic descriptions
// (issue 30): every policy's CPU order at 1..N threads against a hand-written expectation, what
// cannot be honoured refused, distance classes, and this machine's topology round-tripping
// through hwloc's XML.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenarios/harness/calibrate.hpp"
#include "scenarios/harness/topology.hpp"

namespace lfbench {
namespace {

// In hwloc's synthetic machines the OS numbers PUs in logical order (P#0, P#1, ...).
const std::string kDesktop = "synthetic:pack:1 l3:1 core:8 pu:2";      // 1 socket, 8 cores, SMT
const std::string kServer = "synthetic:pack:2 l3:4 core:4 pu:2";       // 2 sockets, 4 L3 domains each, SMT
const std::string kVm = "synthetic:pack:1 core:4 pu:1";                // 4 vCPUs, no SMT, no L3 object

std::vector<int> range(int from, int to, int step = 1) {
  std::vector<int> v;
  for (int i = from; i < to; i += step) v.push_back(i);
  return v;
}
std::vector<int> cat(std::vector<int> a, const std::vector<int>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// order(p, n) for every n in 1..want.size() is the first n of `want`; more threads than `want`
// holds either wrap around it (oversubscription) or, if `limited`, are refused.
void expect_order(const Topology& t, const char* pin, const std::vector<int>& want, bool limited) {
  const Placement p = parse_placement(pin);
  for (unsigned n = 1; n <= want.size(); ++n) {
    const auto got = t.order(p, n);
    ASSERT_TRUE(got) << pin << " at " << n << " threads on " << t.source;
    EXPECT_EQ(*got, std::vector<int>(want.begin(), want.begin() + n)) << pin << " at " << n << " threads on " << t.source;
  }
  std::string why;
  const auto more = t.order(p, static_cast<unsigned>(want.size()) + 1, &why);
  if (limited) {
    EXPECT_FALSE(more) << pin << ": " << want.size() + 1 << " threads cannot be honoured on " << t.source;
    EXPECT_FALSE(why.empty());
  } else {
    ASSERT_TRUE(more);
    EXPECT_EQ(more->back(), want.front()) << pin << ": the thread past the CPUs starts over";
  }
}

TEST(Topology, DesktopOneSocketEightCoresSmt) {
  const Topology t = topology_from(kDesktop);
  EXPECT_FALSE(t.this_machine);
  EXPECT_EQ(t.pus.size(), 16u);
  EXPECT_EQ(t.packages, 1);
  EXPECT_EQ(t.l3s, 1);
  EXPECT_EQ(t.cores, 8);
  EXPECT_EQ(t.threads_per_core(), 2);
  const auto cores = cat(range(0, 16, 2), range(1, 16, 2));  // every core's first PU, then the siblings
  expect_order(t, "cores", cores, false);
  expect_order(t, "smt", range(0, 16), false);
  expect_order(t, "compact", range(0, 16), false);
  expect_order(t, "l3", cores, true);  // the one L3 domain holds all 16
  expect_order(t, "spread", cores, false);
  expect_order(t, "scatter", cores, false);
}

TEST(Topology, ServerTwoSocketsFourL3DomainsEachSmt) {
  const Topology t = topology_from(kServer);
  EXPECT_EQ(t.pus.size(), 64u);
  EXPECT_EQ(t.packages, 2);
  EXPECT_EQ(t.l3s, 8);
  EXPECT_EQ(t.cores, 32);
  EXPECT_EQ(t.threads_per_core(), 2);
  for (const auto& u : t.pus) {
    EXPECT_EQ(u.core, u.cpu / 2);
    EXPECT_EQ(u.l3, u.cpu / 8);
    EXPECT_EQ(u.package, u.cpu / 32);
  }
  expect_order(t, "cores", cat(range(0, 64, 2), range(1, 64, 2)), false);
  expect_order(t, "smt", range(0, 64), false);
  expect_order(t, "l3", {0, 2, 4, 6, 1, 3, 5, 7}, true);  // the first L3 domain: its cores, then their siblings
  // Packages first, then L3 domains, then cores, the SMT siblings last.
  std::vector<int> spread;
  for (int smt = 0; smt < 2; ++smt)
    for (int core = 0; core < 4; ++core)
      for (int l3 = 0; l3 < 4; ++l3)
        for (int pack = 0; pack < 2; ++pack) spread.push_back(pack * 32 + l3 * 8 + core * 2 + smt);
  ASSERT_EQ(std::vector<int>(spread.begin(), spread.begin() + 16),
            (std::vector<int>{0, 32, 8, 40, 16, 48, 24, 56, 2, 34, 10, 42, 18, 50, 26, 58}));
  expect_order(t, "spread", spread, false);
  expect_order(t, "cpus:0,2,33-35", {0, 2, 33, 34, 35}, true);
  // Distance classes, and the span of a placement's threads.
  EXPECT_EQ(t.distance(0, 1), Distance::smt);
  EXPECT_EQ(t.distance(0, 2), Distance::l3);
  EXPECT_EQ(t.distance(0, 8), Distance::other_l3);
  EXPECT_EQ(t.distance(0, 32), Distance::other_package);
  EXPECT_EQ(t.span(*t.order(parse_placement("cores"), 2)), Distance::l3);
  EXPECT_EQ(t.span(*t.order(parse_placement("smt"), 2)), Distance::smt);
  EXPECT_EQ(t.span(*t.order(parse_placement("spread"), 2)), Distance::other_package);
  EXPECT_EQ(t.span(*t.order(parse_placement("l3"), 8)), Distance::l3);
  EXPECT_EQ(t.span(*t.order(parse_placement("none"), 4)), Distance::same_cpu);
  // calibrate's pairs: one per class, nearest first.
  const auto pairs = pairs_by_distance(t);
  ASSERT_EQ(pairs.size(), 4u);
  for (std::size_t i = 0; i < pairs.size(); ++i) EXPECT_EQ(t.distance(pairs[i].second.first, pairs[i].second.second), pairs[i].first);
}

TEST(Topology, VmFourCoresNoSmtNoL3) {
  const Topology t = topology_from(kVm);
  EXPECT_EQ(t.pus.size(), 4u);
  EXPECT_EQ(t.threads_per_core(), 1);
  EXPECT_EQ(t.l3s, 1) << "no L3 object: one domain per package";
  for (const char* pin : {"cores", "smt", "spread"}) expect_order(t, pin, {0, 1, 2, 3}, false);
  expect_order(t, "l3", {0, 1, 2, 3}, true);
  expect_order(t, "cpus:3,1", {3, 1}, true);
  std::string why;
  EXPECT_FALSE(t.order(parse_placement("cpus:9"), 1, &why));
  EXPECT_NE(why.find("CPU 9"), std::string::npos) << why;
  const auto none = t.order(parse_placement("none"), 6);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, std::vector<int>(6, -1));
  EXPECT_EQ(pairs_by_distance(t).size(), 1u) << "only two cores of one L3 domain";
}

TEST(Topology, PlacementNames) {
  for (const char* name : {"cores", "smt", "l3", "spread", "none", "cpus:0,2,4-7", "cpus:3"})
    EXPECT_EQ(parse_placement(name).name(), name);
  EXPECT_EQ(parse_placement("compact").name(), "smt");
  EXPECT_EQ(parse_placement("scatter").name(), "spread");
  EXPECT_EQ(parse_placement("cpus:4,5,6,7,0").name(), "cpus:4-7,0");
  for (const char* bad : {"tight", "cpus:", "cpus:1,", "cpus:3-1", "cpus:a", "cpus:1,1", "Cores"})
    EXPECT_THROW(parse_placement(bad), std::invalid_argument) << bad;
  EXPECT_STREQ(legacy_pin_name(parse_placement("cores")), "compact");
  EXPECT_STREQ(legacy_pin_name(parse_placement("spread")), "scatter");
}

TEST(Topology, BadDescriptionsAreRefused) {
  EXPECT_THROW(topology_from("synthetic:nonsense:3"), std::invalid_argument);
  EXPECT_THROW(topology_from("/nonexistent/topology.xml"), std::invalid_argument);
}

// This machine's topology written by hwloc and read back is the same machine (for planning on
// it elsewhere: LFBENCH_TOPOLOGY=FILE.xml), though never measured on.
TEST(Topology, ThisMachineRoundTripsThroughHwlocXml) {
  const Topology& here = read_topology();
  ASSERT_FALSE(here.pus.empty());
  EXPECT_TRUE(here.this_machine);
  const std::string xml = topology_xml();
  ASSERT_FALSE(xml.empty());
  const std::string path = "/tmp/lfbench-topology-" + std::to_string(::getpid()) + ".xml";
  std::ofstream(path) << xml;
  const Topology back = topology_from(path);
  std::remove(path.c_str());
  EXPECT_FALSE(back.this_machine);
  ASSERT_EQ(back.pus.size(), here.pus.size());
  for (std::size_t i = 0; i < here.pus.size(); ++i) {
    EXPECT_EQ(back.pus[i].cpu, here.pus[i].cpu);
    EXPECT_EQ(back.pus[i].core, here.pus[i].core);
    EXPECT_EQ(back.pus[i].l3, here.pus[i].l3);
    EXPECT_EQ(back.pus[i].package, here.pus[i].package);
    EXPECT_EQ(back.pus[i].numa, here.pus[i].numa);
  }
  for (const char* pin : {"cores", "smt", "spread"})
    EXPECT_EQ(back.order(parse_placement(pin), 4), here.order(parse_placement(pin), 4)) << pin;
  EXPECT_TRUE(pin_current_thread(here.pus.front().cpu));
  EXPECT_TRUE(pin_current_thread(-1));
}

}  // namespace
}  // namespace lfbench
