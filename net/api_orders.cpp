// Holds and orders: the on-sale's hot path.
#include <algorithm>
#include <optional>

#include <caf/all.hpp>

#include "actors/checkout_actor.hpp"
#include "core/limits.hpp"
#include "domain/payment_provider.hpp"
#include "net/api.hpp"
#include "net/gateway.hpp"
#include "net/json_views.hpp"

namespace holdfast {

namespace json = boost::json;

namespace {

http_response refusal(const catalog_entry* e, const outcome& out) {
  if (out.code == result_code::seat_unavailable && e != nullptr && out.seat_count > 0)
    return make_json(http_status_of(out.code),
                     error_body(code_name(out.code), code_message(out.code),
                                seat_labels(*e->hall, out.seat_span())));
  return make_error(http_status_of(out.code), code_name(out.code), code_message(out.code));
}

// A hold's optional Idempotency-Key as the event keeps it: a 64-bit FNV-1a
// hash (stable across builds: it is journaled), never 0. Collisions only
// matter between one user's live holds, a handful at a time.
std::optional<uint64_t> hold_key_of(std::string_view key) {
  if (key.empty() || key.size() > limits::idempotency_key_bytes_max ||
      !std::all_of(key.begin(), key.end(), [](char ch) { return ch > ' ' && ch <= '~'; }))
    return std::nullopt;
  uint64_t h = 14695981039346656037ull;
  for (char ch : key) {
    h ^= static_cast<unsigned char>(ch);
    h *= 1099511628211ull;
  }
  return h == 0 ? 1 : h;
}

// A best-available hold found no block: say what was looked for.
std::string no_block_message(const catalog_entry& e, uint16_t quantity, uint16_t section) {
  std::string out = "no " + std::to_string(quantity) +
                    (quantity == 1 ? " seat is" : " seats side by side are") + " free";
  if (section != no_area) out += " in section " + e.hall->sections()[section].name;
  return out;
}

} // namespace

void api::create_hold(call& c, event_id id) {
  auto user = authenticate(c);
  if (!user) return;
  auto e = find_event(c, id);
  if (!e) return;
  // Optional: a hold retried with its key (the answer was lost) gets the same
  // hold back instead of taking a second block.
  uint64_t hold_key = 0;
  if (auto it = c.req.find("Idempotency-Key"); it != c.req.end()) {
    auto parsed = hold_key_of(it->value());
    if (!parsed)
      return c.reply(make_error(http::status::bad_request, "idempotency_key_required",
                                "an Idempotency-Key is 1 to 128 printable bytes"));
    hold_key = *parsed;
  }
  // The body is parsed into a stack arena: a hold body is small, nothing of it
  // outlives this function (the command and the refusals copy what they need).
  unsigned char arena[2048];
  json::monotonic_resource memory{arena, sizeof arena};
  auto parsed = parse_hold_body(c.req.body(), *e->hall, user->user, &memory);
  if (auto* r = std::get_if<body_refusal>(&parsed)) return c.reply(refusal_response(*r));
  command cmd = std::get<command>(parsed);
  cmd.idempotency_key = hold_key;
  // Only what a refusal of a best-available hold needs to say (not the whole command).
  const uint16_t best_quantity = cmd.pick_best ? cmd.quantity : 0;
  const uint16_t best_section = cmd.best_section;
  submit(c, id, cmd, [this, e, best_quantity, best_section, reply = c.reply](const outcome& out) {
    s_.metrics.count_hold(out.code == result_code::ok);
    if (out.code == result_code::seat_unavailable && best_quantity > 0)
      return reply(make_error(http_status_of(out.code), code_name(out.code),
                              no_block_message(*e, best_quantity, best_section)));
    if (out.code != result_code::ok) return reply(refusal(e.get(), out));
    reply(make_json(http::status::created, hold_body(*e, out)));
  });
}

void api::delete_hold(call& c, std::string_view text) {
  auto user = authenticate(c);
  if (!user) return;
  auto hold = parse_id(text);
  if (!hold || !s_.events.find(event_of(*hold)))
    return c.reply(
        make_error(http::status::not_found, "unknown_hold", "no live hold with this id"));
  submit(c, event_of(*hold), make_release(0, user->user, *hold),
         [reply = c.reply](const outcome& out) {
           if (out.code != result_code::ok) return reply(refusal(nullptr, out));
           http_response res{http::status::no_content, 11};
           res.set(http::field::server, "holdfast");
           res.prepare_payload();
           reply(std::move(res));
         });
}

namespace {

http::status status_of_refusal(std::string_view code) {
  if (code == "hold_already_ordered" || code == "hold_in_checkout" ||
      code == "payment_attempts_exhausted" || code == "card_limit_exceeded")
    return http::status::conflict;
  if (code == "idempotency_key_reused") return http::status::unprocessable_entity;
  if (code == "unknown_payment") return http::status::not_found;
  for (uint8_t c = 0; c <= static_cast<uint8_t>(result_code_last); ++c)
    if (code_name(static_cast<result_code>(c)) == code)
      return http_status_of(static_cast<result_code>(c));
  return http::status::service_unavailable; // overloaded, or no answer
}

std::string_view refusal_message(std::string_view code) {
  if (code == "hold_already_ordered") return "this hold is already an order";
  if (code == "hold_in_checkout") return "another payment for this hold is in progress";
  if (code == "idempotency_key_reused")
    return "this Idempotency-Key was used with a different request";
  if (code == "unknown_payment") return "no such payment";
  if (code == "payment_attempts_exhausted")
    return "too many declined payments for this hold or in this event; try again later";
  if (code == "card_limit_exceeded")
    return "this card would pay for more seats in this event than one person may buy";
  for (uint8_t c = 0; c <= static_cast<uint8_t>(result_code_last); ++c)
    if (code_name(static_cast<result_code>(c)) == code)
      return code_message(static_cast<result_code>(c));
  return "the checkout is overloaded; retry with the same Idempotency-Key";
}

// A payment that ended without an order: its error names the attempt.
http_response payment_error(http::status status, std::string_view code, std::string_view message,
                            const checkout_answer& a) {
  json::object err{{"code", code}, {"message", message}, {"paymentId", a.payment_id}};
  if (!a.reason.empty()) err["reason"] = a.reason;
  return make_json(status, json::serialize(json::object{{"error", std::move(err)}}));
}

// POST /v1/orders answers: 201 order, 202 pending, 402/422 declined, 409 refunded.
http_response checkout_response(const catalog_entry& e, const checkout_answer& a) {
  if (!a.error.empty())
    return make_error(status_of_refusal(a.error), a.error, refusal_message(a.error));
  switch (a.status) {
  case client_status::confirmed: {
    const outcome& o = a.order;
    auto body = order_json(e, order_fields{o.id, a.hold, o.created_at_ms, o.total_cents, o.ga_area,
                                           o.quantity, o.seat_span()});
    body["paymentId"] = a.payment_id;
    return make_json(http::status::created, json::serialize(body));
  }
  case client_status::pending:
    return make_json(http::status::accepted,
                     json::serialize(json::object{{"status", "pending"},
                                                  {"paymentId", a.payment_id},
                                                  {"holdId", std::to_string(a.hold)}}));
  case client_status::declined:
    if (a.reason == "insufficient_funds")
      return payment_error(http::status::payment_required, "insufficient_funds",
                           "the card has insufficient funds", a);
    if (a.reason == "invalid_card")
      return payment_error(http::status::unprocessable_entity, "invalid_card",
                           "the card number is not valid", a);
    return payment_error(http::status::payment_required, "payment_declined",
                         "the card was declined", a);
  case client_status::refunded:
    return payment_error(http::status::conflict, "payment_refunded",
                         "the hold was lost during payment; the charge was refunded", a);
  }
  return make_error(http::status::internal_server_error, "internal", "internal error");
}

json::object payment_json(const checkout_answer& a) {
  json::object out{{"paymentId", a.payment_id},
                   {"status", client_status_name(a.status)},
                   {"holdId", std::to_string(a.hold)}};
  if (a.status == client_status::confirmed) out["orderId"] = std::to_string(a.order.id);
  if (!a.reason.empty()) out["reason"] = a.reason;
  return out;
}

// Asks an event's checkout actor (from inside the gateway) and hands its
// answer to `done`: an overloaded refusal when the actor is missing or silent.
template <class Request>
void ask_checkout(caf::event_based_actor* self, const checkout_actor& checkout, const Request& req,
                  std::function<void(const checkout_answer&)> done) {
  checkout_answer failed;
  failed.error = "overloaded";
  if (!checkout) return done(failed);
  // The checkout answers within its client wait (at most a minute).
  self->request(checkout, std::chrono::milliseconds(limits::checkout_answer_timeout_ms), req)
      .then([done](checkout_answer& a) { done(a); }, [done, failed](caf::error&) { done(failed); });
}

} // namespace

void api::create_order(call& c) {
  auto user = authenticate(c);
  if (!user) return;
  auto key_it = c.req.find("Idempotency-Key");
  if (key_it == c.req.end() || key_it->value().empty() ||
      key_it->value().size() > limits::idempotency_key_bytes_max)
    return c.reply(make_error(http::status::bad_request, "idempotency_key_required",
                              "send an Idempotency-Key header (1 to " +
                                  std::to_string(limits::idempotency_key_bytes_max) + " bytes)"));
  auto body = parse_order_body(c.req.body());
  if (auto* r = std::get_if<body_refusal>(&body)) return c.reply(refusal_response(*r));
  const hold_id hold = std::get<order_body>(body).hold;
  auto e = s_.events.find(event_of(hold));
  if (!e)
    return c.reply(
        make_error(http::status::not_found, "unknown_hold", "no live hold with this id"));
  const std::string key(key_it->value());
  const std::string card_number = std::move(std::get<order_body>(body).card);
  // A number that is not a card never reaches the provider (nor any record).
  if (!luhn_valid(card_number))
    return c.reply(make_error(http::status::unprocessable_entity, "invalid_card",
                              "the card number is not valid"));
  // The checkout actor owns idempotency: the same key is the same attempt.
  if (!admit_to_gateway(c)) return;
  auto done = [this, e, reply = c.reply](const checkout_answer& a) {
    if (a.error.empty()) s_.metrics.count_checkout_answer(a.status);
    reply(checkout_response(*e, a));
  };
  with_actors(c, e->config.id,
              [req = checkout_request{user->user, key, hold, card_number,
                                      s_.tokens.card_fingerprint(card_number)},
               done](caf::event_based_actor* self, const event_actors& a) {
                ask_checkout(self, a.checkout, req, done);
              });
}

void api::get_payment(call& c, std::string_view id) {
  auto user = authenticate(c);
  if (!user) return;
  const auto dash = id.find('-');
  auto event = parse_id(id.substr(0, dash));
  auto e = dash != std::string_view::npos && event && *event <= UINT32_MAX
               ? s_.events.find(static_cast<event_id>(*event))
               : nullptr;
  if (!e) return c.reply(make_error(http::status::not_found, "unknown_payment", "no such payment"));
  if (!admit_to_gateway(c)) return;
  auto done = [reply = c.reply](const checkout_answer& a) {
    if (!a.error.empty())
      return reply(make_error(status_of_refusal(a.error), a.error, refusal_message(a.error)));
    reply(make_json(http::status::ok, json::serialize(payment_json(a))));
  };
  with_actors(c, e->config.id,
              [q = payment_query{user->user, std::string(id)}, done](caf::event_based_actor* self,
                                                                     const event_actors& a) {
                ask_checkout(self, a.checkout, q, done);
              });
}

void api::list_orders(call& c, std::optional<order_id> only) {
  auto user = authenticate(c);
  if (!user) return;
  std::vector<std::shared_ptr<const catalog_entry>> events;
  if (only) {
    auto e = s_.events.find(event_of(*only));
    if (!e) return c.reply(make_error(http::status::not_found, "unknown_order", "no such order"));
    events.push_back(e);
  } else {
    for (const auto& [id, e] : *s_.events.all())
      events.push_back(e);
  }
  if (events.empty()) return c.reply(make_json(http::status::ok, R"({"orders":[]})"));
  // Ask every event for the user's orders, then answer once with all of them.
  struct gather {
    std::vector<json::object> orders;
    size_t waiting = 0;
    bool failed = false;
  };
  auto acc = std::make_shared<gather>();
  acc->waiting = events.size();
  if (!admit_to_gateway(c)) return;
  auto dir = s_.dir;
  const user_id uid = user->user;
  caf::anon_send(
      c.gateway, gateway_task{[=, reply = c.reply](caf::event_based_actor* self) {
        auto done_one = [=]() {
          if (--acc->waiting > 0) return;
          if (acc->failed)
            return reply(make_error(http::status::service_unavailable, "overloaded",
                                    "an event did not answer in time"));
          if (only) {
            if (acc->orders.empty())
              return reply(make_error(http::status::not_found, "unknown_order", "no such order"));
            return reply(make_json(http::status::ok, json::serialize(acc->orders.front())));
          }
          json::array all;
          for (auto& o : acc->orders)
            all.push_back(std::move(o));
          reply(make_json(http::status::ok, json::serialize(json::object{{"orders", all}})));
        };
        for (const auto& e : events) {
          lookup_event(self, dir, e->config.id, [=](event_actor ev) {
            if (!ev) return done_one();
            self->request(ev, std::chrono::milliseconds(limits::actor_answer_timeout_ms),
                          holdings_atom::value, uid)
                .then(
                    [=](user_holdings& h) {
                      for (const auto& o : h.orders)
                        if (!only || o.id == *only)
                          acc->orders.push_back(order_json(
                              *e, order_fields{o.id, o.hold, o.created_at_ms, o.total_cents,
                                               o.ga_area, o.quantity, o.seats}));
                      done_one();
                    },
                    [=](caf::error&) {
                      acc->failed = true;
                      done_one();
                    });
          });
        }
      }});
}

} // namespace holdfast
