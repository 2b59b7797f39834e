// Fuzzes the JSON bodies of every route through the parsers the handlers call
// (net/request_bodies.hpp). Input: one byte choosing the route, then the body.
// Besides "no crash, no sanitizer report", it checks what a handler relies on:
// a refusal has a stable code and a 4xx status; an accepted hold names 1 to 16
// seats of the venue or a quantity of 1 to 16; and the venue's fast seat-label
// lookup agrees with its label map for every seat id in the body. Route 8 is
// a venue file (net/venue_file.hpp): a venue or errors, never both or neither,
// and an accepted venue's seats on the map and found by their own ids.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/limits.hpp"
#include "net/request_bodies.hpp"
#include "net/venue_file.hpp"
#include "node/demo_venue.hpp"

using namespace holdfast;

namespace {

const venue& hall() {
  static const auto v = make_demo_venue(4, 400, 100); // sections 101, 102, 201, 202, FLOOR
  return *v;
}

void check(bool ok) {
  if (!ok) std::abort();
}

template <class T> const T* accepted(const body_result<T>& r) {
  if (const auto* refusal = std::get_if<body_refusal>(&r)) {
    const unsigned status = static_cast<unsigned>(refusal->status);
    check(status >= 400 && status < 500 && !refusal->code.empty() && !refusal->message.empty());
    check(refusal->unknown_seats.empty() == (refusal->code != "unknown_seat"));
    return nullptr;
  }
  return &std::get<T>(r);
}

void check_hold(const command& cmd) {
  check(cmd.user == 42 && cmd.tag == 0);
  if (cmd.seat_count > 0) {
    check(cmd.seat_count <= limits::hold_seats_max && cmd.quantity == 0 && !cmd.pick_best);
    for (seat_index i : cmd.seat_span())
      check(i < hall().seat_count() && hall().find_seat(hall().seat_label(i)) == i);
    return;
  }
  check(cmd.quantity >= 1 && cmd.quantity <= limits::hold_seats_max);
  if (cmd.pick_best)
    check(cmd.best_section == no_area || cmd.best_section < hall().sections().size());
  else
    check(cmd.ga_area < hall().sections().size() &&
          hall().sections()[cmd.ga_area].kind == section_kind::general_admission);
}

// The fast path (parsing the label) must find exactly what the label map finds.
void check_seat_lookup(std::string_view label) {
  check(hall().find_seat(label) == hall().find_seat_by_map(label));
}

void check_venue_file(std::string_view text) {
  const auto r = parse_venue_file(text);
  check((r.parsed == nullptr) == !r.errors.empty());
  check(r.errors.size() <= limits::venue_file_errors_max && r.error_count >= r.errors.size());
  for (const auto& e : r.errors)
    check(!e.message.empty());
  if (!r.parsed) return;
  const venue& v = *r.parsed;
  // A 4 KiB file may hold ~90,000 seats: every id of the first few thousand.
  for (seat_index i = 0; i < std::min(v.seat_count(), 4096u); ++i)
    check(v.find_seat(v.seat_label(i)) == i &&
          std::fabs(v.seats()[i].x) <= limits::venue_coordinate_abs_max &&
          std::fabs(v.seats()[i].y) <= limits::venue_coordinate_abs_max);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] == 8) {
    check_venue_file(body);
    return 0;
  }
  // Each result is kept in a variable: accepted() points into it.
  switch (data[0] % 8) {
  case 0: {
    const auto r = parse_user_body(body);
    if (const auto* user = accepted(r)) check(!user->name.empty() && user->name.size() <= 64);
    break;
  }
  case 1: {
    const auto r = parse_queue_join_body(body);
    accepted(r);
    break;
  }
  case 2: {
    const auto r = parse_waitlist_body(body, hall());
    if (const auto* w = accepted(r))
      check(w->quantity >= 1 && w->quantity <= limits::hold_seats_max &&
            (w->area == no_area || w->area < hall().sections().size()));
    break;
  }
  case 3: {
    const auto r = parse_pow_difficulty_body(body);
    if (const auto* bits = accepted(r)) check(*bits <= 32);
    break;
  }
  case 4: {
    // The handler's own arena: a hold body lives on the stack.
    unsigned char arena[2048];
    boost::json::monotonic_resource memory{arena, sizeof arena};
    const auto r = parse_hold_body(body, hall(), 42, &memory);
    if (const auto* cmd = accepted(r)) check_hold(*cmd);
    break;
  }
  case 5: {
    const auto r = parse_order_body(body);
    if (const auto* order = accepted(r)) check(order->hold != 0);
    break;
  }
  case 7: {
    const auto r = parse_live_ticket_body(body);
    if (const auto* token = accepted(r))
      check(!*token || (*token)->size() <= limits::http_header_bytes_max);
    break;
  }
  case 6:
    check_seat_lookup(body);
    if (auto id = parse_id(body)) check(*id != 0 && body.size() <= 20);
    break;
  }
  return 0;
}
