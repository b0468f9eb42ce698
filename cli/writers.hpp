// Writers: results as JSON, CSV, a table or github-action-benchmark's custom JSON (gab), listed in
// writers.cpp; and the output target — checked before anything
// runs (so bad input writes nothing) and written atomically (temporary file + rename).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "results_file.hpp"

namespace lfbench {

// An output format of `run`: its name (--format), the -o extension that picks it, and its
// renderer of a results document (as results_json made it; `file` is the same read by
// results_file.hpp's reader). A new format: one write_<name>.cpp and one line in writers.cpp's list.
struct Writer {
  std::string_view name, extension, what;
  std::string (*render)(const nlohmann::json& doc, const ResultsFile& file);
};
std::span<const Writer> writers();
// Throws BadInput naming the allowed formats.
const Writer& writer_named(const std::string& name);
// By the -o path's extension; json when none matches.
const Writer& writer_for_path(const std::string& path);
// "json, csv, table, gab": for messages and --help.
std::string writer_names();
// Renders a results document in the named format.
std::string render(const nlohmann::json& doc, const std::string& format);

// Text the writers share.
std::string fixed(double v, int prec = 1);  // "%.*f"
std::string si(double v);                   // 1.23k, 45.6M
std::string flags_text(const nlohmann::json& flags, const char* sep);
std::string param_value(const nlohmann::json& v);  // a string as is, a number as JSON
// A latency percentile: a number, or "<R" when it is below the timer's resolution R.
std::string percentile_text(const nlohmann::json& latency, const char* q);
double cpu_ns(const nlohmann::json& summary);  // lfbench.cpu_ns_per_op, 0 when absent

class Output {
 public:
  // "-" = stdout. Throws BadInput if the directory is missing or not writable, or if the file
  // exists and !force. A symlink is written through (its target is the file); a device or a
  // FIFO (e.g. /dev/null) is written directly, with no temporary file and no --force needed.
  Output(std::string path, bool force);
  bool is_stdout() const { return path_ == "-"; }
  const std::string& path() const { return path_; }
  // Temporary file in the same directory, then rename; without force the rename refuses to
  // replace a file that appeared meanwhile.
  void write(const std::string& content) const;

 private:
  std::string path_;
  std::string target_;   // the file written: path_, or what its symlink points to
  bool direct_ = false;  // a device or FIFO: written in place
  bool force_;
};

}  // namespace lfbench
