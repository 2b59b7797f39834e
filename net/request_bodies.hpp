// The JSON bodies of the API's routes, parsed and validated with no actor,
// session or clock involved: each handler calls its parse_* here, answers the
// refusal or acts on the result. Kept pure so the fuzz target
// (tests/fuzz/bodies_fuzz.cpp) runs exactly the code the node runs.
// A refusal is what the handler answers, field for field; the order of the
// checks is the handlers' (e.g. unknown fields before missing ones).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <boost/beast/http/status.hpp>
#include <boost/json.hpp>

#include "domain/event_messages.hpp"
#include "core/ids.hpp"
#include "core/venue.hpp"

namespace holdfast {

struct body_refusal {
  boost::beast::http::status status;
  std::string code; // stable, e.g. "invalid_request"
  std::string message;
  boost::json::array unknown_seats; // unknown_seat only: the ids not in the venue
};

// What a route takes from its body, or why it refuses the body.
template <class T> using body_result = std::variant<T, body_refusal>;

// A decimal id 1..2^64-1 of at most 20 digits, nothing else.
std::optional<uint64_t> parse_id(std::string_view text);

// A JSON object, refusing malformed JSON (including invalid UTF-8), non-objects
// and fields outside `allowed`. `memory`: where the document lives (default:
// the heap); with a stack arena nothing of the result may outlive the arena.
body_result<boost::json::object> parse_json_object(std::string_view body,
                                                   std::initializer_list<std::string_view> allowed,
                                                   boost::json::storage_ptr memory = {});

// A proof-of-work solution: each part set only when present as a string;
// whether both are needed is the difficulty's call (the handler's).
struct pow_solution {
  std::optional<std::string> challenge, nonce;
};

// POST /v1/users {"name", "challenge"?, "nonce"?}: the name, 1 to 64 bytes.
struct user_body {
  std::string name;
  pow_solution solution;
};
body_result<user_body> parse_user_body(std::string_view body);

// POST /v1/events/{id}/queue: an empty body or {"challenge", "nonce"}.
body_result<pow_solution> parse_queue_join_body(std::string_view body);

// POST /v1/live-tickets: an empty body or {"queueToken"?}: the queue token, if any.
body_result<std::optional<std::string>> parse_live_ticket_body(std::string_view body);

// POST /v1/events/{id}/waitlist {"quantity", "section"?}: section no_area is any.
struct waitlist_body {
  uint16_t area = no_area;
  uint16_t quantity = 0;
};
body_result<waitlist_body> parse_waitlist_body(std::string_view body, const venue& hall);

// PUT /v1/admin/events/{id}/queue {"powDifficulty"}: 0..pow_difficulty_bits_max.
body_result<uint32_t> parse_pow_difficulty_body(std::string_view body);

// POST /v1/events/{id}/holds: {"seats": [...]}, or {"quantity"} with an
// optional {"section"}: named seats, GA places or the best seats side by side.
// The command's tag is 0. `memory` as for parse_json_object.
body_result<command> parse_hold_body(std::string_view body, const venue& hall, user_id user,
                                     boost::json::storage_ptr memory = {});

// POST /v1/orders {"holdId", "payment": {"card"}}. The card is not checked
// here (the handler answers unknown_hold before invalid_card).
struct order_body {
  hold_id hold = 0;
  std::string card;
};
body_result<order_body> parse_order_body(std::string_view body);

} // namespace holdfast
