// lfbench_faulty (lfbench plus the test-only `faulty` scenario, faulty.cpp) run end to end: a
// primitive whose threads are off the CPU is judged disturbed and measured again; with
// --keep-disturbed its windows are kept and flagged.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/tests/run_lfbench.hpp"

namespace lfbench {
namespace {

using test::Sandbox;
using nlohmann::json;

std::vector<std::string> faulty(const std::string& prim, const std::string& after, std::vector<std::string> more = {}) {
  std::vector<std::string> a = {"run", "faulty", "--primitive", prim, "--param", "after=" + after, "--threads", "1",
                                "--duration", "20ms", "--warmup", "0s", "--repetitions", "3", "--quiet", "-o", "out.json"};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

const json* median_entry(const json& doc, const std::string& primitive) {
  for (const auto& e : doc["benchmarks"])
    if (e.value("aggregate_name", "") == "median" && e["lfbench"]["primitive"] == primitive) return &e;
  return nullptr;
}

TEST(Disturbed, ASleepingPrimitiveIsMeasuredAgainThenFlagged) {
  Sandbox sb;
  // sleeper: 2 ms asleep every 1000 operations, i.e. most of every window.
  const auto r = sb.run(faulty("sleeper", "1000"));
  ASSERT_EQ(r.code, 0) << r.err;
  const json doc = json::parse(test::slurp(sb / "out.json"));
  const json* e = median_entry(doc, "sleeper");
  ASSERT_NE(e, nullptr);
  const json& l = (*e)["lfbench"];
  EXPECT_EQ(l["discarded_windows"].size(), 3u) << "each repetition's window measured again, up to 3 extra";
  EXPECT_NE(l["discarded_windows"][0]["reason"].get<std::string>().find("non-blocking primitive ran only"), std::string::npos)
      << l["discarded_windows"][0];
  EXPECT_EQ(l["disturbed_windows"], 3);
  const auto flags = l["flags"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(flags.begin(), flags.end(), "disturbed"), flags.end());
  EXPECT_EQ(std::find(flags.begin(), flags.end(), "noisy"), flags.end()) << "disturbed, not blamed on the primitive";
  for (const auto& w : doc["benchmarks"])
    if (w["run_type"] == "iteration") EXPECT_TRUE(w["lfbench"]["disturbed"].get<bool>());
}

TEST(Disturbed, KeepDisturbedKeepsThemFlaggedWithoutMeasuringAgain) {
  Sandbox sb;
  const auto r = sb.run(faulty("sleeper", "1000", {"--keep-disturbed"}));
  ASSERT_EQ(r.code, 0) << r.err;
  const json doc = json::parse(test::slurp(sb / "out.json"));
  const json& l = (*median_entry(doc, "sleeper"))["lfbench"];
  EXPECT_EQ(l["discarded_windows"].size(), 0u);
  EXPECT_EQ(l["disturbed_windows"], 3);
  const auto flags = l["flags"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(flags.begin(), flags.end(), "disturbed"), flags.end());
}

}  // namespace
}  // namespace lfbench
