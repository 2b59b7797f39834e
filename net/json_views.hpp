// JSON shapes of the public API (see net/API.md), in one place. Small bodies
// are built with Boost.JSON; the seat map (50,000 seats, ~3 MB) is written by
// hand into one string, since it is the largest and most fetched body.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/beast/http/status.hpp>
#include <boost/json.hpp>

#include "net/catalog.hpp"

namespace holdfast {

std::string iso_time(int64_t ms);
// Appends `s` as a JSON string: quoted, with JSON's short escapes and \u00XX for
// other control bytes; UTF-8 passes through.
void append_string(std::string& out, std::string_view s);
// "2026-11-22" or "2026-11-22T10:15:00Z" (optionally with .mmm) -> ms since epoch.
std::optional<int64_t> parse_iso_time(std::string_view text);

boost::beast::http::status http_status_of(result_code code);
std::string error_body(std::string_view code, std::string_view message);
std::string error_body(std::string_view code, std::string_view message,
                       const boost::json::array& seats);

boost::json::object event_summary(const catalog_entry& e);
boost::json::object event_detail(const catalog_entry& e);
std::string seat_map_json(const catalog_entry& e, const seat_map_view& view);
// A strong ETag for seat_map_json(e, view) without hashing its megabytes.
// Within one node run the seats' statuses are a function of the inventory's
// version (every change bumps it); what else can change is the event's status
// and the sections' counts and prices, which are fingerprinted. `boot` is
// drawn per node start: after a restart a version need not name the same map.
std::string seat_map_etag(uint64_t boot, const seat_map_view& view);
boost::json::array seat_labels(const venue& v, std::span<const seat_index> seats);
// {"holdId", "eventId", "expiresAt", "expiresAtMs", "seats", "total", "currency"}
// (+ "section", "quantity" for GA): the 201 answer to a hold.
std::string hold_body(const catalog_entry& e, const outcome& held);

struct order_fields {
  order_id order = 0;
  hold_id hold = 0;
  int64_t created_at_ms = 0;
  int64_t total_cents = 0;
  uint16_t ga_area = no_area;
  uint16_t quantity = 0;
  std::span<const seat_index> seats;
};
boost::json::object order_json(const catalog_entry& e, const order_fields& o);
std::string delta_json(const catalog_entry& e, const seat_delta& d);

std::string_view seat_status_name(seat_state s);

} // namespace holdfast
