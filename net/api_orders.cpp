// Holds and orders: the on-sale's hot path.
#include <caf/all.hpp>

#include "net/api.hpp"
#include "net/gateway.hpp"
#include "net/json_views.hpp"

namespace holdfast {

namespace json = boost::json;

namespace {

// Test cards, Stripe style. Anything else that passes the Luhn check succeeds.
constexpr std::string_view card_declined = "4000000000000002";
constexpr size_t idempotency_key_bytes_max = 128;

bool luhn_valid(std::string_view digits) {
  if (digits.size() < 12 || digits.size() > 19) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it < '0' || *it > '9') return false;
    int d = *it - '0';
    if (twice && (d *= 2) > 9) d -= 9;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

http_response refusal(const catalog_entry* e, const outcome& out) {
  if (out.code == result_code::seat_unavailable && e != nullptr && out.seat_count > 0)
    return make_json(http_status_of(out.code),
                     error_body(code_name(out.code), code_message(out.code),
                                seat_labels(*e->hall, out.seat_span())));
  return make_error(http_status_of(out.code), code_name(out.code), code_message(out.code));
}

} // namespace

void api::create_hold(call& c, event_id id) {
  auto user = authenticate(c);
  if (!user) return;
  auto e = find_event(c, id);
  if (!e) return;
  auto body = parse_body(c, {"seats", "section", "quantity"});
  if (!body) return;
  const auto* seats = body->if_contains("seats");
  const auto* section = body->if_contains("section");
  const auto* quantity = body->if_contains("quantity");
  command cmd;
  if (seats != nullptr && section == nullptr && quantity == nullptr) {
    if (!seats->is_array() || seats->as_array().empty() ||
        seats->as_array().size() > limits::hold_seats_max)
      return c.reply(make_error(http::status::bad_request, "invalid_request",
                                "seats must be a list of 1 to 16 seat ids"));
    std::vector<seat_index> picked;
    json::array unknown;
    for (const auto& s : seats->as_array()) {
      if (!s.is_string())
        return c.reply(make_error(http::status::bad_request, "invalid_request",
                                  "seat ids are strings like \"101-A-1\""));
      auto index = e->hall->find_seat(s.as_string());
      if (index)
        picked.push_back(*index);
      else
        unknown.push_back(s);
    }
    if (!unknown.empty())
      return c.reply(make_json(http::status::unprocessable_entity,
                               error_body("unknown_seat", "no such seat in this venue", unknown)));
    cmd = make_hold(0, user->user, picked);
  } else if (section != nullptr && quantity != nullptr && seats == nullptr) {
    if (!quantity->is_int64() || quantity->as_int64() < 1 ||
        quantity->as_int64() > limits::hold_seats_max || !section->is_string())
      return c.reply(make_error(http::status::bad_request, "invalid_request",
                                "section must be a string and quantity an integer from 1 to 16"));
    const auto area = e->hall->find_section(section->as_string());
    if (!area || e->hall->sections()[*area].kind != section_kind::general_admission)
      return c.reply(make_error(http::status::unprocessable_entity, "unknown_section",
                                "no such general-admission section"));
    cmd = make_ga_hold(0, user->user, *area, static_cast<uint16_t>(quantity->as_int64()));
  } else {
    return c.reply(make_error(http::status::bad_request, "invalid_request",
                              "send either {\"seats\": [...]} or {\"section\", \"quantity\"}"));
  }
  submit(c, id, cmd, [this, e, reply = c.reply](const outcome& out) {
    s_.metrics.count_hold(out.code == result_code::ok);
    if (out.code != result_code::ok) return reply(refusal(e.get(), out));
    reply(make_json(http::status::created, json::serialize(hold_json(*e, out))));
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

void api::create_order(call& c) {
  auto user = authenticate(c);
  if (!user) return;
  auto key_it = c.req.find("Idempotency-Key");
  if (key_it == c.req.end() || key_it->value().empty() ||
      key_it->value().size() > idempotency_key_bytes_max)
    return c.reply(make_error(http::status::bad_request, "idempotency_key_required",
                              "send an Idempotency-Key header (1 to 128 bytes)"));
  auto body = parse_body(c, {"holdId", "payment"});
  if (!body) return;
  const auto* hold_v = body->if_contains("holdId");
  const auto* payment = body->if_contains("payment");
  const json::value* card =
      payment && payment->is_object() ? payment->as_object().if_contains("card") : nullptr;
  auto hold = hold_v && hold_v->is_string() ? parse_id(hold_v->as_string()) : std::nullopt;
  if (!hold || card == nullptr || !card->is_string() || payment->as_object().size() != 1)
    return c.reply(make_error(http::status::bad_request, "invalid_request",
                              "send {\"holdId\": \"...\", \"payment\": {\"card\": \"...\"}}"));
  auto e = s_.events.find(event_of(*hold));
  if (!e)
    return c.reply(
        make_error(http::status::not_found, "unknown_hold", "no live hold with this id"));
  const std::string key(key_it->value());
  const std::string card_number(card->as_string());
  const std::string fingerprint = std::to_string(*hold) + "/" + card_number;
  const user_id uid = user->user;
  auto replay = [reply = c.reply](const stored_response& r) {
    reply(make_json(static_cast<http::status>(r.status), r.body));
  };
  switch (s_.idempotency.begin(uid, key, fingerprint, replay)) {
  case idempotency_store::claim::repeat:
    return;
  case idempotency_store::claim::mismatch:
    return c.reply(make_error(http::status::unprocessable_entity, "idempotency_key_reused",
                              "this Idempotency-Key was used with a different request"));
  case idempotency_store::claim::first:
    break;
  }
  // Answers the caller and every repeat of its key with the same response.
  auto finish = [this, uid, key, reply = c.reply](http_response res) {
    s_.idempotency.finish(uid, key, stored_response{res.result_int(), res.body()});
    reply(std::move(res));
  };
  if (!luhn_valid(card_number))
    return finish(make_error(http::status::unprocessable_entity, "invalid_card",
                             "the card number is not valid"));
  if (card_number == card_declined)
    return finish(
        make_error(http::status::payment_required, "payment_declined", "the card was declined"));
  submit(c, e->config.id, make_confirm(0, uid, *hold),
         [this, e, hold = *hold, finish](const outcome& out) {
           if (out.code != result_code::ok) return finish(refusal(e.get(), out));
           s_.metrics.count_sale();
           order_fields f{out.id,      hold,         out.created_at_ms, out.total_cents,
                          out.ga_area, out.quantity, out.seat_span()};
           finish(make_json(http::status::created, json::serialize(order_json(*e, f))));
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
            self->request(ev, std::chrono::seconds(5), holdings_atom::value, uid)
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
