// JSON shapes of the on-sale API (net/API.md: waiting room and waitlist), shared
// by the HTTP handlers and the live WebSocket pushes so both say the same thing.
// They build on net/json_views, never the other way (the waiting room as an
// event's summary shows it is json_views' own).
#pragma once

#include <boost/json.hpp>

#include "net/access_tokens.hpp"
#include "net/catalog.hpp"

namespace holdfast {

// "pre_queue", "queued", "admitted" or "expired" (access lapsed, place used by
// a purchase, or removed as a bot); "unknown" for a user who never joined.
std::string_view queue_status_name(const queue_status& s);

// {"status", "position", "queueLength", "etaSeconds"} plus, once admitted and
// still within the access time, "accessToken" and "accessExpiresAtMs".
boost::json::object queue_json(const queue_status& s, event_id event, user_id user,
                               const access_tokens& tokens);

// A waitlist entry as GET /v1/waitlist/{id} shows it; `hold` is the offered
// hold when the entry is offered (for its seats and total).
boost::json::object waitlist_json(const catalog_entry& e, const waitlist_view& w,
                                  const hold_view* hold);

} // namespace holdfast
