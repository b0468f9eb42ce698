// Writers: results as JSON, CSV, a table or github-action-benchmark's custom JSON (gab); and the output target — checked before anything
// runs (so bad input writes nothing) and written atomically (temporary file + rename).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace lfbench {

enum class Format { json, csv, table, gab };
inline constexpr const char* kFormats = "json, csv, table, gab";
bool parse_format(const std::string& s, Format& out);

// Renders a results document (as results_json produced it) in the given format.
std::string render(const nlohmann::json& results, Format f);

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
