// The SQLite database of one shard: the append-only journal, per-event
// snapshots and the venues they refer to. The snapshots are in a second file
// beside the first (shard-N.snapshots.db, attached as "snap"), written by
// their own connection and thread, so a snapshot of a big event never holds
// the journal's write lock while commits wait. Exactly one writer (the shard's
// journal actor) opens it for writing, so SQLite never has to arbitrate locks.
//
// Durability: WAL mode with synchronous=FULL. A commit returns only after the WAL
// is fsync'ed, so a record whose transaction committed survives kill -9 of any
// process AND power loss. What a crash or power loss can lose is a transaction
// that had not committed; no client was told about its decisions, because event
// actors answer only after commit. Group commit (many records per transaction)
// pays one fsync for all of them. synchronous=NORMAL would survive kill -9 too
// but could lose the last commits on power loss; we do not trade that away.
//
// Errors come back as status values; nothing here throws across actors.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "core/status.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace holdfast {

struct journal_row {
  event_id event = 0;
  std::string_view record; // encoded journal.Record
};

class shard_store {
public:
  ~shard_store();
  shard_store(const shard_store&) = delete;
  shard_store& operator=(const shard_store&) = delete;

  // Opens (creating if needed) the database of `shard` at `path`.
  static status open(const std::string& path, uint32_t shard, bool read_only,
                     std::unique_ptr<shard_store>& out);
  // A second connection that only writes snapshots (put_snapshot), to the
  // snapshot file beside the journal file at `path`: the snapshot writer's.
  static status open_snapshot_writer(const std::string& path, uint32_t shard,
                                     std::unique_ptr<shard_store>& out);

  uint32_t shard() const { return shard_; }
  const std::string& path() const { return path_; }

  // Appends rows in ONE transaction; they get sequence numbers last_seq()+1...
  status append(std::span<const journal_row> rows);
  uint64_t last_seq() const { return last_seq_; }

  status put_snapshot(event_id event, uint64_t seq, std::string_view blob);
  status put_venue(std::string_view id, std::string_view blob);
  status get_venue(std::string_view id, std::string& blob) const;

  // Newest snapshot of every event (rank 0), or the one before it (rank 1), in
  // event order. Checksums are verified.
  status
  latest_snapshots(const std::function<status(event_id, uint64_t seq, std::string_view blob)>& fn,
                   int rank = 0) const;
  // Journal rows with seq > after_seq in order. Checksums and seq continuity are
  // verified; a mismatch stops the scan with an error naming shard and seq.
  status scan(uint64_t after_seq,
              const std::function<status(uint64_t seq, event_id, std::string_view)>& fn) const;
  // The highest journal seq every event's second-newest snapshot covers: rows
  // up to it may go, and the journal still reaches back far enough to
  // re-derive each newest snapshot (which is how the audit checks them).
  // Reads only the snapshots table (the events with journal rows are kept in
  // memory), so it is cheap; still, call it once per snapshot, not per slice.
  status compaction_bound(uint64_t& bound) const;
  // Deletes at most max_rows journal rows with seq <= bound, oldest first, so
  // the one writer never stalls its commits for long. Cheap: a primary-key range.
  status compact(uint64_t bound, uint64_t max_rows, uint64_t* rows_deleted = nullptr);
  // Oldest seq still in the journal (0 if empty) and row count.
  status journal_bounds(uint64_t& first_seq, uint64_t& rows) const;

private:
  shard_store(std::string path, uint32_t shard) : path_(std::move(path)), shard_(shard) {}
  status exec(const char* sql) const;
  status prepare(const char* sql, sqlite3_stmt** stmt) const;
  status fail(std::string_view what) const;
  status attach_snapshots(bool read_only);
  status attach_snapshot_file(const std::string& file);

  std::string path_;
  uint32_t shard_ = 0;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  uint64_t last_seq_ = 0;
  std::set<event_id> journal_events_; // events with rows in the journal
};

// data_dir/shard-<n>.db
std::string shard_db_path(const std::string& data_dir, uint32_t shard);
// The snapshot file beside a shard database (shard-N.db -> shard-N.snapshots.db).
std::string snapshot_db_path(const std::string& db_path);

} // namespace holdfast
