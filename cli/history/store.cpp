// lfbench history's SQLite store (see store.hpp for what it promises and why).
#include "store.hpp"

#include <fnmatch.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>

#include "../input.hpp"
#include "../journal.hpp"
#include "../json_schema.hpp"
#include "../results_file.hpp"
#include "lfbench_config.h"
#include "lfbench_version.h"

namespace lfbench::history {

namespace {

using hjson = nlohmann::json;

// ---- schema ------------------------------------------------------------------------------

// Each migration takes the file from version - 1 to version; the list only grows. A new
// version: append its statements here, raise kSchemaVersion, and keep the readers able to read
// the new shape.
struct Migration {
  int version;
  const char* sql;
};
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE machines (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  cpu_model TEXT NOT NULL,
  logical_cpus INTEGER NOT NULL,
  topology TEXT NOT NULL,
  build_type TEXT NOT NULL
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  content_key TEXT NOT NULL UNIQUE,
  file TEXT NOT NULL,
  commit_sha TEXT NOT NULL,
  branch TEXT NOT NULL,
  date TEXT NOT NULL,
  time INTEGER NOT NULL,
  added_at INTEGER NOT NULL,
  machine_id INTEGER NOT NULL REFERENCES machines(id),
  host TEXT NOT NULL,
  kernel TEXT NOT NULL,
  compiler TEXT NOT NULL,
  lfbench_version TEXT NOT NULL,
  lfbench_git_sha TEXT NOT NULL,
  context TEXT NOT NULL
);
CREATE INDEX runs_by_time ON runs(time, id);
CREATE TABLE cells (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  key TEXT NOT NULL,
  scenario TEXT NOT NULL,
  primitive TEXT NOT NULL,
  threads INTEGER NOT NULL,
  verified INTEGER NOT NULL,
  detail TEXT NOT NULL,
  flags TEXT NOT NULL,
  UNIQUE (run_id, key)
);
CREATE INDEX cells_by_key ON cells(key);
CREATE TABLE windows (
  cell_id INTEGER NOT NULL REFERENCES cells(id),
  seq INTEGER NOT NULL,
  ns_per_op REAL NOT NULL,
  disturbed INTEGER NOT NULL,
  cpu_ns_per_op REAL,
  lost_share REAL,
  repetition INTEGER,
  window_seq INTEGER,
  PRIMARY KEY (cell_id, seq)
) WITHOUT ROWID;
)sql"},
};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

// ---- SQLite, thinly --------------------------------------------------------------------------

// A failure of SQLite on file `path`: a damaged or foreign file is bad input (exit 2); a busy
// or failing disk is an error (exit 3).
[[noreturn]] void sql_failed(sqlite3* db, int rc, const std::string& path, const std::string& doing) {
  const std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_FORMAT:
      throw BadInput(path + ": not a readable lfbench history database (" + msg + "); allowed: a file lfbench history add made, undamaged");
    case SQLITE_CANTOPEN:
      throw BadInput(path + ": cannot open (" + msg + ")");
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      throw BadInput(path + ": cannot write (" + msg + "); allowed: a database file and directory you can write");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw std::runtime_error(path + ": still locked by another writer after " + std::to_string(kBusyTimeoutMs / 1000) +
                               " s (" + msg + ")");
    default:
      throw std::runtime_error(path + ": " + doing + ": " + msg);
  }
}

class Stmt;

class Sql {
 public:
  // read_only: SQLITE_OPEN_READONLY; immutable: also no locking (a file in a read-only place).
  Sql(std::string path, bool read_only, bool immutable = false) : path_(std::move(path)) {
    int flags = SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    std::string name = path_;
    if (immutable) {
      flags |= SQLITE_OPEN_URI;
      name = "file:" + uri_path(path_) + "?immutable=1";
    }
    const int rc = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
      sql_failed(nullptr, rc, path_, "open: " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  }
  ~Sql() { sqlite3_close_v2(db_); }
  Sql(const Sql&) = delete;
  Sql& operator=(const Sql&) = delete;

  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }
  void exec(const std::string& sql, const std::string& doing) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) sql_failed(db_, rc, path_, doing);
  }
  [[noreturn]] void fail(int rc, const std::string& doing) const { sql_failed(db_, rc, path_, doing); }

 private:
  // A path as a file: URI path (RFC 3986): '?', '#' and '%' percent-encoded, relative kept.
  static std::string uri_path(const std::string& p) {
    std::string out;
    for (const char c : p) {
      if (c == '?' || c == '#' || c == '%') {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
        out += buf;
      } else {
        out += c;
      }
    }
    return out;
  }
  std::string path_;
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  Stmt(Sql& db, const char* sql) : db_(db) {
    const int rc = sqlite3_prepare_v2(db.get(), sql, -1, &s_, nullptr);
    // lfbench's own statements fail to prepare only on a schema that is not lfbench's (an
    // edited or damaged file whose version number still reads right).
    if ((rc & 0xff) == SQLITE_ERROR)
      throw BadInput(db.path() + ": not an lfbench history of the schema it claims (" + sqlite3_errmsg(db.get()) +
                     "); allowed: a file lfbench history add made, undamaged");
    if (rc != SQLITE_OK) db.fail(rc, "prepare");
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, const std::string& v) { return check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string(v)); }
  Stmt& bind(int i, std::int64_t v) { return check(sqlite3_bind_int64(s_, i, v)); }
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, std::size_t v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, bool v) { return bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
  Stmt& bind(int i, double v) { return check(sqlite3_bind_double(s_, i, v)); }
  Stmt& bind_null(int i) { return check(sqlite3_bind_null(s_, i)); }
  // true: a row is there to read; false: done.
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_.fail(rc, "query");
  }
  void run() {
    step();
    reset();
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  bool null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }
  bool number(int i) const { return sqlite3_column_type(s_, i) == SQLITE_FLOAT || sqlite3_column_type(s_, i) == SQLITE_INTEGER; }
  std::int64_t i64(int i) const { return sqlite3_column_int64(s_, i); }
  double real(int i) const { return sqlite3_column_double(s_, i); }
  std::string text(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, i))) : std::string();
  }

 private:
  Stmt& check(int rc) {
    if (rc != SQLITE_OK) db_.fail(rc, "bind");
    return *this;
  }
  Sql& db_;
  sqlite3_stmt* s_ = nullptr;
};

// The first thing read from a file: SQLite's own check of every page's structure (quick_check:
// b-trees, free list, page counts; not index contents), so a truncated or overwritten file is
// refused before anything is taken from it. Returns SQLite's code when the check could not run.
int quick_check(Sql& db) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db.get(), "PRAGMA quick_check(1)", -1, &s, nullptr);
  std::string first = "no answer";
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      first = t ? t : "";
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_OK) return rc;
  if (first != "ok")
    throw BadInput(db.path() + ": a damaged lfbench history database (SQLite quick_check: " + first +
                   "); allowed: an undamaged file (restore it from a backup)");
  return SQLITE_OK;
}

void check_integrity(Sql& db) {
  if (const int rc = quick_check(db); rc != SQLITE_OK) db.fail(rc, "check");
}

bool has_table(Sql& db, const char* name) {
  Stmt s(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?");
  s.bind(1, name);
  return s.step();
}

std::int64_t count_tables(Sql& db) {
  Stmt s(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'");
  s.step();
  return s.i64(0);
}

std::int32_t application_id(Sql& db) {
  Stmt s(db, "PRAGMA application_id");
  s.step();
  return static_cast<std::int32_t>(s.i64(0));
}

// The file's schema version: 0 for a new (empty) file; BadInput for a file that is SQLite but
// not lfbench's, or of a version this lfbench does not know.
int schema_version(Sql& db) {
  const std::int32_t app = application_id(db);
  if (app == 0 && count_tables(db) == 0) return 0;
  if (app != kApplicationId || !has_table(db, "meta"))
    throw BadInput(db.path() + ": an SQLite database, but not an lfbench history (application_id " + std::to_string(app) +
                   "); allowed: a file lfbench history add made");
  Stmt s(db, "SELECT value FROM meta WHERE key = 'schema_version'");
  int v = -1;
  if (s.step()) {
    try {
      v = std::stoi(s.text(0));
    } catch (const std::exception&) {
      v = -1;
    }
  }
  if (v < 1) throw BadInput(db.path() + ": an lfbench history without a valid meta.schema_version; allowed: a file lfbench history add made");
  if (v > kSchemaVersion)
    throw BadInput(db.path() + ": schema version " + std::to_string(v) + " is newer than this lfbench reads (" +
                   std::to_string(kSchemaVersion) + "); allowed: schema version 1 to " + std::to_string(kSchemaVersion) +
                   " (use a newer lfbench)");
  return v;
}

// For a writer: WAL (readers never block the writer, nor it them), full sync (a commit survives
// power loss), then BEGIN IMMEDIATE: the write lock now, waiting up to busy_timeout for another
// writer, so no transaction fails half-way on a lock. Returns the version found (after
// migrating it to kSchemaVersion, inside the transaction).
int begin_writing(Sql& db, bool& created) {
  check_integrity(db);
  {
    // Changing the journal mode needs a moment without other connections' locks; the busy
    // handler is not always consulted for it, so it is retried here within the same bound.
    const auto start = std::time(nullptr);
    for (;;) {
      sqlite3_stmt* s = nullptr;
      int rc = sqlite3_prepare_v2(db.get(), "PRAGMA journal_mode = WAL", -1, &s, nullptr);
      std::string mode;
      if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
          const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
          mode = t ? t : "";
          rc = SQLITE_OK;
        }
      }
      sqlite3_finalize(s);
      if (rc == SQLITE_OK && mode == "wal") break;
      const bool busy = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
      if (!busy || std::time(nullptr) - start > kBusyTimeoutMs / 1000) {
        if (rc != SQLITE_OK) db.fail(rc, "set WAL mode");
        throw std::runtime_error(db.path() + ": could not be put in WAL mode (journal_mode " + mode + ")");
      }
      usleep(50000);
    }
  }
  db.exec("PRAGMA synchronous = FULL", "set synchronous");
  db.exec("PRAGMA foreign_keys = ON", "set foreign_keys");
  db.exec("BEGIN IMMEDIATE", "begin a transaction");
  const int found = schema_version(db);
  created = found == 0;
  for (const Migration& m : kMigrations) {
    if (m.version <= found) continue;
    db.exec(m.sql, "migrate to schema version " + std::to_string(m.version));
    Stmt s(db, "INSERT INTO meta(key, value) VALUES('schema_version', ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    s.bind(1, std::to_string(m.version)).run();
  }
  if (found == 0) {
    db.exec("PRAGMA application_id = " + std::to_string(kApplicationId), "set application_id");
    Stmt s(db, "INSERT INTO meta(key, value) VALUES('created_by', ?), ('created_at', ?)");
    s.bind(1, std::string("lfbench ") + LFBENCH_VERSION + " (git " + LFBENCH_GIT_SHA + ")")
        .bind(2, format_time(std::time(nullptr)))
        .run();
  }
  return found;
}

// A reader's connection: read-only, and checked. A file in a directory lfbench cannot write
// (an archive) cannot get the shared-memory file a WAL reader needs: it is read as immutable.
std::unique_ptr<Sql> open_reading(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw BadInput(path + ": no such history database (lfbench history add creates it)");
  if (!S_ISREG(st.st_mode)) throw BadInput(path + ": not a regular file; allowed: an lfbench history database file");
  auto db = std::make_unique<Sql>(path, true);
  const int rc = quick_check(*db);
  if (rc == SQLITE_OK) return db;
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int primary = rc & 0xff;
  if ((primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY) && access(dir.empty() ? "." : dir.c_str(), W_OK) != 0) {
    db = std::make_unique<Sql>(path, true, true);
    check_integrity(*db);
  } else {
    db->fail(rc, "check");
  }
  return db;
}

// ---- reading results files --------------------------------------------------------------------

const std::string* text_at(const hjson& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

std::string text_or(const hjson& obj, const char* key, const std::string& fallback) {
  const std::string* s = text_at(obj, key);
  return s ? *s : fallback;
}

// A commit or branch name as given: printable, bounded.
std::string checked_name(const std::string& v, const char* option) {
  if (v.size() > 256) throw BadInput(std::string(option) + ": " + std::to_string(v.size()) + " characters; allowed: at most 256");
  for (const char c : v)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw BadInput(std::string(option) + " '" + v + "': a control character; allowed: a commit id or branch name");
  return v;
}

struct Prepared {
  std::string file, key, commit, date, host, kernel, compiler, version, git_sha, context;
  std::int64_t time = 0;
  Machine machine;
  ResultsFile results;
};

// Everything about one file, checked, before the database is touched.
Prepared prepare(const std::string& file, const AddOptions& o) {
  const std::string text = read_input_file(file, results_limits().max_file_bytes, file, "results file");
  Prepared p;
  p.file = file;
  p.results = parse_results(text, file);  // the one reader: limits, schema, schema version
  const ResultsFile& r = p.results;
  if (!r.lfbench)
    throw BadInput(file + ": a plain Google Benchmark file (no lfbench_schema_version): it names no machine; "
                          "allowed: a results file of lfbench run");
  if (r.ab())
    throw BadInput(file + ": an A/B file (two builds in one run) is not one commit's run; allowed: a results file "
                          "of a plain lfbench run (lfbench compare judges A/B files)");
  if (r.incomplete)
    throw BadInput(file + ": from an interrupted run (lfbench_incomplete); allowed: a complete run (lfbench run --resume "
                          "JOURNAL finishes it)");
  if (!r.verify.is_null())
    throw BadInput(file + ": a file of lfbench verify (ThreadSanitizer windows); allowed: a results file of lfbench run");
  const hjson ctx = hjson::parse(text).at("context");  // checked by parse_results
  p.key = "fnv1a64:" + content_hash(text) + ":" + std::to_string(text.size());
  p.commit = checked_name(!o.commit.empty() ? o.commit : text_or(ctx, "lfbench_git_sha", ""), "--commit");
  if (p.commit.empty() || p.commit == "unknown")
    throw BadInput(file + ": no commit (its context has no lfbench_git_sha); allowed: --commit SHA");
  p.date = text_or(ctx, "date", "");
  const auto t = parse_time(p.date);
  if (!t)
    throw BadInput(file + ": context.date '" + p.date + "' is not a time; allowed: YYYY-MM-DDTHH:MM:SS+HH:MM (Google Benchmark's)");
  p.time = *t;
  p.host = text_or(ctx, "lfbench_host", text_or(ctx, "host_name", ""));
  p.kernel = text_or(ctx, "lfbench_kernel", "");
  p.compiler = text_or(ctx, "lfbench_compiler", "");
  p.version = text_or(ctx, "lfbench_version", "");
  p.git_sha = text_or(ctx, "lfbench_git_sha", "");
  p.context = ctx.dump();
  Machine& m = p.machine;
  m.cpu_model = text_or(ctx, "lfbench_cpu_model", "unknown");
  m.build_type = text_or(ctx, "lfbench_build_type", "unknown");
  if (const auto it = ctx.find("lfbench_logical_cpus"); it != ctx.end() && it->is_number_integer())
    m.logical_cpus = it->get<std::int64_t>();
  // The topology's shape, not which CPUs this run was allowed (an affinity mask is the run's).
  hjson topo = hjson::object();
  if (const auto it = ctx.find("lfbench_topology"); it != ctx.end() && it->is_object())
    for (const char* k : {"packages", "numa_nodes", "l3_domains", "cores", "threads_per_core"})
      if (const auto v = it->find(k); v != it->end() && v->is_number()) topo[k] = *v;
  m.topology = topo.dump();
  m.fingerprint = content_hash(m.cpu_model + '\n' + std::to_string(m.logical_cpus) + '\n' + m.topology + '\n' + m.build_type);
  return p;
}

std::string flags_of(const ResultsCell& c) {
  std::vector<std::string> f;
  if (c.noisy) f.emplace_back("noisy");
  if (c.disturbed) f.emplace_back("disturbed");
  if (c.incomplete) f.emplace_back("incomplete");
  return join(f, ",");
}

std::int64_t machine_id(Sql& db, const Machine& m) {
  Stmt ins(db, "INSERT INTO machines(fingerprint, cpu_model, logical_cpus, topology, build_type) VALUES(?, ?, ?, ?, ?) "
               "ON CONFLICT(fingerprint) DO NOTHING");
  ins.bind(1, m.fingerprint).bind(2, m.cpu_model).bind(3, m.logical_cpus).bind(4, m.topology).bind(5, m.build_type).run();
  Stmt q(db, "SELECT id FROM machines WHERE fingerprint = ?");
  q.bind(1, m.fingerprint);
  q.step();
  return q.i64(0);
}

Added store(Sql& db, const Prepared& p, const AddOptions& o) {
  Added a;
  a.file = p.file;
  a.commit = p.commit;
  const std::int64_t machine = machine_id(db, p.machine);
  Stmt run(db, "INSERT INTO runs(content_key, file, commit_sha, branch, date, time, added_at, machine_id, host, kernel, "
               "compiler, lfbench_version, lfbench_git_sha, context) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
               "ON CONFLICT(content_key) DO NOTHING");
  run.bind(1, p.key).bind(2, p.file).bind(3, p.commit).bind(4, o.branch).bind(5, p.date).bind(6, p.time)
      .bind(7, static_cast<std::int64_t>(std::time(nullptr))).bind(8, machine).bind(9, p.host).bind(10, p.kernel)
      .bind(11, p.compiler).bind(12, p.version).bind(13, p.git_sha).bind(14, p.context).run();
  if (sqlite3_changes(db.get()) == 0) {
    Stmt q(db, "SELECT id FROM runs WHERE content_key = ?");
    q.bind(1, p.key);
    q.step();
    a.run = q.i64(0);
    a.already = true;
    return a;
  }
  a.run = sqlite3_last_insert_rowid(db.get());
  Stmt cell(db, "INSERT INTO cells(run_id, key, scenario, primitive, threads, verified, detail, flags) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  Stmt win(db, "INSERT INTO windows(cell_id, seq, ns_per_op, disturbed, cpu_ns_per_op, lost_share, repetition, window_seq) "
               "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  for (const ResultsCell& c : p.results.cells) {
    cell.bind(1, a.run).bind(2, c.key()).bind(3, c.scenario).bind(4, c.primitive).bind(5, static_cast<std::int64_t>(c.threads))
        .bind(6, c.verified).bind(7, c.verification_detail).bind(8, flags_of(c)).run();
    const std::int64_t cell_id = sqlite3_last_insert_rowid(db.get());
    ++a.cells;
    std::int64_t seq = 0;
    for (const Sample& s : c.samples) {
      win.bind(1, cell_id).bind(2, seq++).bind(3, s.ns).bind(4, s.disturbed);
      if (s.cpu_ns > 0) win.bind(5, s.cpu_ns); else win.bind_null(5);
      if (s.lost >= 0) win.bind(6, s.lost); else win.bind_null(6);
      if (s.rep >= 0) win.bind(7, s.rep); else win.bind_null(7);
      if (s.seq >= 0) win.bind(8, s.seq); else win.bind_null(8);
      win.run();
      ++a.windows;
    }
  }
  return a;
}

}  // namespace

// ---- public ---------------------------------------------------------------------------------

std::string Machine::label() const {
  return cpu_model + ", " + std::to_string(logical_cpus) + " CPUs, " + build_type;
}

const Machine& History::machine(std::int64_t id) const {
  for (const auto& m : machines)
    if (m.id == id) return m;
  throw std::logic_error("history: no machine " + std::to_string(id));
}

std::string default_db(const std::string& first_results_file) {
  const auto dir = std::filesystem::path(first_results_file).parent_path();
  return (dir.empty() ? std::filesystem::path("lfbench.db") : dir / "lfbench.db").string();
}

AddResult add(const std::vector<std::string>& files, const AddOptions& o, const std::function<void()>& before_commit) {
  if (files.empty()) throw BadInput("history add: no results file; allowed: one or more results files of lfbench run");
  AddOptions opt = o;
  opt.branch = checked_name(o.branch, "--branch");
  if (!o.commit.empty()) checked_name(o.commit, "--commit");
  std::vector<Prepared> prepared;
  for (const auto& f : files) prepared.push_back(prepare(f, opt));

  AddResult result;
  result.db = opt.db.empty() ? default_db(files.front()) : opt.db;
  {
    struct stat st {};
    if (::stat(result.db.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
      throw BadInput(result.db + ": not a regular file; allowed: an lfbench history database file (--db)");
    const auto dir = std::filesystem::path(result.db).parent_path();
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
      throw BadInput(result.db + ": directory '" + dir.string() + "' does not exist");
  }
  Sql db(result.db, false);
  begin_writing(db, result.created);
  try {
    for (const auto& p : prepared) result.files.push_back(store(db, p, opt));
    if (before_commit) before_commit();
    db.exec("COMMIT", "commit");
  } catch (...) {
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return result;
}

int migrate(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw BadInput(path + ": no such history database");
  Sql db(path, false);
  bool created = false;
  const int found = begin_writing(db, created);
  if (created) {
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw BadInput(path + ": an empty file, not an lfbench history (lfbench history add creates one)");
  }
  db.exec("COMMIT", "commit");
  return found;
}

History load(const std::string& path, const Selection& sel) {
  const auto db = open_reading(path);
  History h;
  h.path = path;
  db->exec("BEGIN", "begin reading");  // one snapshot for every query below
  const std::int32_t app = application_id(*db);
  if (app == 0 && count_tables(*db) == 0)
    throw BadInput(path + ": an empty file, not an lfbench history (lfbench history add creates one)");
  h.schema_version = schema_version(*db);

  {
    Stmt s(*db, "SELECT id, fingerprint, cpu_model, logical_cpus, topology, build_type FROM machines ORDER BY id");
    while (s.step()) h.machines.push_back({s.i64(0), s.text(1), s.text(2), s.text(4), s.text(5), s.i64(3)});
  }
  std::set<std::int64_t> machines;
  for (const auto& m : h.machines) {
    const std::string want = sel.machine.starts_with("m") && sel.machine.size() == 9 ? sel.machine.substr(1) : sel.machine;
    if (want.empty() || m.fingerprint.starts_with(want)) machines.insert(m.id);
  }
  if (!sel.machine.empty() && machines.empty()) {
    std::vector<std::string> ids;
    for (const auto& m : h.machines) ids.push_back(m.short_id());
    throw BadInput("--machine " + sel.machine + ": no such machine in " + path + "; allowed: " + (ids.empty() ? "none stored" : join(ids)));
  }

  std::map<std::int64_t, std::size_t> run_index;  // run id -> index in h.runs
  {
    Stmt s(*db, "SELECT id, commit_sha, branch, date, time, machine_id, host, kernel, compiler, file FROM runs ORDER BY time, id");
    std::set<std::string> branches;
    while (s.step()) {
      Run r{s.i64(0), s.text(1), s.text(2), s.text(3), s.i64(4), s.i64(5), s.text(6), s.text(7), s.text(8), s.text(9)};
      if (!machines.contains(r.machine)) continue;
      if (!sel.branch.empty() && r.branch != sel.branch) continue;
      if (sel.since && r.time < *sel.since) continue;
      branches.insert(r.branch);
      run_index[r.id] = h.runs.size();
      h.runs.push_back(std::move(r));
    }
    if (sel.one_branch && sel.branch.empty() && branches.size() > 1) {
      std::vector<std::string> names;
      for (const auto& b : branches) names.push_back(b.empty() ? "''" : b);
      throw BadInput(path + ": runs of " + std::to_string(branches.size()) + " branches; a series across branches is not one "
                     "history; allowed: --branch NAME, one of: " + join(names));
    }
  }

  // (cell, machine) -> series; a run's windows of one cell arrive together, in file order.
  std::map<std::pair<std::string, std::int64_t>, Series> by_key;
  {
    Stmt s(*db, "SELECT c.run_id, c.key, c.verified, w.ns_per_op, w.disturbed, c.scenario, c.primitive FROM cells c "
                "LEFT JOIN windows w ON w.cell_id = c.id ORDER BY c.id, w.seq");
    std::int64_t last_run = -1;
    std::string last_key;
    Series* cur = nullptr;
    bool cur_failed = false;
    Point point;
    const auto flush = [&] {
      if (!cur) return;
      if (cur_failed) ++cur->failed;
      else if (point.ns.empty()) ++cur->all_disturbed;
      else cur->points.push_back(std::move(point));
      point = Point{};
      cur = nullptr;
    };
    while (s.step()) {
      const std::int64_t run = s.i64(0);
      const std::string key = s.text(1);
      if (run != last_run || key != last_key) {
        flush();
        last_run = run;
        last_key = key;
        const auto it = run_index.find(run);
        if (it == run_index.end()) continue;
        if (!sel.cell_glob.empty() && fnmatch(sel.cell_glob.c_str(), key.c_str(), 0) != 0) continue;
        const std::int64_t m = h.runs[it->second].machine;
        Series& ser = by_key[{key, m}];
        ser.cell = key;
        ser.machine = m;
        ser.primitive = s.text(6);
        const std::string prefix = s.text(5) + "/" + ser.primitive + "/";
        ser.workload = key.starts_with(prefix) ? s.text(5) + "/" + key.substr(prefix.size()) : key;
        cur = &ser;
        cur_failed = s.i64(2) == 0;
        point.run = it->second;
      }
      if (!cur || s.null(3)) continue;
      // A figure no run writes (0, negative, infinite, or text where a number belongs) is damage,
      // said as such: the statistics after assume positive finite times (a 0 made a NaN that
      // hung the change-point scan: fuzz_history's find).
      if (s.i64(4) != 0) {
        ++point.disturbed;
        continue;
      }
      const bool number = s.number(3);
      const double ns = number ? s.real(3) : 0;
      // The results reader's bounds (above 0, at most 1e12 ns).
      if (!number || !(ns > 0 && ns <= 1e12))
        throw BadInput(path + ": damaged: a window of cell " + key.substr(0, 200) + " has ns/op '" +
                       (number ? std::to_string(ns) : s.text(3).substr(0, 40)) + "'; allowed: a number above 0 and at most 1e12 (restore the file from a copy)");
      point.ns.push_back(ns);
    }
    flush();
  }
  db->exec("COMMIT", "end reading");
  for (auto& [key, ser] : by_key) {
    std::stable_sort(ser.points.begin(), ser.points.end(), [](const Point& a, const Point& b) { return a.run < b.run; });
    if (sel.last_runs && ser.points.size() > *sel.last_runs)
      ser.points.erase(ser.points.begin(), ser.points.end() - static_cast<std::ptrdiff_t>(*sel.last_runs));
    h.series.push_back(std::move(ser));
  }
  return h;
}

std::optional<std::int64_t> parse_time(const std::string& text) {
  int y = 0, mo = 0, d = 0, hh = 0, mi = 0, ss = 0;
  std::size_t pos = 0;
  const auto digits = [&](int n, int& out) {
    if (pos + static_cast<std::size_t>(n) > text.size()) return false;
    out = 0;
    for (int i = 0; i < n; ++i) {
      const char c = text[pos++];
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    return true;
  };
  const auto lit = [&](char c) { return pos < text.size() && text[pos] == c ? (++pos, true) : false; };
  if (!digits(4, y) || !lit('-') || !digits(2, mo) || !lit('-') || !digits(2, d)) return std::nullopt;
  long offset = 0;
  if (pos < text.size()) {
    if (!(lit('T') || lit(' ')) || !digits(2, hh) || !lit(':') || !digits(2, mi) || !lit(':') || !digits(2, ss))
      return std::nullopt;
    if (lit('.'))
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    lit(' ');
    if (lit('Z')) {
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      const int sign = text[pos++] == '-' ? -1 : 1;
      int oh = 0, om = 0;
      if (!digits(2, oh)) return std::nullopt;
      lit(':');
      if (!digits(2, om)) return std::nullopt;
      offset = sign * (oh * 3600L + om * 60L);
    }
    if (pos != text.size()) return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || ss > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = hh;
  tm.tm_min = mi;
  tm.tm_sec = ss;
  return static_cast<std::int64_t>(timegm(&tm)) - offset;
}

std::string format_time(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S +0000", &tm);
  return buf;
}

}  // namespace lfbench::history
