// lfbench compare BASE NEW: read both -> match and judge every cell -> print -> exit 0/1
// (the logic is in compare.cpp; this file is the command line).
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "compare.hpp"
#include "input.hpp"

namespace lfbench {

namespace {

struct CompareArgs {
  std::string base, next, relative_to, filter, format = "text";
  double alpha = 0.05, threshold_pct = 10;
  bool require_same_env = false;
};

int compare_command(const CompareArgs& a) {
  compare::Options o;
  o.alpha = a.alpha;
  o.threshold = a.threshold_pct / 100;
  o.relative_to = a.relative_to;
  if (!a.filter.empty()) {
    try {
      o.filter.emplace(a.filter, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw BadInput("--filter: '" + a.filter + "' is not a regular expression (" + e.what() + ")");
    }
    o.filter_text = a.filter;
  }
  compare::Format format{};
  if (a.format == "text") format = compare::Format::text;
  else if (a.format == "md") format = compare::Format::md;
  else if (a.format == "json") format = compare::Format::json;
  else throw BadInput("--format: '" + a.format + "' is not a format; allowed: text, md, json");

  const compare::Comparison c = compare::compare(compare::read_results(a.base), compare::read_results(a.next), o);
  if (a.require_same_env && !c.env_mismatches.empty())
    throw BadInput("--require-same-env: environments differ: " + join(c.env_mismatches, "; "));
  const char* no_color = std::getenv("NO_COLOR");  // https://no-color.org: set and non-empty
  const bool color = isatty(STDOUT_FILENO) && !(no_color && *no_color);
  std::cout << compare::render(c, format, color);
  return c.exit_code();
}

}  // namespace

void add_compare_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<CompareArgs>();
  auto* c = app.add_subcommand("compare", "compare two results files; exit 1 on a regression (the CI gate)");
  c->add_option("base", a->base, "baseline results (lfbench or Google Benchmark JSON)")->required();
  c->add_option("new", a->next, "new results")->required();
  c->add_option("--alpha", a->alpha, "significance level of the Mann-Whitney U test (default 0.05)")
      ->check(CLI::Range(1e-9, 0.5));
  c->add_option("--threshold", a->threshold_pct, "smallest slowdown of the median that counts, in percent (default 10)")
      ->check(CLI::Range(0.0, 1000.0));
  c->add_option("--relative-to", a->relative_to,
                "compare each cell's time relative to this primitive in the same workload and file "
                "(cancels whole-machine drift)");
  c->add_option("--filter", a->filter, "only cells whose id (or run name) matches this regular expression");
  c->add_option("-f,--format", a->format, "text (default), md or json");
  c->add_flag("--require-same-env", a->require_same_env,
              "exit 2 if CPU model, logical CPUs, compiler, build type or schema version differ");
  c->callback([&action, a] { action = [a] { return compare_command(*a); }; });
}

}  // namespace lfbench
