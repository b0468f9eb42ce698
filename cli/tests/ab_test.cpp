// A/B runs end to end (run --ab NAME=PATH twice): two builds in one results file, their windows
// of a cell measured back to back in either order; builds that cannot take part are refused
// before anything is measured or written; an interrupted A/B run resumes with its builds.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "cli/tests/run_lfbench.hpp"

namespace lfbench {
namespace {

using nlohmann::json;
using test::Sandbox;

std::string bin() {
  const char* b = std::getenv("LFBENCH_BIN");
  return std::filesystem::canonical(b ? b : "lfbench").string();
}

std::vector<std::string> ab_run(std::vector<std::string> more) {
  std::vector<std::string> a = {"run", "counter", "--primitive", "std_mutex,atomic_relaxed", "--param", "read_pct=0",
                                "--threads", "1", "--duration", "10ms", "--warmup", "0s", "--repetitions", "6",
                                "--quiet", "--ab", "base=" + bin(), "--ab", "head=" + bin()};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

// A shell script standing in for a build: it says `hello_line` on the worker's result pipe.
void fake_build(const Sandbox& sb, const std::string& name, const std::string& hello_line) {
  test::spit(sb / name, "#!/bin/sh\necho '" + hello_line + "' >&3\ncat >/dev/null\n");
  ::chmod((sb / name).c_str(), 0755);
}

// (id, build) -> the iteration entries' lfbench objects, in repetition order.
std::map<std::pair<std::string, std::string>, std::vector<json>> windows_of(const json& doc) {
  std::map<std::pair<std::string, std::string>, std::vector<json>> out;
  for (const auto& e : doc["benchmarks"])
    if (e.value("run_type", "") == "iteration") out[{e["lfbench"]["id"], e["lfbench"].value("build", "")}].push_back(e["lfbench"]);
  return out;
}

TEST(AB, OneFileHoldsBothBuildsPairedWindowByWindow) {
  Sandbox sb;
  const auto r = sb.run(ab_run({"-o", "ab.json"}));
  ASSERT_EQ(r.code, 0) << r.err;
  const json doc = json::parse(test::slurp(sb / "ab.json"));
  const json& builds = doc["context"]["lfbench_ab"]["builds"];
  ASSERT_EQ(builds.size(), 2u);
  EXPECT_EQ(builds[0]["name"], "base");
  EXPECT_EQ(builds[1]["name"], "head");
  EXPECT_EQ(builds[0]["path"], bin());
  const auto w = windows_of(doc);
  ASSERT_EQ(w.size(), 4u) << "two cells, each in both builds";
  int base_first = 0, head_first = 0;
  for (const std::string id : {"counter/std_mutex/read_pct:0/threads:1", "counter/atomic_relaxed/read_pct:0/threads:1"}) {
    const auto& base = w.at({id, "base"});
    const auto& head = w.at({id, "head"});
    ASSERT_EQ(base.size(), 6u);
    ASSERT_EQ(head.size(), 6u);
    for (std::size_t k = 0; k < 6; ++k) {
      const auto b = base[k]["window_seq"].get<long>(), h = head[k]["window_seq"].get<long>();
      // A pair re-measured for a disturbance is measured again as a pair, so kept pairs stay adjacent.
      EXPECT_EQ(std::labs(b - h), 1) << id << " pair " << k << ": windows " << b << " and " << h;
      (b < h ? base_first : head_first)++;
    }
  }
  // Which build goes first is drawn per pair: over 12 pairs, one order every time has p = 2^-11.
  EXPECT_GT(base_first, 0);
  EXPECT_GT(head_first, 0);
  for (const auto& e : doc["benchmarks"]) {
    const std::string name = e["name"], build = e["lfbench"]["build"];
    EXPECT_NE(name.find("@" + build), std::string::npos) << name << ": Google Benchmark names are unique per build";
  }
  // The same binary twice: the gate finds no regression (4 = cells it could not judge is allowed:
  // this is a shared machine; the verdict rules are compare_test's).
  const auto c = sb.run({"compare", "ab.json", "--format", "json"});
  EXPECT_TRUE(c.code == 0 || c.code == 4) << c.out << c.err;
  const json verdicts = json::parse(c.out, nullptr, false);
  ASSERT_TRUE(verdicts.is_object()) << c.out;
  for (const auto& cell : verdicts["cells"]) EXPECT_NE(cell["verdict"], "slower") << cell.dump();
}

TEST(AB, APlanThatCanNeverDecideACellSaysSoBeforeRunning) {
  Sandbox sb;
  auto few = ab_run({"--plan"});
  few[std::find(few.begin(), few.end(), "--repetitions") - few.begin() + 1] = "4";
  const auto r = sb.run(few);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("4 pairs per cell can never reach p <= 0.05"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("use --repetitions 5 or more"), std::string::npos) << r.err;
  const auto enough = sb.run(ab_run({"--plan"}));  // 6 repetitions
  ASSERT_EQ(enough.code, 0) << enough.err;
  EXPECT_EQ(enough.err.find("can never"), std::string::npos) << enough.err;
}

// Issue 29: a build that prints without end grew the worker's log by ~1 GB/s, for the 30 s the
// hello may take. The log is capped (supervisor.hpp kLogCap): `yes` fails there and exits, and
// the build's hello (another protocol version) is refused at once.
TEST(AB, AWorkerThatPrintsWithoutEndIsCappedAndRefused) {
  Sandbox sb;
  test::spit(sb / "chatty", "#!/bin/sh\nyes\necho '{\"v\":99,\"hello\":{}}' >&3\ncat >/dev/null\n");
  ::chmod((sb / "chatty").c_str(), 0755);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = sb.run({"run", "counter", "--primitive", "std_mutex", "--threads", "1", "--quiet", "-o", "out.json",
                         "--ab", "base=./chatty", "--ab", "head=" + bin()});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(r.err_lines(), 1) << r.err;
  EXPECT_LT(seconds, 15) << "the hello came once `yes` hit the cap";
  EXPECT_FALSE(std::filesystem::exists(sb / "out.json"));
}

TEST(AB, BuildsThatCannotTakePartAreRefusedBeforeAnythingIsWritten) {
  Sandbox sb;
  fake_build(sb, "v99", R"({"v":99,"hello":{}})");
  fake_build(sb, "lacks", R"({"v":1,"hello":{"catalog":{"counter":{"primitives":["atomic_relaxed"],"params":["read_pct"]}}}})");
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"one build", {"--ab", "base=" + bin()}},
      {"three builds", {"--ab", "a=" + bin(), "--ab", "b=" + bin(), "--ab", "c=" + bin()}},
      {"a name twice", {"--ab", "x=" + bin(), "--ab", "x=" + bin()}},
      {"a bad name", {"--ab", "b@d=" + bin(), "--ab", "head=" + bin()}},
      {"no path", {"--ab", "base=", "--ab", "head=" + bin()}},
      {"not executable", {"--ab", "base=/etc/hostname", "--ab", "head=" + bin()}},
      {"not lfbench", {"--ab", "base=/bin/true", "--ab", "head=" + bin()}},
      {"another protocol version", {"--ab", "base=./v99", "--ab", "head=" + bin()}},
      {"a build without the primitive", {"--ab", "base=./lacks", "--ab", "head=" + bin()}},
  };
  for (const auto& [what, ab] : cases) {
    std::vector<std::string> args = {"run", "counter", "--primitive", "std_mutex", "--threads", "1", "--duration",
                                     "10ms", "--repetitions", "2", "--quiet", "-o", "out.json"};
    args.insert(args.end(), ab.begin(), ab.end());
    const auto r = sb.run(args);
    EXPECT_EQ(r.code, 2) << what << ": " << r.err;
    EXPECT_EQ(r.err_lines(), 1) << what << ": " << r.err;
    EXPECT_EQ(sb.files().size(), 2u) << what << ": nothing but the two fake builds";
  }
}

TEST(AB, AnInterruptedABRunResumesWithItsBuilds) {
  Sandbox sb;
  auto args = ab_run({"-o", "ab.json", "--duration", "50ms", "--repetitions", "20"});
  // Killed once a pair is journaled (the header and two windows), however slow the tree.
  const auto killed = sb.run(args, std::chrono::milliseconds(100), SIGKILL, {},
                             [&](pid_t) { (void)test::wait_for_lines(sb / "ab.json.journal", 3); });
  ASSERT_EQ(killed.code, 128 + SIGKILL);
  ASSERT_TRUE(std::filesystem::exists(sb / "ab.json.journal"));
  // Issue 29: interrupted between the two windows of a pair (the journal's last attempt cut to
  // one window). The resume measures that pair again as a pair: no pair of the file joins
  // windows measured apart in time, and every pair's window_seq are adjacent.
  std::vector<std::string> lines;
  {
    std::istringstream in(test::slurp(sb / "ab.json.journal"));
    for (std::string l; std::getline(in, l);)
      if (!json::parse(l, nullptr, false).is_discarded()) lines.push_back(l);
  }
  ASSERT_GE(lines.size(), 3u) << "the killed run journaled a pair";
  const json last = json::parse(lines.back()), before = json::parse(lines[lines.size() - 2]);
  if (last["attempt"] == before["attempt"]) lines.pop_back();
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  test::spit(sb / "ab.json.journal", text);
  const auto r = sb.run({"run", "--resume", "ab.json.journal"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("will be measured again, as a pair"), std::string::npos) << r.err;
  const json doc = json::parse(test::slurp(sb / "ab.json"));
  EXPECT_FALSE(doc["context"]["lfbench_incomplete"].get<bool>());
  EXPECT_EQ(doc["context"]["lfbench_ab"]["builds"].size(), 2u);
  const auto ws = windows_of(doc);
  for (const auto& [key, w] : ws) EXPECT_EQ(w.size(), 20u) << key.first << "@" << key.second;
  for (const auto& [key, w] : ws) {
    if (key.second != "base") continue;
    const auto& head = ws.at({key.first, "head"});
    for (std::size_t k = 0; k < w.size() && k < head.size(); ++k)
      EXPECT_EQ(std::llabs(w[k]["window_seq"].get<long long>() - head[k]["window_seq"].get<long long>()), 1)
          << key.first << " pair " << k;
  }
}

// Issue 29: SIGINT while the builds start (a build that never says hello) is answered at once,
// with 130 and nothing written, not after the 30 s hello bound with exit 2.
TEST(AB, SigintWhileTheBuildsStartIsAnInterrupt) {
  Sandbox sb;
  test::spit(sb / "mute", "#!/bin/sh\nsleep 60\n");
  ::chmod((sb / "mute").c_str(), 0755);
  const auto r = sb.run({"run", "counter", "-p", "std_mutex", "-t", "1", "-o", "out.json", "--ab", "a=" + (sb / "mute").string(),
                         "--ab", "b=" + (sb / "mute").string()},
                        std::chrono::milliseconds(800), SIGINT, std::chrono::milliseconds(20000));
  EXPECT_EQ(r.code, 130) << r.err;
  EXPECT_LT(r.seconds_after_signal, 2.0) << "liveness: answered within 2 s";
  EXPECT_FALSE(std::filesystem::exists(sb / "out.json"));
}

// run --until-decided keeps measuring pairs of the cells compare cannot yet call: whatever
// the machine did, the builds' windows stay paired, a cell's repetitions are its windows, and
// what the run says it stopped on is what compare finds in the file (decided: every cell
// judged; budget: the cells it names left undecided).
TEST(AB, UntilDecidedMeasuresPairsUntilCompareDecidesOrTheBudgetIsSpent) {
  Sandbox sb;
  const auto r = sb.run(ab_run({"-o", "ab.json", "--repetitions", "3", "--until-decided", "--budget", "20s"}));
  ASSERT_EQ(r.code, 0) << r.err;
  const json doc = json::parse(test::slurp(sb / "ab.json"));
  const json& u = doc["context"]["lfbench_ab"]["until_decided"];
  ASSERT_TRUE(u.is_object()) << doc["context"].dump();
  const std::string stopped = u["stopped"];
  ASSERT_TRUE(stopped == "decided" || stopped == "budget") << stopped;
  std::size_t windows = 0;
  for (const std::string id : {"counter/std_mutex/read_pct:0/threads:1", "counter/atomic_relaxed/read_pct:0/threads:1"}) {
    const auto w = windows_of(doc);
    const auto& base = w.at({id, "base"});
    const auto& head = w.at({id, "head"});
    EXPECT_EQ(base.size(), head.size()) << id;
    EXPECT_GE(base.size(), 3u) << id;
    EXPECT_EQ(base.front()["repetitions"].get<std::size_t>(), base.size()) << id;
    windows += base.size();
  }
  EXPECT_EQ(windows, 6 + u["extra_pairs"].get<std::size_t>());
  const auto c = sb.run({"compare", "ab.json"});
  EXPECT_NE(c.out.find("sequential"), std::string::npos) << c.out;
  // The run decided on its own copy of the windows (results_so_far); the file read back must
  // give the same cells undecided, exactly: the two conversions agree.
  const auto cj = sb.run({"compare", "ab.json", "--format", "json"});
  std::set<std::string> inconclusive, undecided;
  const json verdicts = json::parse(cj.out);
  for (const auto& cell : verdicts["cells"])
    if (cell["verdict"] == "inconclusive") inconclusive.insert(cell["id"].get<std::string>());
  for (const auto& id : u["undecided"]) undecided.insert(id.get<std::string>());
  EXPECT_EQ(inconclusive, undecided) << cj.out;
  if (stopped == "decided") {
    EXPECT_TRUE(u["undecided"].empty());
    EXPECT_TRUE(c.code == 0 || c.code == 1) << c.out;  // every cell judged, whatever the verdict
  } else {
    ASSERT_FALSE(u["undecided"].empty());
    EXPECT_EQ(c.code, 4) << c.out;
  }
}

TEST(AB, UntilDecidedRefusesWhatItCannotDo) {
  Sandbox sb;
  const auto check = [&](std::vector<std::string> args, const std::string& says) {
    const auto r = sb.run(args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  };
  check({"run", "counter", "--until-decided", "-o", "x.json"}, "--until-decided: only for an A/B run");
  check(ab_run({"--budget", "1m", "-o", "x.json"}), "--budget 1m: only with --until-decided");
  check(ab_run({"--until-decided", "--budget", "1ms", "-o", "x.json"}), "--budget: '1ms' is less than");
  check(ab_run({"--until-decided", "--budget", "soon", "-o", "x.json"}), "soon");
  check(ab_run({"--until-decided", "--budget", "2h", "-o", "x.json"}), "--budget: '2h' is out of range");
  check(ab_run({"--duration", "5m", "-o", "x.json"}), "--duration: '5m' has an unknown unit");  // a typo of 5ms
  // Minutes, as the help's example says (and the issue that asked for it: --budget 10m).
  const auto plan = sb.run(ab_run({"--until-decided", "--budget", "10m", "--plan"}));
  EXPECT_EQ(plan.code, 0) << plan.err;
  EXPECT_FALSE(std::filesystem::exists(sb / "x.json"));
  EXPECT_FALSE(std::filesystem::exists(sb / "x.json.journal"));
}

// The journal keeps the budget: a resumed run goes on deciding, and its extra pairs replay.
TEST(AB, AnInterruptedRunUntilDecidedResumesUntilDecided) {
  Sandbox sb;
  auto args = ab_run({"-o", "ab.json", "--threads", "1,2", "--duration", "20ms", "--repetitions", "3",
                      "--until-decided", "--budget", "8s"});
  const auto killed = sb.run(args, std::chrono::milliseconds(2500), SIGKILL);
  if (killed.code == 0) GTEST_SKIP() << "every cell was decided within 2.5 s: nothing to resume";
  ASSERT_EQ(killed.code, 128 + SIGKILL) << killed.err;
  const auto r = sb.run({"run", "--resume", "ab.json.journal", "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json doc = json::parse(test::slurp(sb / "ab.json"));
  EXPECT_TRUE(doc["context"]["lfbench_ab"]["until_decided"].is_object());
  for (const auto& [key, ws] : windows_of(doc)) {
    EXPECT_GE(ws.size(), 3u) << key.first;
    EXPECT_EQ(ws.size(), windows_of(doc).at({key.first, key.second == "base" ? "head" : "base"}).size()) << key.first;
  }
}

}  // namespace
}  // namespace lfbench
