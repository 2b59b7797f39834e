#include "net/request_bodies.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "core/limits.hpp"

namespace holdfast {

namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

body_refusal invalid(std::string message) {
  return {http::status::bad_request, "invalid_request", std::move(message), {}};
}

std::string hold_seats_max_text() {
  return std::to_string(limits::hold_seats_max);
}

body_refusal unknown_section() {
  return {http::status::unprocessable_entity, "unknown_section", "no such section in this venue",
          {}};
}

} // namespace

std::optional<uint64_t> parse_id(std::string_view text) {
  uint64_t id = 0;
  if (text.empty() || text.size() > 20) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id == 0) return std::nullopt;
  return id;
}

body_result<json::object> parse_json_object(std::string_view body,
                                            std::initializer_list<std::string_view> allowed,
                                            json::storage_ptr memory) {
  json::error_code ec;
  json::value v = json::parse(body, ec, std::move(memory));
  if (ec) return body_refusal{http::status::bad_request, "bad_json", "the body is not valid JSON", {}};
  if (!v.is_object())
    return body_refusal{
        http::status::bad_request, "invalid_request", "the body must be an object", {}};
  for (const auto& field : v.as_object())
    if (std::find(allowed.begin(), allowed.end(), field.key()) == allowed.end())
      return body_refusal{http::status::bad_request,
                          "unknown_field",
                          "unknown field \"" + std::string(field.key()) + "\"",
                          {}};
  return std::move(v.as_object());
}

namespace {

pow_solution solution_in(const json::object& fields) {
  pow_solution out;
  if (const auto* c = fields.if_contains("challenge"); c && c->is_string())
    out.challenge = std::string(c->as_string());
  if (const auto* n = fields.if_contains("nonce"); n && n->is_string())
    out.nonce = std::string(n->as_string());
  return out;
}

} // namespace

body_result<user_body> parse_user_body(std::string_view text) {
  auto body = parse_json_object(text, {"name", "challenge", "nonce"});
  if (auto* r = std::get_if<body_refusal>(&body)) return std::move(*r);
  const auto& fields = std::get<json::object>(body);
  const auto* name = fields.if_contains("name");
  if (!name || !name->is_string() || name->as_string().empty() ||
      name->as_string().size() > limits::user_name_bytes_max)
    return invalid("name must be a string of 1 to " + std::to_string(limits::user_name_bytes_max) +
                   " bytes");
  return user_body{std::string(name->as_string()), solution_in(fields)};
}

body_result<pow_solution> parse_queue_join_body(std::string_view text) {
  if (text.empty()) return pow_solution{}; // an empty body is {}
  auto body = parse_json_object(text, {"challenge", "nonce"});
  if (auto* r = std::get_if<body_refusal>(&body)) return std::move(*r);
  return solution_in(std::get<json::object>(body));
}

body_result<std::optional<std::string>> parse_live_ticket_body(std::string_view text) {
  if (text.empty()) return std::optional<std::string>{};
  auto body = parse_json_object(text, {"queueToken"});
  if (auto* r = std::get_if<body_refusal>(&body)) return std::move(*r);
  const auto* qt = std::get<json::object>(body).if_contains("queueToken");
  if (!qt) return std::optional<std::string>{};
  if (!qt->is_string() || qt->as_string().size() > limits::http_header_bytes_max)
    return invalid("queueToken must be the string POST …/queue returned");
  return std::optional<std::string>{std::string(qt->as_string())};
}

body_result<waitlist_body> parse_waitlist_body(std::string_view text, const venue& hall) {
  auto body = parse_json_object(text, {"section", "quantity"});
  if (auto* r = std::get_if<body_refusal>(&body)) return std::move(*r);
  const auto& fields = std::get<json::object>(body);
  const auto* quantity = fields.if_contains("quantity");
  const auto* section = fields.if_contains("section");
  if (!quantity || !quantity->is_int64() || quantity->as_int64() < 1 ||
      quantity->as_int64() > limits::hold_seats_max ||
      (section && !section->is_string() && !section->is_null()))
    return invalid("quantity must be an integer from 1 to " + hold_seats_max_text() +
                   " and section a string");
  waitlist_body out;
  out.quantity = static_cast<uint16_t>(quantity->as_int64());
  if (section && section->is_string()) {
    auto found = hall.find_section(section->as_string());
    if (!found) return unknown_section();
    out.area = *found;
  }
  return out;
}

body_result<uint32_t> parse_pow_difficulty_body(std::string_view text) {
  auto body = parse_json_object(text, {"powDifficulty"});
  if (auto* r = std::get_if<body_refusal>(&body)) return std::move(*r);
  const auto* bits = std::get<json::object>(body).if_contains("powDifficulty");
  if (!bits || !bits->is_int64() || bits->as_int64() < 0 ||
      bits->as_int64() > limits::pow_difficulty_bits_max)
    return invalid("powDifficulty must be an integer from 0 to " +
                   std::to_string(limits::pow_difficulty_bits_max));
  return static_cast<uint32_t>(bits->as_int64());
}

namespace {

// {"seats": [...]}: every id a seat of the venue, or unknown_seat naming the others.
body_result<command> named_hold(const json::value& seats, const venue& hall, user_id user) {
  if (!seats.is_array() || seats.as_array().empty() ||
      seats.as_array().size() > limits::hold_seats_max)
    return invalid("seats must be a list of 1 to " + hold_seats_max_text() + " seat ids");
  std::vector<seat_index> picked;
  json::array unknown;
  for (const auto& s : seats.as_array()) {
    if (!s.is_string()) return invalid("seat ids are strings like \"101-A-1\"");
    if (auto index = hall.find_seat(s.as_string()))
      picked.push_back(*index);
    else
      unknown.push_back(s);
  }
  if (!unknown.empty())
    return body_refusal{http::status::unprocessable_entity, "unknown_seat",
                        "no such seat in this venue", std::move(unknown)};
  return make_hold(0, user, picked);
}

// {"quantity"} in a GA area: places there. In an assigned section, or with no
// section at all: the best seats side by side, picked by the event.
body_result<command> quantity_hold(const json::value& quantity, const json::value* section,
                                   const venue& hall, user_id user) {
  if (!quantity.is_int64() || quantity.as_int64() < 1 ||
      quantity.as_int64() > limits::hold_seats_max || (section && !section->is_string()))
    return invalid("section must be a string and quantity an integer from 1 to " +
                   hold_seats_max_text());
  const auto count = static_cast<uint16_t>(quantity.as_int64());
  if (section == nullptr) return make_best_hold(0, user, no_area, count);
  const auto area = hall.find_section(section->as_string());
  if (!area) return unknown_section();
  return hall.sections()[*area].kind == section_kind::general_admission
             ? make_ga_hold(0, user, *area, count)
             : make_best_hold(0, user, *area, count);
}

} // namespace

body_result<command> parse_hold_body(std::string_view text, const venue& hall, user_id user,
                                     json::storage_ptr memory) {
  auto body = parse_json_object(text, {"seats", "section", "quantity"}, std::move(memory));
  if (auto* r = std::get_if<body_refusal>(&body)) return std::move(*r);
  const auto& fields = std::get<json::object>(body);
  const auto* seats = fields.if_contains("seats");
  const auto* section = fields.if_contains("section");
  const auto* quantity = fields.if_contains("quantity");
  if (seats != nullptr && section == nullptr && quantity == nullptr)
    return named_hold(*seats, hall, user);
  if (quantity != nullptr && seats == nullptr) return quantity_hold(*quantity, section, hall, user);
  return invalid("send {\"seats\": [...]}, or {\"quantity\"} with an optional {\"section\"}");
}

body_result<order_body> parse_order_body(std::string_view text) {
  auto body = parse_json_object(text, {"holdId", "payment"});
  if (auto* r = std::get_if<body_refusal>(&body)) return std::move(*r);
  const auto& fields = std::get<json::object>(body);
  const auto* hold_v = fields.if_contains("holdId");
  const auto* payment = fields.if_contains("payment");
  const json::value* card =
      payment && payment->is_object() ? payment->as_object().if_contains("card") : nullptr;
  auto hold = hold_v && hold_v->is_string() ? parse_id(hold_v->as_string()) : std::nullopt;
  if (!hold || card == nullptr || !card->is_string() || payment->as_object().size() != 1)
    return invalid("send {\"holdId\": \"...\", \"payment\": {\"card\": \"...\"}}");
  return order_body{*hold, std::string(card->as_string())};
}

} // namespace holdfast
