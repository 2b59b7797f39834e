#include "net/api.hpp"

#include <charconv>
#include <ctime>
#include <random>

#include "core/assert.hpp"
#include "core/limits.hpp"
#include "net/command_lanes.hpp"
#include "net/json_views.hpp"
#include "net/session_context.hpp"

namespace holdfast {

namespace json = boost::json;

const char* openapi_document(); // generated from net/openapi.json at build time

// RFC 7231 date of the current second, formatted once per second per thread.
// Clients (the web UI's hold countdown) correct their clock from it.
const std::string& http_date_now() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = buf;
    cached_second = now;
  }
  return cached;
}

http_response make_json(http::status status, std::string body, unsigned version) {
  http_response res{status, version};
  res.set(http::field::server, "holdfast");
  res.set(http::field::date, http_date_now());
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff"); // JSON is never sniffed into HTML
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

http_response make_error(http::status status, std::string_view code, std::string_view message,
                         unsigned version) {
  return make_json(status, error_body(code, message), version);
}

http_response refusal_response(const body_refusal& r) {
  if (!r.unknown_seats.empty())
    return make_json(r.status, error_body(r.code, r.message, r.unknown_seats));
  return make_error(r.status, r.code, r.message);
}

namespace {

uint64_t random_boot_id() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

} // namespace

api::api(api_services& services, listener which)
    : s_(services), listener_(which), boot_(random_boot_id()), statics_(services.web_root) {}

int64_t api::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() +
         s_.clock_offset_ms;
}

namespace {

std::vector<std::string_view> split_path(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string_view> parts;
  while (!target.empty()) {
    if (target.front() == '/') {
      target.remove_prefix(1);
      continue;
    }
    const auto slash = target.find('/');
    parts.push_back(target.substr(0, slash));
    if (slash == std::string_view::npos) break;
    target.remove_prefix(slash);
  }
  return parts;
}

// Wherever GET is allowed, so is HEAD (RFC 9110 requires both of a
// general-purpose server; load balancers and `curl -I` probe with HEAD).
http_response method_not_allowed(std::string_view allow) {
  std::string allowed(allow);
  if (allowed.starts_with("GET")) allowed.insert(3, ", HEAD");
  auto res = make_error(http::status::method_not_allowed, "method_not_allowed",
                        "this resource allows " + allowed);
  res.set(http::field::allow, allowed);
  return res;
}

// One request admitted to a gateway. Released by the first answer, or when
// the last copy of its reply function is dropped unanswered, so a path that
// forgets to answer cannot shrink the bound for good.
class gateway_slot {
public:
  explicit gateway_slot(std::shared_ptr<std::atomic<uint32_t>> count) : count_(std::move(count)) {}
  gateway_slot(const gateway_slot&) = delete;
  gateway_slot& operator=(const gateway_slot&) = delete;
  ~gateway_slot() { release(); }
  void release() {
    if (!released_.exchange(true, std::memory_order_relaxed))
      count_->fetch_sub(1, std::memory_order_relaxed);
  }

private:
  std::shared_ptr<std::atomic<uint32_t>> count_;
  std::atomic<bool> released_{false};
};

} // namespace

bool api::admit_to_gateway(call& c) {
  if (s_.gateway_in_flight->fetch_add(1, std::memory_order_relaxed) >= s_.gateway_in_flight_max) {
    s_.gateway_in_flight->fetch_sub(1, std::memory_order_relaxed);
    s_.metrics.count_gateway_refused();
    auto res = make_error(http::status::service_unavailable, "overloaded",
                          "too many requests are waiting on this node; retry in a second");
    res.set(http::field::retry_after, "1");
    c.reply(std::move(res));
    return false;
  }
  auto slot = std::make_shared<gateway_slot>(s_.gateway_in_flight);
  c.reply = [slot, answer = std::move(c.reply)](http_answer a) {
    slot->release();
    answer(std::move(a));
  };
  return true;
}

void api::handle(const http_request& req, const session_context& thread, reply_fn reply,
                 std::string_view peer_ip) {
  // Behind a trusted proxy, the client it names (held in `forwarded` until
  // dispatch returns; anything kept longer copies it). Without trusted
  // proxies this is the peer itself, with no copy per request.
  std::string forwarded;
  const std::string_view client_ip = client_of(peer_ip, req, forwarded);
  call c{req, thread.gateway, *thread.lanes, {}, split_path(req.target()), client_ip, std::nullopt};
  const route_match m = match_route(c.path, req.method(), listener_);
  const route r = m.label;
  const auto start = std::chrono::steady_clock::now();
  const unsigned version = req.version();
  const bool head = req.method() == http::verb::head;
  // Copied for the access log only when there is one: the request may be
  // gone by the time an answer comes back from an actor.
  std::shared_ptr<const request_line> line;
  if (s_.log)
    line = std::make_shared<const request_line>(request_line{
        std::string(client_ip), std::string(req.method_string()), std::string(req.target())});
  // Every answer is counted once, with its route, status and latency.
  c.reply = [this, r, start, version, head, line = std::move(line),
             reply = std::move(reply)](http_answer a) {
    a.res.version(version);
    // HEAD: the GET answer's status and fields (Content-Length included), no body.
    if (head) {
      a.res.body().clear();
      a.shared_body.reset();
    }
    const auto us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::steady_clock::now() - start)
                                              .count());
    s_.metrics.observe(r, a.res.result_int(), us);
    if (line)
      s_.log->record(line->ip, line->method, line->target, a.res.result_int(), a.body_size(), us);
    reply(std::move(a));
  };
  dispatch(c, m);
}

void api::log_edge(std::string_view client_ip, const http_request& req, unsigned status,
                   size_t body_bytes) {
  if (!s_.log) return;
  auto or_dash = [](std::string_view s) { return s.empty() ? std::string_view("-") : s; };
  s_.log->record(client_ip, or_dash(req.method_string()), or_dash(req.target()), status, body_bytes,
                 0);
}

// What every request passes before its route: on the public listener, the
// anti-bot checks of everything under /v1; on the admin one, the operator's
// token for everything under /v1/admin (it listens where only operators reach,
// so nothing there is rate-limited). Then the grammar's verdict: 404, 405, or
// the route.
void api::dispatch(call& c, const route_match& m) {
  const auto& p = c.path;
  const bool v1 = p.size() >= 2 && p[0] == "v1";
  const bool admin_scope = v1 && p[1] == "admin";
  if (listener_ == listener::public_api) {
    if (v1 && !request_allowed(c)) return;
  } else if (admin_scope) {
    if (!admin_authorized(c)) return;
  } else if (!m.path_served()) {
    return c.reply(make_error(http::status::not_found, "not_found",
                              "the admin listener serves /healthz, /metrics and /v1/admin only"));
  }
  if (m.event_unknown)
    return c.reply(make_error(http::status::not_found, "unknown_event", "no such event"));
  if (!m.path_served())
    return c.reply(make_error(http::status::not_found, "not_found", "no such resource"));
  if (m.what == endpoint::none) return c.reply(method_not_allowed(allowed_methods(m)));
  serve(c, m);
}

// The handler of each route in net/routes.cpp's table, grouped as it is.
void api::serve(call& c, const route_match& m) {
  const event_id event = m.event.value_or(0); // set wherever a route has {event}
  switch (m.what) {
  case endpoint::index:
    return serve_static(c, "index.html");
  case endpoint::web_file:
    return serve_static(c, m.id);
  case endpoint::openapi:
    return c.reply(make_json(http::status::ok, openapi_document()));
  case endpoint::list_events:
    return list_events(c);
  case endpoint::get_event:
    return get_event(c, event);
  case endpoint::get_seatmap:
    return get_seatmap(c, event);
  case endpoint::live_socket:
    return c.reply(make_error(http::status::bad_request, "websocket_required",
                              "this resource speaks WebSocket only"));
  case endpoint::create_hold:
    return hold_allowed(c, event) ? create_hold(c, event) : void();
  case endpoint::delete_hold:
    return delete_hold(c, m.id);
  case endpoint::list_orders:
    return list_orders(c, std::nullopt);
  case endpoint::create_order:
    return create_order(c);
  case endpoint::get_order:
    if (auto id = parse_id(m.id)) return list_orders(c, *id);
    return c.reply(make_error(http::status::not_found, "unknown_order", "no such order"));
  case endpoint::get_payment:
    return get_payment(c, m.id);
  case endpoint::create_user:
    return create_user(c);
  case endpoint::signup_challenge:
    return signup_challenge(c);
  case endpoint::join_queue:
    return join_queue(c, event);
  case endpoint::queue_challenge:
    return queue_challenge(c, event);
  case endpoint::queue_status:
    return get_queue_status(c, event);
  case endpoint::join_waitlist:
    return join_waitlist(c, event);
  case endpoint::get_waitlist:
    return get_waitlist(c, m.id);
  case endpoint::create_live_ticket:
    return create_live_ticket(c);
  case endpoint::health:
    return c.reply(make_json(http::status::ok, R"({"status":"ok"})"));
  case endpoint::metrics:
    return get_metrics(c);
  case endpoint::admin_queue:
    return admin_queue(c, event);
  case endpoint::none:
    break;
  }
  HF_ASSERT(false && "dispatch answers requests no route takes");
}

std::string_view api::client_of(std::string_view peer_ip, const http_request& req,
                                std::string& forwarded) const {
  if (s_.proxies == nullptr || s_.proxies->empty()) return peer_ip;
  forwarded = s_.proxies->client_of(peer_ip, req);
  return forwarded;
}

std::optional<user_claims> api::authenticate(call& c) {
  if (c.user) return c.user; // verified once per request
  auto it = c.req.find(http::field::authorization);
  std::string_view header;
  if (it != c.req.end()) header = std::string_view(it->value().data(), it->value().size());
  if (header.rfind("Bearer ", 0) != 0) {
    c.reply(make_error(http::status::unauthorized, "unauthorized",
                       "send Authorization: Bearer <token> (POST /v1/users issues one)"));
    return std::nullopt;
  }
  auto claims = s_.tokens.verify(header.substr(7), now_ms());
  if (!claims)
    c.reply(
        make_error(http::status::unauthorized, "unauthorized", "the token is invalid or expired"));
  c.user = claims;
  return claims;
}

std::shared_ptr<const catalog_entry> api::find_event(call& c, event_id id) {
  auto e = s_.events.find(id);
  if (!e) c.reply(make_error(http::status::not_found, "unknown_event", "no such event"));
  return e;
}

void api::submit(call& c, event_id event, command cmd, std::function<void(const outcome&)> done) {
  c.lanes.submit(event, cmd, std::move(done));
}

std::shared_ptr<const catalog_entry> api::live_target(const http_request& req,
                                                      std::string_view client_ip,
                                                      std::optional<http_response>& refusal) {
  if (listener_ == listener::admin) {
    refusal = make_error(http::status::not_found, "not_found", "no WebSocket here");
    return nullptr;
  }
  std::string forwarded;
  if (!upgrade_allowed(req, client_of(client_ip, req, forwarded), refusal)) return nullptr;
  const auto path = split_path(req.target());
  const auto m = match_route(path, req.method(), listener_);
  if (m.what != endpoint::live_socket) {
    refusal = make_error(http::status::not_found, "not_found", "no WebSocket here");
    return nullptr;
  }
  auto e = m.event ? s_.events.find(*m.event) : nullptr;
  if (!e) {
    refusal = make_error(http::status::not_found, "unknown_event", "no such event");
    return nullptr;
  }
  // A soft cap: sockets opening on other I/O threads at the same moment may
  // pass it by a few.
  if (s_.metrics.ws_clients() >= static_cast<int64_t>(s_.live_sockets_max)) {
    refusal = make_error(http::status::service_unavailable, "too_many_sockets",
                         "this node has as many live sockets open as it allows; poll "
                         "GET /v1/events/{eventId}/seatmap or retry later");
    refusal->set(http::field::retry_after, "5");
    return nullptr;
  }
  return e;
}

} // namespace holdfast
