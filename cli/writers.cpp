#include "writers.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <map>
#include <iostream>
#include <sstream>

#include "../scenarios/harness/retry_eintr.hpp"
#include "input.hpp"

namespace lfbench {

namespace fs = std::filesystem;
using nlohmann::json;

// The formats: each in its own file, declared and listed here.
std::string render_csv(const json& doc, const ResultsFile& f);    // write_csv.cpp
std::string render_table(const json& doc, const ResultsFile& f);  // write_table.cpp
std::string render_gab(const json& doc, const ResultsFile& f);    // write_gab.cpp

namespace {

std::string render_json(const json& doc, const ResultsFile&) { return doc.dump(2) + "\n"; }

constexpr Writer kWriters[] = {
    {"json", ".json", "the results file (Google Benchmark JSON with lfbench's fields)", render_json},
    {"csv", ".csv", "one row per cell", render_csv},
    {"table", ".txt", "the summary table", render_table},
    {"gab", "", "github-action-benchmark's customSmallerIsBetter", render_gab},
};

}  // namespace

std::span<const Writer> writers() { return kWriters; }

std::string writer_names() {
  std::string s;
  for (const auto& w : kWriters) s += (s.empty() ? "" : ", ") + std::string(w.name);
  return s;
}

const Writer& writer_named(const std::string& name) {
  for (const auto& w : kWriters)
    if (w.name == name) return w;
  throw BadInput("--format: '" + name + "' is not a format; allowed: " + writer_names());
}

const Writer& writer_for_path(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  for (const auto& w : kWriters)
    if (!w.extension.empty() && w.extension == ext) return w;
  return kWriters[0];
}

std::string render(const json& doc, const std::string& format) {
  return writer_named(format).render(doc, results_of(doc));
}

std::string fixed(double v, int prec) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

std::string si(double v) {
  const char* units[] = {"", "k", "M", "G", "T"};
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  return fixed(v, v < 10 ? 2 : 1) + units[u];
}

std::string flags_text(const json& flags, const char* sep) {
  std::string s;
  for (const auto& f : flags) s += (s.empty() ? "" : sep) + f.get<std::string>();
  return s;
}

std::string param_value(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string percentile_text(const json& lat, const char* q) {
  const json& v = lat[q];
  if (v.is_number()) return std::to_string(v.get<std::uint64_t>());
  return "<" + fixed(lat.value("resolution_ns", 0.0), 0);
}

double cpu_ns(const json& l) { return l.contains("cpu_ns_per_op") ? l["cpu_ns_per_op"].get<double>() : 0.0; }

Output::Output(std::string path, bool force) : path_(std::move(path)), target_(path_), force_(force) {
  if (is_stdout()) return;
  std::error_code ec;
  if (fs::is_symlink(path_, ec)) {
    // Written through: the link stays a link and its target gets the results.
    fs::path t = fs::read_symlink(path_, ec);
    if (t.is_relative()) t = fs::path(path_).parent_path() / t;
    target_ = t.lexically_normal().string();
  }
  const auto st = fs::status(target_, ec);
  if (fs::exists(st) && !fs::is_regular_file(st) && !fs::is_directory(st)) {
    direct_ = true;  // /dev/null, a FIFO, a terminal
    return;
  }
  const fs::path p(target_);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  // Names the kernel would refuse at the end, after measuring: refused now.
  if (const auto n = p.filename().string().size(); n > NAME_MAX)
    throw BadInput("-o " + path_.substr(0, 60) + "...: its file name is " + std::to_string(n) + " bytes; allowed: at most " +
                   std::to_string(NAME_MAX));
  if (target_.size() >= PATH_MAX)
    throw BadInput("-o " + path_.substr(0, 60) + "...: the path is " + std::to_string(target_.size()) + " bytes; allowed: under " +
                   std::to_string(PATH_MAX));
  if (!fs::is_directory(dir, ec))
    throw BadInput("-o " + path_ + ": " + (fs::exists(dir, ec) ? "'" + dir.string() + "' is a file, not a directory"
                                                               : "directory '" + dir.string() + "' does not exist; create it first"));
  // Probe by creating a file: access(W_OK) says yes to root even where nothing can be created.
  std::string probe = (dir / ".lfbench-probe.XXXXXX").string();
  const int fd = mkstemp(probe.data());
  if (fd < 0) throw BadInput("-o " + path_ + ": directory '" + dir.string() + "' is not writable (" + std::strerror(errno) + ")");
  ::close(fd);
  ::unlink(probe.c_str());
  if (fs::is_directory(p, ec)) throw BadInput("-o " + path_ + ": is a directory; give a file path");
  if (fs::exists(p, ec) && !force_)
    throw BadInput("-o " + path_ + ": file exists; pass --force to overwrite it");
}

void Output::write(const std::string& content) const {
  if (is_stdout()) {
    std::cout << std::flush;
    // A reader that went away (`| head`) is EPIPE here, not a silent SIGPIPE death (run ignores it).
    if (!write_all(STDOUT_FILENO, content))
      throw std::system_error(errno, std::generic_category(), "cannot write the results to stdout");
    return;
  }
  if (direct_) {
    const int fd = ::open(target_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open " + path_ + ": " + std::strerror(errno));
    if (!write_all(fd, content)) {
      const int err = errno;
      ::close(fd);
      throw std::runtime_error("cannot write " + path_ + ": " + std::strerror(err));
    }
    ::close(fd);
    return;
  }
  const fs::path p(target_);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  // A short temporary name: the target's own name may already be at the file-name limit.
  std::string tmpl = (dir / ".lfbench-XXXXXX").string();
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) throw std::runtime_error("cannot create a temporary file in " + dir.string() + ": " + std::strerror(errno));
  if (!write_all(fd, content)) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw std::runtime_error("cannot write " + tmpl + ": " + std::strerror(err));
  }
  fchmod(fd, 0644);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmpl.c_str());
    throw std::runtime_error("cannot write " + tmpl + ": " + std::strerror(errno));
  }
  // RENAME_NOREPLACE: a file created at the target while we measured is not clobbered.
  const int rc = force_ ? ::rename(tmpl.c_str(), target_.c_str())
                        : ::renameat2(AT_FDCWD, tmpl.c_str(), AT_FDCWD, target_.c_str(), RENAME_NOREPLACE);
  if (rc != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    throw std::runtime_error("cannot write " + path_ + ": " + std::strerror(err) +
                             (err == EEXIST ? " (it appeared while running; pass --force to overwrite)" : ""));
  }
}

}  // namespace lfbench
