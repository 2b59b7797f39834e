// The event actor: one per event, sole owner of that event's seats. Every hold,
// release and confirm of the event is decided here, one batch at a time, so no
// lock is ever taken. Hold expiry runs inside the actor off one scheduled
// wake-up for all holds (see deadline_queue.hpp).
//
// Protocol (callers may `request` for a few calls, or `send` and receive the
// reply as an ordinary message: the fast path for many batches in flight):
//   command_batch                      -> outcome_batch (same order, same batch_id), sent
//                                         to the sender as an ordinary message; never a
//                                         response to a `request`, because the journal
//                                         actor sends it, straight after the commit
//   (seatmap_atom)                     -> seat_map_view
//   (holdings_atom, user_id)           -> user_holdings
//   (lookup_atom, user_id, hold_id)    -> outcome: what a confirm would answer, deciding
//                                         nothing (event_state::check_confirm; the checkout
//                                         actor validates a hold before taking money)
//   (sale_atom, sale_action)           -> event_status      (open / close / cancel)
//   (subscribe_atom, actor)            -> seat_delta pushes every ~50 ms while seats change
//   (unsubscribe_atom, actor)
//   (waitlist_atom, user_id, uint16_t section, uint16_t quantity) -> waitlist_answer  (join)
//   (waitlist_atom, user_id, uint32_t seq)                         -> waitlist_answer  (look up)
//   (watch_atom, user_id, actor)       pushes waitlist_notice when this user is offered seats
//   (unwatch_atom, user_id, actor)
//   (demand_atom)                      -> demand_sample  (the pricing actor, once per interval)
//   (prices_atom, std::vector<int64_t>) new section prices (journaled; holds keep theirs)
//   (snapshot_atom)                    writes a snapshot now (operators; also periodic)
//   (committed_atom, ticket)           from the journal: records up to ticket are durable
//   (expire_atom), (flush_atom)        internal timers
//
// Durability: with a journal, every change is encoded as it is decided and sent
// to the shard's journal actor once per batch. An answer (outcome, holdings,
// sale status) leaves only after every record decided before it is committed,
// so nothing a client was told can be lost by a crash. Refusals wait too: they
// may depend on a hold that is not yet durable.
#pragma once

#include <cstdint>

#include <caf/actor.hpp>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/journal_actor.hpp"
#include "actors/queue_actor.hpp"
#include "actors/sales_counters.hpp"
#include "actors/type_ids.hpp"

namespace holdfast {

using event_actor = caf::typed_actor<
    caf::reacts_to<command_batch>, caf::replies_to<seatmap_atom>::with<seat_map_view>,
    caf::replies_to<holdings_atom, user_id>::with<user_holdings>,
    caf::replies_to<lookup_atom, user_id, hold_id>::with<outcome>,
    caf::replies_to<sale_atom, sale_action>::with<event_status>,
    caf::reacts_to<subscribe_atom, caf::actor>, caf::reacts_to<unsubscribe_atom, caf::actor>,
    caf::replies_to<waitlist_atom, user_id, uint16_t, uint16_t>::with<waitlist_answer>,
    caf::replies_to<waitlist_atom, user_id, uint32_t>::with<waitlist_answer>,
    caf::reacts_to<watch_atom, user_id, caf::actor>,
    caf::reacts_to<unwatch_atom, user_id, caf::actor>,
    caf::replies_to<demand_atom>::with<demand_sample>,
    caf::reacts_to<prices_atom, std::vector<int64_t>>, caf::reacts_to<snapshot_atom>,
    caf::reacts_to<committed_atom, uint64_t>, caf::reacts_to<expire_atom>,
    caf::reacts_to<flush_atom>>;

struct event_setup {
  venue_ptr venue;
  event_config config;
  // Wall-clock milliseconds at spawn. The actor's "now" is this plus the elapsed
  // time of the actor clock, so holds carry absolute deadlines and tests move
  // time with the deterministic scheduler.
  int64_t wall_origin_ms = 0;
  journal_actor journal;                  // none: in memory only (tests, bench/engine)
  std::shared_ptr<event_state> recovered; // state rebuilt from the shard's files, if any
  queue_actor queue;                      // the waiting room, told when a user bought
  uint64_t snapshot_records = limits::snapshot_records_interval;
  std::shared_ptr<sales_counters> sales; // none: not counted
};

event_actor spawn_event_actor(caf::actor_system& sys, event_setup setup);

// In memory only, fresh state.
event_actor spawn_event_actor(caf::actor_system& sys, venue_ptr v, event_config config,
                              int64_t wall_origin_ms);

} // namespace holdfast
