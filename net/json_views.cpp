#include "net/json_views.hpp"

#include <charconv>
#include <concepts>
#include <cstdio>
#include <ctime>

#include "core/crc32c.hpp"

namespace holdfast {

namespace http = boost::beast::http;
namespace json = boost::json;

std::string iso_time(int64_t ms) {
  // Every answer to a hold carries one: formatted by hand, not by snprintf.
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  const int year = tm.tm_year + 1900;
  if (ms < 0 || year > 9999) { // outside what the fixed-width form can say
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
  }
  char out[] = "0000-00-00T00:00:00.000Z";
  auto put = [&](int at, int value, int width) {
    for (int k = width - 1; k >= 0; --k, value /= 10)
      out[at + k] = static_cast<char>('0' + value % 10);
  };
  put(0, year, 4);
  put(5, tm.tm_mon + 1, 2);
  put(8, tm.tm_mday, 2);
  put(11, tm.tm_hour, 2);
  put(14, tm.tm_min, 2);
  put(17, tm.tm_sec, 2);
  put(20, static_cast<int>(ms % 1000), 3);
  return std::string(out, sizeof out - 1);
}

std::optional<int64_t> parse_iso_time(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  const std::string t(text.substr(0, 40));
  int consumed = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3) return std::nullopt;
  if (static_cast<size_t>(consumed) < t.size()) {
    int rest = 0;
    if (std::sscanf(t.c_str() + consumed, "T%2d:%2d:%2d%n", &h, &mi, &s, &rest) != 3)
      return std::nullopt;
    consumed += rest;
    if (t[consumed] == '.' && std::sscanf(t.c_str() + consumed, ".%3d%n", &ms, &rest) == 1)
      consumed += rest;
    if (t.substr(consumed) != "Z" && !t.substr(consumed).empty()) return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

http::status http_status_of(result_code code) {
  switch (code) {
  case result_code::ok:
    return http::status::ok;
  case result_code::seat_unavailable:
  case result_code::hold_expired:
  case result_code::limit_exceeded:
  case result_code::event_not_on_sale:
  case result_code::seats_available:
    return http::status::conflict;
  case result_code::not_holder:
    return http::status::forbidden;
  case result_code::unknown_seat:
  case result_code::unknown_section:
    return http::status::unprocessable_entity;
  case result_code::unknown_hold:
  case result_code::unknown_event:
  case result_code::unknown_waitlist:
    return http::status::not_found;
  case result_code::invalid_request:
    return http::status::bad_request;
  case result_code::idempotency_key_reused:
    return http::status::unprocessable_entity;
  case result_code::overloaded:
    return http::status::service_unavailable;
  }
  return http::status::internal_server_error;
}

std::string error_body(std::string_view code, std::string_view message) {
  return json::serialize(
      json::object{{"error", json::object{{"code", code}, {"message", message}}}});
}

std::string error_body(std::string_view code, std::string_view message, const json::array& seats) {
  return json::serialize(json::object{
      {"error", json::object{{"code", code}, {"message", message}, {"seats", seats}}}});
}

std::string_view seat_status_name(seat_state s) {
  switch (s) {
  case seat_state::available:
    return "available";
  case seat_state::held:
    return "held";
  case seat_state::sold:
    return "sold";
  }
  return "unknown";
}

namespace {

// {"enabled": true, "opensAt", "opensAtMs", "admitPerMinute", "activeMax"} or
// {"enabled": false}: the waiting room as an event's summary shows it. Here
// rather than in onsale_views, which builds on this file's helpers, so the
// two files depend one way only.
json::object waiting_room_json(const catalog_entry& e) {
  const auto& room = e.config.onsale;
  if (!room.waiting_room) return json::object{{"enabled", false}};
  return json::object{{"enabled", true},
                      {"opensAt", iso_time(room.queue_opens_at_ms)},
                      {"opensAtMs", room.queue_opens_at_ms},
                      {"admitPerMinute", room.admit_per_min},
                      {"activeMax", room.active_max}};
}

} // namespace

json::object event_summary(const catalog_entry& e) {
  const auto& c = e.config;
  return json::object{
      {"eventId", std::to_string(c.id)},
      {"name", c.name},
      {"artist", c.artist},
      {"category", c.category},
      {"startsAt", iso_time(c.starts_at_ms)},
      {"status", status_name(e.status)},
      {"venue",
       json::object{{"id", e.hall->id()}, {"name", e.hall->name()}, {"city", e.hall->city()}}},
      {"minPrice", e.min_price_cents},
      {"currency", "USD"},
      {"waitingRoom", waiting_room_json(e)}};
}

json::object event_detail(const catalog_entry& e) {
  json::object out = event_summary(e);
  out["holdSeconds"] = e.config.hold_ttl_s;
  out["maxSeatsPerUser"] = e.config.user_seats_max;
  json::array sections;
  for (const auto& s : e.hall->sections()) {
    const bool ga = s.kind == section_kind::general_admission;
    sections.push_back(json::object{{"section", s.name},
                                    {"tier", s.tier},
                                    {"kind", ga ? "ga" : "assigned"},
                                    {"basePrice", s.base_price_cents},
                                    {"capacity", ga ? s.ga_capacity : s.seat_count},
                                    {"x", s.x},
                                    {"y", s.y}});
  }
  out["sections"] = std::move(sections);
  return out;
}

// Names and labels come from venue files; escape them like any string (JSON's
// short escapes, \u00XX for other control bytes; UTF-8 passes through).
void append_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  constexpr std::string_view short_escaped = "\b\f\n\r\t"; // written \b \f \n \r \t
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c >= 0x20) {
      out += ch;
    } else if (const auto k = short_escaped.find(ch); k != std::string_view::npos) {
      out += '\\';
      out += "bfnrt"[k];
    } else {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  out += '"';
}

namespace {

void append_number(std::string& out, double x) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed, 1);
  out.append(buf, end);
}

template <std::integral Int> void append_number(std::string& out, Int x) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, end);
}

void append_sections(std::string& out, const catalog_entry& e,
                     const std::vector<section_view>& views) {
  out += "[";
  for (size_t k = 0; k < views.size(); ++k) {
    const auto& s = e.hall->sections()[k];
    const bool ga = s.kind == section_kind::general_admission;
    if (k) out += ",";
    out += "{\"section\":";
    append_string(out, s.name);
    out += ",\"tier\":";
    append_string(out, s.tier);
    out += ga ? ",\"kind\":\"ga\",\"price\":" : ",\"kind\":\"assigned\",\"price\":";
    append_number(out, views[k].price_cents);
    out += ",\"available\":";
    append_number(out, static_cast<int64_t>(views[k].available));
    out += ",\"capacity\":";
    append_number(out, static_cast<int64_t>(ga ? s.ga_capacity : s.seat_count));
    out += ",\"x\":";
    append_number(out, static_cast<double>(s.x));
    out += ",\"y\":";
    append_number(out, static_cast<double>(s.y));
    out += "}";
  }
  out += "]";
}

} // namespace

std::string seat_map_etag(uint64_t boot, const seat_map_view& view) {
  uint32_t fingerprint = 0;
  const auto mix = [&fingerprint](uint64_t value) {
    fingerprint = crc32c(&value, sizeof value, fingerprint);
  };
  mix(view.event);
  mix(static_cast<uint64_t>(view.status));
  for (const auto& s : view.sections) { // field by field: no padding bytes hashed
    mix(s.available);
    mix(static_cast<uint64_t>(s.price_cents));
  }
  char tag[64];
  std::snprintf(tag, sizeof tag, "\"%llx-%llu-%08x\"", static_cast<unsigned long long>(boot),
                static_cast<unsigned long long>(view.version), static_cast<unsigned>(fingerprint));
  return tag;
}

std::string seat_map_json(const catalog_entry& e, const seat_map_view& view) {
  const venue& v = *e.hall;
  std::string out;
  out.reserve(96 + v.seat_count() * 96);
  out += "{\"eventId\":\"";
  out += std::to_string(e.config.id);
  out += "\",\"version\":";
  append_number(out, static_cast<int64_t>(view.version));
  out += ",\"status\":\"";
  out += status_name(view.status);
  out += "\",\"sections\":";
  append_sections(out, e, view.sections);
  out += ",\"seats\":[";
  std::vector<std::string> section_names;
  for (const auto& s : v.sections())
    section_names.push_back(json::serialize(json::string(s.name)));
  for (seat_index i = 0; i < v.seat_count(); ++i) {
    const auto& s = v.seats()[i];
    const bool available = (view.available_bits[i / 64] >> (i % 64)) & 1u;
    const bool sold = (view.sold_bits[i / 64] >> (i % 64)) & 1u;
    if (i) out += ",";
    out += "{\"seatId\":";
    append_string(out, v.seat_label(i));
    out += ",\"section\":";
    out += section_names[s.section];
    out += ",\"row\":\"";
    out += row_label(s.row);
    out += "\",\"number\":";
    append_number(out, static_cast<int64_t>(s.number));
    out += ",\"x\":";
    append_number(out, static_cast<double>(s.x));
    out += ",\"y\":";
    append_number(out, static_cast<double>(s.y));
    out += available ? ",\"status\":\"available\"}"
           : sold    ? ",\"status\":\"sold\"}"
                     : ",\"status\":\"held\"}";
  }
  out += "]}";
  return out;
}

json::array seat_labels(const venue& v, std::span<const seat_index> seats) {
  json::array out;
  for (seat_index i : seats)
    out.push_back(json::string(v.seat_label(i)));
  return out;
}

// The answer to every granted hold, written directly rather than built as a
// json::object and serialized (this is the hot path of POST .../holds).
std::string hold_body(const catalog_entry& e, const outcome& held) {
  std::string out;
  out.reserve(160 + 16 * held.seat_count);
  out += "{\"holdId\":\"";
  append_number(out, held.id);
  out += "\",\"eventId\":\"";
  append_number(out, e.config.id);
  out += "\",\"expiresAt\":\"";
  out += iso_time(held.expires_at_ms);
  out += "\",\"expiresAtMs\":";
  append_number(out, held.expires_at_ms);
  out += ",\"seats\":[";
  const auto seats = held.seat_span();
  for (size_t k = 0; k < seats.size(); ++k) {
    if (k) out += ',';
    append_string(out, e.hall->seat_label(seats[k]));
  }
  out += "],\"total\":";
  append_number(out, held.total_cents);
  out += ",\"currency\":\"USD\"";
  if (held.ga_area != no_area) {
    out += ",\"section\":";
    append_string(out, e.hall->sections()[held.ga_area].name);
    out += ",\"quantity\":";
    append_number(out, held.quantity);
  }
  out += '}';
  return out;
}

json::object order_json(const catalog_entry& e, const order_fields& o) {
  json::object out{{"orderId", std::to_string(o.order)},
                   {"status", "confirmed"},
                   {"eventId", std::to_string(e.config.id)},
                   {"eventName", e.config.name},
                   {"holdId", std::to_string(o.hold)},
                   {"seats", seat_labels(*e.hall, o.seats)},
                   {"total", o.total_cents},
                   {"currency", "USD"},
                   {"createdAt", iso_time(o.created_at_ms)}};
  if (o.ga_area != no_area) {
    out["section"] = e.hall->sections()[o.ga_area].name;
    out["quantity"] = o.quantity;
  }
  return out;
}

std::string delta_json(const catalog_entry& e, const seat_delta& d) {
  std::string out;
  out.reserve(128 + d.seats.size() * 40);
  out += "{\"type\":\"delta\",\"eventId\":\"";
  out += std::to_string(e.config.id);
  out += "\",\"fromVersion\":";
  append_number(out, static_cast<int64_t>(d.from_version));
  out += ",\"version\":";
  append_number(out, static_cast<int64_t>(d.version));
  out += ",\"seats\":[";
  for (size_t k = 0; k < d.seats.size(); ++k) {
    if (k) out += ",";
    out += "{\"seatId\":";
    append_string(out, e.hall->seat_label(d.seats[k]));
    out += ",\"status\":\"";
    out += seat_status_name(static_cast<seat_state>(d.states[k]));
    out += "\"}";
  }
  out += "],\"sections\":";
  append_sections(out, e, d.sections);
  out += "}";
  return out;
}

} // namespace holdfast
