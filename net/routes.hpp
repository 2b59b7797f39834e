// The paths both listeners serve, in one table (routes.cpp), and the grammar
// that reads a request's path against it. The api routes a request (what it
// serves, 404, 405 and its Allow) and labels it for /metrics from the same
// match_route, so a route added to the table is served and counted alike.
//
// A path is its segments between '/' (empty ones dropped, the query cut off).
// In a pattern, a segment in braces matches any one segment: {event} names an
// event and is checked here; {id} and {file} are the handler's to read.
//
// Labels: each route names its resource, a prefix of its path, and the label
// /metrics counts that resource under. A request counts under the deepest
// resource its path falls under, whether served or not (/v1/users/1 counts as
// users), except that a resource with other resources nested inside it counts
// only its own path (/v1/events/1/nope is other, not event); no resource:
// other. Where routes of one resource carry different labels (GET and POST
// /v1/orders), the request's method picks, and otherwise the first listed.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/beast/http/verb.hpp>

#include "core/ids.hpp"

namespace holdfast {

// Which listener a request came in on. The public one serves fans (the API,
// the web UI, live sockets); the admin one, on its own host and port
// (127.0.0.1:8081 by default), serves /metrics and /v1/admin/* and nothing
// else, so an operator's routes are never one proxy rule away from the internet.
enum class listener : uint8_t { public_api, admin };

// The label of a request in /metrics (route_name: the stable strings).
enum class route : uint8_t {
  users,
  events,
  event,
  seatmap,
  holds,
  hold_delete,
  orders_post,
  orders_get,
  payments,
  live,
  queue,
  waitlist,
  admin,
  health,
  metrics,
  openapi,
  web,
  other,
  count_
};
const char* route_name(route r);

// What a route serves: one per row of the table, grouped as its handlers are
// (api_catalog.cpp, api_orders.cpp, api_onsale.cpp, api_admin.cpp).
enum class endpoint : uint8_t {
  none,
  // catalog, seat maps, the web UI
  index,
  web_file,
  openapi,
  list_events,
  get_event,
  get_seatmap,
  live_socket,
  // holds and orders
  create_hold,
  delete_hold,
  list_orders,
  create_order,
  get_order,
  get_payment,
  // on-sale: sign-up, waiting room, waitlist, live tickets
  create_user,
  signup_challenge,
  join_queue,
  queue_challenge,
  queue_status,
  join_waitlist,
  get_waitlist,
  create_live_ticket,
  // operations
  health,
  metrics,
  admin_queue,
};

// What the grammar makes of one request's path and method on one listener.
struct route_match {
  route label = route::other;     // what /metrics counts it under, on either listener
  endpoint what = endpoint::none; // the route for this path and method; none: 404 or 405
  uint32_t rows = 0; // the table's routes with this path on this listener (bit i: row i)
  // The path names an event that is no valid id, on the way to a route (its
  // own path, or under an event that is itself a route): 404 unknown_event,
  // before 404 not_found and 405.
  bool event_unknown = false;
  std::optional<event_id> event; // the {event} segment, when it is a valid id
  std::string_view id;           // the {id} or {file} segment (a view into the path)

  bool path_served() const { return rows != 0; }
};

route_match match_route(std::span<const std::string_view> path, boost::beast::http::verb method,
                        listener on);

// The methods the routes in `m.rows` answer, for a 405's Allow, in table
// order: "GET, POST" (the caller adds HEAD wherever GET is).
std::string allowed_methods(const route_match& m);

} // namespace holdfast
