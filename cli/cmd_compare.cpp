// lfbench compare AB.json | compare [--base BASE]... [BASE] NEW: read -> judge every cell ->
// write the report -> exit 0/1/4 (the layers: compare.hpp; this file is the command line).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "compare.hpp"
#include "input.hpp"
#include "writers.hpp"

namespace lfbench {

namespace {

struct CompareArgs {
  std::vector<std::string> files, bases;
  std::string relative_to, filter, format = "text", correction = "bh", output, aa;
  double alpha = 0.05, max_inconclusive = 0;
  std::optional<double> threshold_pct;
  bool require_same_env = false, allow_missing = false, force = false, sequential = false;
};

template <class T>
T one_of(const std::string& option, const std::string& given, const std::vector<std::pair<const char*, T>>& allowed) {
  std::vector<std::string> names;
  for (const auto& [name, value] : allowed) {
    if (given == name) return value;
    names.emplace_back(name);
  }
  throw BadInput(option + ": '" + given + "' is not allowed; allowed: " + join(names));
}

int compare_command(const CompareArgs& a) {
  compare::Options o;
  o.alpha = a.alpha;
  if (a.threshold_pct) o.threshold = *a.threshold_pct / 100;
  o.max_inconclusive_pct = a.max_inconclusive;
  o.allow_missing = a.allow_missing;
  o.sequential = a.sequential;
  o.relative_to = a.relative_to;
  o.correction = one_of<compare::Correction>("--correction", a.correction,
                                             {{"bh", compare::Correction::bh}, {"holm", compare::Correction::holm}});
  std::vector<std::pair<const char*, std::string_view>> formats;  // the list's names are literals
  for (const std::string_view f : compare::formats()) formats.emplace_back(f.data(), f);
  const std::string_view format = one_of("--format", a.format, formats);
  if (!a.filter.empty()) {
    try {
      o.filter.emplace(a.filter, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw BadInput("--filter: '" + a.filter + "' is not a regular expression (" + e.what() + ")");
    }
    o.filter_text = a.filter;
  }
  // The bases: --base options, or the first of two positionals (the classic BASE NEW).
  std::vector<std::string> bases = a.bases;
  std::vector<std::string> files = a.files;
  if (files.size() == 2 && bases.empty()) bases.push_back(files.front()), files.erase(files.begin());
  if (files.size() != 1)
    throw BadInput(std::to_string(files.size()) + " results files given besides --base; allowed: AB.json alone, BASE NEW, "
                   "or --base BASE... NEW");
  const Output out(a.output.empty() ? "-" : a.output, a.force);  // refused before any work: nothing written on bad input
  if (!a.aa.empty()) {
    if (a.threshold_pct)
      throw BadInput("--aa " + a.aa + " and --threshold: the A/A file sets the thresholds; allowed: one of them");
    if (!bases.empty()) throw BadInput("--aa " + a.aa + ": only for an A/B file; allowed: lfbench compare AB.json --aa AA.json");
    std::error_code ec;
    if (std::filesystem::equivalent(a.aa, files.front(), ec))
      throw BadInput("--aa " + a.aa + ": the A/B file itself; allowed: an A/A run's file (one build against itself)");
    o.aa = compare::aa_thresholds(read_results(a.aa), o);
  }

  compare::Comparison c;
  if (bases.empty()) {
    c = compare::compare_ab(read_results(files.front()), o);
  } else {
    std::vector<ResultsFile> base_files;
    for (const auto& b : bases) base_files.push_back(read_results(b));
    c = compare::compare(base_files, read_results(files.front()), o);
  }
  if (a.require_same_env && !c.env_mismatches.empty())
    throw BadInput("--require-same-env: environments differ: " + join(c.env_mismatches, "; "));
  const char* no_color = std::getenv("NO_COLOR");  // https://no-color.org: set and non-empty
  const bool color = out.is_stdout() && isatty(STDOUT_FILENO) && !(no_color && *no_color);
  out.write(compare::render(c, format, color));
  return c.exit_code();
}

}  // namespace

void add_compare_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<CompareArgs>();
  auto* c = app.add_subcommand(
      "compare",
      "the CI gate: judge an A/B file (lfbench run --ab) or new results against base runs, cell by cell");
  c->add_option("files", a->files, "AB.json alone, or BASE NEW (lfbench or Google Benchmark JSON)")->required();
  c->add_option("--base", a->bases, "a base run (repeatable: the runs are pooled and their spread widens what counts)")
      ->allow_extra_args(false);  // one file per --base: NEW stays positional
  c->add_option("--alpha", a->alpha, "significance level of each one-sided test, after correction (default 0.05)")
      ->check(CLI::Range(1e-9, 0.25));
  c->add_option("--threshold", a->threshold_pct,
                "smallest change that counts, in percent (default 5 for an A/B file, 10 for separate files)")
      ->check(CLI::Range(0.0, 1000.0));
  c->add_option("--aa", a->aa,
                "A/B files: an A/A file (lfbench run --ab a=B --ab b=B, one build twice) on this machine; each cell's "
                "threshold is the farther end of its A/A interval (at least 1%), what identical builds could not be "
                "told apart within");
  c->add_option("--correction", a->correction, "multiple-comparison control over the cells: bh (default) or holm");
  c->add_option("--max-inconclusive", a->max_inconclusive,
                "percent of compared cells that may stay unjudged and still exit 0 (default 0)")
      ->check(CLI::Range(0.0, 100.0));
  c->add_flag("--allow-missing", a->allow_missing, "list cells missing from the new results without failing (exit 1)");
  c->add_flag("--sequential", a->sequential,
              "A/B files: anytime-valid tests on the pairs in the order measured (betting e-processes on their signs, "
              "e-BH across cells), valid however often the pairs were looked at before the run stopped; needs more "
              "pairs than the default exact test");
  c->add_option("--relative-to", a->relative_to,
                "separate files only: compare each cell's time relative to this primitive in the same workload and "
                "file (cancels whole-machine drift)");
  c->add_option("--filter", a->filter, "only cells whose id (or run name) matches this regular expression");
  {
    const std::vector<std::string_view> names = compare::formats();
    c->add_option("-f,--format", a->format,
                  join(std::vector<std::string>(names.begin(), names.end())) +
                      " (default text; md is a pull-request comment, junit a CI test report)");
  }
  c->add_option("-o,--output", a->output, "write the report to this file (atomically) instead of stdout");
  c->add_flag("--force", a->force, "overwrite an existing --output file");
  c->add_flag("--require-same-env", a->require_same_env,
              "exit 2 if CPU model, logical CPUs, compiler, build type or schema version differ");
  c->footer(
      "Forms: lfbench compare AB.json | lfbench compare BASE.json NEW.json | "
      "lfbench compare --base BASE.json [--base MORE.json ...] NEW.json.\n"
      "Exit codes: 0 every compared cell judged (or the unjudged share within --max-inconclusive) and no regression; "
      "1 a regression, a cell failed in the new results (verification, hung, crashed), or cells missing from them "
      "(unless --allow-missing); 2 bad input; 4 no regression, but cells inconclusive beyond --max-inconclusive, or "
      "the new results are from an interrupted run.");
  c->callback([&action, a] { action = [a] { return compare_command(*a); }; });
}

}  // namespace lfbench
