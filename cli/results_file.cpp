#include "results_file.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "input.hpp"
#include "json_schema.hpp"
#include "../scenarios/harness/plan.hpp"

namespace lfbench {

namespace {

using nlohmann::json;

// A time per operation above this is not a measurement but a corrupt file (1000 s per op).
constexpr double kAbsurdNs = 1e12;

[[noreturn]] void bad(const std::string& name, const std::string& what) { throw BadInput(name + ": " + what); }

double unit_to_ns(const json& entry, const std::string& name, std::size_t i) {
  const auto it = entry.find("time_unit");
  if (it == entry.end()) return 1;
  if (it->is_string()) {
    const auto& u = it->get_ref<const std::string&>();
    if (u == "ns") return 1;
    if (u == "us") return 1e3;
    if (u == "ms") return 1e6;
    if (u == "s") return 1e9;
  }
  bad(name, "benchmarks[" + std::to_string(i) + "].time_unit " + it->dump() + " is not a unit; allowed: ns, us, ms, s");
}

double ns_of(const json& entry, const std::string& name, std::size_t i) {
  const std::string where = "benchmarks[" + std::to_string(i) + "].real_time";
  const auto it = entry.find("real_time");
  if (it == entry.end()) bad(name, where + " is missing");
  if (!it->is_number()) bad(name, where + " is " + it->dump() + "; allowed: a positive number of time units per op");
  const double ns = it->get<double>() * unit_to_ns(entry, name, i);
  if (!std::isfinite(ns) || ns <= 0 || ns > kAbsurdNs)
    bad(name, where + " is " + it->dump() + "; allowed: a positive time per op below 1000 s");
  return ns;
}

const std::string* string_at(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

bool true_at(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}


ResultsFile model(const json& doc, const std::string& name, bool is_lfbench);

}  // namespace

std::string ResultsCell::key() const { return cell_key(id, build); }

std::vector<double> ResultsCell::ns() const {
  std::vector<double> out;
  for (const auto& s : samples) out.push_back(s.ns);
  return out;
}

ResultsFile parse_results(std::string_view text, const std::string& name) {
  // The contract shared with the Python report (reports/results.schema.json and its limits),
  // checked in full before any field is used.
  const ResultsLimits& limits = results_limits();
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    bad(name, "empty file; expected lfbench or Google Benchmark results JSON");
  if (text.size() > limits.max_file_bytes)
    bad(name, std::to_string(text.size()) + " bytes is too big; allowed: at most " + std::to_string(limits.max_file_bytes));
  check_json_limits(text, name, limits.json);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    bad(name, std::string("not valid JSON (truncated?): ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("benchmarks") || !doc["benchmarks"].is_array())
    bad(name, "not a results file: expected an object with a \"benchmarks\" array (Google Benchmark JSON)");
  if (const std::string why = check_numbers(doc, limits); !why.empty()) bad(name, why);
  bool is_lfbench = false;
  if (const auto ctx = doc.find("context"); ctx != doc.end() && ctx->is_object())
    if (const auto v = ctx->find("lfbench_schema_version"); v != ctx->end()) {
      if (!v->is_number() || v->get<double>() != 1)
        bad(name, "lfbench_schema_version " + v->dump() + " is not supported; allowed: 1");
      is_lfbench = true;
    }
  if (const std::string why = results_schema().validate(doc, is_lfbench ? "#" : "#/$defs/gbench_file"); !why.empty())
    bad(name, why + (is_lfbench ? " (reports/results.schema.json)" : " (Google Benchmark JSON)"));
  ResultsFile f = model(doc, name, is_lfbench);
  if (f.cells.empty()) bad(name, "no benchmark entries");
  return f;
}

ResultsFile read_results(const std::string& path) {
  return parse_results(read_input_file(path, results_limits().max_file_bytes, path, "results file"), path);
}

ResultsFile results_of(const json& doc) {
  const auto ctx = doc.find("context");
  return model(doc, "results", ctx != doc.end() && ctx->contains("lfbench_schema_version"));
}

namespace {

// The typed cells of a document the schema has checked (or that lfbench just made).
ResultsFile model(const json& doc, const std::string& name, bool is_lfbench) {
  ResultsFile f;
  f.name = name;
  f.env = json::object();
  f.lfbench = is_lfbench;
  if (const auto ctx = doc.find("context"); ctx != doc.end() && ctx->is_object()) {
    for (const char* key : kEnvKeys)
      if (const auto v = ctx->find(key); v != ctx->end()) f.env[key] = *v;
    if (is_lfbench) {
      f.incomplete = true_at(*ctx, "lfbench_incomplete");
      if (const auto v = ctx->find("lfbench_verify"); v != ctx->end()) f.verify = v->at("primitives");
      if (const auto g = ctx->find("lfbench_git_sha"); g != ctx->end() && g->is_string()) f.git_sha = g->get<std::string>();
      // The schema checked the shape: two builds, each a name and a path.
      if (const auto ab = ctx->find("lfbench_ab"); ab != ctx->end()) {
        for (const auto& b : ab->at("builds")) {
          f.builds.push_back(b.at("name").get<std::string>());
          f.build_paths.push_back(b.at("path").get<std::string>());
        }
        f.until_decided = ab->contains("until_decided");
      }
      if (f.ab() && f.builds[0] == f.builds[1])
        bad(name, "context.lfbench_ab.builds names '" + f.builds[0] + "' twice; allowed: two different build names");
    }
  }

  std::map<std::pair<std::string, std::string>, std::size_t> index;  // (id, build) -> position in f.cells
  std::set<std::tuple<std::string, std::string, std::int64_t>> seen;  // (id, build, repetition_index)
  std::map<std::string, double> median_aggregate;                     // plain files reporting aggregates only
  std::map<std::pair<std::string, std::string>, const json*> median_summary;  // (id, build) -> lfbench object
  const json& benchmarks = doc["benchmarks"];
  for (std::size_t i = 0; i < benchmarks.size(); ++i) {
    const json& e = benchmarks[i];
    const std::string where = "benchmarks[" + std::to_string(i) + "]";
    if (!e.is_object()) bad(name, where + " is not an object");
    const std::string* run_type = string_at(e, "run_type");
    const json* lf = nullptr;
    if (f.lfbench) {
      const auto it = e.find("lfbench");
      if (it == e.end() || !it->is_object()) bad(name, where + " has no \"lfbench\" object");
      lf = &*it;
    }
    const std::string* id = lf ? string_at(*lf, "id") : string_at(e, "run_name");
    if (!id && !lf) id = string_at(e, "name");
    if (!id || id->empty()) bad(name, where + (lf ? " has no lfbench.id" : " has no run_name or name"));
    // In an A/B file every entry says which build measured it; elsewhere none does.
    std::string build;
    if (lf) {
      const std::string* b = string_at(*lf, "build");
      if (f.ab() && !b)
        bad(name, where + ".lfbench has no \"build\"; every entry of an A/B file (context.lfbench_ab) names one of: " +
                      join(f.builds));
      if (f.ab() && std::find(f.builds.begin(), f.builds.end(), *b) == f.builds.end())
        bad(name, where + ".lfbench.build '" + *b + "' is not a build of this file; allowed: " + join(f.builds));
      if (!f.ab() && b)
        bad(name, where + ".lfbench.build '" + *b + "' outside an A/B file; allowed: only with context.lfbench_ab");
      if (b) build = *b;
    }

    if (run_type && *run_type == "aggregate") {
      // Aggregates are recomputed from the repetitions; a plain file with aggregates only
      // still has its median, and an lfbench cell's median aggregate is its summary.
      const std::string* agg = string_at(e, "aggregate_name");
      if (!lf && agg && *agg == "median") median_aggregate[*id] = ns_of(e, name, i);
      if (lf && agg && *agg == "median") median_summary[{*id, build}] = lf;
      continue;
    }
    std::int64_t rep = -1;
    if (const auto r = e.find("repetition_index"); r != e.end()) {
      // An integer >= 0 by the schema (possibly written 2.0).
      rep = static_cast<std::int64_t>(r->get<double>());
    }
    if (!seen.emplace(*id, build, rep).second)
      bad(name, "duplicate cell '" + *id + "'" + (build.empty() ? "" : " of build '" + build + "'") + " repetition " +
                    std::to_string(rep) + " (" + where + ")");
    // An entry that is an error (a worker that hung or crashed before a window, an interrupted
    // Google Benchmark run) marks the cell failed; it has no time to check.
    const bool error = true_at(e, "error_occurred");
    const double ns = error ? 0 : ns_of(e, name, i);

    auto [pos, added] = index.emplace(std::make_pair(*id, build), f.cells.size());
    if (added) {
      ResultsCell c;
      c.id = *id;
      c.build = build;
      if (lf) {
        const std::string* scenario = string_at(*lf, "scenario");
        const std::string* primitive = string_at(*lf, "primitive");
        if (!scenario || !primitive) bad(name, where + ".lfbench lacks scenario or primitive");
        c.scenario = *scenario;
        c.primitive = *primitive;
        const std::string prefix = c.scenario + "/" + c.primitive + "/";
        c.workload = id->starts_with(prefix) ? c.scenario + "/" + id->substr(prefix.size()) : *id;
        if (const auto t = lf->find("threads"); t != lf->end() && t->is_number_unsigned()) c.threads = t->get<unsigned>();
        c.summary = *lf;
      } else {
        c.scenario = id->substr(0, id->find('/'));
      }
      f.cells.push_back(std::move(c));
    }
    ResultsCell& c = f.cells[pos->second];
    const auto fail = [&c](const std::string& detail) {
      if (!c.verified) return;
      c.verified = false;
      c.verification_detail = detail;
    };
    if (error) {
      const std::string* m = string_at(e, "error_message");
      fail(m ? *m : "error_occurred");
    } else {
      double cpu_ns = 0;
      if (lf)
        if (const auto it = lf->find("cpu_ns_per_op"); it != lf->end() && it->is_number() && it->get<double>() > 0 &&
                                                        it->get<double>() <= kAbsurdNs)
          cpu_ns = it->get<double>();
      double lost = -1;
      if (lf)
        if (const auto it = lf->find("lost_share"); it != lf->end() && it->is_number()) lost = it->get<double>();
      std::int64_t seq = -1;
      if (lf)
        if (const auto it = lf->find("window_seq"); it != lf->end() && it->is_number_unsigned() &&
                                                    it->get<std::uint64_t>() < (std::uint64_t(1) << 62))
          seq = static_cast<std::int64_t>(it->get<std::uint64_t>());
      c.samples.push_back({ns, rep, lf && true_at(*lf, "disturbed"), cpu_ns, lost, seq});
    }
    if (lf) {
      // Verified only by a literal "ok": true (the schema requires it to be a boolean).
      const auto v = lf->find("verification");
      const bool ok = v != lf->end() && v->is_object() && v->contains("ok") && v->at("ok") == true;
      if (!ok) {
        const std::string* d = v != lf->end() && v->is_object() ? string_at(*v, "detail") : nullptr;
        fail(d && !d->empty() ? *d : "verification failed");
      }
      if (const auto fl = lf->find("flags"); fl != lf->end() && fl->is_array())
        for (const auto& flag : *fl) {
          if (!flag.is_string()) continue;
          const auto& s = flag.get_ref<const std::string&>();
          c.noisy |= s == "noisy";
          c.disturbed |= s == "disturbed";
          c.incomplete |= s == "incomplete";
          if (s == "hung" || s == "crashed" || s == "invalid") fail(s == "invalid" ? "flagged invalid" : "worker " + s);
        }
    }
  }
  for (const auto& [key, lf] : median_summary)
    if (const auto it = index.find(key); it != index.end()) f.cells[it->second].summary = *lf;
  for (const auto& [id, ns] : median_aggregate)
    if (!index.contains({id, ""})) {
      ResultsCell c;
      c.id = id;
      c.scenario = id.substr(0, id.find('/'));
      c.samples = {{ns, -1, false}};
      f.cells.push_back(std::move(c));
    }
  return f;
}

}  // namespace

}  // namespace lfbench
