// The queue-admission actor: the virtual waiting room of one event, hosting an
// admission_queue (the pure state machine) and journaling it in the event's
// queue stream. It is separate from the event actor so that the join spike of
// an on-sale (hundreds of thousands of fans in a minute) lands here, not in the
// mailbox that decides seats. Admitted users get signed access tokens from the
// HTTP front (stateless); the event actor tells this actor when a user bought,
// which frees the user's active slot.
//
// Protocol:
//   (join_atom, user_id)               -> queue_status  (answered once the join is durable)
//   (status_atom, user_id)             -> queue_status
//   (finish_atom, user_id)             the user bought or left: frees their active slot
//   (watch_atom, user_id, caf::actor)  pushes queue_notice to the actor: at once, on
//                                      admission, and about once a second while queued
//   (unwatch_atom, user_id, caf::actor)
//   (stats_atom)                       -> std::vector<int64_t>{waiting, active, pre_queue}
//                                         (gauges for /metrics)
//   (tick_atom), (snapshot_atom)       internal timers
//   (committed_atom, uint64_t)         from the journal: appends up to the ticket are durable
// (queue_actor below declares the same protocol for the compiler.)
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "domain/admission_queue.hpp"
#include "actors/journal_actor.hpp"
#include "actors/type_ids.hpp"

namespace holdfast {

using queue_actor = caf::typed_actor<
    caf::replies_to<join_atom, user_id>::with<queue_status>,
    caf::replies_to<status_atom, user_id>::with<queue_status>, caf::reacts_to<finish_atom, user_id>,
    caf::reacts_to<watch_atom, user_id, caf::actor>,
    caf::reacts_to<unwatch_atom, user_id, caf::actor>,
    caf::replies_to<stats_atom>::with<std::vector<int64_t>>, caf::reacts_to<tick_atom>,
    caf::reacts_to<snapshot_atom>, caf::reacts_to<committed_atom, uint64_t>>;

struct queue_setup {
  event_id event = 0;
  admission_config config;
  int64_t wall_origin_ms = 0; // as for the event actor: now = origin + actor clock
  journal_actor journal;      // none: in memory only
  std::shared_ptr<admission_queue> recovered;
  uint64_t snapshot_records = limits::snapshot_records_interval;
};

queue_actor spawn_queue_actor(caf::actor_system& sys, queue_setup setup);

} // namespace holdfast
