#include "net/routes.hpp"

#include <algorithm>
#include <array>

#include "core/assert.hpp"
#include "net/request_bodies.hpp" // parse_id

namespace holdfast {

namespace http = boost::beast::http;

namespace {

struct route_spec {
  listener on;
  http::verb method;         // http::verb::unknown: any method
  std::string_view resource; // what /metrics counts under `label`
  std::string_view rest;     // the path under the resource; empty: the resource itself
  route label;
  endpoint what;
};

constexpr auto pub = listener::public_api;
constexpr auto adm = listener::admin;
constexpr auto get = http::verb::get;
constexpr auto post = http::verb::post;
constexpr auto put = http::verb::put;
constexpr auto del = http::verb::delete_;
constexpr auto any = http::verb::unknown;

// Every route of both listeners. The order matters only for a 405's Allow
// ("GET, POST") and for the label of a method no route of a resource takes.
constexpr auto table = [] {
  using enum endpoint;
  // clang-format off
  return std::to_array<route_spec>({
  // on  method resource                      rest          label               endpoint
  // catalog, seat maps, the web UI (api_catalog.cpp)
  {pub, get,  "",                            "",           route::web,         index},
  {pub, get,  "/web",                        "/{file}",    route::web,         web_file},
  {pub, get,  "/v1/openapi.json",            "",           route::openapi,     openapi},
  {pub, get,  "/v1/events",                  "",           route::events,      list_events},
  {pub, get,  "/v1/events/{event}",          "",           route::event,       get_event},
  {pub, get,  "/v1/events/{event}/seatmap",  "",           route::seatmap,     get_seatmap},
  {pub, any,  "/v1/events/{event}/live",     "",           route::live,        live_socket},
  // holds and orders (api_orders.cpp)
  {pub, post, "/v1/events/{event}/holds",    "",           route::holds,       create_hold},
  {pub, del,  "/v1/holds",                   "/{id}",      route::hold_delete, delete_hold},
  {pub, get,  "/v1/orders",                  "",           route::orders_get,  list_orders},
  {pub, post, "/v1/orders",                  "",           route::orders_post, create_order},
  {pub, get,  "/v1/orders",                  "/{id}",      route::orders_get,  get_order},
  {pub, get,  "/v1/payments",                "/{id}",      route::payments,    get_payment},
  // on-sale: sign-up, waiting room, waitlist, live tickets (api_onsale.cpp)
  {pub, post, "/v1/users",                   "",           route::users,       create_user},
  {pub, get,  "/v1/users",                   "/challenge", route::users,       signup_challenge},
  {pub, post, "/v1/events/{event}/queue",    "",           route::queue,       join_queue},
  {pub, get,  "/v1/events/{event}/queue",    "/challenge", route::queue,       queue_challenge},
  {pub, get,  "/v1/events/{event}/queue",    "/status",    route::queue,       queue_status},
  {pub, post, "/v1/events/{event}/waitlist", "",           route::waitlist,    join_waitlist},
  {pub, get,  "/v1/waitlist",                "/{id}",      route::waitlist,    get_waitlist},
  {pub, post, "/v1/live-tickets",            "",           route::live,        create_live_ticket},
  // operations: health on both listeners, the rest on the admin one (api_admin.cpp)
  {pub, get,  "/healthz",                    "",           route::health,      health},
  {adm, get,  "/healthz",                    "",           route::health,      health},
  {adm, get,  "/metrics",                    "",           route::metrics,     metrics},
  {adm, put,  "/v1/admin",                   "/events/{event}/queue",
                                                           route::admin,       admin_queue},
  });
  // clang-format on
}();
static_assert(table.size() <= 32, "route_match::rows has a bit per route");

constexpr size_t segments_max = 6; // of a pattern
constexpr uint8_t nowhere = UINT8_MAX;

// A route's pattern in segments, with where its resource ends and its
// captures sit; made from the table at compile time.
struct compiled_route {
  std::array<std::string_view, segments_max> segments{};
  uint8_t depth = 0;               // segments of the whole path
  uint8_t resource_depth = 0;      // the resource's, a prefix of them
  bool counts_only_itself = false; // another resource nests inside this one
  uint8_t event_at = nowhere;      // where {event} is
  uint8_t id_at = nowhere;         // where {id} or {file} is
};

constexpr bool is_capture(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

constexpr void append_segments(std::string_view pattern, compiled_route& r) {
  while (!pattern.empty()) {
    HF_ASSERT(pattern.front() == '/' && r.depth < segments_max);
    pattern.remove_prefix(1);
    const auto slash = pattern.find('/');
    const auto segment = pattern.substr(0, slash);
    HF_ASSERT(!segment.empty());
    if (segment == "{event}")
      r.event_at = r.depth;
    else if (is_capture(segment))
      r.id_at = r.depth;
    r.segments[r.depth++] = segment;
    pattern = slash == std::string_view::npos ? std::string_view{} : pattern.substr(slash);
  }
}

// `inner` lies under `outer`: deeper, and the same segments as far as outer goes.
constexpr bool nests_in(const compiled_route& inner, const compiled_route& outer) {
  if (inner.resource_depth <= outer.resource_depth) return false;
  for (size_t k = 0; k < outer.resource_depth; ++k)
    if (inner.segments[k] != outer.segments[k]) return false;
  return true;
}

constexpr std::array<compiled_route, table.size()> compile() {
  std::array<compiled_route, table.size()> out{};
  for (size_t i = 0; i < table.size(); ++i) {
    append_segments(table[i].resource, out[i]);
    out[i].resource_depth = out[i].depth;
    append_segments(table[i].rest, out[i]);
  }
  for (auto& outer : out)
    for (const auto& inner : out)
      if (nests_in(inner, outer)) outer.counts_only_itself = true;
  return out;
}

constexpr auto compiled = compile();

// The deepest route of each listener: a longer path is no route's, and
// nothing in it is checked.
constexpr size_t deepest_of(listener on) {
  size_t depth = 0;
  for (size_t i = 0; i < table.size(); ++i)
    if (table[i].on == on) depth = std::max<size_t>(depth, compiled[i].depth);
  return depth;
}
constexpr std::array<size_t, 2> deepest{deepest_of(pub), deepest_of(adm)};

// Wherever GET is allowed, so is HEAD.
bool takes(const route_spec& r, http::verb method) {
  return r.method == any || r.method == method ||
         (r.method == http::verb::get && method == http::verb::head);
}

// The first `n` segments of `path` match the route's.
bool prefix_matches(std::span<const std::string_view> path, const compiled_route& r, size_t n) {
  for (size_t k = 0; k < n; ++k)
    if (path[k] != r.segments[k] && !is_capture(r.segments[k])) return false;
  return true;
}

bool falls_under(std::span<const std::string_view> path, const compiled_route& r) {
  const bool deep_enough =
      r.counts_only_itself ? path.size() == r.resource_depth : path.size() >= r.resource_depth;
  return deep_enough && prefix_matches(path, r, r.resource_depth);
}

std::optional<event_id> event_of(std::string_view segment) {
  const auto id = parse_id(segment);
  if (!id || *id > UINT32_MAX) return std::nullopt;
  return static_cast<event_id>(*id);
}

// Reads the captures of route `i`, which matches `path` at least up to them.
void capture(std::span<const std::string_view> path, size_t i, route_match& m) {
  const auto& r = compiled[i];
  if (r.id_at != nowhere) m.id = path[r.id_at];
  if (r.event_at == nowhere) return;
  m.event = event_of(path[r.event_at]);
  m.event_unknown = !m.event;
}

} // namespace

route_match match_route(std::span<const std::string_view> path, http::verb method, listener on) {
  route_match m;
  int label_depth = -1;
  bool label_takes_method = false;
  size_t first_row = table.size(); // the first route with this path; its captures count
  for (size_t i = 0; i < table.size(); ++i) {
    const auto& spec = table[i];
    const auto& r = compiled[i];
    if (falls_under(path, r)) {
      const int depth = r.resource_depth;
      const bool takes_method = takes(spec, method);
      if (depth > label_depth || (depth == label_depth && takes_method && !label_takes_method)) {
        m.label = spec.label;
        label_depth = depth;
        label_takes_method = takes_method;
      }
    }
    if (spec.on != on || path.size() != r.depth || !prefix_matches(path, r, r.depth)) continue;
    m.rows |= uint32_t{1} << i;
    if (first_row == table.size()) first_row = i;
    if (m.what == endpoint::none && takes(spec, method)) {
      m.what = spec.what;
      first_row = i;
    }
  }
  if (first_row < table.size()) {
    capture(path, first_row, m);
    return m;
  }
  // No route has this path. Under an event that is itself a route, an id that
  // names no event is the answer, as far down as the listener's routes reach.
  if (path.size() > deepest[static_cast<size_t>(on)]) return m;
  for (size_t i = 0; i < table.size(); ++i) {
    const auto& r = compiled[i];
    if (table[i].on != on || r.event_at + 1 != r.depth || path.size() <= r.depth ||
        !prefix_matches(path, r, r.depth))
      continue;
    m.event_unknown = !event_of(path[r.event_at]);
    if (m.event_unknown) break;
  }
  return m;
}

std::string allowed_methods(const route_match& m) {
  std::string allow;
  for (size_t i = 0; i < table.size(); ++i) {
    if ((m.rows & (uint32_t{1} << i)) == 0 || table[i].method == any) continue;
    if (!allow.empty()) allow += ", ";
    const auto name = http::to_string(table[i].method);
    allow.append(name.data(), name.size());
  }
  return allow;
}

const char* route_name(route r) {
  switch (r) {
  case route::users:
    return "users";
  case route::events:
    return "events";
  case route::event:
    return "event";
  case route::seatmap:
    return "seatmap";
  case route::holds:
    return "holds";
  case route::hold_delete:
    return "hold_delete";
  case route::orders_post:
    return "orders_post";
  case route::orders_get:
    return "orders_get";
  case route::payments:
    return "payments";
  case route::live:
    return "live";
  case route::queue:
    return "queue";
  case route::waitlist:
    return "waitlist";
  case route::admin:
    return "admin";
  case route::health:
    return "health";
  case route::metrics:
    return "metrics";
  case route::openapi:
    return "openapi";
  case route::web:
    return "web";
  case route::other:
    return "other";
  case route::count_:
    break;
  }
  return "unknown";
}

} // namespace holdfast
