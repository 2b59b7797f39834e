// Expected refusals: named codes, never exceptions. The string form is the stable
// machine code clients see in {"error": {"code": ...}}; never rename one.
#pragma once

#include <cstdint>
#include <string_view>

namespace holdfast {

enum class result_code : uint8_t {
  ok = 0,
  seat_unavailable,  // a requested seat is held or sold; nothing was taken
  hold_expired,      // the hold's deadline passed; its seats went back on sale
  not_holder,        // the hold belongs to another user
  limit_exceeded,    // the user's seat cap for this event would be exceeded
  unknown_seat,      // a seat index outside the venue, or in a GA area
  unknown_section,   // not a general-admission area of this venue
  unknown_hold,      // no live hold with this id (never issued, or released)
  unknown_event,     // no event with this id on this shard
  event_not_on_sale, // the event is scheduled, closed or cancelled
  invalid_request,   // malformed command: empty, too many seats, duplicates, bad ttl
  overloaded,        // the actor refused work to protect its latency bound
  seats_available,   // a waitlist join for places that can be bought right now
  unknown_waitlist,  // no waitlist entry with this id (or another user's)
  // A hold's Idempotency-Key came again with a different request.
  idempotency_key_reused,
};
// The last code, for loops over all of them.
inline constexpr result_code result_code_last = result_code::idempotency_key_reused;

std::string_view code_name(result_code code);
std::string_view code_message(result_code code);

} // namespace holdfast
