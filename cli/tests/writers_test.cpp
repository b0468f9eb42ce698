// The CSV and gab writers on a hand-made results document: one column per parameter, cv in
// percent, and one gab entry per cell carrying the median.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../input.hpp"
#include "../writers.hpp"

namespace lfbench {
namespace {

using nlohmann::json;

json entry(const std::string& prim, const json& params, int threads, double median, const char* aggregate) {
  std::string id = "map/" + prim;
  for (const auto& [k, v] : params.items()) id += "/" + k + ":" + (v.is_string() ? v.get<std::string>() : v.dump());
  id += "/threads:" + std::to_string(threads);
  json e = {{"name", id}, {"run_name", id}, {"run_type", aggregate ? "aggregate" : "iteration"}, {"threads", threads},
            {"real_time", median}, {"repetition_index", 0},
            {"lfbench",
             {{"id", id}, {"scenario", "map"}, {"primitive", prim}, {"params", params}, {"threads", threads},
              {"ops_per_sec", 1e9 / median}, {"cpu_ns_per_op", median},
              {"stats", {{"ns_per_op", {{"median", median}, {"cv", 0.125}, {"min", median - 1}, {"max", median + 1}, {"stddev", 2.5}}}}},
              {"fairness", {{"jain", 1.0}, {"min_share", 0.5}, {"max_share", 0.5}}},
              {"verification", {{"ok", true}, {"detail", ""}}},
              {"flags", json::array({"noisy"})}}}};
  if (aggregate) e["aggregate_name"] = aggregate;
  return e;
}

// A cell's repetition (median 99) before its median aggregate (median 40): the writers use the
// aggregate; a primitive without `shards` beside one with it.
json doc() {
  return {{"context", {{"lfbench_schema_version", 1}}},
          {"benchmarks",
           {entry("mutex_map", {{"keys", 64}}, 2, 99.0, nullptr), entry("mutex_map", {{"keys", 64}}, 2, 40.0, "median"),
            entry("sharded_map", {{"keys", 64}, {"shards", 16}}, 2, 25.0, nullptr),
            entry("sharded_map", {{"keys", 64}, {"shards", 16}}, 2, 20.0, "median")}}};
}

std::vector<std::vector<std::string>> rows(const std::string& csv) {
  std::vector<std::vector<std::string>> out;
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::istringstream ls(line);
    for (std::string c; std::getline(ls, c, ',');) cells.push_back(c);
    if (!line.empty() && line.back() == ',') cells.push_back("");
    out.push_back(cells);
  }
  return out;
}

TEST(Csv, OneColumnPerParameterAndCvInPercent) {
  const auto r = rows(render(doc(), "csv"));
  ASSERT_EQ(r.size(), 3u);  // header + 2 cells
  const auto col = [&](const std::string& name) {
    const auto it = std::find(r[0].begin(), r[0].end(), name);
    EXPECT_NE(it, r[0].end()) << name;
    return static_cast<std::size_t>(it - r[0].begin());
  };
  EXPECT_EQ(std::find(r[0].begin(), r[0].end(), "params"), r[0].end());
  EXPECT_EQ(std::find(r[0].begin(), r[0].end(), "cv"), r[0].end());
  EXPECT_EQ(r[1][col("keys")], "64");
  EXPECT_EQ(r[1][col("shards")], "");  // mutex_map has no shards
  EXPECT_EQ(r[2][col("shards")], "16");
  EXPECT_EQ(r[1][col("ns_per_op")], "40");  // the median aggregate, not the repetition
  EXPECT_EQ(r[1][col("cv_pct")], "12.5");
  for (const auto& row : r) EXPECT_EQ(row.size(), r[0].size());
}

TEST(Gab, OneEntryPerCellWithItsMedian) {
  const json a = json::parse(render(doc(), "gab"));
  ASSERT_TRUE(a.is_array());
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0]["name"], "map/mutex_map/keys:64/threads:2");
  EXPECT_EQ(a[0]["unit"], "ns/op");
  EXPECT_DOUBLE_EQ(a[0]["value"].get<double>(), 40.0);
  EXPECT_EQ(a[0]["range"], "\u00b1 2.50");
  EXPECT_NE(a[0]["extra"].get<std::string>().find("threads: 2"), std::string::npos);
  EXPECT_NE(a[0]["extra"].get<std::string>().find("flags: noisy"), std::string::npos);
  EXPECT_DOUBLE_EQ(a[1]["value"].get<double>(), 20.0);
}

TEST(Formats, GabIsAFormatAndOthersAreNot) {
  EXPECT_EQ(writer_named("gab").name, "gab");
  EXPECT_THROW(writer_named("googlecpp"), BadInput);
  EXPECT_NE(writer_names().find("gab"), std::string::npos);
}

}  // namespace
}  // namespace lfbench
