// lfbench history add | check | show | export | migrate: results over time in one SQLite file
// (store.hpp), change points per cell and machine (changes.hpp, check.hpp), exports for Apache
// Otava and Bencher (export.hpp). This file is the command line.
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

#include <CLI/CLI.hpp>

#include "../commands.hpp"
#include "../input.hpp"
#include "../writers.hpp"
#include "check.hpp"
#include "export.hpp"
#include "store.hpp"

namespace lfbench {

namespace {

constexpr const char* kDefaultDb = "lfbench.db";

struct HistoryArgs {
  std::vector<std::string> files;
  std::string db, commit, branch, cell, since, machine, format, output, threshold = "5", relative_to;
  double alpha = 0.05;
  std::optional<std::int64_t> run;
  bool force = false, runs = false;
};

// "5", "5%" or "2.5%" -> 0.05 ...; 0 to 1000 percent.
double parse_threshold(const std::string& text) {
  std::string t = text;
  if (!t.empty() && t.back() == '%') t.pop_back();
  double v = -1;
  try {
    std::size_t used = 0;
    v = std::stod(t, &used);
    if (used != t.size()) v = -1;
  } catch (const std::exception&) {
    v = -1;
  }
  if (!std::isfinite(v) || v < 0 || v > 1000)
    throw BadInput("--threshold '" + text + "': not a percentage; allowed: 0 to 1000, e.g. 5 or 5%");
  return v / 100;
}

history::Selection selection(const HistoryArgs& a, bool one_branch) {
  history::Selection s;
  s.cell_glob = a.cell;
  s.branch = a.branch;
  s.machine = a.machine;
  s.one_branch = one_branch;
  if (!a.since.empty()) {
    if (a.since.find_first_not_of("0123456789") == std::string::npos) {
      s.last_runs = static_cast<std::size_t>(parse_int(a.since, "--since", 1, 1000000000));
    } else {
      s.since = history::parse_time(a.since);
      if (!s.since)
        throw BadInput("--since '" + a.since + "': neither a number of runs nor a date; allowed: N (the last N runs of each "
                       "series) or YYYY-MM-DD[THH:MM:SS[+HH:MM]]");
    }
  }
  return s;
}

std::string db_of(const HistoryArgs& a) { return a.db.empty() ? kDefaultDb : a.db; }

// What check and show judge: the selection, as ratios to --relative-to's primitive when given
// (its cells are found before --cell selects).
history::History load_judged(const HistoryArgs& a, bool one_branch) {
  if (a.relative_to.empty()) return history::load(db_of(a), selection(a, one_branch));
  HistoryArgs all = a;
  all.cell.clear();
  return history::relative_history(history::load(db_of(a), selection(all, one_branch)), a.relative_to, a.cell);
}

int add_command(const HistoryArgs& a) {
  history::AddOptions o;
  o.db = a.db;
  o.commit = a.commit;
  o.branch = a.branch;
  const history::AddResult r = history::add(a.files, o);
  std::size_t added = 0;
  for (const auto& f : r.files) {
    if (f.already) {
      std::cout << "already stored as run " << f.run << ": " << f.file << "\n";
    } else {
      ++added;
      std::cout << "added run " << f.run << ": " << f.file << " (commit " << f.commit << ", " << f.cells << " cells, "
                << f.windows << " windows)\n";
    }
  }
  std::cout << r.db << ": " << added << " run" << (added == 1 ? "" : "s") << " added, " << r.files.size() - added
            << " already stored" << (r.created ? " (new database)" : "") << "\n";
  return 0;
}

history::CheckOptions check_options(const HistoryArgs& a) {
  history::CheckOptions o;
  o.relative_to = a.relative_to;
  o.alpha = a.alpha;
  o.threshold = parse_threshold(a.threshold);
  return o;
}

int check_command(const HistoryArgs& a) {
  const std::string format = a.format.empty() ? "text" : a.format;
  if (format != "text" && format != "json") throw BadInput("--format '" + format + "' is not allowed; allowed: text, json");
  const Output out(a.output.empty() ? "-" : a.output, a.force);
  const history::CheckOptions o = check_options(a);
  const history::History h = load_judged(a, true);
  const history::CheckReport r = history::check(h, o);
  out.write(format == "json" ? history::render_check_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n" : history::render_check_text(r));
  return r.exit_code();
}

int show_command(const HistoryArgs& a) {
  if (a.runs && !a.relative_to.empty()) throw BadInput("--relative-to is for the series; allowed: not with --runs");
  const history::History h = a.runs ? history::load(db_of(a), selection(a, false)) : load_judged(a, false);
  if (a.runs) {
    std::cout << history::render_runs_tsv(h);
    return 0;
  }
  // Runs of several branches are shown (check refuses them), with a note.
  std::set<std::string> branches;
  for (const auto& r : h.runs) branches.insert(r.branch);
  history::CheckOptions o = check_options(a);
  const history::CheckReport r = history::check(h, o);
  std::cout << history::render_show_text(r);
  if (branches.size() > 1)
    std::cout << "\n(runs of " << branches.size() << " branches mixed: change points across branches mean little; "
              << "use --branch NAME)\n";
  return 0;
}

int export_command(const HistoryArgs& a) {
  const bool otava = a.format == "otava-csv", bencher = a.format == "bencher";
  if (!otava && !bencher)
    throw BadInput("--format '" + a.format + "' is not allowed; allowed: otava-csv, bencher");
  if (a.run && !bencher) throw BadInput("--run is for --format bencher (one run); allowed: only with it");
  const Output out(a.output.empty() ? "-" : a.output, a.force);
  const history::History h = history::load(db_of(a), selection(a, otava));
  if (otava) {
    std::vector<std::string> left_out;
    const std::string csv = history::export_otava_csv(h, left_out);
    out.write(csv);
    if (!left_out.empty())
      std::cerr << "lfbench history export: " << left_out.size() << " cells not measured in every run left out (Otava "
                << "reads every metric of every row): " << join(left_out) << "\n";
  } else {
    out.write(history::export_bencher(h, a.run).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }
  return 0;
}

void selection_options(CLI::App* c, HistoryArgs& a) {
  c->add_option("--db", a.db, std::string("the history database (default ") + kDefaultDb + " in the current directory)");
  c->add_option("--cell", a.cell, "only cells whose key matches this glob (fnmatch: counter/*/threads:2)");
  c->add_option("--since", a.since, "N: the last N runs of each series; or a date YYYY-MM-DD[THH:MM:SS[+HH:MM]]: runs from then on");
  c->add_option("--branch", a.branch, "only runs of this branch");
  c->add_option("--machine", a.machine, "only runs of this machine (its id, as show and check print it)");
}

}  // namespace

void add_history_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<HistoryArgs>();
  auto* h = app.add_subcommand(
      "history", "results over time in an SQLite file: add runs, find change points per cell and machine, export");
  h->require_subcommand(1);
  h->footer(
      "Exit codes: 0 ok; 1 check: a series' latest change is a regression (slower beyond --threshold); 2 bad input "
      "(one line: a refused results file, a damaged or newer database); 3 an error (the database locked beyond "
      "60 s, a failing disk); 4 check: no regression, but a series too short or too noisy to say.");

  auto* add = h->add_subcommand("add", "store results files (one transaction; the same file twice is one run)");
  add->add_option("results", a->files, "results files of lfbench run")->required();
  add->add_option("--db", a->db, "the history database (default: lfbench.db beside the first results file; created if absent)");
  add->add_option("--commit", a->commit,
                  "the commit measured (default: the file's context.lfbench_git_sha, the commit lfbench was built from; "
                  "required when it has none, and for your own code measured with lfbench)");
  add->add_option("--branch", a->branch, "the branch measured (default: none)");
  add->callback([&action, a] { action = [a] { return add_command(*a); }; });

  auto* check = h->add_subcommand(
      "check", "change points per cell and machine; exit 1 when a series' latest change is a regression");
  selection_options(check, *a);
  check->add_option("--alpha", a->alpha, "significance level (default 0.05)")->check(CLI::Range(1e-6, 0.25));
  check->add_option("--threshold", a->threshold, "smallest change that counts, in percent (default 5)");
  check->add_option("--relative-to", a->relative_to,
                    "judge each cell's time relative to this primitive's in the same run and workload (cancels what "
                    "moves the whole machine between runs, as compare --relative-to does)");
  check->add_option("-f,--format", a->format, "text (default) or json");
  check->add_option("-o,--output", a->output, "write the report to this file (atomically) instead of stdout");
  check->add_flag("--force", a->force, "overwrite an existing --output file");
  check->callback([&action, a] { action = [a] { return check_command(*a); }; });

  auto* show = h->add_subcommand("show", "each series run by run (median, window range), change points marked");
  selection_options(show, *a);
  show->add_flag("--runs", a->runs, "list the runs instead, tab-separated: id, date, commit, branch, machine, cells, file");
  show->add_option("--alpha", a->alpha, "significance level of the change points marked (default 0.05)")
      ->check(CLI::Range(1e-6, 0.25));
  show->add_option("--threshold", a->threshold, "smallest change that counts, in percent (default 5)");
  show->add_option("--relative-to", a->relative_to, "each cell's time relative to this primitive's in the same run");
  show->callback([&action, a] { action = [a] { return show_command(*a); }; });

  auto* exp = h->add_subcommand("export", "the history as Apache Otava's CSV or one run as Bencher's BMF JSON");
  selection_options(exp, *a);
  exp->add_option("-f,--format", a->format, "otava-csv or bencher")->required();
  exp->add_option("--run", a->run, "bencher: the run to export (default: the latest of the selection)");
  exp->add_option("-o,--output", a->output, "write to this file (atomically) instead of stdout");
  exp->add_flag("--force", a->force, "overwrite an existing --output file");
  exp->callback([&action, a] { action = [a] { return export_command(*a); }; });

  auto* mig = h->add_subcommand("migrate", "bring a database of an older schema version to this lfbench's");
  mig->add_option("--db", a->db, std::string("the history database (default ") + kDefaultDb + ")");
  mig->callback([&action, a] {
    action = [a] {
      const int was = history::migrate(db_of(*a));
      std::cout << db_of(*a) << ": schema version " << history::kSchemaVersion
                << (was == history::kSchemaVersion ? " (already)" : " (was " + std::to_string(was) + ")") << "\n";
      return 0;
    };
  });
}

}  // namespace lfbench
