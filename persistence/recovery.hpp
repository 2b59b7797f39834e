// Recovery of one shard from its database alone: the newest snapshot of each
// event, then the journal after it, record by record. Used by the node at
// start and by the offline audit. Any record that does not decode, fails its
// checksum or contradicts the state stops recovery with an error that names
// the shard and sequence: a half-read database is never served.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "domain/admission_queue.hpp"
#include "domain/event_state.hpp"
#include "domain/checkout_saga.hpp"
#include "persistence/shard_store.hpp"

namespace holdfast {

struct recovered_event {
  std::shared_ptr<event_state> state;
  std::shared_ptr<const holdfast::venue> hall; // the venue the event is held in
  uint64_t snapshot_seq = 0;                   // 0: rebuilt from the journal alone
  uint64_t records_replayed = 0;
};

struct recovery_options {
  // Ignore snapshots and replay the whole journal (the audit's cross-check).
  bool journal_only = false;
  // Start from each event's second-newest snapshot (the audit's other check).
  bool older_snapshot = false;
};

// An event's waiting room, rebuilt from its queue stream.
struct recovered_queue {
  std::shared_ptr<admission_queue> queue;
  uint64_t snapshot_seq = 0;
};

// An event's checkout saga, rebuilt from its checkout stream.
struct recovered_checkout {
  std::shared_ptr<checkout_saga> saga;
  uint64_t snapshot_seq = 0;
};

struct recovery_result {
  std::map<event_id, recovered_event> events;
  std::map<event_id, recovered_queue> queues;       // by event id
  std::map<event_id, recovered_checkout> checkouts; // by event id
  uint64_t records = 0;
  uint64_t snapshots = 0;
};

status recover_shard(const shard_store& store, const recovery_options& options,
                     recovery_result& out);

// Recovery's steps, apart from the database they read: recover_shard feeds it
// the store's snapshots, then its journal rows, in order; the fuzz target
// (tests/fuzz/recovery_fuzz.cpp) feeds it arbitrary bytes. Every blob is
// untrusted: a refusal is a failed status, never an assert.
class shard_recovery {
public:
  // The encoded venue with this id (the store's venues table).
  using venue_source = std::function<status(const std::string& id, std::string& blob)>;
  shard_recovery(uint32_t shard, venue_source venues, recovery_result& out);
  ~shard_recovery();

  // One stream's snapshot (event, waiting room or checkout, by the stream's kind).
  status load_snapshot(uint32_t stream, uint64_t seq, std::string_view blob);
  // One journal row, after every snapshot is loaded.
  status apply(uint64_t seq, uint32_t stream, std::string_view blob);
  // After the last record: each recovered event passes its deep invariant check
  // (O(seats + holds), once per start). The per-record checks refuse what they
  // can see; a contradiction only the whole state shows refuses the shard here
  // instead of running a node on it.
  status finish();

private:
  class impl;
  std::unique_ptr<impl> impl_;
};

} // namespace holdfast
