// The on-sale routes: the waiting room (challenge, join, status), the access
// check on holds, the waitlist, the anti-bot checks every /v1 request passes,
// the waiting rooms' gauges for /metrics, and the live socket's per-user pushes.
// Everything that can be decided statelessly (tokens, buckets, proof of work)
// is decided here on the I/O thread; the rest goes to the event's actors
// through the gateway, never blocking the thread.
#include <caf/all.hpp>

#include "core/assert.hpp"
#include "core/limits.hpp"
#include "net/api.hpp"
#include "net/gateway.hpp"
#include "net/json_views.hpp"
#include "net/live_watcher.hpp"
#include "net/onsale_views.hpp"

namespace holdfast {

namespace json = boost::json;

namespace {

constexpr auto actor_timeout = std::chrono::milliseconds(limits::actor_answer_timeout_ms);

std::string_view header(const http_request& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string_view{}
                         : std::string_view(it->value().data(), it->value().size());
}

http_response unavailable() {
  return make_error(http::status::service_unavailable, "overloaded",
                    "the event did not answer in time; retry shortly");
}

http_response no_waiting_room() {
  return make_error(http::status::conflict, "no_waiting_room",
                    "this event has no waiting room: hold seats directly");
}

http_response challenge_failed(std::string_view why) {
  return make_error(http::status::forbidden, "challenge_failed",
                    "proof of work refused (" + std::string(why) +
                        "): fetch a fresh challenge from GET …/queue/challenge and solve it");
}

http_response signup_challenge_failed(std::string_view why) {
  return make_error(http::status::forbidden, "challenge_failed",
                    "proof of work refused (" + std::string(why) +
                        "): fetch a fresh challenge from GET /v1/users/challenge and solve it");
}

// A user token in the Authorization header, verified without answering: the
// handler that needs one answers 401 itself.
std::optional<user_claims> bearer_of(const http_request& req, const token_authority& tokens,
                                     int64_t now_ms) {
  const auto value = header(req, "Authorization");
  if (value.rfind("Bearer ", 0) != 0) return std::nullopt;
  return tokens.verify(value.substr(7), now_ms);
}

// Joins the user to the event's waiting room (join) or asks for their place;
// `answer` gets the status. Runs inside the gateway (with_actors).
void ask_queue(caf::event_based_actor* self, const event_actors& a, bool join, user_id who,
               const reply_fn& reply, std::function<void(queue_status&)> answer) {
  if (!a.queue) return reply(no_waiting_room());
  auto failed = [reply](caf::error&) { reply(unavailable()); };
  if (join)
    self->request(a.queue, actor_timeout, join_atom::value, who).then(std::move(answer), failed);
  else
    self->request(a.queue, actor_timeout, status_atom::value, who).then(std::move(answer), failed);
}

} // namespace

// --- anti-bot ------------------------------------------------------------------

void api::refuse_blocked(call& c, const block& b) {
  c.reply(blocked_response(b));
}

http_response api::blocked_response(const block& b) {
  s_.metrics.count_block(b.reason);
  json::object error{
      {"code", "rate_limited"},
      {"message", "too many requests; retry after " + std::to_string(b.retry_after_s) + " s"},
      {"retryAfterSeconds", b.retry_after_s},
      {"limit", block_reason_name(b.reason)}};
  auto res = make_json(http::status::too_many_requests,
                       json::serialize(json::object{{"error", std::move(error)}}));
  res.set(http::field::retry_after, std::to_string(b.retry_after_s));
  return res;
}

bool api::request_allowed(call& c) {
  if (s_.guard == nullptr) return true;
  const int64_t now = now_ms();
  if (!c.user) c.user = bearer_of(c.req, s_.tokens, now);
  auto b =
      s_.guard->take_request(c.client_ip, header(c.req, "Device-Id"),
                             c.user ? std::optional<user_id>(c.user->user) : std::nullopt, now);
  if (!b) return true;
  refuse_blocked(c, *b);
  return false;
}

bool api::upgrade_allowed(const http_request& req, std::string_view client_ip,
                          std::optional<http_response>& refusal) {
  if (s_.guard == nullptr) return true;
  auto b = s_.guard->take_request(client_ip, header(req, "Device-Id"), std::nullopt, now_ms());
  if (!b) return true;
  refusal = blocked_response(*b);
  return false;
}

// Before a hold is submitted: the user's attempt velocity on this event, and
// with the waiting room on, an access token for this user and event that has
// not expired. Stateless, so a refusal never reaches the event actor.
bool api::hold_allowed(call& c, event_id id) {
  auto user = authenticate(c);
  if (!user) return false;
  auto e = s_.events.find(id);
  if (!e) return true; // create_hold answers unknown_event
  if (s_.guard)
    if (auto b = s_.guard->take_hold_attempt(user->user, id, now_ms())) {
      refuse_blocked(c, *b);
      return false;
    }
  if (!e->config.onsale.waiting_room) return true;
  HF_ASSERT(s_.access != nullptr);
  if (s_.access->verify_access_token(header(c.req, "Access-Token"), user->user, id, now_ms()))
    return true;
  s_.metrics.count_block(block_reason::not_admitted);
  c.reply(make_error(http::status::forbidden, "not_admitted",
                     "this event has a waiting room: join it (POST /v1/events/" +
                         std::to_string(id) +
                         "/queue) and send the Access-Token it gives you once admitted"));
  return false;
}

void api::with_actors(call& c, event_id id,
                      std::function<void(caf::event_based_actor*, const event_actors&)> then) {
  with_actors(c.gateway, id, std::move(then), c.reply);
}

void api::with_actors(const caf::actor& gateway, event_id id,
                      std::function<void(caf::event_based_actor*, const event_actors&)> then,
                      reply_fn failed) {
  {
    std::lock_guard<std::mutex> guard{actors_mutex_};
    if (auto it = actors_.find(id); it != actors_.end()) {
      caf::anon_send(gateway, gateway_task{[then = std::move(then), a = it->second](
                                               caf::event_based_actor* self) { then(self, a); }});
      return;
    }
  }
  auto shard = s_.dir.shard_for(id);
  caf::anon_send(gateway, gateway_task{[this, id, shard, then = std::move(then),
                                        reply = std::move(failed)](caf::event_based_actor* self) {
                   self->request(shard, actor_timeout, actors_atom::value, id)
                       .then(
                           [this, id, self, then](event_actors& a) {
                             if (a.event) {
                               std::lock_guard<std::mutex> guard{actors_mutex_};
                               actors_.emplace(id, a);
                             }
                             then(self, a);
                           },
                           [reply](caf::error&) {
                             if (reply) reply(unavailable());
                           });
                 }});
}

// --- waiting room --------------------------------------------------------------

// GET /v1/users/challenge: a proof-of-work challenge for one sign-up.
void api::signup_challenge(call& c) {
  if (s_.guard == nullptr)
    return c.reply(make_json(http::status::ok, R"({"challenge":"","difficulty":0})"));
  auto& pow = s_.guard->signup_pow();
  c.reply(make_json(http::status::ok,
                    json::serialize(json::object{
                        {"challenge", pow.issue(signup_pow_scope, now_ms())},
                        {"difficulty", pow.difficulty()}})));
}

// POST /v1/users {"name", "challenge", "nonce"}: an account costs a solved
// challenge (when the difficulty is above 0) and a token from the client IP's
// sign-up bucket, checked in that order so a wrong solution costs no sign-up.
void api::create_user(call& c) {
  auto parsed = parse_user_body(c.req.body());
  if (auto* r = std::get_if<body_refusal>(&parsed)) return c.reply(refusal_response(*r));
  auto& body = std::get<user_body>(parsed);
  const int64_t now = now_ms();
  if (s_.guard != nullptr) {
    auto& pow = s_.guard->signup_pow();
    if (pow.difficulty() > 0) {
      const auto& [challenge, nonce] = body.solution;
      if (!challenge || !nonce) {
        s_.metrics.count_block(block_reason::pow);
        return c.reply(signup_challenge_failed("missing"));
      }
      const auto verdict = pow.verify(*challenge, *nonce, signup_pow_scope, now);
      if (verdict != pow_verdict::ok) {
        s_.metrics.count_block(block_reason::pow);
        return c.reply(signup_challenge_failed(verdict_name(verdict)));
      }
    }
    if (auto b = s_.guard->take_signup(c.client_ip, now)) return refuse_blocked(c, *b);
  }
  user_claims claims{random_u64(), std::move(body.name), now + limits::user_token_ttl_ms};
  c.reply(make_json(http::status::created,
                    json::serialize(json::object{{"userId", std::to_string(claims.user)},
                                                 {"name", claims.name},
                                                 {"token", s_.tokens.issue(claims)}})));
}

void api::queue_challenge(call& c, event_id id) {
  auto e = find_event(c, id);
  if (!e) return;
  if (!e->config.onsale.waiting_room) return c.reply(no_waiting_room());
  HF_ASSERT(s_.guard != nullptr);
  auto& pow = s_.guard->pow_for(id);
  c.reply(make_json(http::status::ok,
                    json::serialize(json::object{{"challenge", pow.issue(id, now_ms())},
                                                 {"difficulty", pow.difficulty()}})));
}

void api::join_queue(call& c, event_id id) {
  auto user = authenticate(c);
  if (!user) return;
  auto e = find_event(c, id);
  if (!e) return;
  auto parsed = parse_queue_join_body(c.req.body());
  if (auto* r = std::get_if<body_refusal>(&parsed)) return c.reply(refusal_response(*r));
  const auto& body = std::get<pow_solution>(parsed);
  if (!e->config.onsale.waiting_room) return c.reply(no_waiting_room());
  HF_ASSERT(s_.guard != nullptr && s_.access != nullptr);
  auto& pow = s_.guard->pow_for(id);
  if (pow.difficulty() > 0) {
    if (!body.challenge || !body.nonce) {
      s_.metrics.count_block(block_reason::pow);
      return c.reply(challenge_failed("missing"));
    }
    const auto verdict = pow.verify(*body.challenge, *body.nonce, id, now_ms());
    if (verdict != pow_verdict::ok) {
      s_.metrics.count_block(block_reason::pow);
      return c.reply(challenge_failed(verdict_name(verdict)));
    }
  }
  if (!admit_to_gateway(c)) return;
  const user_id who = user->user;
  with_actors(c, id, [this, id, who, reply = c.reply](auto* self, const event_actors& a) {
    ask_queue(self, a, true, who, reply, [this, id, who, reply](queue_status& s) {
      if (s.state == queue_state::unknown) return reply(unavailable()); // room full
      auto out = queue_json(s, id, who, *s_.access);
      out["queueToken"] = s_.access->issue_queue_token(queue_claims{who, id, s.seq, now_ms()});
      reply(make_json(http::status::created, json::serialize(out)));
    });
  });
}

void api::get_queue_status(call& c, event_id id) {
  auto user = authenticate(c);
  if (!user) return;
  auto e = find_event(c, id);
  if (!e) return;
  if (!e->config.onsale.waiting_room) return c.reply(no_waiting_room());
  HF_ASSERT(s_.access != nullptr);
  const std::string token(header(c.req, "Queue-Token"));
  auto claims = s_.access->verify_queue_token(token, id);
  const auto invalid = [&] {
    c.reply(make_error(http::status::unauthorized, "invalid_queue_token",
                       "send the Queue-Token that POST /v1/events/" + std::to_string(id) +
                           "/queue gave this user"));
  };
  if (!claims || claims->user != user->user) return invalid();
  if (!admit_to_gateway(c)) return;
  const user_id who = user->user;
  with_actors(c, id, [this, id, who, token, reply = c.reply](auto* self, const event_actors& a) {
    ask_queue(self, a, false, who, reply, [this, id, who, token, reply](queue_status& s) {
      if (s.state == queue_state::unknown) // signed by us, but the room forgot
        return reply(make_error(http::status::unauthorized, "invalid_queue_token",
                                "this place is unknown here: join again"));
      auto out = queue_json(s, id, who, *s_.access);
      out["queueToken"] = token;
      reply(make_json(http::status::ok, json::serialize(out)));
    });
  });
}

// --- waitlist --------------------------------------------------------------------

void api::join_waitlist(call& c, event_id id) {
  auto user = authenticate(c);
  if (!user) return;
  auto e = find_event(c, id);
  if (!e) return;
  auto body = parse_waitlist_body(c.req.body(), *e->hall);
  if (auto* r = std::get_if<body_refusal>(&body)) return c.reply(refusal_response(*r));
  const uint16_t area = std::get<waitlist_body>(body).area; // no_area: any section
  const uint16_t count = std::get<waitlist_body>(body).quantity;
  if (!admit_to_gateway(c)) return;
  const user_id who = user->user;
  with_actors(
      c, id,
      [e, who, area, count, reply = c.reply](caf::event_based_actor* self, const event_actors& a) {
        self->request(a.event, actor_timeout, waitlist_atom::value, who, area, count)
            .then(
                [e, reply](waitlist_answer& w) {
                  if (w.code != result_code::ok)
                    return reply(make_error(http_status_of(w.code), code_name(w.code),
                                            code_message(w.code)));
                  auto out = waitlist_json(*e, w.entry, nullptr);
                  json::object created{{"waitlistId", out["waitlistId"]},
                                       {"position", w.entry.position},
                                       {"status", out["status"]}};
                  reply(make_json(http::status::created, json::serialize(created)));
                },
                [reply](caf::error&) { reply(unavailable()); });
      });
}

void api::get_waitlist(call& c, std::string_view text) {
  auto user = authenticate(c);
  if (!user) return;
  auto id = parse_id(text);
  auto e = id ? s_.events.find(event_of(*id)) : nullptr;
  if (!e)
    return c.reply(
        make_error(http::status::not_found, "unknown_waitlist", "no such waitlist entry"));
  if (!admit_to_gateway(c)) return;
  const user_id who = user->user;
  const uint32_t seq = seq_of(*id);
  with_actors(
      c, e->config.id,
      [e, who, seq, reply = c.reply](caf::event_based_actor* self, const event_actors& a) {
        auto ev = a.event;
        self->request(ev, actor_timeout, waitlist_atom::value, who, seq)
            .then(
                [self, ev, e, who, reply](waitlist_answer& w) {
                  if (w.code != result_code::ok)
                    return reply(make_error(http::status::not_found, "unknown_waitlist",
                                            "no such waitlist entry"));
                  if (w.entry.status != waitlist_status::offered)
                    return reply(make_json(http::status::ok,
                                           json::serialize(waitlist_json(*e, w.entry, nullptr))));
                  // An offer is a real hold: its seats and total come from the user's holdings.
                  self->request(ev, actor_timeout, holdings_atom::value, who)
                      .then(
                          [e, entry = w.entry, reply](user_holdings& mine) {
                            const hold_view* offered = nullptr;
                            for (const auto& h : mine.holds)
                              if (h.id == entry.hold) offered = &h;
                            reply(make_json(http::status::ok,
                                            json::serialize(waitlist_json(*e, entry, offered))));
                          },
                          [reply](caf::error&) { reply(unavailable()); });
                },
                [reply](caf::error&) { reply(unavailable()); });
      });
}

// POST /v1/live-tickets [{"queueToken": "..."}] (bearer token in the header):
// a single-use ticket for opening one live socket within 30 s, so the socket's
// URL never carries the long-lived token (net/live_tickets.hpp).
void api::create_live_ticket(call& c) {
  auto user = authenticate(c);
  if (!user) return;
  auto queue_token = parse_live_ticket_body(c.req.body());
  if (auto* r = std::get_if<body_refusal>(&queue_token)) return c.reply(refusal_response(*r));
  live_tickets::grant who{user->user, {}};
  if (auto& qt = std::get<std::optional<std::string>>(queue_token)) who.queue_token = std::move(*qt);
  static constexpr char hex[] = "0123456789abcdef";
  std::string ticket;
  for (int i = 0; i < 2; ++i)
    for (uint64_t bits = random_u64(), n = 0; n < 16; ++n, bits >>= 4)
      ticket += hex[bits & 15];
  switch (live_tickets_.issue(ticket, std::move(who), now_ms())) {
  case live_tickets::refusal::none:
    break;
  case live_tickets::refusal::user_limit: {
    const auto wait_s = std::to_string(limits::live_ticket_ttl_ms / 1000);
    auto res = make_error(http::status::too_many_requests, "too_many_tickets",
                          "this user has as many unused live tickets as allowed; use one or wait " +
                              wait_s + " s");
    res.set(http::field::retry_after, wait_s);
    return c.reply(std::move(res));
  }
  case live_tickets::refusal::full: {
    auto res = make_error(http::status::service_unavailable, "overloaded",
                          "this node has as many live tickets outstanding as it allows; retry "
                          "in a second");
    res.set(http::field::retry_after, "1");
    return c.reply(std::move(res));
  }
  }
  c.reply(make_json(http::status::created,
                    json::serialize(json::object{
                        {"ticket", ticket},
                        {"expiresInSeconds", limits::live_ticket_ttl_ms / 1000}})));
}

// Waiting-room gauges for /metrics: each scrape asks every room for its counts
// (one small message per event with a room) and shows what the previous
// scrape's answers said, so a scrape never waits on an actor.
void api::sample_queues(call& c) {
  for (const auto& [id, e] : *s_.events.all()) {
    if (!e->config.onsale.waiting_room) continue;
    // No one to tell when a room cannot be found: the scrape answers on its own,
    // and a second answer to its request would corrupt the connection.
    with_actors(
        c.gateway, id,
        [this, id](caf::event_based_actor* self, const event_actors& a) {
          if (!a.queue) return;
          self->request(a.queue, actor_timeout, stats_atom::value)
              .then(
                  [this, id](std::vector<int64_t>& v) {
                    if (v.size() == 3) s_.metrics.set_queue(id, v[0], v[1], v[2]);
                  },
                  [](caf::error&) {});
        },
        nullptr);
  }
}

// --- live pushes -----------------------------------------------------------------

std::function<void(std::shared_ptr<websocket_session>)>
api::live_watch(const http_request& req, std::shared_ptr<const catalog_entry> event,
                std::optional<http_response>& refusal) {
  const auto q = query_params(req.target());
  if (q.contains("token")) {
    refusal = make_error(http::status::bad_request, "token_in_url",
                         "a bearer token does not belong in a URL: POST /v1/live-tickets for a "
                         "ticket and open the socket with ?ticket=");
    return {};
  }
  auto ticket = q.find("ticket");
  if (ticket == q.end()) return {}; // the public seat map only
  auto grant = live_tickets_.redeem(ticket->second, now_ms());
  if (!grant) {
    refusal = make_error(http::status::unauthorized, "invalid_ticket",
                         "the live ticket is unknown, used or expired: POST /v1/live-tickets for "
                         "a new one");
    return {};
  }
  if (s_.access == nullptr) return {};
  bool queue = false;
  if (!grant->queue_token.empty() && event->config.onsale.waiting_room) {
    auto place = s_.access->verify_queue_token(grant->queue_token, event->config.id);
    queue = place && place->user == grant->user;
  }
  live_watch_target target{std::move(event), grant->user, queue};
  return [this, target](std::shared_ptr<websocket_session> ws) {
    start_live_watcher(s_.sys, s_.dir, *s_.access, target, std::move(ws));
  };
}

} // namespace holdfast
