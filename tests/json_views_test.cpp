// The hand-written hold answer (hold_body, the hot path of POST .../holds)
// must parse to exactly the document the API promises, for seated and GA
// holds, and with names that need escaping.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "net/json_views.hpp"

namespace holdfast {

namespace {

catalog_entry odd_names_entry() {
  std::vector<section> sections(2);
  sections[0].name = "Sec \"1\"\\ \x01\t Zo\xC3\xAB";
  sections[0].tier = "lower";
  sections[0].base_price_cents = 4'250;
  sections[0].first_seat = 0;
  sections[0].seat_count = 3;
  sections[1].name = "FLOOR\n\"GA\"";
  sections[1].tier = "floor";
  sections[1].kind = section_kind::general_admission;
  sections[1].ga_capacity = 100;
  std::vector<seat> seats{{0, 0, 1}, {0, 0, 2}, {0, 27, 3}};
  catalog_entry e;
  e.config.id = 4'000'000'001u;
  e.hall =
      std::make_shared<const venue>("v", "Venue", "City", std::move(sections), std::move(seats));
  return e;
}

// What hold_body must say, built as an object.
boost::json::value expected_hold(const catalog_entry& e, const outcome& held) {
  boost::json::array seats;
  for (auto i : held.seat_span())
    seats.emplace_back(e.hall->seat_label(i));
  boost::json::object out{{"holdId", std::to_string(held.id)},
                          {"eventId", std::to_string(e.config.id)},
                          {"expiresAt", iso_time(held.expires_at_ms)},
                          {"expiresAtMs", held.expires_at_ms},
                          {"seats", std::move(seats)},
                          {"total", held.total_cents},
                          {"currency", "USD"}};
  if (held.ga_area != no_area) {
    out["section"] = e.hall->sections()[held.ga_area].name;
    out["quantity"] = held.quantity;
  }
  return out;
}

} // namespace

TEST_CASE("hold_body writes the hold document") {
  const auto e = odd_names_entry();
  SUBCASE("seated, several seats, labels with quotes, backslashes and control bytes") {
    outcome held;
    held.id = 18'446'744'073'709'551'000ull;
    held.expires_at_ms = 1'795'357'336'551;
    held.total_cents = 12'750;
    held.seat_count = 3;
    held.seats[0] = 0;
    held.seats[1] = 2;
    held.seats[2] = 1;
    const auto body = hold_body(e, held);
    CHECK(boost::json::parse(body) == expected_hold(e, held));
    CHECK(body.find("\\u0001") != std::string::npos);
  }
  SUBCASE("general admission: section and quantity") {
    outcome held;
    held.id = 7;
    held.expires_at_ms = 0;
    held.total_cents = 0;
    held.ga_area = 1;
    held.quantity = 16;
    CHECK(boost::json::parse(hold_body(e, held)) == expected_hold(e, held));
  }
}

TEST_CASE("seat_map_etag names one seat map: any visible change or a restart gives a new tag") {
  seat_map_view view;
  view.event = 7;
  view.version = 41;
  view.status = event_status::on_sale;
  view.sections = {{12, 4'250}, {100, 9'900}};
  const auto tag = seat_map_etag(0xABCDEFu, view);
  CHECK(tag == seat_map_etag(0xABCDEFu, view)); // deterministic
  CHECK(tag.size() > 2);
  CHECK(tag.front() == '"');
  CHECK(tag.back() == '"');
  CHECK(tag.find('"', 1) == tag.size() - 1); // one quoted token
  auto changed = [&](auto mutate, uint64_t boot = 0xABCDEFu) {
    seat_map_view v = view;
    mutate(v);
    return seat_map_etag(boot, v) != tag;
  };
  CHECK(changed([](seat_map_view& v) { v.version += 1; }));                 // a seat changed
  CHECK(changed([](seat_map_view& v) { v.sections[1].price_cents += 1; })); // a reprice
  CHECK(changed([](seat_map_view& v) { v.sections[0].available -= 1; }));
  CHECK(changed([](seat_map_view& v) { v.status = event_status::sold_out; }));
  CHECK(changed([](seat_map_view& v) { v.event = 8; }));
  CHECK(changed([](seat_map_view&) {}, 0x123u)); // another node start
  // The bits are not hashed (the version stands for them): the tag is cheap.
  CHECK_FALSE(changed([](seat_map_view& v) { v.available_bits.assign(1000, ~0ull); }));
}

TEST_CASE("iso_time writes RFC 3339 UTC with milliseconds, and parse_iso_time reads it back") {
  CHECK(iso_time(0) == "1970-01-01T00:00:00.000Z");
  CHECK(iso_time(951'782'400'123) == "2000-02-29T00:00:00.123Z"); // a leap day
  CHECK(iso_time(1'795'357'336'551) == "2026-11-22T14:22:16.551Z");
  CHECK(iso_time(253'402'300'799'999) == "9999-12-31T23:59:59.999Z");
  uint64_t x = 88172645463325252ull;
  for (int k = 0; k < 10'000; ++k) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const auto ms = static_cast<int64_t>(x % 4'102'444'800'000ull); // 1970..2100
    const auto text = iso_time(ms);
    REQUIRE(text.size() == 24);
    CHECK(parse_iso_time(text) == ms);
  }
}

} // namespace holdfast
