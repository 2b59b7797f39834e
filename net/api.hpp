// The public HTTP API (net/API.md): routing, validation at the edge and the
// handlers. Handlers never block: they hand work to the gateway actor and
// answer through `reply`, which may run later, on this I/O thread (holds and
// other commands, through the command lanes) or on another (the session posts
// it back to its own executor). Every answer is JSON; every refusal is
// {"error": {"code", "message"}} with a stable code.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <caf/actor.hpp>

#include "actors/directory.hpp"
#include "core/limits.hpp"
#include "net/access_log.hpp"
#include "net/access_tokens.hpp"
#include "net/antibot.hpp"
#include "net/auth.hpp"
#include "net/catalog.hpp"
#include "net/live_hub.hpp"
#include "net/live_tickets.hpp"
#include "net/metrics.hpp"
#include "net/request_bodies.hpp"
#include "net/routes.hpp"
#include "net/static_files.hpp"
#include "net/trusted_proxies.hpp"

namespace holdfast {

class websocket_session;

class command_lanes;
struct session_context;

namespace http = boost::beast::http;
using http_request = http::request<http::string_body>;
using http_response = http::response<http::string_body>;
// An answer: a response, and for big bodies that many answers share (a seat
// map, a web UI file) the body by reference instead of in the response, so
// no answer copies megabytes; the response then carries its Content-Length
// and an empty body. Implicit from a plain response.
struct http_answer {
  http_answer(http_response r) : res(std::move(r)) {} // NOLINT: implicit by design
  http_answer(http_response r, std::shared_ptr<const std::string> shared)
      : res(std::move(r)), shared_body(std::move(shared)) {}
  size_t body_size() const { return shared_body ? shared_body->size() : res.body().size(); }
  http_response res;
  std::shared_ptr<const std::string> shared_body;
};
using reply_fn = std::function<void(http_answer)>;

struct api_services {
  caf::actor_system& sys;
  directory dir;
  catalog& events;
  token_authority& tokens;
  http_metrics& metrics;
  live_hubs& hubs;
  std::string web_root;
  int64_t clock_offset_ms = 0;
  antibot* guard = nullptr;        // none: no rate limits, no proof of work
  access_tokens* access = nullptr; // waiting-room tokens; required for rooms
  uint32_t live_sockets_max = limits::live_sockets_max_default;
  access_log* log = nullptr; // none: no access log
  uint32_t gateway_in_flight_max = limits::gateway_in_flight_max_default;
  // Requests waiting on actors now, counted by every listener's api alike (the
  // admin listener's /metrics reports the public one's); shared with the slots,
  // since a reply may be dropped after an api is gone.
  std::shared_ptr<std::atomic<uint32_t>> gateway_in_flight =
      std::make_shared<std::atomic<uint32_t>>(0);
  // The operator's bearer token (<data_dir>/admin.token): required by the
  // admin routes; by /metrics too when metrics_token is set. Empty: the admin
  // routes refuse everyone.
  std::string admin_token;
  bool metrics_token = false;
  // Peers whose forwarding headers name the client; none: the peer is the client.
  const trusted_proxies* proxies = nullptr;
};

class api {
public:
  explicit api(api_services& services, listener which = listener::public_api);

  // client_ip: the peer address, for the per-IP rate limit ("" when unknown).
  // thread: the calling I/O thread's gateway and command lanes (holds,
  // releases, confirms), used only from that thread.
  void handle(const http_request& req, const session_context& thread, reply_fn reply,
              std::string_view client_ip = {});
  // The event a WebSocket upgrade wants to watch, or a ready error response.
  // Upgrades take from the same per-IP and per-device buckets as requests: a
  // socket costs more than a request, and a flood of them must not get around
  // the limits by asking for a protocol switch.
  std::shared_ptr<const catalog_entry> live_target(const http_request& req,
                                                   std::string_view client_ip,
                                                   std::optional<http_response>& refusal);
  int64_t now_ms() const;
  // What to run once a live socket is open: its per-user pushes (waiting
  // room, waitlist offers) when the URL carries a valid ?ticket= from
  // POST /v1/live-tickets; empty otherwise (api_onsale.cpp).
  // A ticket that is unknown, used or expired, or a bearer token in the URL,
  // sets `refusal` (401 invalid_ticket, 400 token_in_url) instead.
  std::function<void(std::shared_ptr<websocket_session>)>
  live_watch(const http_request& req, std::shared_ptr<const catalog_entry> event,
             std::optional<http_response>& refusal);
  // Access-logs an answer the session gave itself: a refusal at the edge
  // (413, 431, 400, a refused upgrade) or a WebSocket upgrade (101). `req`
  // may be only partly parsed.
  void log_edge(std::string_view client_ip, const http_request& req, unsigned status,
                size_t body_bytes);

private:
  struct request_line { // what the access log says of a request
    std::string ip, method, target;
  };
  struct call {
    const http_request& req;
    const caf::actor& gateway;
    command_lanes& lanes;
    reply_fn reply;
    std::vector<std::string_view> path; // segments after the leading '/'
    std::string_view client_ip;
    std::optional<user_claims> user; // the verified bearer token, once checked
  };

  // The listener's checks, then 404, 405 or the route `m` names (api.cpp).
  void dispatch(call& c, const route_match& m);
  void serve(call& c, const route_match& m);
  // The client's address for per-IP limits (net/trusted_proxies.hpp): the
  // peer itself, or the client a trusted proxy names, kept in `forwarded`.
  std::string_view client_of(std::string_view peer_ip, const http_request& req,
                             std::string& forwarded) const;
  // catalog, seat map, static files (api_catalog.cpp)
  void list_events(call& c);
  void get_event(call& c, event_id id);
  void get_seatmap(call& c, event_id id);
  void serve_static(call& c, std::string_view file);
  // holds and orders (api_orders.cpp)
  void create_hold(call& c, event_id id);
  void delete_hold(call& c, std::string_view hold);
  void create_order(call& c);
  void list_orders(call& c, std::optional<order_id> only);
  void get_payment(call& c, std::string_view id);
  // sign-up, waiting room, waitlist, anti-bot (api_onsale.cpp)
  bool request_allowed(call& c);
  bool hold_allowed(call& c, event_id id);
  void refuse_blocked(call& c, const block& b);
  http_response blocked_response(const block& b); // 429 rate_limited, counted in /metrics
  bool upgrade_allowed(const http_request& req, std::string_view client_ip,
                       std::optional<http_response>& refusal);
  void signup_challenge(call& c);
  void create_user(call& c);
  void queue_challenge(call& c, event_id id);
  void join_queue(call& c, event_id id);
  void get_queue_status(call& c, event_id id);
  void join_waitlist(call& c, event_id id);
  void get_waitlist(call& c, std::string_view id);
  void create_live_ticket(call& c);
  // Asks every waiting room for its gauges; the next /metrics scrape shows them.
  void sample_queues(call& c);
  // operators: the admin listener's routes (api_admin.cpp)
  // Authorization: Bearer <admin token>; false when it has answered 401.
  bool admin_authorized(call& c);
  void get_metrics(call& c);
  void scrape_metrics(call& c);
  void admin_queue(call& c, event_id id);
  // Runs `then` inside the gateway actor with the event's actors (looked up
  // once per event, then cached: they live as long as the node).
  void with_actors(call& c, event_id id,
                   std::function<void(caf::event_based_actor*, const event_actors&)> then);
  // The same for work that is no request's answer: `failed` (may be null) hears
  // when the actors cannot be found; with_actors(c, ...) passes c.reply.
  void with_actors(const caf::actor& gateway, event_id id,
                   std::function<void(caf::event_based_actor*, const event_actors&)> then,
                   reply_fn failed);
  // Call before handing `c` to a gateway (before any lambda copies c.reply):
  // false when gateway_in_flight_max requests are already waiting on actors
  // (then it has answered 503 overloaded, Retry-After: 1). Otherwise c.reply
  // now frees the slot, at its first call or, for a path that never answers,
  // when its last copy is dropped.
  bool admit_to_gateway(call& c);

  std::optional<user_claims> authenticate(call& c);
  std::shared_ptr<const catalog_entry> find_event(call& c, event_id id);
  void submit(call& c, event_id event, command cmd, std::function<void(const outcome&)> done);
  struct rendered_seatmap {
    uint64_t version = 0;
    std::chrono::steady_clock::time_point at;
    std::shared_ptr<const std::string> body;
    std::shared_ptr<const std::string> gzipped; // made in the background; null until then
    std::string etag, etag_gzip;                // seat_map_etag, and gzip_etag of it
  };
  std::optional<rendered_seatmap> cached_seatmap(event_id id, uint64_t version);
  // The answer for one client: gzipped when it accepts gzip and the copy is
  // ready, a 304 when If-None-Match holds the map (api_catalog.cpp).
  static http_answer seatmap_response(const rendered_seatmap& map, bool gzip_ok,
                                      std::string_view if_none_match);
  using seatmap_waiter = std::function<void(const rendered_seatmap&)>;
  // One render (and one gzip) per event at a time: a request that finds a
  // render under way gets the previous render, or, before the first one,
  // waits for it. Otherwise it starts a render of `view` and is answered with it.
  void render_or_join(std::shared_ptr<const catalog_entry> e, seat_map_view view,
                      seatmap_waiter answer);
  void render_seatmap_later(std::shared_ptr<const catalog_entry> e, seat_map_view view);

  api_services& s_;
  const listener listener_;
  const uint64_t boot_;  // random per node start: seat-map ETags never outlive a restart
  static_files statics_; // the web UI's files, from memory
  live_tickets live_tickets_;
  // The rendered seat map of each event at its newest rendered version: many
  // fans fetch the same version, and rendering 50,000 seats costs milliseconds.
  struct seatmap_slot {
    rendered_seatmap map;                // the newest render; no body before the first
    bool rendering = false;              // a render is under way
    std::vector<seatmap_waiter> waiting; // requests that came before the first render
  };
  std::mutex seatmap_mutex_;
  std::map<event_id, seatmap_slot> seatmaps_;
  std::mutex actors_mutex_;
  std::map<event_id, event_actors> actors_;
};

// Response helpers shared by the handlers and the sessions.
// The Date header's value for this second (RFC 9110 6.6.1).
const std::string& http_date_now();
http_response make_json(http::status status, std::string body, unsigned version = 11);
http_response make_error(http::status status, std::string_view code, std::string_view message,
                         unsigned version = 11);
// The answer to a body a route refuses (net/request_bodies.hpp).
http_response refusal_response(const body_refusal& r);
// The decoded ?name=value pairs of a request target.
std::map<std::string, std::string> query_params(std::string_view target);

} // namespace holdfast
