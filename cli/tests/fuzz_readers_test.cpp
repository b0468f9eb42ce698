// Every file lfbench reads, hostile: suite files (run --suite) and results files (compare) that
// are deeply nested, hold huge numbers or strings, are not regular files, or break the schema.
// Each must end in exit 2 with one line naming the file, nothing written, and no hang. The
// inputs the fuzzers (ci/fuzz-all) once crashed on are replayed here through the readers.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../compare.hpp"
#include "../input.hpp"
#include "../json_schema.hpp"
#include "../plan_builder.hpp"
#include "run_lfbench.hpp"

namespace lfbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::Outcome;
using test::Sandbox;

fs::path fixture(const std::string& name) {
  const char* dir = std::getenv("LFBENCH_FIXTURES");
  return fs::path(dir ? dir : "fixtures") / name;
}

// A reader that blocks on a FIFO, or reads /dev/zero forever, is killed after 30 s (code -1).
Outcome run_bounded(const Sandbox& sb, const std::vector<std::string>& args) {
  return sb.run(args, {}, SIGINT, std::chrono::seconds(30));
}

// Exit 2, one line on stderr containing every needle, nothing on stdout, no file written
// beside the inputs.
void expect_refused(const Sandbox& sb, const std::vector<std::string>& args, const std::vector<std::string>& needles) {
  std::vector<std::string> before = sb.files();
  const Outcome o = run_bounded(sb, args);
  const std::string what = args.back();
  EXPECT_EQ(o.code, 2) << what << ": " << o.err.substr(0, 300);
  EXPECT_EQ(o.err_lines(), 1) << what << ": " << o.err.substr(0, 300);
  EXPECT_LT(o.err.size(), 1100u) << what;
  EXPECT_TRUE(o.out.empty()) << what << ": " << o.out.substr(0, 300);
  for (const auto& n : needles) EXPECT_NE(o.err.find(n), std::string::npos) << what << " lacks '" << n << "': " << o.err;
  EXPECT_EQ(sb.files(), before) << what << " wrote a file";
}


std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// ---- suite files ----

TEST(SuiteFile, HostileFilesAreRefusedWithFileAndLine) {
  Sandbox sb;
  test::spit(sb / "deep.json", "{\"runs\":\n" + nested(50000) + "}");
  test::spit(sb / "digits.json", "{\"runs\": [{\"scenario\": \"counter\",\n \"repetitions\": " + std::string(400, '9') + "}]}");
  test::spit(sb / "overflow.json", "{\"runs\": [{\"scenario\": \"counter\",\n \"repetitions\": 1e999}]}");
  test::spit(sb / "u64.json", "{\"runs\": [{\"scenario\": \"counter\",\n \"repetitions\": 18446744073709551615}]}");
  test::spit(sb / "newline.json", "{\"runs\": [{\"scenario\": \"coun\\nter\"}]}");
  test::spit(sb / "string.json", "{\"runs\": [{\"scenario\": \"" + std::string(100000, 'a') + "\"}]}");
  test::spit(sb / "nan.json", "{\"runs\": [{\"scenario\": \"counter\", \"repetitions\": NaN}]}");
  test::spit(sb / "utf8.json", "{\"runs\": [{\"scenario\": \"\xff\xfe\"}]}");
  test::spit(sb / "cells.json", R"({"runs": [{"scenario": "counter", "threads": "1-1024", "params": {"read_pct": [)" +
                               [] {
                                 std::string v;
                                 for (int i = 0; i <= 100; ++i) v += (i ? "," : "") + std::to_string(i);
                                 return v;
                               }() +
                               "]}}]}");
  ASSERT_EQ(mkfifo((sb / "fifo.json").c_str(), 0600), 0);
  // Sparse: its size is refused before a byte is read.
  { std::ofstream(sb / "huge.json") << "[]"; }
  fs::resize_file(sb / "huge.json", std::uintmax_t(2) << 20);

  const std::vector<std::string> plan = {"run", "--plan", "--suite"};
  const auto with = [&](const std::string& f) {
    auto a = plan;
    a.push_back(f);
    return a;
  };
  expect_refused(sb, with("deep.json"), {"deep.json:2:", "nested deeper than 32"});
  expect_refused(sb, with("digits.json"), {"digits.json:2:", "a number of 400 characters"});
  expect_refused(sb, with("overflow.json"), {"overflow.json:2:", "1e999"});
  expect_refused(sb, with("u64.json"), {"u64.json:2", "repetitions", "allowed: integers 1..1000"});
  expect_refused(sb, with("newline.json"), {"newline.json:1", "coun\\nter"});
  expect_refused(sb, with("string.json"), {"string.json:1:", "a string of 100000 bytes"});
  expect_refused(sb, with("nan.json"), {"nan.json:1:", "malformed JSON"});
  expect_refused(sb, with("utf8.json"), {"utf8.json:1:", "malformed JSON"});
  expect_refused(sb, with("cells.json"), {"cells.json:1", "more than 100000 cells"});
  expect_refused(sb, with("./fifo.json"), {"./fifo.json", "is a FIFO, not a regular file"});
  expect_refused(sb, with("/dev/zero"), {"/dev/zero", "is a device, not a regular file"});
  expect_refused(sb, with("./huge.json"), {"./huge.json", "2097152 bytes is too big", "at most 1048576"});
}

// Suite texts the fuzzer (ci/fuzz-all) found: each must be answered by BadInput or a list of runs.
TEST(SuiteFile, FuzzRegressionsDoNotCrash) {
  const char* dir = std::getenv("LFBENCH_FUZZ_REGRESSIONS");
  if (!dir || !fs::is_directory(fs::path(dir) / "suite")) GTEST_SKIP() << "no fuzz_regressions/suite";
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "suite")) {
    try {
      (void)parse_suite(test::slurp(e.path()), e.path().string());
    } catch (const BadInput& b) {
      EXPECT_EQ(std::string(b.what()).find('\n'), std::string::npos) << e.path();
    }
  }
}

// ---- results files (compare) ----

json base_doc() { return json::parse(test::slurp(fixture("base.json"))); }

TEST(ResultsFile, HostileFilesAreRefused) {
  Sandbox sb;
  const std::string base = fixture("base.json").string();
  json doc = base_doc();
  doc["benchmarks"][0]["lfbench"]["verification"]["ok"] = 0;
  test::spit(sb / "verification0.json", doc.dump());
  doc = base_doc();
  doc["benchmarks"][0]["lfbench"]["verification"] = json::object();
  test::spit(sb / "noverification.json", doc.dump());
  doc = base_doc();
  doc["context"]["lfbench_host"] = std::string(100000, 'h');
  test::spit(sb / "longhost.json", doc.dump());
  doc = base_doc();
  doc["benchmarks"][0]["lfbench"]["ops_per_sec"] = -5;
  test::spit(sb / "negative.json", doc.dump());
  std::string text = base_doc().dump();
  const auto rt = text.find("\"real_time\":");
  test::spit(sb / "nan.json", text.substr(0, rt) + "\"real_time\":NaN," + text.substr(rt));
  test::spit(sb / "infinity.json", text.substr(0, rt) + "\"real_time\":Infinity," + text.substr(rt));
  test::spit(sb / "digits.json", text.substr(0, rt) + "\"real_time\":" + std::string(400, '7') + "," + text.substr(rt));
  test::spit(sb / "overflow.json", text.substr(0, rt) + "\"real_time\":1e999," + text.substr(rt));
  test::spit(sb / "deep.json", nested(50000));
  ASSERT_EQ(mkfifo((sb / "fifo.json").c_str(), 0600), 0);
  { std::ofstream(sb / "huge.json") << "{}"; }
  fs::resize_file(sb / "huge.json", std::uintmax_t(200) << 20);

  const auto cmp = [&](const std::string& f) { return std::vector<std::string>{"compare", base, f}; };
  expect_refused(sb, cmp("verification0.json"), {"verification0.json", "verification.ok is 0; allowed: a boolean"});
  expect_refused(sb, cmp("noverification.json"), {"noverification.json", "verification lacks \"ok\""});
  expect_refused(sb, cmp("longhost.json"), {"longhost.json:", "a string of 100000 bytes", "at most 65536"});
  expect_refused(sb, cmp("negative.json"), {"negative.json", "ops_per_sec is -5; allowed: at least 0"});
  expect_refused(sb, cmp("nan.json"), {"nan.json", "not valid JSON"});
  expect_refused(sb, cmp("infinity.json"), {"infinity.json", "not valid JSON"});
  expect_refused(sb, cmp("digits.json"), {"digits.json:", "a number of 400 characters"});
  expect_refused(sb, cmp("overflow.json"), {"overflow.json", "not valid JSON", "1e999"});
  expect_refused(sb, cmp("deep.json"), {"deep.json:1:33", "nested deeper than 32"});
  expect_refused(sb, cmp("./fifo.json"), {"./fifo.json", "is a FIFO, not a regular file"});
  expect_refused(sb, cmp("/dev/zero"), {"/dev/zero", "is a device, not a regular file"});
  expect_refused(sb, cmp("./huge.json"), {"./huge.json", "209715200 bytes is too big", "at most 134217728"});
  expect_refused(sb, cmp("."), {".: is a directory, not a regular file"});
}

// The reader's verdict on "verification" never takes anything but a literal true as verified,
// whatever a future schema allows.
TEST(ResultsFile, OnlyLiteralTrueIsVerified) {
  json doc = base_doc();
  const auto cells = parse_results(doc.dump(), "f.json").cells;
  for (const auto& c : cells) EXPECT_TRUE(c.verified) << c.id;
  doc["benchmarks"][0]["lfbench"]["verification"]["ok"] = false;
  EXPECT_FALSE(parse_results(doc.dump(), "f.json").cells[0].verified);
}

TEST(ResultsFile, FuzzRegressionsDoNotCrash) {
  const char* dir = std::getenv("LFBENCH_FUZZ_REGRESSIONS");
  if (!dir || !fs::is_directory(fs::path(dir) / "results")) GTEST_SKIP() << "no fuzz_regressions/results";
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "results")) {
    try {
      (void)parse_results(test::slurp(e.path()), e.path().string());
    } catch (const BadInput& b) {
      EXPECT_EQ(std::string(b.what()).find('\n'), std::string::npos) << e.path();
    }
  }
}

// ---- the contract itself ----

TEST(Schema, CompiledInSchemaUsesOnlyCheckedKeywords) {
  EXPECT_NO_THROW((void)results_schema());
  EXPECT_GT(results_limits().max_file_bytes, 0u);
  EXPECT_THROW(JsonSchema(json::parse(R"({"type": "string", "format": "date-time"})")), std::invalid_argument);
  EXPECT_THROW(JsonSchema(json::parse(R"({"$ref": "#/$defs/missing"})")), std::invalid_argument);
}

TEST(Schema, ValidatorChecksEachKeyword) {
  const JsonSchema s(json::parse(R"({"type": "object", "required": ["a"], "properties": {
      "a": {"type": "integer", "minimum": 1, "maximum": 3},
      "b": {"type": "array", "items": {"enum": ["x", "y"]}, "uniqueItems": true, "maxItems": 2},
      "c": {"type": "string", "maxLength": 3, "pattern": "^[a-z]+$"},
      "d": {"exclusiveMinimum": 0}, "e": {"const": 1}},
      "additionalProperties": {"type": "boolean"}})"));
  EXPECT_EQ(s.validate(json::parse(R"({"a": 2, "b": ["x"], "c": "ab", "d": 1, "e": 1, "z": true})")), "");
  EXPECT_EQ(s.validate(json::parse(R"({"a": 2.0})")), "");  // an integral number is an integer
  const std::pair<const char*, const char*> bad[] = {
      {R"({})", "lacks \"a\""},
      {R"({"a": 1.5})", "a is 1.5; allowed: an integer"},
      {R"({"a": 0})", "a is 0; allowed: at least 1"},
      {R"({"a": 4})", "a is 4; allowed: at most 3"},
      {R"({"a": 1, "b": ["z"]})", "b[0] is \"z\""},
      {R"({"a": 1, "b": ["x", "x"]})", "unique"},
      {R"({"a": 1, "b": ["x", "y", "x"]})", "at most 2"},
      {R"({"a": 1, "c": "abcd"})", "at most 3"},
      {R"({"a": 1, "c": "A"})", "matching"},
      {R"({"a": 1, "d": 0})", "more than 0"},
      {R"({"a": 1, "e": 2})", "allowed: 1"},
      {R"({"a": 1, "z": 0})", "z is 0; allowed: a boolean"},
  };
  for (const auto& [doc, needle] : bad) {
    const std::string why = s.validate(json::parse(doc));
    EXPECT_NE(why.find(needle), std::string::npos) << doc << " -> " << why;
  }
}

TEST(Schema, OneLineWhateverTheMessageQuotes) {
  const BadInput e("f.json: '" + std::string("a\nb\x01") + std::string(5000, 'x') + "'");
  const std::string what = e.what();
  EXPECT_EQ(what.find('\n'), std::string::npos);
  EXPECT_NE(what.find("a\\nb\\x01"), std::string::npos);
  EXPECT_LE(what.size(), 1010u);
}

}  // namespace
}  // namespace lfbench
