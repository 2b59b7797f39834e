// The journal actor: the one writer of a shard's SQLite database. It runs on
// its own thread (detached), because a commit blocks on fsync.
//
// Group commit: the first append of a group sends the actor a commit message,
// which queues behind every append already in the mailbox. When it is
// processed, all appends received so far go into one transaction, and each
// writer (event, queue or checkout actor) hears (committed_atom, ticket) for
// its newest ticket in it.
// Appends that arrive during a commit wait in the mailbox for the next one.
//
// Protocol:
//   journal_append{from, ticket, frames, after_commit}
//                                         -> later (committed_atom, ticket) to `from` (a
//                                         commit_listener); first
//                                         `after_commit` runs on this thread (an answer
//                                         that only had to wait for this commit)
//   journal_snapshot{stream, encode}      commits pending appends, then hands the snapshot
//                                         (covering the journal up to its last seq) to the
//                                         shard's snapshot writer (snapshot_writer.hpp)
//   snapshot_stored{stream, seq}          from the writer: the journal may compact up to it
//   journal_venue{id, venue}              stores a venue once (events refer to it by id)
//   (commit_atom)                         internal
//   (stats_atom)                          -> journal_stats
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/snapshot_writer.hpp"
#include "actors/type_ids.hpp"

namespace holdfast {

class shard_store;

// What every actor that journals a stream (event, queue, checkout) accepts from
// its journal: (committed_atom, ticket) once its records up to `ticket` are
// durable. The journal knows its writers by this handle only.
using commit_listener = caf::typed_actor<caf::reacts_to<committed_atom, uint64_t>>;

// Records framed as [u32 length][journal.Record bytes]..., all of one stream.
struct journal_append {
  commit_listener from; // hears (committed_atom, ticket) after the commit
  event_id event = 0;
  uint64_t ticket = 0;
  std::string frames; // may be empty: an append that only carries an answer
  // Runs on the journal's thread once every record up to this append is
  // committed, before `from` hears of it. It must only send messages: an event
  // actor's answer to a command batch goes straight to the I/O thread that
  // asked, one thread hand-off fewer than through the event actor.
  std::function<void()> after_commit;
};

// A snapshot of one journal stream (an event's decisions, its waiting room or
// its checkout; see stream_of in persistence/journal_format.hpp). `encode` runs on the shard's
// snapshot writer thread with the sequence number the snapshot covers, so
// encoding delays neither the actor that took the snapshot nor the commits.
struct journal_snapshot {
  event_id stream = 0;
  std::function<std::string(uint64_t seq)> encode;
};

struct journal_venue {
  std::string id;
  venue_ptr venue;
};

} // namespace holdfast

// Local-only messages: they carry pointers and actor handles within one node.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::journal_append)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::journal_snapshot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::journal_venue)

namespace holdfast {

using journal_actor =
    caf::typed_actor<caf::reacts_to<journal_append>, caf::reacts_to<journal_snapshot>,
                     caf::reacts_to<snapshot_stored>, caf::reacts_to<journal_venue>,
                     caf::reacts_to<commit_atom>, caf::replies_to<stats_atom>::with<journal_stats>>;

// Takes ownership of an open store. `detached`: own thread (production);
// false only under the deterministic test scheduler. A failed commit is fatal for the node
// (the process aborts with the store's message): holdfast never answers a
// decision it could not make durable, and restart recovers from the files.
journal_actor spawn_journal_actor(caf::actor_system& sys, std::shared_ptr<shard_store> store,
                                  bool detached = true);

} // namespace holdfast
