// The one project-wide CAF type-ID block: every type and atom that travels in a
// message between holdfast actors (locally or over caf::io remoting).
#pragma once

#include <memory>
#include <vector>

#include <caf/type_id.hpp>

#include "domain/admission_queue.hpp"
#include "domain/event_messages.hpp"
#include "domain/event_state.hpp"

namespace holdfast {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, onsale_config& x) {
  return f(x.waiting_room, x.queue_opens_at_ms, x.admit_per_min, x.active_max, x.access_ttl_s,
           x.shuffle_seed, x.pricing_interval_s, x.price_ceiling_pct, x.waitlist_offer_s);
}
template <class Inspector> typename Inspector::result_type inspect(Inspector& f, event_config& x) {
  return f(x.id, x.name, x.artist, x.category, x.starts_at_ms, x.hold_ttl_s, x.user_seats_max,
           x.onsale);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_status& x) {
  return f(x.state, x.seq, x.position, x.queue_length, x.eta_s, x.access_expires_at_ms);
}

// A waiting-room update for one user, pushed to whoever watches that user.
struct queue_notice {
  event_id event = 0;
  user_id user = 0;
  queue_status status;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_notice& x) {
  return f(x.event, x.user, x.status);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, waitlist_view& x) {
  return f(x.seq, x.position, x.user, x.hold, x.joined_at_ms, x.offer_expires_at_ms, x.section,
           x.quantity, x.status);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, waitlist_answer& x) {
  return f(x.code, x.entry);
}

// A waitlist offer made to one user, pushed to whoever watches that user.
struct waitlist_notice {
  event_id event = 0;
  user_id user = 0;
  waitlist_view entry;
  hold_view hold;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, waitlist_notice& x) {
  return f(x.event, x.user, x.entry, x.hold);
}

// Venues are immutable and shared between the events that use them; locally
// they travel as a pointer.
using venue_ptr = std::shared_ptr<const venue>;

enum class sale_action : uint8_t { open = 0, close = 1, cancel = 2 };

} // namespace holdfast

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::venue_ptr)

CAF_BEGIN_TYPE_ID_BLOCK(holdfast, caf::first_custom_type_id)
CAF_ADD_TYPE_ID(holdfast, (holdfast::command))
CAF_ADD_TYPE_ID(holdfast, (holdfast::outcome))
CAF_ADD_TYPE_ID(holdfast, (holdfast::command_batch))
CAF_ADD_TYPE_ID(holdfast, (holdfast::outcome_batch))
CAF_ADD_TYPE_ID(holdfast, (holdfast::section_view))
CAF_ADD_TYPE_ID(holdfast, (holdfast::seat_map_view))
CAF_ADD_TYPE_ID(holdfast, (holdfast::seat_delta))
CAF_ADD_TYPE_ID(holdfast, (holdfast::hold_view))
CAF_ADD_TYPE_ID(holdfast, (holdfast::order_view))
CAF_ADD_TYPE_ID(holdfast, (holdfast::user_holdings))
CAF_ADD_TYPE_ID(holdfast, (holdfast::event_config))
CAF_ADD_TYPE_ID(holdfast, (holdfast::result_code))
CAF_ADD_TYPE_ID(holdfast, (holdfast::event_status))
CAF_ADD_TYPE_ID(holdfast, (holdfast::sale_action))
CAF_ADD_TYPE_ID(holdfast, (std::vector<holdfast::event_id>))
CAF_ADD_TYPE_ID(holdfast, (holdfast::journal_stats))
CAF_ADD_TYPE_ID(holdfast, (holdfast::demand_sample))
CAF_ADD_TYPE_ID(holdfast, (std::vector<int64_t>))
CAF_ADD_TYPE_ID(holdfast, (holdfast::queue_state))
CAF_ADD_TYPE_ID(holdfast, (holdfast::queue_status))
CAF_ADD_TYPE_ID(holdfast, (holdfast::queue_notice))
CAF_ADD_TYPE_ID(holdfast, (holdfast::waitlist_status))
CAF_ADD_TYPE_ID(holdfast, (holdfast::waitlist_view))
CAF_ADD_TYPE_ID(holdfast, (holdfast::waitlist_answer))
CAF_ADD_TYPE_ID(holdfast, (holdfast::waitlist_notice))

CAF_ADD_ATOM(holdfast, holdfast, seatmap_atom, "seatmap")
CAF_ADD_ATOM(holdfast, holdfast, holdings_atom, "holdings")
CAF_ADD_ATOM(holdfast, holdfast, sale_atom, "sale")
CAF_ADD_ATOM(holdfast, holdfast, subscribe_atom, "subscribe")
CAF_ADD_ATOM(holdfast, holdfast, unsubscribe_atom, "unsub")
CAF_ADD_ATOM(holdfast, holdfast, expire_atom, "expire")
CAF_ADD_ATOM(holdfast, holdfast, flush_atom, "flush")
CAF_ADD_ATOM(holdfast, holdfast, create_atom, "create")
CAF_ADD_ATOM(holdfast, holdfast, lookup_atom, "lookup")
CAF_ADD_ATOM(holdfast, holdfast, list_atom, "list")
CAF_ADD_ATOM(holdfast, holdfast, stats_atom, "stats")
CAF_ADD_ATOM(holdfast, holdfast, commit_atom, "commit")
CAF_ADD_ATOM(holdfast, holdfast, committed_atom, "committed")
CAF_ADD_ATOM(holdfast, holdfast, snapshot_atom, "snapshot")
CAF_ADD_ATOM(holdfast, holdfast, demand_atom, "demand")
CAF_ADD_ATOM(holdfast, holdfast, prices_atom, "prices")
CAF_ADD_ATOM(holdfast, holdfast, tick_atom, "tick")
CAF_ADD_ATOM(holdfast, holdfast, join_atom, "join")
CAF_ADD_ATOM(holdfast, holdfast, status_atom, "status")
CAF_ADD_ATOM(holdfast, holdfast, finish_atom, "finish")
CAF_ADD_ATOM(holdfast, holdfast, watch_atom, "watch")
CAF_ADD_ATOM(holdfast, holdfast, unwatch_atom, "unwatch")
CAF_ADD_ATOM(holdfast, holdfast, waitlist_atom, "waitlist")
CAF_ADD_ATOM(holdfast, holdfast, actors_atom, "actors")
CAF_ADD_ATOM(holdfast, holdfast, retry_atom, "retry")
CAF_END_TYPE_ID_BLOCK(holdfast)
