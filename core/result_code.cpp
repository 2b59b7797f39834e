#include "core/result_code.hpp"

namespace holdfast {

std::string_view code_name(result_code code) {
  switch (code) {
  case result_code::ok:
    return "ok";
  case result_code::seat_unavailable:
    return "seat_unavailable";
  case result_code::hold_expired:
    return "hold_expired";
  case result_code::not_holder:
    return "not_holder";
  case result_code::limit_exceeded:
    return "limit_exceeded";
  case result_code::unknown_seat:
    return "unknown_seat";
  case result_code::unknown_section:
    return "unknown_section";
  case result_code::unknown_hold:
    return "unknown_hold";
  case result_code::unknown_event:
    return "unknown_event";
  case result_code::event_not_on_sale:
    return "event_not_on_sale";
  case result_code::invalid_request:
    return "invalid_request";
  case result_code::overloaded:
    return "overloaded";
  case result_code::seats_available:
    return "seats_available";
  case result_code::unknown_waitlist:
    return "unknown_waitlist";
  case result_code::idempotency_key_reused:
    return "idempotency_key_reused";
  }
  return "internal";
}

std::string_view code_message(result_code code) {
  switch (code) {
  case result_code::ok:
    return "ok";
  case result_code::seat_unavailable:
    return "one or more seats are held or sold";
  case result_code::hold_expired:
    return "the hold expired and its seats were released";
  case result_code::not_holder:
    return "the hold belongs to another user";
  case result_code::limit_exceeded:
    return "the per-user seat limit for this event is reached";
  case result_code::unknown_seat:
    return "no such seat in this venue";
  case result_code::unknown_section:
    return "no such general-admission section";
  case result_code::unknown_hold:
    return "no live hold with this id";
  case result_code::unknown_event:
    return "no such event";
  case result_code::event_not_on_sale:
    return "the event is not on sale";
  case result_code::invalid_request:
    return "the request is malformed";
  case result_code::overloaded:
    return "the event is overloaded; retry shortly";
  case result_code::seats_available:
    return "these places are on sale right now: hold them instead of waiting";
  case result_code::unknown_waitlist:
    return "no such waitlist entry";
  case result_code::idempotency_key_reused:
    return "this Idempotency-Key was used with a different request";
  }
  return "internal error";
}

} // namespace holdfast
