// The journal of a run: every finished window (and every failed cell) appended the moment it
// arrives, one JSON object per line, written with write(2) and fdatasync so that a crash of
// the supervisor itself (SIGKILL, OOM, power loss) keeps what was measured. The first line is
// the header: the plan (and its id), the run's options and the binary that wrote it (by content).
// The final results file is made from it; `lfbench run --resume JOURNAL` measures what is
// missing and writes the file.
//
// Every line ends with its checksum: `...,"sum":"<16 hex>"}`, FNV-1a 64 of the line's bytes
// with that member taken out (the line up to it, then "}"): a changed byte is found without
// parsing, and a reader in any language recomputes it from the bytes alone. Every record names
// the plan id of its header, its window's place in the run's order (seq) and the attempt it
// belongs to (runner.hpp, JournalRecord). A run holds an exclusive lock (flock) on its journal
// from creation or resume to the end: a second run on it is refused, naming the holder.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "../scenarios/harness/runner.hpp"

namespace lfbench {

inline constexpr int kJournalVersion = 3;  // 2: the plan names its builds; 3: checksums, plan id, seq, attempt, locked

class Journal {
 public:
  // Creates the file (O_EXCL: never shares one with another run) and locks it. Throws BadInput
  // if it exists. The header gets its plan_id (of header["plan"]).
  Journal(std::string path, nlohmann::json header);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  // Opens an existing journal for appending (--resume) and locks it, before it is read:
  // BadInput naming the process that holds it. continue_plan() then says whose records follow.
  static std::unique_ptr<Journal> reopen(std::string path);
  void continue_plan(std::string plan_id) { plan_id_ = std::move(plan_id); }

  void append(const JournalRecord& r);
  const std::string& path() const { return path_; }
  void remove();  // after the results file is written

 private:
  Journal() = default;
  void lock();
  void write_line(const nlohmann::json& j);
  std::string path_, plan_id_;
  int fd_ = -1;
};

// FNV-1a 64 of the bytes, as 16 lowercase hex digits: the journal's line checksum, a plan's id
// and a binary's content identity (not a defence against forgery: against a changed byte).
std::string content_hash(std::string_view bytes);
// A journal line of j (ending in its "sum" member), and back: the object without "sum", or
// discarded JSON if the line is not one or its checksum does not match (`why` says which).
std::string checksummed_line(const nlohmann::json& j);
nlohmann::json checked_line(std::string_view line, std::string& why);

struct LoadedJournal {
  nlohmann::json header;
  std::vector<JournalRecord> records;  // a torn last line (a crash mid-write) is dropped
  std::size_t next_seq = 0;            // after every record's
};
LoadedJournal load_journal(const std::string& path);  // throws BadInput

// What `run --resume` needs from a journal, every part checked as if the user had typed it
// (a journal is outside input: it may be edited, truncated or not lfbench's at all).
struct Resume {
  nlohmann::json header;
  Plan plan;
  std::string output, format;
  bool interleave = true, keep_disturbed = false, force = false;
  std::chrono::nanoseconds until_decided{};  // run --until-decided's budget (0: not)
  // Whole attempts only: an A/B pair the interruption cut in two is measured again as a pair.
  std::vector<JournalRecord> records;
  std::size_t dropped = 0;  // windows of attempts left incomplete, not replayed
  std::size_t next_seq = 0;
};
Resume load_resume(const std::string& path);  // throws BadInput

// The plan as the header keeps it, and back (throws BadInput if this binary lacks a scenario,
// primitive or parameter of it).
nlohmann::json plan_json(const Plan& plan);
Plan plan_from_json(const nlohmann::json& j, const std::string& where);

// What identifies the binary that measured: version, git sha, and the executable's size and
// content hash; of another binary (an A/B build), its size and content hash.
nlohmann::json binary_identity();
nlohmann::json file_identity(const std::string& path);

}  // namespace lfbench
