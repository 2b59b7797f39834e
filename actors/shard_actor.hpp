// A shard: spawns and owns the event actors of its events (with their queue,
// pricing and checkout actors). One shard, one journal actor and one database
// (persistence/journal_format.hpp maps its files); events are placed on shards
// by directory.hpp.
//
// Protocol:
//   (create_atom, event_config, venue_ptr) -> event_actor  (the existing one if the id exists)
//   (lookup_atom, event_id)                -> event_actor  (invalid handle if unknown)
//   (list_atom)                            -> std::vector<event_id>
//   (actors_atom, event_id)                -> event_actors (the event and its on-sale actors)
//   (stats_atom)                           -> journal_stats  (its journal's counters; zeros
//                                                              when in memory only)
#pragma once

#include <cstdint>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/checkout_actor.hpp"
#include "actors/event_actor.hpp"
#include "actors/queue_actor.hpp"
#include "core/limits.hpp"
#include "persistence/recovery.hpp"

namespace holdfast {

// An event's actors: invalid handles for what the event does not have (and an
// invalid event for an unknown id).
struct event_actors {
  event_actor event;
  queue_actor queue;       // the waiting room, when it is on
  checkout_actor checkout; // the payment saga
};

} // namespace holdfast

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::event_actors)

namespace holdfast {

using shard_actor =
    caf::typed_actor<caf::replies_to<create_atom, event_config, venue_ptr>::with<event_actor>,
                     caf::replies_to<lookup_atom, event_id>::with<event_actor>,
                     caf::replies_to<actors_atom, event_id>::with<event_actors>,
                     caf::replies_to<list_atom>::with<std::vector<event_id>>,
                     caf::replies_to<stats_atom>::with<journal_stats>>;

struct shard_setup {
  uint32_t index = 0;
  int64_t wall_origin_ms = 0;
  std::shared_ptr<shard_store> store;         // none: in memory only
  std::shared_ptr<recovery_result> recovered; // events rebuilt from `store`
  uint64_t snapshot_records = limits::snapshot_records_interval;
  bool journal_detached = true;     // false only under the deterministic test scheduler
  caf::actor provider;              // the node's payment provider actor; none: no checkout actors
  // How long POST /v1/orders waits before answering pending.
  int64_t checkout_wait_ms = limits::checkout_wait_ms_default;
  std::shared_ptr<sales_counters> sales; // the node's; none: not counted
};

shard_actor spawn_shard_actor(caf::actor_system& sys, shard_setup setup);

// In memory only.
shard_actor spawn_shard_actor(caf::actor_system& sys, uint32_t shard_index, int64_t wall_origin_ms);

} // namespace holdfast
