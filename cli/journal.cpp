#include "journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "../scenarios/harness/protocol.hpp"
#include "../scenarios/harness/retry_eintr.hpp"
#include "input.hpp"
#include "plan_builder.hpp"
#include "lfbench_config.h"
#include "lfbench_version.h"

namespace lfbench {

using nlohmann::json;

Journal::Journal(std::string path, const json& header) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    if (errno == EEXIST)
      throw BadInput("journal " + path_ + " exists (a run in progress, or one interrupted: lfbench run --resume " + path_ +
                     "); allowed: resume it, remove it, or pass --force to start over");
    throw BadInput("cannot create the journal " + path_ + ": " + std::strerror(errno));
  }
  write_line(header);
}

std::unique_ptr<Journal> Journal::reopen(std::string path) {
  std::unique_ptr<Journal> j(new Journal());
  j->path_ = std::move(path);
  j->fd_ = ::open(j->path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (j->fd_ < 0) throw BadInput("cannot append to the journal " + j->path_ + ": " + std::strerror(errno));
  return j;
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

void Journal::write_line(const json& j) {
  const std::string line = j.dump() + "\n";
  if (!write_all(fd_, line)) throw std::runtime_error("cannot write the journal " + path_ + ": " + std::strerror(errno));
  ::fdatasync(fd_);  // outside any window: the supervisor measures nothing itself
}

void Journal::append(const JournalRecord& r) {
  if (r.failure.empty()) write_line({{"cell", r.cell}, {"window", to_json(r.window)}});
  else write_line({{"cell", r.cell}, {"failure", r.failure}, {"detail", r.detail}});
}

void Journal::remove() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(path_.c_str());
}

LoadedJournal load_journal(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) throw BadInput("--resume: cannot read '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw BadInput("--resume: '" + path + "' is not a regular file; allowed: a journal lfbench run wrote");
  std::ifstream in(path);
  LoadedJournal out;
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    const json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      if (in.peek() == EOF) break;  // a line torn by a crash mid-write: the last one only
      throw BadInput("--resume: " + path + ":" + std::to_string(n) + ": not a journal line");
    }
    if (n == 1) {
      if (!j.contains("lfbench_journal") || j["lfbench_journal"] != kJournalVersion)
        throw BadInput("--resume: " + path + " is not an lfbench journal (version " + std::to_string(kJournalVersion) + ")");
      out.header = j;
      continue;
    }
    try {
      JournalRecord r;
      r.cell = j.at("cell").get<std::size_t>();
      if (j.contains("failure")) {
        r.failure = j.at("failure").get<std::string>();
        r.detail = j.at("detail").get<std::string>();
      } else {
        r.window = window_from_json(j.at("window"));
      }
      out.records.push_back(std::move(r));
    } catch (const json::exception& e) {
      throw BadInput("--resume: " + path + ":" + std::to_string(n) + ": " + e.what());
    }
  }
  if (out.header.is_null()) throw BadInput("--resume: " + path + " is empty; allowed: a journal lfbench run wrote");
  return out;
}

Resume load_resume(const std::string& path) {
  LoadedJournal lj = load_journal(path);
  Resume r;
  r.header = std::move(lj.header);
  const json& h = r.header;
  const std::string where = "--resume " + path;
  if (h.value("binary", json()) != binary_identity())
    throw BadInput(where + " was written by another lfbench build (" + h.value("binary", json()).dump() +
                   "); allowed: resume with the build that wrote it");
  try {
    r.plan = plan_from_json(h.at("plan"), where);
    const json& o = h.at("options");
    r.output = o.at("output").get<std::string>();
    r.pin = o.at("pin").get<std::string>();
    r.format = o.at("format").get<std::string>();
    r.interleave = o.at("interleave").get<bool>();
    r.keep_disturbed = o.at("keep_disturbed").get<bool>();
    r.force = o.at("force").get<bool>();
    r.until_decided = std::chrono::nanoseconds(o.value("until_decided_ns", std::int64_t{0}));
    (void)h.at("argv").get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    throw BadInput(where + ": a malformed header: " + e.what());
  }
  if (r.output.empty()) throw BadInput(where + ": the header names no output file");
  std::vector<std::size_t> windows(r.plan.cells.size(), 0);
  for (const auto& rec : lj.records) {
    if (rec.cell >= r.plan.cells.size()) throw BadInput(where + " has a window of a cell not in its plan");
    const CellPlan& c = r.plan.cells[rec.cell];
    if (!rec.failure.empty()) continue;
    // A disturbed window is measured again, up to `repetitions` more (runner.cpp measure_slot),
    // and both are journaled: on a busy machine nearly every journal has some. A run until
    // decided measures more pairs than its repetitions.
    const std::size_t most = r.keep_disturbed ? c.repetitions : 2 * c.repetitions;
    if (++windows[rec.cell] > most && r.until_decided.count() <= 0)
      throw BadInput(where + " has more windows of " + c.run_name() + " than its " + std::to_string(c.repetitions) +
                     " repetitions and as many re-measured allow");
    if (const auto problem = window_problem(rec.window, c.threads); !problem.empty())
      throw BadInput(where + ": a window of " + c.run_name() + " has " + problem);
  }
  r.records = std::move(lj.records);
  return r;
}

json plan_json(const Plan& plan) {
  json cells = json::array();
  for (const auto& c : plan.cells) {
    json params = json::array();
    for (const auto& [k, v] : c.params.items()) params.push_back({k, v});
    cells.push_back({{"scenario", c.scenario->id}, {"primitive", c.primitive->id}, {"params", params},
                     {"threads", c.threads}, {"duration_ns", c.duration.count()}, {"warmup_ns", c.warmup.count()},
                     {"repetitions", c.repetitions}, {"latency", c.latency}});
    if (!c.build.empty()) cells.back()["build"] = c.build;
    if (c.perturb) cells.back()["perturb"] = true;
  }
  json builds = json::array();
  for (const auto& b : plan.builds) builds.push_back({{"name", b.name}, {"path", b.path}, {"binary", file_identity(b.path)}});
  return {{"cells", cells}, {"builds", builds}};
}

Plan plan_from_json(const json& j, const std::string& where) {
  Plan plan;
  try {
    for (const auto& b : j.at("builds")) {
      Build build{b.at("name").get<std::string>(), b.at("path").get<std::string>()};
      check_build(build, where);
      // Another binary at that path now would measure something else under the same name.
      if (b.at("binary") != file_identity(build.path))
        throw BadInput(where + ": build " + build.name + " (" + build.path + ") is not the binary that measured it any more; "
                       "allowed: resume with the same builds");
      plan.builds.push_back(std::move(build));
    }
    for (const auto& c : j.at("cells")) {
      CellPlan p;
      const std::string sc = c.at("scenario").get<std::string>(), pr = c.at("primitive").get<std::string>();
      p.scenario = find_scenario(sc);
      p.primitive = p.scenario ? p.scenario->primitive(pr) : nullptr;
      if (!p.primitive) throw BadInput(where + ": its plan has " + sc + "/" + pr + ", which this lfbench does not");
      for (const auto& kv : c.at("params")) p.params.set(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
      p.threads = c.at("threads").get<unsigned>();
      p.duration = std::chrono::nanoseconds(c.at("duration_ns").get<std::int64_t>());
      p.warmup = std::chrono::nanoseconds(c.at("warmup_ns").get<std::int64_t>());
      p.repetitions = c.at("repetitions").get<unsigned>();
      p.latency = c.at("latency").get<bool>();
      p.perturb = c.value("perturb", false);
      if (c.contains("build")) p.build = c.at("build").get<std::string>();
      if (p.build.empty() != plan.builds.empty() ||
          (!p.build.empty() && std::none_of(plan.builds.begin(), plan.builds.end(), [&](const Build& b) { return b.name == p.build; })))
        throw BadInput(where + ": its plan has a cell of build '" + p.build + "', which is not one of its builds");
      check_cell(p, where);
      plan.cells.push_back(std::move(p));
      if (plan.cells.size() > kMaxCells) throw BadInput(where + ": its plan has more than " + std::to_string(kMaxCells) + " cells");
    }
  } catch (const json::exception& e) {
    throw BadInput(where + ": malformed plan: " + e.what());
  }
  if (plan.cells.empty()) throw BadInput(where + ": its plan has no cells");
  return plan;
}

json file_identity(const std::string& path) {
  json id = json::object();
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0) {
    id["size"] = static_cast<std::uint64_t>(st.st_size);
    id["mtime"] = static_cast<std::int64_t>(st.st_mtim.tv_sec);
  }
  return id;
}

json binary_identity() {
  json id = file_identity("/proc/self/exe");
  id["version"] = LFBENCH_VERSION;
  id["git_sha"] = LFBENCH_GIT_SHA;
  return id;
}

}  // namespace lfbench
