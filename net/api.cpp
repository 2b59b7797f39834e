#include "net/api.hpp"

#include <charconv>
#include <ctime>
#include <random>

#include <caf/all.hpp>
#include <openssl/crypto.h>

#include "core/limits.hpp"
#include "net/command_lanes.hpp"
#include "net/gateway.hpp"
#include "net/json_views.hpp"

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

route route_of(const std::vector<std::string_view>& p, http::verb verb) {
  if (p.empty() || p[0] == "web") return route::web;
  if (p[0] == "healthz") return route::health;
  if (p[0] == "metrics") return route::metrics;
  if (p[0] != "v1" || p.size() < 2) return route::other;
  if (p[1] == "openapi.json") return route::openapi;
  if (p[1] == "users") return route::users;
  if (p[1] == "holds") return route::hold_delete;
  if (p[1] == "waitlist") return route::waitlist;
  if (p[1] == "admin") return route::admin;
  if (p[1] == "live-tickets") return route::live;
  if (p[1] == "orders") return verb == http::verb::post ? route::orders_post : route::orders_get;
  if (p[1] == "payments") return route::payments;
  if (p[1] != "events") return route::other;
  if (p.size() == 2) return route::events;
  if (p.size() == 3) return route::event;
  if (p[3] == "seatmap") return route::seatmap;
  if (p[3] == "holds") return route::holds;
  if (p[3] == "live") return route::live;
  if (p[3] == "queue") return route::queue;
  if (p[3] == "waitlist") return route::waitlist;
  return route::other;
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

void api::handle(const http_request& req, const caf::actor& gateway, command_lanes& lanes,
                 reply_fn reply, std::string_view peer_ip) {
  // Behind a trusted proxy, the client it names (held in `forwarded` until
  // dispatch returns; anything kept longer copies it). Without trusted
  // proxies this is the peer itself, with no copy per request.
  std::string forwarded;
  const std::string_view client_ip = client_of(peer_ip, req, forwarded);
  call c{req, gateway, lanes, {}, split_path(req.target()), client_ip, std::nullopt};
  const route r = route_of(c.path, req.method());
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
  dispatch(c);
}

void api::log_edge(std::string_view client_ip, const http_request& req, unsigned status,
                   size_t body_bytes) {
  if (!s_.log) return;
  auto or_dash = [](std::string_view s) { return s.empty() ? std::string_view("-") : s; };
  s_.log->record(client_ip, or_dash(req.method_string()), or_dash(req.target()), status, body_bytes,
                 0);
}

bool api::method_allowed(call& c, http::verb allowed, const char* name) {
  const auto verb = c.req.method();
  if (verb == allowed || (allowed == http::verb::get && verb == http::verb::head)) return true;
  c.reply(method_not_allowed(name));
  return false;
}

void api::dispatch(call& c) {
  const auto& p = c.path;
  const auto verb = c.req.method();
  auto only = [&](http::verb allowed, const char* name) { return method_allowed(c, allowed, name); };
  if (listener_ == listener::admin) return dispatch_admin(c);
  if (p.empty()) return only(http::verb::get, "GET") ? serve_static(c, "index.html") : void();
  if (p[0] == "web" && p.size() == 2)
    return only(http::verb::get, "GET") ? serve_static(c, p[1]) : void();
  if (p[0] == "healthz" && p.size() == 1)
    return only(http::verb::get, "GET") ? c.reply(make_json(http::status::ok, R"({"status":"ok"})"))
                                        : void();
  if (p[0] != "v1" || p.size() < 2)
    return c.reply(make_error(http::status::not_found, "not_found", "no such resource"));
  if (!request_allowed(c)) return;
  if (p[1] == "openapi.json" && p.size() == 2)
    return only(http::verb::get, "GET") ? c.reply(make_json(http::status::ok, openapi_document()))
                                        : void();
  if (p[1] == "users" && p.size() == 2)
    return only(http::verb::post, "POST") ? create_user(c) : void();
  if (p[1] == "users" && p.size() == 3 && p[2] == "challenge")
    return only(http::verb::get, "GET") ? signup_challenge(c) : void();
  if (p[1] == "live-tickets" && p.size() == 2)
    return only(http::verb::post, "POST") ? create_live_ticket(c) : void();
  if (p[1] == "holds" && p.size() == 3)
    return only(http::verb::delete_, "DELETE") ? delete_hold(c, p[2]) : void();
  if (p[1] == "orders" && p.size() == 2) {
    if (verb == http::verb::post) return create_order(c);
    return only(http::verb::get, "GET, POST") ? list_orders(c, std::nullopt) : void();
  }
  if (p[1] == "payments" && p.size() == 3)
    return only(http::verb::get, "GET") ? get_payment(c, p[2]) : void();
  if (p[1] == "orders" && p.size() == 3) {
    if (!only(http::verb::get, "GET")) return;
    auto id = parse_id(p[2]);
    if (!id) return c.reply(make_error(http::status::not_found, "unknown_order", "no such order"));
    return list_orders(c, *id);
  }
  if (p[1] == "waitlist" && p.size() == 3)
    return only(http::verb::get, "GET") ? get_waitlist(c, p[2]) : void();
  if (p[1] != "events" || p.size() > 5)
    return c.reply(make_error(http::status::not_found, "not_found", "no such resource"));
  if (p.size() == 2) return only(http::verb::get, "GET") ? list_events(c) : void();
  auto id = parse_id(p[2]);
  if (!id || *id > UINT32_MAX)
    return c.reply(make_error(http::status::not_found, "unknown_event", "no such event"));
  const auto event = static_cast<event_id>(*id);
  if (p.size() == 3) return only(http::verb::get, "GET") ? get_event(c, event) : void();
  if (p.size() == 5 && p[3] == "queue" && p[4] == "challenge")
    return only(http::verb::get, "GET") ? queue_challenge(c, event) : void();
  if (p.size() == 5 && p[3] == "queue" && p[4] == "status")
    return only(http::verb::get, "GET") ? get_queue_status(c, event) : void();
  if (p.size() == 5)
    return c.reply(make_error(http::status::not_found, "not_found", "no such resource"));
  if (p[3] == "seatmap") return only(http::verb::get, "GET") ? get_seatmap(c, event) : void();
  if (p[3] == "queue") return only(http::verb::post, "POST") ? join_queue(c, event) : void();
  if (p[3] == "waitlist") return only(http::verb::post, "POST") ? join_waitlist(c, event) : void();
  if (p[3] == "holds")
    return only(http::verb::post, "POST") && hold_allowed(c, event) ? create_hold(c, event)
                                                                    : void();
  if (p[3] == "live")
    return c.reply(make_error(http::status::bad_request, "websocket_required",
                              "this resource speaks WebSocket only"));
  c.reply(make_error(http::status::not_found, "not_found", "no such resource"));
}

// The admin listener: health, metrics and the operator's routes, nothing else.
// Its requests are not rate-limited: it listens where only operators reach.
void api::dispatch_admin(call& c) {
  const auto& p = c.path;
  auto only = [&](http::verb allowed, const char* name) { return method_allowed(c, allowed, name); };
  if (p.size() == 1 && p[0] == "healthz")
    return only(http::verb::get, "GET") ? c.reply(make_json(http::status::ok, R"({"status":"ok"})"))
                                        : void();
  if (p.size() == 1 && p[0] == "metrics") {
    if (!only(http::verb::get, "GET")) return;
    if (s_.metrics_token && !admin_authorized(c)) return;
    sample_queues(c);
    return scrape_metrics(c);
  }
  if (p.size() < 2 || p[0] != "v1" || p[1] != "admin")
    return c.reply(make_error(http::status::not_found, "not_found",
                              "the admin listener serves /healthz, /metrics and /v1/admin only"));
  if (!admin_authorized(c)) return;
  if (p.size() == 5 && p[2] == "events" && p[4] == "queue") {
    auto id = parse_id(p[3]);
    if (!id || *id > UINT32_MAX)
      return c.reply(make_error(http::status::not_found, "unknown_event", "no such event"));
    return only(http::verb::put, "PUT") ? admin_queue(c, static_cast<event_id>(*id)) : void();
  }
  c.reply(make_error(http::status::not_found, "not_found", "no such resource"));
}

std::string_view api::client_of(std::string_view peer_ip, const http_request& req,
                                std::string& forwarded) const {
  if (s_.proxies == nullptr || s_.proxies->empty()) return peer_ip;
  forwarded = s_.proxies->client_of(peer_ip, req);
  return forwarded;
}

bool api::admin_authorized(call& c) {
  const auto it = c.req.find(http::field::authorization);
  std::string_view value;
  if (it != c.req.end()) value = std::string_view(it->value().data(), it->value().size());
  const std::string_view token = value.rfind("Bearer ", 0) == 0 ? value.substr(7) : "";
  const auto& want = s_.admin_token;
  if (!want.empty() && token.size() == want.size() &&
      CRYPTO_memcmp(token.data(), want.data(), want.size()) == 0)
    return true;
  c.reply(make_error(http::status::unauthorized, "unauthorized",
                     "send Authorization: Bearer <the node's admin.token>"));
  return false;
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

// Asks every shard for its journal counters, then renders: the scrape shows
// the journal as of now (queue gauges lag one scrape; see sample_queues).
void api::scrape_metrics(call& c) {
  s_.metrics.set_gateway_in_flight(s_.gateway_in_flight->load(std::memory_order_relaxed));
  auto ask_shards = [this, reply = c.reply](caf::event_based_actor* self) {
    struct gather {
      size_t waiting = 0;
      journal_stats sum;
    };
    auto g = std::make_shared<gather>();
    auto finish = [this, g, reply] {
      if (--g->waiting != 0) return;
      s_.metrics.set_journal(g->sum.commits, g->sum.records, g->sum.commit_us_total,
                             g->sum.commit_us_max);
      auto res = make_json(http::status::ok, s_.metrics.render());
      res.set(http::field::content_type, "text/plain; version=0.0.4");
      reply(std::move(res));
    };
    g->waiting = s_.dir.shards().size() + 1; // +1: released below, after every request is out
    for (const auto& shard : s_.dir.shards())
      self->request(shard, std::chrono::milliseconds(limits::metrics_stats_timeout_ms),
                    stats_atom::value)
          .then(
              [g, finish](journal_stats& st) {
                g->sum.commits += st.commits;
                g->sum.records += st.records;
                g->sum.commit_us_total += st.commit_us_total;
                g->sum.commit_us_max = std::max(g->sum.commit_us_max, st.commit_us_max);
                finish();
              },
              [finish](caf::error&) { finish(); });
    finish();
  };
  caf::anon_send(c.gateway, gateway_task{std::move(ask_shards)});
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
  auto p = split_path(req.target());
  if (p.size() != 4 || p[0] != "v1" || p[1] != "events" || p[3] != "live") {
    refusal = make_error(http::status::not_found, "not_found", "no WebSocket here");
    return nullptr;
  }
  auto id = parse_id(p[2]);
  auto e = id && *id <= UINT32_MAX ? s_.events.find(static_cast<event_id>(*id)) : nullptr;
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
