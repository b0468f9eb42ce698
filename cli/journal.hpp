// The journal of a run: every finished window (and every failed cell) appended the moment it
// arrives, one JSON object per line, written with write(2) and fdatasync so that a crash of
// the supervisor itself (SIGKILL, OOM, power loss) keeps what was measured. The first line is
// the header: the plan, the run's options and the binary that wrote it. The final results file
// is made from it; `lfbench run --resume JOURNAL` measures what is missing and writes the file.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../scenarios/harness/runner.hpp"

namespace lfbench {

inline constexpr int kJournalVersion = 2;  // 2: the plan names its builds (A/B runs)

class Journal {
 public:
  // Creates the file (O_EXCL: never shares one with another run). Throws BadInput if it exists.
  Journal(std::string path, const nlohmann::json& header);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  // Appends an existing journal (--resume): the header is checked by the caller.
  static std::unique_ptr<Journal> reopen(std::string path);

  void append(const JournalRecord& r);
  const std::string& path() const { return path_; }
  void remove();  // after the results file is written

 private:
  Journal() = default;
  void write_line(const nlohmann::json& j);
  std::string path_;
  int fd_ = -1;
};

struct LoadedJournal {
  nlohmann::json header;
  std::vector<JournalRecord> records;  // a torn last line (a crash mid-write) is dropped
};
LoadedJournal load_journal(const std::string& path);  // throws BadInput

// What `run --resume` needs from a journal, every part checked as if the user had typed it
// (a journal is outside input: it may be edited, truncated or not lfbench's at all).
struct Resume {
  nlohmann::json header;
  Plan plan;
  std::string output, pin, format;
  bool interleave = true, keep_disturbed = false, force = false;
  std::chrono::nanoseconds until_decided{};  // run --until-decided's budget (0: not)
  std::vector<JournalRecord> records;
};
Resume load_resume(const std::string& path);  // throws BadInput

// The plan as the header keeps it, and back (throws BadInput if this binary lacks a scenario,
// primitive or parameter of it).
nlohmann::json plan_json(const Plan& plan);
Plan plan_from_json(const nlohmann::json& j, const std::string& where);

// What identifies the binary that measured: version, git sha, and the executable's size and
// modification time; of another binary (an A/B build), its size and modification time.
nlohmann::json binary_identity();
nlohmann::json file_identity(const std::string& path);

}  // namespace lfbench
