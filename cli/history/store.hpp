// lfbench history's store: results over time in one SQLite file (Debian's libsqlite3).
//
// What a user keeps for years, so:
// - Versioned: `meta.schema_version`, and the file's `PRAGMA application_id` says it is lfbench's.
//   Migrations are a list (store.cpp, kMigrations), applied in order inside the writer's
//   transaction; a file of a newer version than this lfbench knows is refused, never written.
// - Never half-written: one `add` is one transaction (BEGIN IMMEDIATE ... COMMIT) for all its
//   files, so a killed add leaves the previous state. WAL journal, synchronous=FULL.
// - Concurrent writers (two CI jobs): BEGIN IMMEDIATE takes the write lock up front and waits
//   for the other writer (busy_timeout) instead of failing mid-way; a run's key is its file's
//   content (UNIQUE), so the same file added twice, even by two jobs at once, is one run.
// - Readers (check, show, export) open it SQLITE_OPEN_READONLY and read one snapshot.
// - A damaged file (truncated, overwritten, not SQLite, another program's) is refused on open
//   with one line naming it (BadInput: exit 2), from `PRAGMA quick_check` or the first query.
//
// Tables (schema 1): machines (the series-defining fingerprint: CPU model, logical CPUs,
// topology, build type), runs (one results file: content key, commit, branch, time, machine,
// and what else the context says: host, kernel, compiler, lfbench version, the whole context),
// cells (one per cell of a run: its key, verified or not) and windows (every measured window:
// ns/op, disturbed, CPU ns/op, lost share, repetition and window_seq). A kernel or compiler
// upgrade does not start a new series: it is a change like a commit, recorded per run, and
// check names it when a change point falls on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lfbench::history {

inline constexpr int kSchemaVersion = 1;
// PRAGMA application_id of an lfbench history file: "lfbh".
inline constexpr std::int32_t kApplicationId = 0x6c666268;
// How long a writer waits for another one (two CI jobs adding at once) before giving up.
inline constexpr int kBusyTimeoutMs = 60000;

// The hardware and build a series is measured on. `id` is the database's row id.
struct Machine {
  std::int64_t id = 0;
  std::string fingerprint;  // FNV-1a 64 of the fields below, 16 hex digits
  std::string cpu_model, topology, build_type;  // topology: the summary as JSON
  std::int64_t logical_cpus = 0;
  std::string short_id() const {  // appended, not "m" + ...: GCC 12 warns falsely (-Wrestrict) on that
    std::string id = "m";
    return id.append(fingerprint, 0, 8);
  }
  std::string label() const;  // "Intel Xeon ..., 2 CPUs, release"
};

struct Run {
  std::int64_t id = 0;
  std::string commit, branch;
  std::string date;        // context.date as written
  std::int64_t time = 0;   // the same, seconds since the epoch (UTC)
  std::int64_t machine = 0;
  std::string host, kernel, compiler, file;
};

// One run's measurement of one cell: its clean windows (ns/op, in file order).
struct Point {
  std::size_t run = 0;          // index into History::runs
  std::vector<double> ns;       // windows not disturbed
  std::size_t disturbed = 0;    // windows left out: others had the CPUs
};

// A cell on a machine over time (runs in time order).
struct Series {
  std::string cell;             // cell_key: scenario/primitive/params/threads
  std::string primitive;
  std::string workload;         // the cell without its primitive: scenario/params/threads
  std::int64_t machine = 0;
  std::vector<Point> points;
  std::size_t failed = 0;       // runs where the cell failed (verification, hung, crashed): left out
  std::size_t all_disturbed = 0;  // runs where every window was disturbed: left out
  std::size_t no_reference = 0;   // --relative-to: runs without the reference's cell, left out
};

struct History {
  std::string path;
  int schema_version = 0;
  std::vector<Machine> machines;
  std::vector<Run> runs;        // every run of the selection, in time order
  std::vector<Series> series;   // by cell, then machine
  const Machine& machine(std::int64_t id) const;
};

struct AddOptions {
  std::string db;      // "" = lfbench.db beside the first results file
  std::string commit;  // "" = each file's context.lfbench_git_sha
  std::string branch;  // may stay ""
};

struct Added {
  std::string file;
  std::int64_t run = 0;  // its run id (the existing one when already stored)
  bool already = false;  // the same content was stored before: nothing added
  std::size_t cells = 0, windows = 0;
  std::string commit;
};

struct AddResult {
  std::string db;
  std::vector<Added> files;
  bool created = false;  // the database file was made by this add
};

// Reads and checks every file first (nothing is written if one is refused: BadInput), then
// stores them in one transaction. `before_commit` (tests) runs inside it, after the inserts.
AddResult add(const std::vector<std::string>& files, const AddOptions& o,
              const std::function<void()>& before_commit = {});

// The default database of `add`: lfbench.db in the first results file's directory.
std::string default_db(const std::string& first_results_file);

// What check, show and export read.
struct Selection {
  std::string cell_glob;                // fnmatch(3) on the cell key; "" = every cell
  std::string branch;                   // "" = every branch (see one_branch)
  std::string machine;                  // a machine's short id or fingerprint prefix; "" = all
  std::optional<std::size_t> last_runs;  // --since N: the last N points of each series
  std::optional<std::int64_t> since;     // --since DATE: runs at or after it (UTC seconds)
  // Refuse a selection that mixes branches (as Apache Otava does): a series across branches
  // is not one history. The message lists the branches, for --branch.
  bool one_branch = false;
};

// Opens read-only; BadInput (one line naming the file) for a missing, damaged or foreign file,
// or one of a schema version this lfbench does not read.
History load(const std::string& db, const Selection& s);

// Brings an older file to kSchemaVersion (in one transaction); returns the version it had.
int migrate(const std::string& db);

// "2026-01-01T00:00:00+00:00" (Google Benchmark's context.date), or a date "2026-01-01" (its
// midnight UTC), as seconds since the epoch; nullopt when it is neither.
std::optional<std::int64_t> parse_time(const std::string& text);
// Seconds since the epoch as "2026-01-01 00:00:00 +0000" (UTC).
std::string format_time(std::int64_t t);

}  // namespace lfbench::history
