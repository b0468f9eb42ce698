// lfbench compare: the U test against known values, the verdict rules, matching (absolute and
// --relative-to), every kind of bad input, and the real binary on fixture files (made by
// fixtures/make_fixtures.py) and on two real runs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "../compare.hpp"
#include "../input.hpp"
#include "run_lfbench.hpp"

namespace lfbench::compare {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

fs::path fixtures() { return std::getenv("LFBENCH_FIXTURES") ? std::getenv("LFBENCH_FIXTURES") : "fixtures"; }
std::string fixture(const std::string& name) { return (fixtures() / name).string(); }

// ---- Mann-Whitney U ----

TEST(MannWhitney, FullySeparatedFiveVsFiveIsTheSmallestExactP) {
  const std::vector<double> a{1, 2, 3, 4, 5}, b{6, 7, 8, 9, 10};
  EXPECT_DOUBLE_EQ(mann_whitney_p(a, b), 2.0 / 252);
  EXPECT_DOUBLE_EQ(mann_whitney_p(b, a), 2.0 / 252);  // two-sided
  EXPECT_DOUBLE_EQ(min_p(5, 5), 2.0 / 252);
}

TEST(MannWhitney, IdenticalSamplesGiveOne) {
  const std::vector<double> a{3, 3, 3, 3, 3};
  EXPECT_DOUBLE_EQ(mann_whitney_p(a, a), 1.0);
  const std::vector<double> b{1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(mann_whitney_p(b, b), 1.0);
}

TEST(MannWhitney, TextbookExample) {
  // SciPy's documented example (scipy.stats.mannwhitneyu): U = 17, exact two-sided p = 1/9.
  const std::vector<double> males{19, 22, 16, 29, 24}, females{20, 11, 17, 12};
  EXPECT_NEAR(mann_whitney_p(males, females), 0.1111111111, 1e-9);
}

TEST(MannWhitney, ThreeVsThreeCanNeverReachFivePercent) {
  EXPECT_DOUBLE_EQ(min_p(3, 3), 0.1);
  EXPECT_DOUBLE_EQ(mann_whitney_p(std::vector<double>{1, 2, 3}, std::vector<double>{4, 5, 6}), 0.1);
}

TEST(MannWhitney, LargeSamplesUseTheNormalApproximation) {
  std::vector<double> a, b;
  for (int i = 0; i < 30; ++i) {
    a.push_back(i);
    b.push_back(i + 0.5);
  }
  // Interleaved: no shift to speak of. Shifted by 20 of 30: clearly significant.
  EXPECT_GT(mann_whitney_p(a, b), 0.5);
  for (auto& x : b) x += 20;
  EXPECT_LT(mann_whitney_p(a, b), 1e-6);
}

TEST(MannWhitney, TiesAreExactToo) {
  // All values tied except one: p is large, and never outside [0, 1].
  const double p = mann_whitney_p(std::vector<double>{1, 1, 1, 1, 2}, std::vector<double>{1, 1, 1, 1, 1});
  EXPECT_GT(p, 0.5);
  EXPECT_LE(p, 1.0);
}

// ---- verdicts ----

std::vector<double> around(double median, double step = 0.004) {
  std::vector<double> xs;
  for (int i = -2; i <= 2; ++i) xs.push_back(median * (1 + step * i));
  return xs;
}

TEST(Judge, Rules) {
  Options o;
  o.threshold = 0.05;
  EXPECT_EQ(judge(around(10), around(10), false, o), Verdict::same);
  EXPECT_EQ(judge(around(10), around(12), false, o), Verdict::slower);
  EXPECT_EQ(judge(around(12), around(10), false, o), Verdict::faster);
  EXPECT_EQ(judge(around(10), around(10.3), false, o), Verdict::same);  // significant, below the threshold
  EXPECT_EQ(judge(around(10), around(10), true, o), Verdict::noisy);    // flagged by lfbench run
  EXPECT_EQ(judge(around(10, 0.05), around(10.2, 0.05), false, o), Verdict::noisy);  // spread 20% hides 5%
  EXPECT_EQ(judge(around(10, 0.05), around(13, 0.05), false, o), Verdict::slower);   // wide yet clear
  EXPECT_EQ(judge(around(10), around(13), true, o), Verdict::noisy);  // flagged noisy: not judged, even a clear 30% shift
  EXPECT_EQ(judge(std::vector<double>{10, 10, 10}, std::vector<double>{20, 20, 20}, false, o), Verdict::too_few_repetitions);
  Options loose = o;
  loose.threshold = 0.25;
  EXPECT_EQ(judge(around(10), around(12), false, loose), Verdict::same);
}

// ---- reading ----

ResultsFile parse(const std::string& text) { return parse_results(text, "f.json"); }

TEST(Reader, LfbenchFixture) {
  const ResultsFile f = read_results(fixture("base.json"));
  EXPECT_TRUE(f.lfbench);
  ASSERT_EQ(f.cells.size(), 4u);
  EXPECT_EQ(f.cells[0].id, "counter/std_mutex/read_pct:0/threads:1");
  EXPECT_EQ(f.cells[0].workload, "counter/read_pct:0/threads:1");
  EXPECT_EQ(f.cells[0].ns.size(), 5u);
}

TEST(Reader, PlainGoogleBenchmarkConvertsUnits) {
  const ResultsFile f = read_results(fixture("gbench_base.json"));
  EXPECT_FALSE(f.lfbench);
  ASSERT_EQ(f.cells.size(), 2u);
  EXPECT_NEAR(f.cells[0].ns[2], 1500, 1e-9);  // 1.5 us
  // A file with aggregates only still has its median.
  const ResultsFile agg = parse(R"({"benchmarks":[{"name":"BM_x_median","run_name":"BM_x","run_type":"aggregate",
      "aggregate_name":"median","real_time":7,"time_unit":"ns"}]})");
  ASSERT_EQ(agg.cells.size(), 1u);
  EXPECT_EQ(agg.cells[0].ns, std::vector<double>{7});
}

// Each bad input: BadInput with one line naming the file.
void expect_bad(const std::string& text, const std::string& needle) {
  try {
    parse(text);
    ADD_FAILURE() << "accepted: " << text.substr(0, 200);
  } catch (const BadInput& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("f.json"), std::string::npos) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

// A schema-valid lfbench file of one entry (cell s/p/threads:1) whose real_time is the given
// JSON text; `twice` repeats the entry (a duplicate repetition).
std::string one_entry(const std::string& real_time, bool twice = false) {
  json doc = json::parse(test::slurp(fixture("base.json")));
  json e = doc["benchmarks"][0];
  e["real_time"] = "@REAL_TIME@";
  e["lfbench"]["id"] = "s/p/threads:1";
  e["lfbench"]["scenario"] = "s";
  e["lfbench"]["primitive"] = "p";
  doc["benchmarks"] = twice ? json::array({e, e}) : json::array({e});
  std::string text = doc.dump();
  for (auto at = text.find("\"@REAL_TIME@\""); at != std::string::npos; at = text.find("\"@REAL_TIME@\""))
    text.replace(at, 13, real_time);
  return text;
}

TEST(Reader, BadInputs) {
  expect_bad("", "empty");
  expect_bad("  \n", "empty");
  expect_bad(R"({"benchmarks":[{"name":"x","real_time":)", "not valid JSON");
  expect_bad("[1,2,3]", "not a results file");
  expect_bad(R"({"benchmarks":{}})", "not a results file");
  expect_bad(R"({"context":{"lfbench_schema_version":2},"benchmarks":[]})", "schema_version 2");
  expect_bad(R"({"context":{"lfbench_schema_version":"1"},"benchmarks":[]})", "schema_version");
  expect_bad(one_entry("null"), "real_time is null");
  expect_bad(one_entry("-3"), "real_time is -3");
  expect_bad(one_entry("0"), "real_time is 0");
  expect_bad(one_entry("1e300"), "real_time");
  expect_bad(one_entry("2e12"), "real_time");
  expect_bad(one_entry("5", true), "duplicate cell 's/p/threads:1'");
  // An lfbench file must validate against reports/results.schema.json, like the report's reader.
  expect_bad(R"({"context":{"lfbench_schema_version":1},"benchmarks":[{"real_time":1}]})", "is required (reports/results.schema.json)");
  expect_bad(R"({"benchmarks":[{"real_time":1}]})", "no run_name");
  expect_bad(R"({"benchmarks":[{"name":"x","real_time":1,"time_unit":"ks"}]})", "time_unit");
  expect_bad(R"({"benchmarks":[]})", "no benchmark entries");
  expect_bad(std::string(100, '[') + std::string(100, ']'), "nested");
}

TEST(Reader, MissingFile) {
  try {
    read_results("/nonexistent/x.json");
    ADD_FAILURE();
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.json: no such results file"), std::string::npos);
  }
}

// Inputs the fuzzer once crashed on: each must now be answered by BadInput or a model.
TEST(Reader, FuzzRegressionsDoNotCrash) {
  const char* dir = std::getenv("LFBENCH_FUZZ_REGRESSIONS");
  if (!dir || !fs::is_directory(dir)) GTEST_SKIP() << "no fuzz_regressions directory";
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().filename() == "README") continue;
    try {
      parse_results(test::slurp(e.path()), e.path().string());
    } catch (const BadInput&) {
    }
  }
}

// ---- matching ----

TEST(Match, OnlyInOneSideAndNoCellInCommon) {
  const ResultsFile base = read_results(fixture("base.json"));
  ResultsFile next = base;
  next.cells.erase(next.cells.begin());
  next.cells.push_back(base.cells[0]);
  next.cells.back().id = "counter/new_prim/read_pct:0/threads:1";
  const Comparison c = compare::compare(base, next, {});
  ASSERT_EQ(c.rows.size(), 5u);
  EXPECT_EQ(c.rows.front().verdict, Verdict::only_in_base);
  EXPECT_EQ(c.rows.back().verdict, Verdict::only_in_new);
  EXPECT_EQ(c.exit_code(), 0);

  ResultsFile other = base;
  for (auto& cell : other.cells) cell.id += "x";
  EXPECT_THROW(compare::compare(base, other, {}), BadInput);
  Options filtered;
  filtered.filter.emplace("nothing-matches");
  EXPECT_THROW(compare::compare(base, base, filtered), BadInput);
}

TEST(Match, RelativeModeCancelsAWholeMachineSlowdown) {
  const ResultsFile base = read_results(fixture("base.json"));
  const ResultsFile slow = read_results(fixture("all_30pct_slower.json"));
  EXPECT_EQ(compare::compare(base, slow, {}).exit_code(), 1);
  Options rel;
  rel.relative_to = "std_mutex";
  const Comparison c = compare::compare(base, slow, rel);
  EXPECT_EQ(c.exit_code(), 0);
  for (const auto& r : c.rows) EXPECT_NEAR(r.ratio, 1.0, 1e-9) << r.id;
  EXPECT_NEAR(c.rows[2].base, 0.25, 1e-9);  // atomic_relaxed/threads:1 = 5 ns / std_mutex's 20 ns
  rel.relative_to = "no_such_primitive";
  EXPECT_THROW(compare::compare(base, slow, rel), BadInput);
}

TEST(Match, RelativeCellsCarryTheReferencesNoise) {
  const ResultsFile base = read_results(fixture("base.json"));
  ResultsFile next = read_results(fixture("one_cell_20pct_slower.json"));
  Options rel;
  rel.relative_to = "std_mutex";
  const Comparison c = compare::compare(base, next, rel);
  const auto slow = std::find_if(c.rows.begin(), c.rows.end(), [](const auto& r) { return r.verdict == Verdict::slower; });
  ASSERT_NE(slow, c.rows.end());
  const auto cell = std::find_if(next.cells.begin(), next.cells.end(), [&](const auto& x) { return x.id == slow->id; });
  ASSERT_NE(cell, next.cells.end());
  ASSERT_NE(cell->primitive, "std_mutex");
  bool marked = false;
  for (auto& x : next.cells)
    if (x.primitive == "std_mutex" && x.workload == cell->workload) x.noisy = marked = true;
  ASSERT_TRUE(marked);
  for (const auto& r : compare::compare(base, next, rel).rows)
    if (r.id == slow->id) EXPECT_EQ(r.verdict, Verdict::noisy);
}

TEST(Match, VerificationFailureInNewFailsTheGate) {
  const ResultsFile base = read_results(fixture("base.json"));
  ResultsFile next = base;
  next.cells[1].verified = false;
  next.cells[1].verification_detail = "total 9 != ops 10";
  const Comparison c = compare::compare(base, next, {});
  EXPECT_EQ(c.rows[1].verdict, Verdict::invalid);
  EXPECT_EQ(c.exit_code(), 1);
  // A failure only in the base is reported but does not fail the new change.
  EXPECT_EQ(compare::compare(next, base, {}).exit_code(), 0);
}

TEST(Match, GeomeansPerScenarioAndOverall) {
  const Comparison c =
      compare::compare(read_results(fixture("base.json")), read_results(fixture("all_30pct_slower.json")), {});
  ASSERT_EQ(c.geomeans.size(), 2u);
  EXPECT_EQ(c.geomeans[0].scenario, "counter");
  EXPECT_EQ(c.geomeans[1].scenario, "");
  EXPECT_NEAR(c.geomeans[1].ratio, 1.3, 1e-9);
  EXPECT_EQ(c.geomeans[1].cells, 4u);
}

// ---- the binary ----

using test::Sandbox;

TEST(CompareCli, IdenticalRunsAreAllSame) {
  Sandbox sb;
  const auto o = sb.run({"compare", fixture("base.json"), fixture("base.json"), "--format", "json"});
  ASSERT_EQ(o.code, 0) << o.err;
  const json doc = json::parse(o.out);
  ASSERT_EQ(doc["cells"].size(), 4u);
  for (const auto& c : doc["cells"]) EXPECT_EQ(c["verdict"], "same") << c.dump();
}

TEST(CompareCli, TwentyPercentSlowerCellFailsNamingIt) {
  Sandbox sb;
  const auto o = sb.run({"compare", fixture("base.json"), fixture("one_cell_20pct_slower.json")});
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_NE(o.out.find("regression(s): counter/atomic_relaxed/read_pct:0/threads:2"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("\033["), std::string::npos) << "coloured although stdout is not a terminal";
  const auto md = sb.run({"compare", fixture("base.json"), fixture("one_cell_20pct_slower.json"), "-f", "md"});
  EXPECT_EQ(md.code, 1);
  EXPECT_NE(md.out.find("| **slower** | `counter/atomic_relaxed/read_pct:0/threads:2`"), std::string::npos) << md.out;
}

TEST(CompareCli, ThreePercentIsBelowTheThreshold) {
  Sandbox sb;
  EXPECT_EQ(sb.run({"compare", fixture("base.json"), fixture("all_3pct_slower.json"), "--threshold", "5"}).code, 0);
  EXPECT_EQ(sb.run({"compare", fixture("base.json"), fixture("all_3pct_slower.json"), "--threshold", "2"}).code, 1);
}

TEST(CompareCli, RelativeModeWithEverythingThirtyPercentSlower) {
  Sandbox sb;
  const auto o = sb.run({"compare", fixture("base.json"), fixture("all_30pct_slower.json"), "--relative-to", "std_mutex"});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_EQ(sb.run({"compare", fixture("base.json"), fixture("all_30pct_slower.json")}).code, 1);
}

TEST(CompareCli, PlainGoogleBenchmarkFiles) {
  Sandbox sb;
  const auto o = sb.run({"compare", fixture("gbench_base.json"), fixture("gbench_pop_20pct_slower.json")});
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_NE(o.out.find("regression(s): BM_pop/64"), std::string::npos) << o.out;
  const auto f = sb.run({"compare", fixture("gbench_base.json"), fixture("gbench_pop_20pct_slower.json"), "--filter", "push"});
  EXPECT_EQ(f.code, 0) << f.out;
}

TEST(CompareCli, EnvironmentMismatchIsStatedAndCanBeRefused) {
  Sandbox sb;
  json doc = json::parse(test::slurp(fixture("base.json")));
  doc["context"]["lfbench_cpu_model"] = "Other CPU";
  std::ofstream(sb / "other.json") << doc.dump();
  const auto o = sb.run({"compare", fixture("base.json"), (sb / "other.json").string()});
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.out.find("environment differs: lfbench_cpu_model"), std::string::npos) << o.out;
  const auto r = sb.run({"compare", fixture("base.json"), (sb / "other.json").string(), "--require-same-env"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err_lines(), 1) << r.err;
}

TEST(CompareCli, BadInputIsOneLineAndExitTwo) {
  Sandbox sb;
  std::ofstream(sb / "empty.json") << "";
  std::ofstream(sb / "truncated.json") << test::slurp(fixture("base.json")).substr(0, 300);
  std::ofstream(sb / "shape.json") << R"({"results": []})";
  std::ofstream(sb / "nan.json") << one_entry("null");
  json disjoint = json::parse(test::slurp(fixture("base.json")));
  for (auto& b : disjoint["benchmarks"]) b["lfbench"]["id"] = b["lfbench"]["id"].get<std::string>() + "x";
  std::ofstream(sb / "disjoint.json") << disjoint.dump();
  const std::string base = fixture("base.json");
  const std::vector<std::vector<std::string>> cases = {
      {"compare", base, "missing.json"},
      {"compare", base, "empty.json"},
      {"compare", base, "truncated.json"},
      {"compare", base, "shape.json"},
      {"compare", base, "nan.json"},
      {"compare", base, "disjoint.json"},
      {"compare", base, base, "--format", "xml"},
      {"compare", base, base, "--filter", "("},
      {"compare", base, base, "--alpha", "2"},
      {"compare", base, base, "--relative-to", "nope"},
      {"compare", base}};
  for (const auto& args : cases) {
    const auto o = sb.run(args);
    EXPECT_EQ(o.code, 2) << args.back() << ": " << o.err;
    EXPECT_EQ(o.err_lines(), 1) << args.back() << ": " << o.err;
    EXPECT_TRUE(o.out.empty()) << o.out;
  }
}

TEST(CompareCli, TwoRealRunsCompareAndListEveryCell) {
  Sandbox sb;
  const std::vector<std::string> run = {"run", "counter", "--primitive", "std_mutex,atomic_relaxed", "--threads", "1",
                                        "--duration", "20ms", "--repetitions", "5", "--warmup", "0s", "--quiet", "-o"};
  auto a = run, b = run;
  a.push_back("a.json");
  b.push_back("b.json");
  ASSERT_EQ(sb.run(a).code, 0);
  ASSERT_EQ(sb.run(b).code, 0);
  const auto o = sb.run({"compare", "a.json", "b.json", "--format", "json"});
  EXPECT_TRUE(o.code == 0 || o.code == 1) << o.code << o.err;
  const json doc = json::parse(o.out);
  std::set<std::string> ids;
  for (const auto& c : doc["cells"]) ids.insert(c["id"].get<std::string>());
  const json results = json::parse(test::slurp(sb / "a.json"));
  std::set<std::string> expected;
  for (const auto& e : results["benchmarks"]) expected.insert(e["lfbench"]["id"].get<std::string>());
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(expected.size(), 4u);  // 2 primitives x read_pct 0,10
}

}  // namespace
}  // namespace lfbench::compare
