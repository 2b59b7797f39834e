// The snapshot writer: one per shard, spawned and linked by its journal actor,
// on its own thread. It encodes each snapshot and writes it to the shard's
// snapshot file through its own SQLite connection (shard_store::
// open_snapshot_writer), so the journal goes on committing while a snapshot
// of a 400,000-seat event (megabytes, a few hundred milliseconds) is written.
//
// A snapshot covers the journal up to `seq`, which the journal had committed
// before it handed the job over; until snapshot_stored comes back the journal
// keeps every row the snapshot would make unnecessary.
//
// Protocol:
//   snapshot_job{stream, seq, encode}   -> snapshot_stored{stream, seq} to `journal`
// A failed write is fatal for the node, like a failed commit.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include "core/ids.hpp"

namespace holdfast {

class shard_store;

struct snapshot_job {
  event_id stream = 0;
  uint64_t seq = 0;
  std::function<std::string(uint64_t seq)> encode;
};

struct snapshot_stored {
  event_id stream = 0;
  uint64_t seq = 0;
};

} // namespace holdfast

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::snapshot_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::snapshot_stored)

namespace holdfast {

// `journal`: where snapshot_stored goes. The caller spawns it linked (see
// journal_actor.cpp), detached except under the deterministic test scheduler.
caf::behavior snapshot_writer_behavior(caf::event_based_actor* self,
                                       std::shared_ptr<shard_store> store, caf::actor journal);

} // namespace holdfast
