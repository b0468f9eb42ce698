// lfbench run: flags or a suite -> plan -> measure (harness) -> results -> writers. And lfbench
// verify, the same path with verify_plan's cells in a ThreadSanitizer build: a TSan report is
// its window's failed verdict (supervisor), and each primitive gets one verdict.
#include <pthread.h>
#include <sys/signalfd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>

#include "../primitives/lib/sanitizers.hpp"
#include "../scenarios/harness/protocol.hpp"
#include "../scenarios/harness/runner.hpp"
#include "commands.hpp"
#include "compare.hpp"
#include "environment.hpp"
#include "input.hpp"
#include "journal.hpp"
#include "lfbench_version.h"
#include "plan_builder.hpp"
#include "results_json.hpp"
#include "scenario_context.hpp"
#include "writers.hpp"

namespace lfbench {

namespace {

struct RunArgs {
  std::string scenario, suite, threads, duration, warmup, repetitions, output, format, pin = "cores", resume;
  std::vector<std::string> primitives, params, ab;
  bool latency = false, force = false, plan_only = false, quiet = false, no_interleave = false, keep_disturbed = false;
  bool until_decided = false;  // run --ab: more pairs of undecided cells, within --budget
  // lfbench verify
  bool verify = false;
  std::vector<std::string> scenarios;
  std::string budget, verified_by;
};

// Whether lfbench itself (this library) was compiled with ThreadSanitizer: lfbench verify needs it.
#ifdef LFBENCH_TSAN
constexpr bool kThreadSanitizer = true;
#else
constexpr bool kThreadSanitizer = false;
#endif

// NAME,NAME options (repeatable) -> the names.
std::vector<std::string> names_in(const std::vector<std::string>& options) {
  std::vector<std::string> out;
  for (const auto& o : options)
    for (auto& s : split(o, ','))
      if (!s.empty()) out.push_back(std::move(s));
  return out;
}

// Why a cell failed, as (what, detail): its worker's failure ("hung", "crashed") and what
// happened, or "verification FAILED" and its first failed window's verdict; what = "" if valid.
std::pair<std::string, std::string> failure_of(const CellResult& c) {
  if (!c.failure.empty()) return {c.failure, c.failure_detail};
  for (const auto& w : c.windows)
    if (!w.verdict.ok) return {"verification FAILED", w.verdict.detail};
  return {};
}

// One primitive's lfbench verify verdict (context.lfbench_verify.primitives; results.schema.json).
struct TsanVerdict {
  std::string status = "passed", detail;
  std::set<std::string> scenarios;
  std::size_t cells = 0;
  std::string_view blind = {};  // the primitive's traits.tsan_blind
};
using TsanVerdicts = std::map<std::string, TsanVerdict>;

// From a verify run's cells: failed if any window failed (a TSan report or an oracle) or a
// worker died, incomplete if interrupted, not checkable if TSan cannot judge the primitive's
// ordering (traits.tsan_blind) however clean, else passed.
TsanVerdicts tsan_verdicts(const Results& results) {
  TsanVerdicts out;
  for (const auto& c : results.cells) {
    TsanVerdict& v = out[c.plan.primitive->id];
    v.blind = c.plan.primitive->traits.tsan_blind;
    v.scenarios.insert(c.plan.scenario->id);
    ++v.cells;
    if (v.status == "failed" || c.valid()) {
      if (v.status == "passed" && !c.complete) v.status = "incomplete";
      continue;
    }
    v.status = "failed";
    const auto [what, detail] = failure_of(c);
    v.detail = c.plan.display_name() + ": " + (c.failure.empty() ? detail : what + ": " + detail);
  }
  for (auto& [id, v] : out) {
    if (v.status == "passed" && !v.blind.empty()) {
      v.status = "not_checkable";
      v.detail = "no report in " + std::to_string(v.cells) + " cells, but " + std::string(v.blind);
    } else if (v.status == "passed") {
      v.detail = "no ThreadSanitizer report and every oracle held in " + std::to_string(v.cells) + " cells, schedule perturbed";
    } else if (v.status == "incomplete") {
      v.detail = "interrupted before all its cells ran";
    }
  }
  return out;
}

nlohmann::json tsan_verdicts_json(const TsanVerdicts& vs) {
  nlohmann::json o = nlohmann::json::object();
  for (const auto& [id, v] : vs) o[id] = {{"status", v.status}, {"detail", v.detail}};
  return o;
}

// --verified-by FILE: the verdicts of lfbench verify of this same lfbench build.
TsanVerdicts read_verified_by(const std::string& path) {
  const ResultsFile f = read_results(path);
  if (f.verify.is_null())
    throw BadInput("--verified-by: " + path + " is not a file lfbench verify wrote (no context.lfbench_verify); allowed: lfbench verify -o FILE");
  if (f.git_sha != LFBENCH_GIT_SHA)
    throw BadInput("--verified-by: " + path + " was written by lfbench " + f.git_sha + ", this is " + LFBENCH_GIT_SHA +
                   "; allowed: a verify result of this build");
  TsanVerdicts out;
  for (const auto& [id, v] : f.verify.items()) out[id] = TsanVerdict{v.at("status").get<std::string>(), v.at("detail").get<std::string>(), {}, 0, {}};
  return out;
}

// Each cell's verification names what checked it beyond the oracle: its primitive's verify
// verdict, and level "tsan" when that verdict is passed.
void mark_verification(nlohmann::json& doc, const TsanVerdicts& vs) {
  if (vs.empty()) return;
  for (auto& b : doc["benchmarks"]) {
    if (!b.contains("lfbench")) continue;
    auto& lf = b["lfbench"];
    const auto it = vs.find(lf.value("primitive", ""));
    if (it == vs.end()) continue;
    lf["verification"]["tsan"] = {{"status", it->second.status}, {"detail", it->second.detail}};
    if (it->second.status == "passed") lf["verification"]["level"] = "tsan";
  }
}

void print_verdicts(const TsanVerdicts& vs) {
  for (const auto& [id, v] : vs) {
    std::string status = v.status == "not_checkable" ? "NOT CHECKABLE" : v.status;
    for (auto& ch : status) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    std::string where;
    for (const auto& s : v.scenarios) where += (where.empty() ? "" : ",") + s;
    std::cout << "  " << status << std::string(status.size() < 14 ? 14 - status.size() : 1, ' ') << id << "  (" << where
              << ", " << v.cells << " cells): " << v.detail << "\n";
  }
}

std::string too_short(const std::string& what, const std::string& given) {
  return what + ": '" + given + "' is too short to measure; allowed: " + format_duration(kMinWindow) +
         " or more (a window must span several scheduler ticks)";
}

// What the flags ask for, as a RunRequest (only what was given is set).
RunRequest from_flags(const RunArgs& a) {
  RunRequest r;
  r.scenario = a.scenario;
  r.primitives = names_in(a.primitives);
  if (!a.threads.empty()) r.threads = parse_threads(a.threads, "--threads");
  for (const auto& p : a.params) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == p.size())
      throw BadInput("--param: '" + p + "' is not NAME=VALUES; allowed: e.g. --param read_pct=50,90,99");
    r.params.emplace_back(p.substr(0, eq), split(p.substr(eq + 1), ','));
  }
  if (!a.duration.empty()) {
    r.duration = parse_duration(a.duration, "--duration");
    if (*r.duration < kMinWindow) throw BadInput(too_short("--duration", a.duration));
  }
  if (!a.warmup.empty()) r.warmup = parse_duration(a.warmup, "--warmup", true);
  if (!a.repetitions.empty())
    r.repetitions = static_cast<unsigned>(parse_int(a.repetitions, "--repetitions", 1, kMaxRepetitions));
  if (a.latency) r.latency = true;
  // A/B verdicts come from the pairs: many short ones (plan_builder.hpp, kDefaultAb*).
  if (!a.ab.empty() && a.suite.empty()) {
    if (!r.repetitions) r.repetitions = kDefaultAbRepetitions;
    if (!r.duration) r.duration = kDefaultAbDuration;
    if (!r.warmup) r.warmup = kDefaultAbWarmup;
  }
  return r;
}

Plan make_plan(const RunArgs& a) {
  if (a.verify) {
    std::chrono::nanoseconds budget = kDefaultVerifyBudget;
    if (!a.budget.empty()) {
      budget = parse_duration(a.budget, "--budget", false, true);
      if (budget < kVerifyWindow)
        throw BadInput("--budget: '" + a.budget + "' is less than one window; allowed: " + format_duration(kVerifyWindow) + " or more");
    }
    return verify_plan(names_in(a.primitives), names_in(a.scenarios), budget);
  }
  const RunRequest flags = from_flags(a);
  if (!a.suite.empty()) {
    if (!a.scenario.empty())
      throw BadInput("run: give a scenario or --suite, not both (got '" + a.scenario + "' and --suite " + a.suite + ")");
    return build_plan(load_suite(a.suite), flags, true);
  }
  if (a.scenario.empty()) throw BadInput("run: no scenario given; allowed: a scenario id (lfbench list) or --suite NAME|PATH");
  return build_plan({flags}, flags, false);
}

// The plan the flags ask for, each cell once per placement; `left_out` gets the cells a
// placement cannot honour (said on stderr and by --plan, never silently dropped).
Plan checked_plan(const RunArgs& a, std::vector<std::string>& left_out) {
  const std::vector<Placement> placements = parse_placements(a.pin);  // a bad --pin before anything else
  Plan plan = make_plan(a);
  for (const auto& c : plan.cells)
    if (c.duration < kMinWindow) throw BadInput(too_short("duration of " + c.run_name() + " (suite " + a.suite + ")", format_duration(c.duration)));
  left_out = place_cells(plan, placements, read_topology());
  if (!a.ab.empty()) split_builds(plan, parse_builds(a.ab));
  if (a.until_decided && a.ab.empty())
    throw BadInput("--until-decided: only for an A/B run; allowed: with --ab base=PATH --ab head=PATH");
  if (!a.budget.empty() && !a.until_decided && !a.verify)
    throw BadInput("--budget " + a.budget + ": only with --until-decided (run measures its repetitions and stops)");
  return plan;
}

// run --until-decided: its budget, the whole run's measuring time: --budget, or by default
// kDecideBudgetFactor times what the plan's own repetitions take. Less than those is refused:
// they are measured whatever the budget.
constexpr int kDecideBudgetFactor = 4;
std::chrono::nanoseconds decide_budget(const RunArgs& a, const Plan& plan) {
  if (a.budget.empty()) return kDecideBudgetFactor * plan.estimate();
  const auto b = parse_duration(a.budget, "--budget", false, true);
  if (b < plan.estimate())
    throw BadInput("--budget: '" + a.budget + "' is less than the plan's own repetitions take (" +
                   format_duration(plan.estimate()) + "); allowed: more than that, or fewer cells or repetitions");
  return b;
}

// --until-decided: the cells lfbench compare would not yet call faster, slower or same, by its
// own anytime-valid tests at its defaults (what it will use on the file), closest to a decision
// first (the smallest of its three p's), then the fewest pairs.
std::vector<std::string> undecided_cells(const Results& r, const Plan& plan) {
  compare::Options o;
  o.sequential = true;
  compare::Comparison c;
  try {
    c = compare::compare_ab(results_so_far(r, plan), o);
  } catch (const BadInput&) {
    return {};  // no cell measured by both builds: nothing left to decide
  }
  std::vector<std::tuple<double, std::size_t, std::string>> open;
  for (const auto& row : c.rows)
    if (row.in_both && row.verdict == compare::Verdict::inconclusive)
      open.emplace_back(std::min({row.p_slower.value_or(1), row.p_faster.value_or(1), row.p_same.value_or(1)}), row.pairs, row.id);
  std::sort(open.begin(), open.end());
  std::vector<std::string> ids;
  for (auto& [p, n, id] : open) ids.push_back(std::move(id));
  return ids;
}

// A/B: every build's worker says hello (its protocol, what it can measure) before anything
// is measured or written; what they said goes into the results' context.
nlohmann::json ab_context(const Plan& plan, int signal_fd) {
  std::vector<BuildInfo> infos;
  try {
    infos = check_builds(plan, signal_fd);
  } catch (const std::invalid_argument& e) {
    throw BadInput(e.what());
  } catch (const ProtocolMismatch&) {
    throw;
  } catch (const Interrupted&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw BadInput(std::string("--ab: ") + e.what() + "; allowed: an lfbench binary (lfbench itself or a program linked with liblfbench)");
  }
  nlohmann::json builds = nlohmann::json::array();
  for (const auto& i : infos)
    builds.push_back({{"name", i.build.name}, {"path", i.build.path}, {"version", i.hello.value("version", "")},
                      {"binary", file_identity(i.build.path)}});
  return {{"builds", builds}};
}

// The machine around a run, sampled while lfbench itself is idle: who else uses the CPUs.
struct MachineProbe {
  MachineSample start, end;
  nlohmann::json state;
};
MachineProbe probe_machine() {
  MachineProbe p;
  p.start = sample_machine();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  p.end = sample_machine();
  p.state = machine_state_json(p.start, p.end);
  return p;
}

// One line on stderr for each thing about the machine that can move the figures.
void say_machine(const MachineProbe& before, const std::vector<int>& cpus_used, const nlohmann::json& governors) {
  const double load = before.state["load_avg_1m"].get<double>();
  const unsigned n = std::max(1u, std::thread::hardware_concurrency());
  if (load >= 0.5)
    std::cerr << "lfbench: load average " << load << " on " << n
              << " CPUs at start: other processes are running; windows they disturb are measured again\n";
  for (const auto& [cpu, pct] : before.state["busy_pct"].items()) {
    const bool used = cpus_used.empty() || std::find(cpus_used.begin(), cpus_used.end(), std::stoi(cpu)) != cpus_used.end();
    if (used && pct.get<double>() >= 20)
      std::cerr << "lfbench: CPU " << cpu << " was " << pct.get<double>() << "% busy with other processes just before the run, and the run uses it\n";
  }
  for (const auto& [cpu, pct] : before.state["steal_pct"].items())
    if (pct.get<double>() >= 2) std::cerr << "lfbench: the hypervisor is taking " << pct.get<double>() << "% of CPU " << cpu << "\n";
  for (const auto& [cpu, g] : governors.items())
    if (g != "performance") {
      std::cerr << "lfbench: CPU frequency governor is '" << g.get<std::string>()
                << "' (not 'performance'): clock speed may change during the run\n";
      break;
    }
}

std::string default_output(const std::string& prefix) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  std::filesystem::create_directories("results");
  // The pid makes it unique between runs started in the same second on one host.
  return "results/" + prefix + host_name() + "-" + stamp + "-" + std::to_string(::getpid()) + ".json";
}

// --format, else by the -o extension (json when none matches).
const Writer& format_for(const std::string& name, const std::string& path) {
  return name.empty() ? writer_for_path(path) : writer_named(name);
}

// SIGINT, SIGTERM and SIGHUP are blocked from the start (before any thread) and read from a
// signalfd that the supervisor polls while it waits for a worker: whatever the worker does
// (a hung primitive included), the signal is answered at once — the worker is killed, what
// finished is written, and the run exits 130 (SIGINT, SIGTERM) or 129 (SIGHUP).
class Signals {
 public:
  Signals() {
    sigemptyset(&set_);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set_, s);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    ::signal(SIGPIPE, SIG_IGN);  // a closed stdout is a write error, answered (Output::write)
    fd_ = signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK);
  }
  ~Signals() {
    if (fd_ >= 0) ::close(fd_);
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  int fd() const { return fd_; }
  // A signal that arrived outside a window (calibration, writing): 0 if none.
  int pending() {
    signalfd_siginfo si{};
    if (fd_ >= 0 && ::read(fd_, &si, sizeof si) == sizeof si) return static_cast<int>(si.ssi_signo);
    return 0;
  }
  static int exit_code(int sig) { return sig == SIGHUP ? 129 : 130; }

 private:
  sigset_t set_{}, old_{};
  int fd_ = -1;
};

// Progress on stderr: a bar redrawn in place on a terminal; elsewhere (a CI log) one line every
// few seconds, so a long run is never silent. The ETA learns from the windows measured so far.
class ProgressBar {
 public:
  enum class Mode { off, bar, lines };
  explicit ProgressBar(Mode mode) : mode_(mode) {}
  ~ProgressBar() { clear(); }
  // Erases the bar, so what is printed next starts on a clean line, and draws no more.
  void clear() {
    if (mode_ == Mode::bar && drawn_) std::cerr << "\r\033[K" << std::flush;
    mode_ = Mode::off;
  }
  void operator()(const RunProgress& p) {
    if (mode_ == Mode::off || p.windows_total == 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (mode_ == Mode::lines && now - last_line_ < kLineEvery) return;
    last_line_ = now;
    const double frac = static_cast<double>(p.windows_done) / static_cast<double>(p.windows_total);
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const auto eta = std::chrono::nanoseconds(static_cast<std::int64_t>(frac > 0 ? elapsed * (1 - frac) / frac * 1e9 : 0));
    std::ostringstream what;
    what << p.windows_done << "/" << p.windows_total << " windows, " << p.cells_done << "/" << p.cells << " cells done, "
         << p.disturbed << " disturbed so far  ";
    if (p.deciding)  // until decided: the budget, not the windows planned, says when it ends
      what << p.decided << "/" << p.decided + p.undecided << " cells decided, budget left "
           << format_duration(std::max(p.budget_left, std::chrono::nanoseconds{}));
    else
      what << "ETA " << format_duration(eta);
    if (mode_ == Mode::lines) {
      std::cerr << "lfbench: " << what.str() << " (" << format_duration(std::chrono::nanoseconds(static_cast<std::int64_t>(elapsed * 1e9)))
                << " elapsed)\n" << std::flush;
      return;
    }
    drawn_ = true;
    const int width = 24, filled = static_cast<int>(frac * width);
    std::cerr << "\r\033[K[" << std::string(static_cast<std::size_t>(filled), '#')
              << std::string(static_cast<std::size_t>(width - filled), '.') << "] " << what.str() << "  " << p.run_name << std::flush;
  }

 private:
  static constexpr auto kLineEvery = std::chrono::seconds(5);
  Mode mode_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_line_ = start_;
};

// An A/B plan whose repetitions can never decide a cell in compare (the signed-rank test's
// smallest one-sided p, 2^-pairs, above the default alpha) is said by --plan and before the run
// measures (not with --quiet), not found out after it.
void warn_undecidable(const Plan& plan, bool until_decided) {
  if (plan.builds.empty() || plan.cells.empty() || until_decided) return;  // it measures more pairs
  const double alpha = compare::Options{}.alpha;  // compare's default
  unsigned fewest = ~0u;
  for (const auto& c : plan.cells) fewest = std::min(fewest, c.repetitions);
  const std::size_t need = compare::pairs_needed(alpha);
  if (fewest >= need) return;
  std::cerr << "lfbench: --ab with " << fewest << " repetitions: " << fewest << " pairs per cell can never reach p <= "
            << alpha << " in lfbench compare (the smallest p is 1/2^" << fewest << "); use --repetitions " << need
            << " or more\n";
}

void say_left_out(const std::vector<std::string>& left_out, bool quiet) {
  if (quiet || left_out.empty()) return;
  std::cerr << "lfbench: --pin: " << left_out.size() << " cell" << (left_out.size() > 1 ? "s" : "")
            << " left out, their placement cannot be honoured: " << left_out.front()
            << (left_out.size() > 1 ? " (and " + std::to_string(left_out.size() - 1) + " more; --plan lists them)" : "") << "\n";
}

int print_plan(const Plan& plan, const std::vector<std::string>& left_out) {
  const Topology& topo = read_topology();
  for (const auto& c : plan.cells)
    std::cout << c.display_name() << "  (" << c.repetitions << " x " << format_duration(c.duration)
              << (c.latency ? ", latency" : "") << ")\n";
  std::cout << plan.cells.size() << " cells, ETA " << format_duration(plan.estimate()) << "\n";
  for (const auto& l : left_out) std::cout << "left out: " << l << "\n";
  // Where each placement puts the threads, at the most threads a cell of it has.
  std::cout << "placement on " << topo.source << " (" << topo.packages << " package" << (topo.packages > 1 ? "s" : "") << ", "
            << topo.numa_nodes << " NUMA node" << (topo.numa_nodes > 1 ? "s" : "") << ", " << topo.l3s << " L3 domain"
            << (topo.l3s > 1 ? "s" : "") << ", " << topo.cores << " cores, " << topo.pus.size() << " CPUs):\n";
  std::vector<std::pair<Placement, unsigned>> most;
  for (const auto& c : plan.cells) {
    auto it = std::find_if(most.begin(), most.end(), [&](const auto& m) { return m.first == c.placement; });
    if (it == most.end()) most.emplace_back(c.placement, c.threads);
    else it->second = std::max(it->second, c.threads);
  }
  for (const auto& [p, n] : most) {
    std::cout << "  pin " << p.name() << ":\n";
    const auto cpus = topo.order(p, n);
    for (unsigned i = 0; cpus && i < n; ++i) {
      const Pu* u = topo.find((*cpus)[i]);
      std::cout << "    thread " << i << "  ";
      if (!u) std::cout << "unpinned\n";
      else std::cout << "cpu " << u->cpu << "  core " << u->core << "  L3 " << u->l3 << "  package " << u->package << "  NUMA " << u->numa << "\n";
    }
  }
  return 0;
}

// Where the journal goes: beside the output, or (output to stdout, a device or a FIFO, or a
// name too long to extend) a new name in the current directory.
std::string journal_path(const std::string& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::status(out, ec);
  const bool regular_target = out != "-" && (!fs::exists(st) || fs::is_regular_file(st));
  if (regular_target && fs::path(out).filename().string().size() + 8 <= 255) return out + ".journal";
  return "lfbench-" + host_name() + "-" + std::to_string(::getpid()) + ".journal";
}

// How many cells a results file holds (0 if it is not one): an interrupted run never replaces
// a file that holds more.
std::size_t cells_in(const std::string& path) {
  try {
    return read_results(path).cells.size();
  } catch (const BadInput&) {
    return 0;
  }
}

// The file an interrupted run wrote before it printed "lfbench run --resume J measures the
// rest": its resume replaces it with everything it had and more, so that command works as
// printed. Only the flag is read: a run interrupted before its first window writes a file the
// full reader refuses (no entries).
bool interrupted_results(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > (std::uintmax_t(128) << 20)) return false;
  std::ifstream in(path, std::ios::binary);
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (!doc.is_object() || !doc.contains("context") || !doc["context"].is_object()) return false;
  const auto it = doc["context"].find("lfbench_incomplete");
  return it != doc["context"].end() && it->is_boolean() && it->get<bool>();
}

int run(const RunArgs& a, const std::vector<std::string>& argv) {
  Signals signals;  // first: every later thread inherits the blocked mask
  try {
    if (!read_topology().this_machine && !a.plan_only)
      throw BadInput("LFBENCH_TOPOLOGY=" + read_topology().source.substr(0, 200) +
                     " is another machine's topology: it plans (--plan), it does not measure; allowed: unset it to measure here");
  } catch (const std::invalid_argument& e) {
    throw BadInput(e.what());
  }
  Plan plan;
  std::string path;
  std::vector<std::string> left_out;  // cells a placement cannot honour
  // verify measures nothing: a cell's windows run back to back (one worker, one cell state,
  // the TSan report attributed to it), and a disturbed window is as good a check as any.
  bool force = a.force, interleave = !a.no_interleave && !a.verify, keep_disturbed = a.keep_disturbed || a.verify;
  const TsanVerdicts verified_by = a.verified_by.empty() ? TsanVerdicts{} : read_verified_by(a.verified_by);
  std::string format_name = a.format;
  std::vector<JournalRecord> replayed;
  nlohmann::json header;
  std::chrono::nanoseconds budget{};  // --until-decided (0: not)
  bool replaces_interrupted = false;  // a resume over the file its interrupted run wrote
  std::unique_ptr<Journal> journal;
  std::size_t first_seq = 0;
  nlohmann::json suite_context;  // run --suite: context.lfbench_suite
  if (!a.resume.empty()) {
    // Locked before it is read: a second resume, or one beside the live run, is refused.
    journal = Journal::reopen(a.resume);
    // Everything comes from the journal: the plan, the options, the output.
    Resume r = load_resume(a.resume);
    journal->continue_plan(r.header.at("plan_id").get<std::string>());
    first_seq = r.next_seq;
    if (const auto it = r.header.find("suite"); it != r.header.end() && it->is_object()) suite_context = *it;
    if (r.dropped && !a.quiet)
      std::cerr << "lfbench: --resume: " << r.dropped << " window" << (r.dropped > 1 ? "s" : "")
                << " of an A/B pair the interruption cut in two will be measured again, as a pair\n";
    header = std::move(r.header);
    plan = std::move(r.plan);
    path = r.output;
    format_name = r.format;
    interleave = r.interleave;
    keep_disturbed = r.keep_disturbed;
    replaces_interrupted = !force && !r.force && std::filesystem::is_regular_file(path) && interrupted_results(path);
    force = force || r.force || replaces_interrupted;
    budget = r.until_decided;
    replayed = std::move(r.records);
  } else {
    plan = checked_plan(a, left_out);
    if (a.plan_only) {
      warn_undecidable(plan, a.until_decided);
      if (a.until_decided)
        std::cout << "until decided: more pairs of undecided cells, up to a budget of "
                  << format_duration(decide_budget(a, plan)) << "\n";
      return print_plan(plan, left_out);
    }
    say_left_out(left_out, a.quiet);
    (void)format_for(format_name, "x.json");  // a bad --format is refused before results/ is made
    if (a.until_decided) budget = decide_budget(a, plan);
    path = a.output.empty() ? default_output(a.verify ? "verify-" : "") : a.output;  // creates results/
  }
  const Writer& format = format_for(format_name, path);
  const Output out(path, force);  // refuses before measuring: nothing is written on bad input
  nlohmann::json ab;
  try {
    if (!plan.builds.empty()) ab = ab_context(plan, signals.fd());
  } catch (const Interrupted& i) {
    std::cerr << "lfbench: interrupted while the builds started; nothing was measured or written\n";
    return Signals::exit_code(i.signal);
  }

  if (a.resume.empty()) {
    const std::string jp = journal_path(path);
    // --force starts over, but never under a run that holds the journal (locked: refused).
    if (force && std::filesystem::exists(jp)) Journal::reopen(jp)->remove();
    // What the suite is for (its questions, for the report), kept with the plan: a resume
    // writes it even if the suite file changed meanwhile.
    if (!a.suite.empty()) {
      const Suite suite = load_suite_file(a.suite);
      suite_context = {{"name", suite.name}, {"purpose", suite.purpose}, {"case", suite.case_id},
                       {"description", suite.description}, {"questions", suite.questions}};
    }
    header = {{"lfbench_journal", kJournalVersion}, {"binary", binary_identity()}, {"argv", argv},
              {"plan", plan_json(plan)},
              {"options", {{"output", path}, {"format", format_name}, {"interleave", interleave},
                           {"keep_disturbed", keep_disturbed}, {"force", force}}}};
    if (budget.count() > 0) header["options"]["until_decided_ns"] = budget.count();
    if (!suite_context.is_null()) header["suite"] = suite_context;
    journal = std::make_unique<Journal>(jp, header);
  }

  ProgressBar bar(a.quiet ? ProgressBar::Mode::off : isatty(STDERR_FILENO) ? ProgressBar::Mode::bar : ProgressBar::Mode::lines);
  RunOptions opt;
  opt.interleave = interleave;
  opt.keep_disturbed = keep_disturbed;
  opt.fresh_workers = !plan.builds.empty();
  opt.worker_exe = std::filesystem::read_symlink("/proc/self/exe").string();
  opt.signal_fd = signals.fd();
  opt.journal = [&journal](const JournalRecord& r) { journal->append(r); };
  opt.replay.resize(plan.cells.size());
  opt.first_seq = first_seq;
  for (auto& r : replayed) opt.replay[r.cell].push_back(std::move(r));
  opt.progress = [&bar](const RunProgress& p) { bar(p); };
  if (budget.count() > 0)
    opt.until_decided = UntilDecided{budget, [&plan](const Results& r) { return undecided_cells(r, plan); }};
  const MachineProbe before = probe_machine();
  const nlohmann::json governors = cpu_governors();
  {
    std::vector<int> used;
    for (const auto& c : plan.cells)
      if (const auto cpus = read_topology().order(c.placement, c.threads))
        for (const int cpu : *cpus)
          if (std::find(used.begin(), used.end(), cpu) == used.end()) used.push_back(cpu);
    if (std::find(used.begin(), used.end(), -1) != used.end()) used.clear();
    if (!a.quiet && !a.verify) {  // verify measures nothing: a busy machine only slows it
      say_machine(before, used, governors);
      warn_undecidable(plan, budget.count() > 0);
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  Results results = run_plan(plan, opt);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  bar.clear();
  if (!results.interrupted)
    if (const int s = signals.pending()) {
      results.interrupted = true;
      results.signal = s;
    }
  const MachineProbe after = results.interrupted ? before : probe_machine();

  nlohmann::json ctx = machine_context(read_topology());
  ctx["lfbench_command_line"] = a.resume.empty() ? nlohmann::json(argv) : header.at("argv");
  if (!a.resume.empty()) ctx["lfbench_resumed_from"] = a.resume;
  ctx["lfbench_calibration"] = calibration_json(results.calibration);
  ctx["lfbench_wall_seconds"] = wall;
  ctx["lfbench_machine_state"] = {{"before", before.state},
                                  {"after", after.state},
                                  {"during", machine_state_json(before.end, after.start)}};
  ctx["lfbench_cpu_governor"] = governors;
  if (!ab.is_null()) ctx["lfbench_ab"] = ab;
  // compare judges such a file with its anytime-valid tests only: the pairs were looked at.
  if (budget.count() > 0)
    ctx["lfbench_ab"]["until_decided"] = {{"budget_seconds", std::chrono::duration<double>(budget).count()},
                                          {"extra_pairs", results.extra_pairs}, {"stopped", results.stopped},
                                          {"undecided", undecided_cells(results, plan)}};
  ctx["lfbench_scenarios"] = scenario_context(plan);  // what the report draws per scenario
  if (!suite_context.is_null()) ctx["lfbench_suite"] = suite_context;  // the report's case section
  const TsanVerdicts verdicts = a.verify ? tsan_verdicts(results) : verified_by;
  if (a.verify) ctx["lfbench_verify"] = {{"checker", "ThreadSanitizer"}, {"primitives", tsan_verdicts_json(verdicts)}};
  nlohmann::json doc = results_json(results, ctx);
  mark_verification(doc, verdicts);

  for (const auto& c : results.cells)
    if (const auto [what, detail] = failure_of(c); !what.empty())
      std::cerr << "lfbench: " << what << ": " << c.plan.display_name() << ": " << detail << "\n";

  // A resume interrupted again keeps its first run's file (a cell's windows replay only when its
  // slot comes, so the new file could hold fewer); the journal has them all.
  if (results.interrupted && replaces_interrupted) {
    std::cerr << "lfbench: interrupted; kept " << path << " as its interrupted run wrote it; what was measured is in "
              << journal->path() << " (lfbench run --resume " << journal->path() << ")\n";
    return Signals::exit_code(results.signal);
  }
  // An interrupted run never replaces a file that holds more cells than it does.
  bool written = false;
  if (results.interrupted && !out.is_stdout() && std::filesystem::is_regular_file(path) &&
      cells_in(path) > results.cells.size()) {
    std::cerr << "lfbench: interrupted; kept " << path << " (" << cells_in(path) << " cells) rather than replace it with "
              << results.cells.size() << "; what was measured is in " << journal->path() << " (lfbench run --resume "
              << journal->path() << ")\n";
    return Signals::exit_code(results.signal);
  }
  try {
    out.write(format.render(doc, results_of(doc)));
    written = true;
  } catch (const std::system_error& e) {
    // The reader of -o - went away: answered like an interrupt (128 + SIGPIPE), nothing lost.
    std::cerr << "lfbench: " << e.what() << "; every measured window is kept in " << journal->path()
              << " (lfbench run --resume " << journal->path() << " writes the results)\n";
    return e.code() == std::errc::broken_pipe ? 128 + SIGPIPE : 3;
  } catch (const std::exception& e) {
    std::cerr << "lfbench: " << e.what() << "; every measured window is kept in " << journal->path()
              << " (lfbench run --resume " << journal->path() << " writes the file)\n";
    return 3;
  }
  if (written && !results.interrupted) journal->remove();

  if (a.verify && !a.quiet) {
    std::cout << "lfbench verify: ThreadSanitizer (happens-before), the schedule perturbed; " << verdicts.size()
              << " primitive" << (verdicts.size() == 1 ? "" : "s") << ", " << results.cells.size() << " cells in "
              << format_duration(std::chrono::nanoseconds(static_cast<std::int64_t>(wall * 1e9))) << "\n";
    print_verdicts(verdicts);
    if (!out.is_stdout()) std::cout << "verdicts written to " << out.path() << "\n";
  } else if (!out.is_stdout() && !a.quiet) {
    if (format.name != "table") std::cout << render(doc, "table");
    std::cout << "\n" << results.cells.size() << " cells in " << format_duration(std::chrono::nanoseconds(static_cast<std::int64_t>(wall * 1e9)))
              << "; results written to " << out.path() << "\n";
  }
  if (results.interrupted) {
    const auto complete = std::count_if(results.cells.begin(), results.cells.end(), [](const CellResult& c) { return c.complete; });
    std::cerr << "lfbench: interrupted; " << complete << " of " << plan.cells.size() << " cells complete, "
              << results.cells.size() - static_cast<std::size_t>(complete) << " partial (flagged incomplete), written"
              << (out.is_stdout() ? "" : " to " + out.path()) << "; lfbench run --resume " << journal->path()
              << " measures the rest\n";
    return Signals::exit_code(results.signal);
  }
  if (a.verify)
    return std::any_of(verdicts.begin(), verdicts.end(), [](const auto& v) { return v.second.status == "failed"; }) ? 1 : 0;
  return results.all_valid() ? 0 : 1;
}

}  // namespace

void add_run_command(CLI::App& app, Action& action, const std::vector<std::string>& argv) {
  auto a = std::make_shared<RunArgs>();
  auto* r = app.add_subcommand("run", "measure a scenario (or a suite) across primitives, parameters and threads");
  r->add_option("scenario", a->scenario, "scenario id (lfbench list)");
  r->add_option("--suite", a->suite, "a suite by name (scenarios/suites/NAME.json) or a path to a suite .json");
  r->add_option("-p,--primitive", a->primitives, "primitive ids or globs, comma-separated (default: all)");
  r->add_option("-t,--threads", a->threads, "thread counts: 1,2,4 or 1-8 (1.." + std::to_string(kMaxThreads) + "; default 1,2,4)");
  r->add_option("--param", a->params, "NAME=V1,V2,... sweep of a scenario parameter (repeatable; lfbench describe)");
  r->add_option("-d,--duration", a->duration, "length of one measured window, e.g. 200ms (default; with --ab and no suite 20ms)");
  r->add_option("-r,--repetitions", a->repetitions, "measured windows per cell (1.." + std::to_string(kMaxRepetitions) + "; default 5, with --ab and no suite 20)");
  r->add_option("--warmup", a->warmup, "warm-up before every window, e.g. 50ms (default; with --ab and no suite 10ms); 0s for none");
  r->add_flag("--latency", a->latency, "sample per-operation latency into percentiles (cycle counter, its cost subtracted; rate set so timing costs ~1%)");
  r->add_option("--pin", a->pin,
                "where threads run, a comma list swept as cells: cores (default: one per core before SMT siblings), smt, l3 "
                "(one L3 domain), spread (packages, then L3 domains), none, cpus:0,2,4-7; compact = smt, scatter = spread");
  r->add_option("-o,--output", a->output, "output file, or - for stdout (default: results/<host>-<timestamp>.json)");
  r->add_option("-f,--format", a->format, writer_names() + " (gab: github-action-benchmark; default: from the -o extension, else json)");
  r->add_flag("--force", a->force, "overwrite an existing output file");
  r->add_flag("--no-interleave", a->no_interleave,
              "run each cell's repetitions back to back (default: all cells' repetitions in random order, "
              "so that each cell samples the machine's drift)");
  r->add_flag("--keep-disturbed", a->keep_disturbed,
              "keep windows in which another process took the threads' CPU (flagged disturbed) instead of "
              "measuring them again");
  r->add_option("--resume", a->resume,
                 "finish an interrupted or crashed run from its journal (OUTPUT.journal): measures what is missing "
                 "with the same plan and build, then writes the results file");
  r->add_option("--ab", a->ab,
                 "NAME=PATH: an A/B run of two lfbench builds (give it twice, base first): each build gets "
                 "its own worker and their windows of a cell alternate pair by pair, so both see the same "
                 "machine; one results file holds both, for `lfbench compare FILE`");
  r->add_flag("--until-decided", a->until_decided,
              "A/B runs: after the repetitions, more pairs of the cells lfbench compare cannot yet call faster, slower "
              "or same (its anytime-valid tests, valid however often it looks), closest to a decision first, until "
              "every cell is decided or --budget is spent");
  r->add_option("--budget", a->budget,
                "with --until-decided: the run's measuring time, e.g. 10m (default: " + std::to_string(kDecideBudgetFactor) +
                    " x what its repetitions take)");
  r->add_option("--verified-by", a->verified_by,
                 "VERIFY.json: what lfbench verify of this build found for each primitive goes into every cell's "
                 "verification (level tsan for those that passed; default: the oracle only, this machine's memory order)");
  r->add_flag("--plan", a->plan_only, "print the cells and an ETA without running");
  r->add_flag("-q,--quiet", a->quiet, "no progress bar and no summary table");
  // A repeated option takes its last value, so a script can append overrides to a command.
  for (const char* name : {"--suite", "--threads", "--duration", "--repetitions", "--warmup", "--pin", "--output",
                           "--format", "--budget"})
    r->get_option(name)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  r->callback([&action, a, &argv, r] {
    // A resume measures its journal's plan into its journal's output: a flag that would change
    // either is refused, not silently ignored.
    if (!a->resume.empty())
      for (const CLI::Option* o : r->get_options())
        if (o->count() > 0 && o->get_name() != "--resume" && o->get_name() != "--quiet" && o->get_name() != "--force")
          throw BadInput("--resume " + a->resume + " measures the plan its journal holds, into the output it names; " +
                         o->get_name() + " would change them; allowed: --resume JOURNAL with --quiet or --force only");
    action = [a, &argv] { return run(*a, argv); };
  });

  // lfbench verify: run's path with verify_plan's cells, in a ThreadSanitizer build only.
  auto v = std::make_shared<RunArgs>();
  v->verify = true;
  auto* vc = app.add_subcommand("verify",
                                "check each primitive's ordering under ThreadSanitizer (happens-before, not this machine's "
                                "memory order): every scenario it joins, small state, 2, 4 and more threads than CPUs, "
                                "short windows with the schedule perturbed; exit 1 if any primitive fails");
  vc->add_option("-p,--primitive", v->primitives, "primitive ids or globs, comma-separated (default: all but the known-broken ones)");
  vc->add_option("-s,--scenario", v->scenarios, "scenario ids, comma-separated (default: every one a primitive joins)");
  vc->add_option("--budget", v->budget, "time per primitive, e.g. 15s (default), spread over its cells (" +
                                             std::to_string(kMinVerifyWindows) + " to " + std::to_string(kMaxVerifyWindows) +
                                             " windows of " + format_duration(kVerifyWindow) + " each)");
  vc->add_option("-o,--output", v->output, "verdicts and cells as a results file (default: results/verify-<host>-<timestamp>.json), "
                                           "for run --verified-by");
  vc->add_flag("--force", v->force, "overwrite an existing output file");
  vc->add_flag("--plan", v->plan_only, "print the cells without running");
  vc->add_flag("-q,--quiet", v->quiet, "no progress bar and no verdict table");
  for (const char* name : {"--budget", "--output"}) vc->get_option(name)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  vc->callback([&action, v, &argv] {
    action = [v, &argv] {
      if (!kThreadSanitizer && !v->plan_only)
        throw BadInput(
            "verify: this lfbench is not built with ThreadSanitizer; allowed: a ThreadSanitizer build: "
            "meson setup build-tsan -Db_sanitize=thread && ninja -C build-tsan (then build-tsan/cli/lfbench-tsan verify), "
            "or for your primitive: c++ -std=c++20 -fsanitize=thread FILE.cpp $(pkg-config --cflags --libs lfbench-tsan)");
      // A report fails its window and the run goes on (a worker halted on its first report
      // would fail the cell as crashed, its report cut short): the workers' TSan reads the last
      // value of a flag.
      const char* given = std::getenv("TSAN_OPTIONS");
      ::setenv("TSAN_OPTIONS", ((given ? std::string(given) + " " : std::string()) + "halt_on_error=0").c_str(), 1);
      return run(*v, argv);
    };
  });

  // The worker process (protocol.hpp): hidden, started by `run` itself.
  auto w = std::make_shared<std::pair<unsigned, std::string>>(1, "cores");
  auto* wc = app.add_subcommand("__worker", "");
  wc->group("");
  wc->add_option("--threads", w->first)->required();
  wc->add_option("--pin", w->second);
  wc->callback([&action, w] {
    action = [w] {
      Placement pin;
      try {
        pin = parse_placement(w->second);
      } catch (const std::invalid_argument& e) {
        throw BadInput(e.what());
      }
      return worker_main(w->first, pin);
    };
  });
}

}  // namespace lfbench
