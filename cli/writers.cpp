#include "writers.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <iostream>
#include <sstream>

#include "input.hpp"

namespace lfbench {

namespace fs = std::filesystem;
using nlohmann::json;

bool parse_format(const std::string& s, Format& out) {
  if (s == "json") out = Format::json;
  else if (s == "csv") out = Format::csv;
  else if (s == "table") out = Format::table;
  else if (s == "gab") out = Format::gab;
  else return false;
  return true;
}

namespace {

// An A/B file (run --ab): every cell once per build, shown with a build column.
bool is_ab(const json& doc) { return doc.contains("context") && doc["context"].contains("lfbench_ab"); }
std::string build_of(const json& l) { return l.value("build", ""); }

// The cell-level entries: the median aggregate of each cell, or its only repetition.
std::vector<const json*> cells(const json& doc) {
  std::vector<const json*> out;
  std::map<std::string, const json*> by_id;
  std::vector<std::string> order;
  for (const auto& e : doc["benchmarks"]) {
    if (!e.contains("lfbench")) continue;
    const std::string id = e["lfbench"]["id"].get<std::string>() + "@" + build_of(e["lfbench"]);  // A/B: once per build
    const bool median = e.value("aggregate_name", "") == "median";
    if (!by_id.count(id)) order.push_back(id);
    if (!by_id.count(id) || median) by_id[id] = &e;
  }
  for (const auto& id : order) out.push_back(by_id[id]);
  return out;
}

std::string params_text(const json& params) {
  std::string s;
  for (const auto& [k, v] : params.items()) {
    if (!s.empty()) s += ' ';
    s += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return s;
}

std::string fmt(double v, int prec = 1) {
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
  return fmt(v, v < 10 ? 2 : 1) + units[u];
}

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// A latency percentile: a number, or "<R" when it is below the timer's resolution R.
std::string pct_text(const json& lat, const char* q) {
  const json& v = lat[q];
  if (v.is_number()) return std::to_string(v.get<std::uint64_t>());
  return "<" + fmt(lat.value("resolution_ns", 0.0), 0);
}

double cpu_ns(const json& l) { return l.contains("cpu_ns_per_op") ? l["cpu_ns_per_op"].get<double>() : 0.0; }

std::string param_value(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// One column per parameter (the union over the file's cells, in first-seen order), empty where
// a cell has no such parameter, so a spreadsheet can sort and filter by each; cv in percent,
// as the table shows it.
std::string render_csv(const json& doc) {
  std::vector<std::string> params;
  for (const json* e : cells(doc))
    for (const auto& [k, v] : (*e)["lfbench"]["params"].items())
      if (std::find(params.begin(), params.end(), k) == params.end()) params.push_back(k);
  std::ostringstream o;
  const bool ab = is_ab(doc);
  o << "scenario,primitive" << (ab ? ",build" : "");
  for (const auto& k : params) o << ',' << csv_quote(k);
  o << ",threads,ns_per_op,cpu_ns_per_op,ops_per_sec,cv_pct,min_ns_per_op,max_ns_per_op,"
       "jain,min_share,max_share,jain_cpu,p50_ns,p99_ns,discarded_windows,verified,flags\n";
  for (const json* e : cells(doc)) {
    const json& l = (*e)["lfbench"];
    const json& st = l["stats"]["ns_per_op"];
    std::string flags;
    for (const auto& f : l["flags"]) flags += (flags.empty() ? "" : ";") + f.get<std::string>();
    o << csv_quote(l["scenario"]) << ',' << csv_quote(l["primitive"]);
    if (ab) o << ',' << csv_quote(build_of(l));
    for (const auto& k : params) o << ',' << (l["params"].contains(k) ? csv_quote(param_value(l["params"][k])) : "");
    o << ',' << l["threads"] << ',' << st["median"].get<double>() << ',' << cpu_ns(l) << ','
      << l["ops_per_sec"].get<double>() << ',' << 100 * st["cv"].get<double>() << ',' << st["min"].get<double>() << ','
      << st["max"].get<double>() << ',' << l["fairness"]["jain"].get<double>() << ','
      << l["fairness"]["min_share"].get<double>() << ',' << l["fairness"]["max_share"].get<double>() << ','
      << (l.contains("fairness_cpu") ? l["fairness_cpu"]["jain"].get<double>() : 0.0) << ','
      << (l.contains("latency_ns") ? pct_text(l["latency_ns"], "p50") : "") << ','
      << (l.contains("latency_ns") ? pct_text(l["latency_ns"], "p99") : "") << ','
      << (l.contains("discarded_windows") ? l["discarded_windows"].size() : 0) << ','
      << (l["verification"]["ok"].get<bool>() ? "yes" : "NO") << ',' << csv_quote(flags) << '\n';
  }
  return o.str();
}

// github-action-benchmark's customSmallerIsBetter: one entry per cell, its median ns/op, the
// name being the cell's id (the same whatever -r was, so a series continues across runs).
std::string render_gab(const json& doc) {
  nlohmann::ordered_json a = nlohmann::ordered_json::array();  // name first, as people read it
  for (const json* e : cells(doc)) {
    const json& l = (*e)["lfbench"];
    const json& st = l["stats"]["ns_per_op"];
    std::string extra = "threads: " + std::to_string(l["threads"].get<int>()) + "\nops/s: " +
                        si(l["ops_per_sec"].get<double>()) + "\ncv: " + fmt(100 * st["cv"].get<double>()) + "%\nverified: " +
                        (l["verification"]["ok"].get<bool>() ? "ok" : "FAILED");
    std::string flags;
    for (const auto& f : l["flags"]) flags += (flags.empty() ? "" : ",") + f.get<std::string>();
    if (!flags.empty()) extra += "\nflags: " + flags;
    const std::string b = build_of(l);
    a.push_back({{"name", l["id"].get<std::string>() + (b.empty() ? "" : "@" + b)}, {"unit", "ns/op"}, {"value", st["median"]},
                 {"range", "\u00b1 " + fmt(st["stddev"].get<double>(), 2)}, {"extra", extra}});
  }
  return a.dump(2) + "\n";
}

std::string render_table(const json& doc) {
  std::vector<std::vector<std::string>> rows = {
      {"scenario", "primitive", "params", "threads", "ns/op", "cpu ns/op", "ops/s", "cv%", "fairness", "verified", "flags"}};
  bool latency = false;
  for (const json* e : cells(doc)) latency |= (*e)["lfbench"].contains("latency_ns");
  if (latency) rows[0].insert(rows[0].end() - 2, {"p50 ns", "p99 ns"});
  const bool ab = is_ab(doc);
  for (const json* e : cells(doc)) {
    const json& l = (*e)["lfbench"];
    const json& st = l["stats"]["ns_per_op"];
    std::string flags;
    for (const auto& f : l["flags"]) flags += (flags.empty() ? "" : ",") + f.get<std::string>();
    std::vector<std::string> row = {l["scenario"], l["primitive"], params_text(l["params"]),
                                    std::to_string(l["threads"].get<int>()), fmt(st["median"].get<double>(), 2),
                                    fmt(cpu_ns(l), 2), si(l["ops_per_sec"].get<double>()), fmt(100 * st["cv"].get<double>(), 1),
                                    fmt(l["fairness"]["jain"].get<double>(), 3),
                                    l["verification"]["ok"].get<bool>() ? "ok" : "FAILED", flags};
    if (latency)
      row.insert(row.end() - 2, {l.contains("latency_ns") ? pct_text(l["latency_ns"], "p50") : "",
                                 l.contains("latency_ns") ? pct_text(l["latency_ns"], "p99") : ""});
    if (ab) row[1] += "@" + build_of(l);
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  std::ostringstream o;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      const bool numeric = i >= 3 && i + 2 < r.size();
      const std::string pad(width[i] - r[i].size(), ' ');
      line += (numeric ? pad + r[i] : r[i] + pad) + (i + 1 < r.size() ? "  " : "");
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    o << line << '\n';
  }
  return o.str();
}

}  // namespace

std::string render(const json& doc, Format f) {
  switch (f) {
    case Format::json: return doc.dump(2) + "\n";
    case Format::csv: return render_csv(doc);
    case Format::table: return render_table(doc);
    case Format::gab: return render_gab(doc);
  }
  return {};
}

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
  if (!fs::is_directory(dir, ec))
    throw BadInput("-o " + path_ + ": directory '" + dir.string() + "' does not exist; create it first");
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
    std::cout << content << std::flush;
    return;
  }
  if (direct_) {
    const int fd = ::open(target_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open " + path_ + ": " + std::strerror(errno));
    for (std::size_t done = 0; done < content.size();) {
      const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        ::close(fd);
        throw std::runtime_error("cannot write " + path_ + ": " + std::strerror(err));
      }
      done += static_cast<std::size_t>(n);
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
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmpl.c_str());
      throw std::runtime_error("cannot write " + tmpl + ": " + std::strerror(err));
    }
    data += n;
    left -= static_cast<std::size_t>(n);
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
