#include "persistence/shard_store.hpp"

#include <filesystem>

#include <sqlite3.h>

#include <algorithm>

#include "core/assert.hpp"
#include "core/crc32c.hpp"
#include "core/limits.hpp"

namespace holdfast {

namespace {

constexpr int store_format_version = 1;

// The checksum binds a record to its position, so a row copied or shifted
// elsewhere fails verification too.
uint32_t row_crc(uint64_t seq, event_id event, std::string_view record) {
  return crc32c(record.data(), record.size(), static_cast<uint32_t>(seq) ^ (event * 2654435761u));
}

struct statement {
  sqlite3_stmt* stmt = nullptr;
  ~statement() { sqlite3_finalize(stmt); }
};

std::string_view column_blob(sqlite3_stmt* s, int col) {
  auto data = static_cast<const char*>(sqlite3_column_blob(s, col));
  return {data == nullptr ? "" : data, static_cast<size_t>(sqlite3_column_bytes(s, col))};
}

} // namespace

std::string shard_db_path(const std::string& data_dir, uint32_t shard) {
  return data_dir + "/shard-" + std::to_string(shard) + ".db";
}

std::string snapshot_db_path(const std::string& db_path) {
  constexpr std::string_view ext = ".db";
  const bool has_ext = db_path.size() > ext.size() &&
                       db_path.compare(db_path.size() - ext.size(), ext.size(), ext) == 0;
  return (has_ext ? db_path.substr(0, db_path.size() - ext.size()) : db_path) + ".snapshots.db";
}

namespace {
constexpr const char* snapshot_schema =
    "CREATE TABLE IF NOT EXISTS snap.snapshots("
    "event_id INTEGER NOT NULL, seq INTEGER NOT NULL, crc INTEGER NOT NULL,"
    "blob BLOB NOT NULL, PRIMARY KEY(event_id, seq))";

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text)
    out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}
} // namespace

// Attaches `file` as "snap" for writing: WAL, synchronous=FULL (like the
// journal file), with its table.
status shard_store::attach_snapshot_file(const std::string& file) {
  if (auto st = exec(("ATTACH DATABASE " + quoted(file) + " AS snap").c_str()); !st) return st;
  for (const char* sql : {"PRAGMA snap.journal_mode=WAL", "PRAGMA snap.synchronous=FULL"})
    if (auto st = exec(sql); !st) return st;
  return exec(snapshot_schema);
}

// The snapshots live in their own file, attached as "snap": writing a large
// snapshot there never holds the journal file's write lock.
status shard_store::attach_snapshots(bool read_only) {
  const std::string file = snapshot_db_path(path_);
  std::error_code ec;
  const bool exists = std::filesystem::exists(file, ec);
  if (read_only && !exists) {
    // Nothing was ever snapshotted (or the files predate the split): an empty
    // in-memory table reads the same as an empty file.
    if (auto st = exec("ATTACH DATABASE ':memory:' AS snap"); !st) return st;
    return exec(snapshot_schema);
  }
  if (read_only) return exec(("ATTACH DATABASE " + quoted(file) + " AS snap").c_str());
  if (auto st = attach_snapshot_file(file); !st) return st;
  // Files written before the split kept snapshots in the journal file: move them.
  bool old_table = false;
  {
    statement old; // finalized before the DROP below, which it would lock
    if (auto st =
            prepare("SELECT count(*) FROM main.sqlite_master WHERE name='snapshots'", &old.stmt);
        !st)
      return st;
    old_table = sqlite3_step(old.stmt) == SQLITE_ROW && sqlite3_column_int(old.stmt, 0) > 0;
  }
  if (old_table)
    return exec("INSERT OR IGNORE INTO snap.snapshots SELECT * FROM main.snapshots;"
                "DROP TABLE main.snapshots;");
  return status::success();
}

status shard_store::open_snapshot_writer(const std::string& path, uint32_t shard,
                                         std::unique_ptr<shard_store>& out) {
  std::unique_ptr<shard_store> s{new shard_store(path, shard)};
  // A connection of its own, on an in-memory main database: it touches only
  // the attached snapshot file, never the journal file.
  if (sqlite3_open_v2(":memory:", &s->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK)
    return s->fail("open");
  sqlite3_busy_timeout(s->db_, limits::sqlite_busy_timeout_ms);
  if (auto st = s->attach_snapshot_file(snapshot_db_path(path)); !st) return st;
  out = std::move(s);
  return status::success();
}

shard_store::~shard_store() {
  sqlite3_finalize(insert_);
  sqlite3_close(db_);
}

status shard_store::fail(std::string_view what) const {
  return status::failure("shard " + std::to_string(shard_) + " (" + path_ + "): " +
                         std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : "no database"));
}

status shard_store::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return status::failure("shard " + std::to_string(shard_) + ": " + msg + " in: " + sql);
  }
  return status::success();
}

status shard_store::prepare(const char* sql, sqlite3_stmt** stmt) const {
  if (sqlite3_prepare_v2(db_, sql, -1, stmt, nullptr) != SQLITE_OK) return fail(sql);
  return status::success();
}

status shard_store::open(const std::string& path, uint32_t shard, bool read_only,
                         std::unique_ptr<shard_store>& out) {
  std::unique_ptr<shard_store> s{new shard_store(path, shard)};
  const int flags = read_only ? SQLITE_OPEN_READONLY
                              : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &s->db_, flags, nullptr) != SQLITE_OK) return s->fail("open");
  sqlite3_busy_timeout(s->db_, limits::sqlite_busy_timeout_ms);
  if (!read_only) {
    // WAL + synchronous=FULL: see the header for what this does and does not lose.
    // The WAL is copied back into the database every 256 pages (1 MiB), not
    // SQLite's 1,000 or the 4,096 we had: the commit that runs a checkpoint
    // waits for it, and a checkpoint of 4,096 pages held that commit 12-35 ms
    // about once a second during an on-sale, stalling every hold behind it.
    // Small, frequent checkpoints cost each commit less (bench/http's paced p99
    // fell by a few ms) and bench/durable no throughput (measured both ways).
    const std::string checkpoint =
        "PRAGMA wal_autocheckpoint=" + std::to_string(limits::sqlite_wal_autocheckpoint_pages);
    const std::string cache = "PRAGMA cache_size=-" + std::to_string(limits::sqlite_cache_kib);
    for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                            checkpoint.c_str(), cache.c_str()})
      if (auto st = s->exec(sql); !st) return st;
    const char* schema = R"(
      CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS journal(
        seq INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, crc INTEGER NOT NULL,
        record BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS venues(id TEXT PRIMARY KEY, crc INTEGER NOT NULL,
        blob BLOB NOT NULL);)";
    if (auto st = s->exec(schema); !st) return st;
    std::string init = "INSERT OR IGNORE INTO meta VALUES('format'," +
                       std::to_string(store_format_version) + ");" +
                       "INSERT OR IGNORE INTO meta VALUES('shard'," + std::to_string(shard) + ");";
    if (auto st = s->exec(init.c_str()); !st) return st;
    if (auto st = s->prepare("INSERT INTO journal(seq, event_id, crc, record) VALUES(?,?,?,?)",
                             &s->insert_);
        !st)
      return st;
  }
  if (auto st = s->attach_snapshots(read_only); !st) return st;
  // The file must belong to this shard and be a format we can read.
  statement q;
  if (auto st = s->prepare("SELECT (SELECT value FROM meta WHERE key='format'),"
                           " (SELECT value FROM meta WHERE key='shard'),"
                           " max(coalesce((SELECT max(seq) FROM journal),0),"
                           "     coalesce((SELECT max(seq) FROM snap.snapshots),0))",
                           &q.stmt);
      !st)
    return st;
  if (sqlite3_step(q.stmt) != SQLITE_ROW) return s->fail("read meta");
  const int format = sqlite3_column_int(q.stmt, 0);
  const int64_t owner = sqlite3_column_int64(q.stmt, 1);
  if (format != store_format_version)
    return status::failure(path + ": store format " + std::to_string(format) +
                           " is not the supported " + std::to_string(store_format_version));
  if (owner != shard)
    return status::failure(path + ": belongs to shard " + std::to_string(owner) + ", not " +
                           std::to_string(shard));
  s->last_seq_ = static_cast<uint64_t>(sqlite3_column_int64(q.stmt, 2));
  // Once per open: which events have journal rows (compaction needs to know).
  statement events;
  if (auto st = s->prepare("SELECT DISTINCT event_id FROM journal", &events.stmt); !st) return st;
  while (sqlite3_step(events.stmt) == SQLITE_ROW)
    s->journal_events_.insert(static_cast<event_id>(sqlite3_column_int64(events.stmt, 0)));
  out = std::move(s);
  return status::success();
}

status shard_store::append(std::span<const journal_row> rows) {
  HF_ASSERT(insert_ != nullptr); // opened for writing
  if (rows.empty()) return status::success();
  // Deferred, not IMMEDIATE: IMMEDIATE would write-lock every attached file,
  // the snapshot file too, and wait on the snapshot writer. This connection is
  // the journal file's only writer, so the first insert always gets its lock.
  if (auto st = exec("BEGIN"); !st) return st;
  uint64_t seq = last_seq_;
  for (const auto& row : rows) {
    ++seq;
    sqlite3_bind_int64(insert_, 1, static_cast<int64_t>(seq));
    sqlite3_bind_int64(insert_, 2, row.event);
    sqlite3_bind_int64(insert_, 3, row_crc(seq, row.event, row.record));
    sqlite3_bind_blob(insert_, 4, row.record.data(), static_cast<int>(row.record.size()),
                      SQLITE_STATIC);
    const int rc = sqlite3_step(insert_);
    sqlite3_reset(insert_);
    if (rc != SQLITE_DONE) {
      auto st = fail("append seq " + std::to_string(seq));
      exec("ROLLBACK");
      return st;
    }
  }
  if (auto st = exec("COMMIT"); !st) {
    exec("ROLLBACK");
    return st;
  }
  last_seq_ = seq; // only after the commit: a failed transaction leaves no gap
  event_id last = 0;
  for (const auto& row : rows)
    if (row.event != last) journal_events_.insert(last = row.event);
  return status::success();
}

status shard_store::put_snapshot(event_id event, uint64_t seq, std::string_view blob) {
  statement ins;
  if (auto st = prepare("INSERT OR REPLACE INTO snap.snapshots(event_id, seq, crc, blob) "
                        "VALUES(?,?,?,?)",
                        &ins.stmt);
      !st)
    return st;
  sqlite3_bind_int64(ins.stmt, 1, event);
  sqlite3_bind_int64(ins.stmt, 2, static_cast<int64_t>(seq));
  sqlite3_bind_int64(ins.stmt, 3, row_crc(seq, event, blob));
  sqlite3_bind_blob(ins.stmt, 4, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
  if (sqlite3_step(ins.stmt) != SQLITE_DONE) return fail("put snapshot");
  // Keep the newest two per event: the previous one is the fallback if the newest
  // ever fails its checksum.
  statement del;
  if (auto st = prepare("DELETE FROM snap.snapshots WHERE event_id=? AND seq < (SELECT seq FROM "
                        "snap.snapshots WHERE event_id=? ORDER BY seq DESC LIMIT 1 OFFSET 1)",
                        &del.stmt);
      !st)
    return st;
  sqlite3_bind_int64(del.stmt, 1, event);
  sqlite3_bind_int64(del.stmt, 2, event);
  if (sqlite3_step(del.stmt) != SQLITE_DONE) return fail("prune snapshots");
  if (seq > last_seq_) last_seq_ = seq;
  return status::success();
}

status shard_store::put_venue(std::string_view id, std::string_view blob) {
  statement ins;
  if (auto st = prepare("INSERT OR REPLACE INTO venues(id, crc, blob) VALUES(?,?,?)", &ins.stmt);
      !st)
    return st;
  sqlite3_bind_text(ins.stmt, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
  sqlite3_bind_int64(ins.stmt, 2, crc32c(blob));
  sqlite3_bind_blob(ins.stmt, 3, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
  if (sqlite3_step(ins.stmt) != SQLITE_DONE) return fail("put venue");
  return status::success();
}

status shard_store::get_venue(std::string_view id, std::string& blob) const {
  statement q;
  if (auto st = prepare("SELECT crc, blob FROM venues WHERE id=?", &q.stmt); !st) return st;
  sqlite3_bind_text(q.stmt, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
  if (sqlite3_step(q.stmt) != SQLITE_ROW)
    return status::failure("shard " + std::to_string(shard_) + ": no venue " + std::string(id));
  auto data = column_blob(q.stmt, 1);
  if (crc32c(data) != static_cast<uint32_t>(sqlite3_column_int64(q.stmt, 0)))
    return status::failure("shard " + std::to_string(shard_) + ": venue " + std::string(id) +
                           " fails its checksum");
  blob.assign(data);
  return status::success();
}

status
shard_store::latest_snapshots(const std::function<status(event_id, uint64_t, std::string_view)>& fn,
                              int rank) const {
  statement q;
  if (auto st = prepare("SELECT event_id, seq, crc, blob FROM snap.snapshots s WHERE seq = "
                        "(SELECT seq FROM snap.snapshots WHERE event_id = s.event_id "
                        " ORDER BY seq DESC LIMIT 1 OFFSET ?) "
                        "ORDER BY event_id",
                        &q.stmt);
      !st)
    return st;
  sqlite3_bind_int(q.stmt, 1, rank);
  int rc;
  while ((rc = sqlite3_step(q.stmt)) == SQLITE_ROW) {
    const auto event = static_cast<event_id>(sqlite3_column_int64(q.stmt, 0));
    const auto seq = static_cast<uint64_t>(sqlite3_column_int64(q.stmt, 1));
    auto blob = column_blob(q.stmt, 3);
    if (row_crc(seq, event, blob) != static_cast<uint32_t>(sqlite3_column_int64(q.stmt, 2)))
      return status::failure("shard " + std::to_string(shard_) + ": snapshot of event " +
                             std::to_string(event) + " at seq " + std::to_string(seq) +
                             " fails its checksum");
    if (auto st = fn(event, seq, blob); !st) return st;
  }
  if (rc != SQLITE_DONE) return fail("read snapshots");
  return status::success();
}

status
shard_store::scan(uint64_t after_seq,
                  const std::function<status(uint64_t, event_id, std::string_view)>& fn) const {
  statement q;
  if (auto st = prepare("SELECT seq, event_id, crc, record FROM journal WHERE seq > ? ORDER BY seq",
                        &q.stmt);
      !st)
    return st;
  sqlite3_bind_int64(q.stmt, 1, static_cast<int64_t>(after_seq));
  uint64_t expected = 0;
  int rc;
  while ((rc = sqlite3_step(q.stmt)) == SQLITE_ROW) {
    const auto seq = static_cast<uint64_t>(sqlite3_column_int64(q.stmt, 0));
    const auto event = static_cast<event_id>(sqlite3_column_int64(q.stmt, 1));
    auto record = column_blob(q.stmt, 3);
    if (expected != 0 && seq != expected)
      return status::failure("shard " + std::to_string(shard_) + ": journal gap at seq " +
                             std::to_string(expected) + " (next row is " + std::to_string(seq) +
                             ")");
    if (row_crc(seq, event, record) != static_cast<uint32_t>(sqlite3_column_int64(q.stmt, 2)))
      return status::failure("shard " + std::to_string(shard_) + ": journal record seq " +
                             std::to_string(seq) + " is torn or corrupt (checksum)");
    if (auto st = fn(seq, event, record); !st) return st;
    expected = seq + 1;
  }
  if (rc != SQLITE_DONE) return fail("scan journal");
  return status::success();
}

status shard_store::compaction_bound(uint64_t& bound) const {
  // The smallest "second-newest snapshot seq" over every event with journal
  // rows; an event without two snapshots pins the journal at 0.
  statement q;
  if (auto st = prepare("SELECT seq FROM snap.snapshots WHERE event_id = ? "
                        "ORDER BY seq DESC LIMIT 1 OFFSET 1",
                        &q.stmt);
      !st)
    return st;
  bound = UINT64_MAX;
  for (event_id e : journal_events_) {
    sqlite3_reset(q.stmt);
    sqlite3_bind_int64(q.stmt, 1, e);
    const int rc = sqlite3_step(q.stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail("compaction bound");
    bound =
        std::min(bound, rc == SQLITE_ROW ? static_cast<uint64_t>(sqlite3_column_int64(q.stmt, 0))
                                         : uint64_t{0});
  }
  if (bound == UINT64_MAX) bound = 0;
  return status::success();
}

status shard_store::compact(uint64_t bound, uint64_t max_rows, uint64_t* rows_deleted) {
  const std::string sql = "DELETE FROM journal WHERE seq <= min(" + std::to_string(bound) +
                          ", coalesce((SELECT min(seq) FROM journal), 0) + " +
                          std::to_string(max_rows) + " - 1)";
  if (auto st = exec(sql.c_str()); !st) return st;
  if (rows_deleted) *rows_deleted = static_cast<uint64_t>(sqlite3_changes(db_));
  return status::success();
}

status shard_store::journal_bounds(uint64_t& first_seq, uint64_t& rows) const {
  statement q;
  if (auto st = prepare("SELECT coalesce(min(seq),0), count(*) FROM journal", &q.stmt); !st)
    return st;
  if (sqlite3_step(q.stmt) != SQLITE_ROW) return fail("journal bounds");
  first_seq = static_cast<uint64_t>(sqlite3_column_int64(q.stmt, 0));
  rows = static_cast<uint64_t>(sqlite3_column_int64(q.stmt, 1));
  return status::success();
}

} // namespace holdfast
