// Event state, driven directly with explicit times: what this tries to break is
// every refusal path (each must name its code and change nothing), the exact
// deadline (valid at deadline - 1, expired at the deadline, released once), the
// per-user cap across holds, orders and expiry, idempotent and foreign confirms,
// the sold_out flip, event cancel, prices locked at hold time, and the views
// (holdings, find_hold/find_order, seat map). Also the venue's public seat labels.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "domain/event_state.hpp"
#include "core/venue.hpp"
#include "node/demo_venue.hpp"

using namespace holdfast;

namespace {

constexpr int64_t t0 = 1'700'000'000'000; // an arbitrary wall-clock start
constexpr int64_t ttl_ms = limits::hold_ttl_s_default * 1000;

std::vector<seat_index> seats(std::initializer_list<seat_index> xs) {
  return xs;
}

// Demo venue: sections 0, 1 ("101", "102") cost 120.00 a seat, sections 2, 3
// ("201", "202") 65.00; section 4 is the GA floor, 100 places at 90.00.
struct state_fixture {
  std::shared_ptr<const venue> v = make_demo_venue(4, 400, 100);
  static constexpr uint16_t floor = 4;
  static constexpr event_id eid = 7;
  event_state st{v, config()};
  uint64_t tag = 0;

  static event_config config() {
    event_config c;
    c.id = eid;
    c.name = "test";
    return c;
  }
  state_fixture() { REQUIRE(st.open_sale() == result_code::ok); }

  outcome hold(user_id u, std::vector<seat_index> s, int64_t now = t0, uint16_t ttl_s = 0) {
    command c = make_hold(++tag, u, s);
    c.ttl_s = ttl_s;
    return run(c, now);
  }
  outcome ga(user_id u, uint16_t quantity, int64_t now = t0, uint16_t area = floor) {
    return run(make_ga_hold(++tag, u, area, quantity), now);
  }
  outcome release(user_id u, hold_id h, int64_t now = t0) {
    return run(make_release(++tag, u, h), now);
  }
  outcome confirm(user_id u, hold_id h, int64_t now = t0) {
    return run(make_confirm(++tag, u, h), now);
  }
  outcome run(const command& c, int64_t now) {
    outcome out = st.apply(c, now);
    CHECK(out.tag == c.tag);
    CHECK(st.invariants_hold());
    return out;
  }

  seat_state state_of(seat_index i) const { return st.inventory().slot(i).state; }

  // A refused command must leave the seat map exactly as it was.
  void check_refused(const command& c, result_code expected, int64_t now = t0) {
    const auto before = st.seat_map();
    const auto live = st.live_holds();
    const auto made = st.holds_made();
    const auto orders = st.order_count();
    const outcome out = run(c, now);
    CHECK(out.code == expected);
    CHECK(out.id == 0);
    const auto after = st.seat_map();
    CHECK(after.version == before.version);
    CHECK(after.available_bits == before.available_bits);
    CHECK(after.sold_bits == before.sold_bits);
    CHECK(st.live_holds() == live);
    CHECK(st.holds_made() == made);
    CHECK(st.order_count() == orders);
  }
};

bool bit(const std::vector<uint64_t>& bits, seat_index i) {
  return (bits[i / 64] >> (i % 64)) & 1u;
}

std::set<hold_id> hold_ids(const user_holdings& h) {
  std::set<hold_id> ids;
  for (const auto& x : h.holds)
    ids.insert(x.id);
  return ids;
}

} // namespace

// -- venue: the public seat labels ---------------------------------------------

TEST_CASE("row_label is bijective base 26: A..Z, AA..AZ, BA, ..., ZZ, AAA") {
  CHECK(row_label(0) == "A");
  CHECK(row_label(1) == "B");
  CHECK(row_label(25) == "Z");
  CHECK(row_label(26) == "AA");
  CHECK(row_label(27) == "AB");
  CHECK(row_label(51) == "AZ");
  CHECK(row_label(52) == "BA");
  CHECK(row_label(701) == "ZZ");
  CHECK(row_label(702) == "AAA");
  // Decode every label independently: each row has its own label, and reading
  // it back as bijective base 26 gives the row.
  uint32_t wrong = 0, first_wrong = 0;
  for (uint32_t row = 0; row <= 0xFFFF; ++row) {
    const std::string label = row_label(static_cast<uint16_t>(row));
    uint32_t n = 0;
    bool letters = !label.empty();
    for (char ch : label) {
      letters = letters && ch >= 'A' && ch <= 'Z';
      n = n * 26 + uint32_t(ch - 'A' + 1);
    }
    if (!letters || n != row + 1) first_wrong = wrong++ == 0 ? row : first_wrong;
  }
  CHECK_MESSAGE(wrong == 0, "first wrong row: " << first_wrong << " = " << row_label(first_wrong));
}

TEST_CASE("demo venue: section names, label format, and labels round-trip through find_seat") {
  auto v = make_demo_venue(4, 400, 100);
  REQUIRE(v->sections().size() == 5);
  CHECK(v->sections()[0].name == "101");
  CHECK(v->sections()[1].name == "102");
  CHECK(v->sections()[2].name == "201");
  CHECK(v->sections()[3].name == "202");
  CHECK(v->sections()[4].name == "FLOOR");
  CHECK(v->sections()[4].kind == section_kind::general_admission);
  CHECK(v->ga_capacity_total() == 100);
  CHECK(v->seat_count() == 400);
  CHECK(v->seat_label(0) == "101-A-1");
  CHECK(v->seat_label(49) == "101-A-50");
  CHECK(v->seat_label(50) == "101-B-1");
  CHECK(v->seat_label(99) == "101-B-50");
  CHECK(v->seat_label(100) == "102-A-1");
  CHECK(v->seat_label(399) == "202-B-50");
  CHECK(v->find_section("FLOOR") == uint16_t{4});
  CHECK(v->find_section("201") == uint16_t{2});
  CHECK_FALSE(v->find_section("301").has_value());
  std::set<std::string> labels;
  for (seat_index i = 0; i < v->seat_count(); ++i) {
    const auto label = v->seat_label(i);
    REQUIRE(labels.insert(label).second);
    REQUIRE(v->find_seat(label) == i);
  }
  for (const char* bad : {"", "101-A-0", "101-A-51", "101-C-1", "101-a-1", "FLOOR-A-1", "101-A-1 ",
                          "103-A-1", "101A1", "101-A-01"})
    CHECK_MESSAGE(!v->find_seat(bad).has_value(), bad);
}

TEST_CASE("demo venue: rows past Z are labelled AA") {
  // One section of 1,400 seats: 28 rows of 50, the last two AA and AB.
  auto v = make_demo_venue(1, 1'400, 0);
  CHECK(v->sections().size() == 1);
  CHECK(v->sections()[0].name == "101");
  CHECK(v->seat_label(25 * 50) == "101-Z-1");
  CHECK(v->seat_label(26 * 50) == "101-AA-1");
  CHECK(v->seat_label(1'399) == "101-AB-50");
  CHECK(v->find_seat("101-AA-1") == seat_index{1'300});
}

TEST_CASE("regression: demo venues of more than 200 sections named two sections 201") {
  // make_demo_venue named the lower ring 101.. and the upper ring 201.., so with
  // 202 sections both rings had a "201" and the duplicate seat label "201-A-1"
  // aborted the venue constructor. Every section count up to the limit must give
  // unique section names (the constructor itself asserts unique seat labels).
  for (uint32_t n : {1u, 2u, 3u, 40u, 99u, 198u, 199u, 200u, 201u, 202u, 297u, 1'000u, 4'096u}) {
    CAPTURE(n);
    auto v = make_demo_venue(n, n, 0);
    REQUIRE(v->sections().size() == n);
    std::set<std::string> names;
    for (const auto& s : v->sections())
      names.insert(s.name);
    CHECK(names.size() == n);
    for (seat_index i : {seat_index{0}, n / 2, n - 1})
      CHECK(v->find_seat(v->seat_label(i)) == i);
  }
}

// -- refusals -----------------------------------------------------------------

TEST_CASE("holds are refused unless the event is on sale or sold out") {
  auto v = make_demo_venue(4, 400, 100);
  event_state st(v, state_fixture::config());
  CHECK(st.status() == event_status::scheduled);
  CHECK(st.apply(make_hold(1, 1, seats({1})), t0).code == result_code::event_not_on_sale);
  CHECK(st.apply(make_ga_hold(2, 1, 4, 1), t0).code == result_code::event_not_on_sale);
  CHECK(st.open_sale() == result_code::ok);
  CHECK(st.status() == event_status::on_sale);
  auto held = st.apply(make_hold(3, 1, seats({1})), t0);
  REQUIRE(held.code == result_code::ok);
  CHECK(st.close_sale() == result_code::ok);
  CHECK(st.status() == event_status::closed);
  CHECK(st.apply(make_hold(4, 2, seats({2})), t0).code == result_code::event_not_on_sale);
  // A live hold may still be confirmed while the sale is closed.
  CHECK(st.apply(make_confirm(5, 1, held.id), t0 + 1).code == result_code::ok);
  CHECK(st.open_sale() == result_code::ok);
  CHECK(st.apply(make_hold(6, 2, seats({2})), t0).code == result_code::ok);
  CHECK(st.cancel(t0) == result_code::ok);
  CHECK(st.status() == event_status::cancelled);
  CHECK(st.apply(make_hold(7, 3, seats({3})), t0).code == result_code::event_not_on_sale);
  // Cancelled is final.
  CHECK(st.open_sale() == result_code::event_not_on_sale);
  CHECK(st.close_sale() == result_code::event_not_on_sale);
  CHECK(st.status() == event_status::cancelled);
  CHECK(st.invariants_hold());
}

TEST_CASE_FIXTURE(state_fixture, "malformed holds are invalid_request and change nothing") {
  REQUIRE(hold(1, {5}).code == result_code::ok); // so "nothing changed" is not trivially empty
  check_refused(make_hold(++tag, 2, {}), result_code::invalid_request);
  check_refused(make_hold(++tag, 2, seats({7, 8, 7})), result_code::invalid_request);
  check_refused(make_hold(++tag, 2, seats({9, 9})), result_code::invalid_request);
  {
    command c = make_hold(++tag, 2, seats({1, 2, 3}));
    c.seat_count = limits::hold_seats_max + 1; // claims more seats than a hold may take
    check_refused(c, result_code::invalid_request);
  }
  {
    command c = make_hold(++tag, 2, seats({10}));
    c.quantity = 1; // a seat hold carrying a GA quantity
    check_refused(c, result_code::invalid_request);
  }
  for (uint16_t ttl : {1, 299, 901, 65535}) {
    CAPTURE(ttl);
    command c = make_hold(++tag, 2, seats({10}));
    c.ttl_s = ttl;
    check_refused(c, result_code::invalid_request);
  }
  {
    command c = make_ga_hold(++tag, 2, floor, 1);
    c.seat_count = 1; // a GA hold naming seats
    c.seats[0] = 10;
    check_refused(c, result_code::invalid_request);
  }
  check_refused(make_ga_hold(++tag, 2, floor, 0), result_code::invalid_request);
  check_refused(make_ga_hold(++tag, 2, floor, limits::hold_seats_max + 1),
                result_code::invalid_request);
  {
    command c = make_release(++tag, 2, 0);
    c.kind = static_cast<command_kind>(7); // not a command kind
    check_refused(c, result_code::invalid_request);
  }
}

TEST_CASE_FIXTURE(state_fixture,
                  "hold time bounds: 300 and 900 seconds are accepted and honoured") {
  auto short_hold = hold(1, {1}, t0, 300);
  auto long_hold = hold(1, {2}, t0, 900);
  REQUIRE(short_hold.code == result_code::ok);
  REQUIRE(long_hold.code == result_code::ok);
  CHECK(short_hold.expires_at_ms == t0 + 300'000);
  CHECK(long_hold.expires_at_ms == t0 + 900'000);
  CHECK(st.next_deadline() == t0 + 300'000);
}

TEST_CASE_FIXTURE(state_fixture, "unknown seats and sections") {
  check_refused(make_hold(++tag, 1, seats({400})), result_code::unknown_seat);
  check_refused(make_hold(++tag, 1, seats({1, 2, 0xFFFFFFFF})), result_code::unknown_seat);
  check_refused(make_ga_hold(++tag, 1, 0, 1), result_code::unknown_section); // assigned section
  check_refused(make_ga_hold(++tag, 1, 5, 1),
                result_code::unknown_section); // past the last section
  check_refused(make_ga_hold(++tag, 1, 0xFFFE, 1), result_code::unknown_section);
  CHECK(state_of(1) == seat_state::available);
}

TEST_CASE_FIXTURE(state_fixture,
                  "seat_unavailable is all-or-nothing and names exactly the taken seats") {
  REQUIRE(hold(1, {10, 11}).code == result_code::ok);
  auto sold_hold = hold(1, {20});
  REQUIRE(confirm(1, sold_hold.id).code == result_code::ok);
  const auto before = st.seat_map();
  auto out = hold(2, {12, 11, 20, 13});
  CHECK(out.code == result_code::seat_unavailable);
  REQUIRE(out.seat_count == 2);
  CHECK(out.seats[0] == 11);
  CHECK(out.seats[1] == 20);
  CHECK(out.id == 0);
  CHECK(state_of(12) == seat_state::available);
  CHECK(state_of(13) == seat_state::available);
  CHECK(st.seat_map().version == before.version);
  // The same user asking again for a seat they hold is a conflict too.
  CHECK(hold(1, {11}).code == result_code::seat_unavailable);
}

TEST_CASE_FIXTURE(state_fixture, "GA holds: never past capacity, quantity refused whole") {
  // Twelve users take 8 each (96); a 13th asking for 5 of the 4 left gets none of
  // them, then takes exactly the last 4.
  for (user_id u = 1; u <= 12; ++u)
    REQUIRE(ga(u, 8).code == result_code::ok); // 96
  CHECK(st.inventory().ga(floor).available() == 4);
  auto over = ga(13, 5);
  CHECK(over.code == result_code::seat_unavailable);
  CHECK(st.inventory().ga(floor).available() == 4); // not partially filled
  REQUIRE(ga(13, 4).code == result_code::ok);
  CHECK(st.inventory().ga(floor).available() == 0);
  CHECK(ga(14, 1).code == result_code::seat_unavailable);
  CHECK(st.section_views()[floor].available == 0);
  CHECK(st.expire_due(t0 + ttl_ms) == 13);
  CHECK(st.inventory().ga(floor).available() == 100);
}

TEST_CASE_FIXTURE(state_fixture, "per-user cap counts held and bought places, seats and GA alike") {
  REQUIRE(hold(1, {1, 2, 3}).code == result_code::ok);
  auto bought = hold(1, {4, 5});
  REQUIRE(confirm(1, bought.id).code == result_code::ok);
  REQUIRE(ga(1, 2).code == result_code::ok); // 3 held + 2 bought + 2 GA = 7
  check_refused(make_hold(++tag, 1, seats({6, 7})), result_code::limit_exceeded);
  check_refused(make_ga_hold(++tag, 1, floor, 2), result_code::limit_exceeded);
  // Taken seats do not mask the cap: the cap is checked first.
  check_refused(make_hold(++tag, 1, seats({1, 6})), result_code::limit_exceeded);
  auto last = hold(1, {6}); // exactly 8
  CHECK(last.code == result_code::ok);
  check_refused(make_ga_hold(++tag, 1, floor, 1), result_code::limit_exceeded);
  // Another user is unaffected.
  CHECK(hold(2, {7, 8, 9, 10, 11, 12, 13, 14}).code == result_code::ok);
  // Releasing frees cap; expiry frees cap; orders never do.
  REQUIRE(release(1, last.id).code == result_code::ok);
  CHECK(hold(1, {15}).code == result_code::ok);
  CHECK(hold(1, {16}, t0 + ttl_ms).code == result_code::ok); // everything earlier expired first
  auto h = st.holdings(1);
  CHECK(h.holds.size() == 1);
  CHECK(h.orders.size() == 1);
  // 2 bought + 1 held: 6 more is one too many, 5 is exactly the cap.
  CHECK(hold(1, {17, 18, 19, 20, 21, 22}, t0 + ttl_ms).code == result_code::limit_exceeded);
  CHECK(hold(1, {17, 18, 19, 20, 21}, t0 + ttl_ms).code == result_code::ok);
}

TEST_CASE("per-user cap follows the event's user_seats_max") {
  auto v = make_demo_venue(4, 400, 100);
  event_config c = state_fixture::config();
  c.user_seats_max = 2;
  event_state st(v, c);
  st.open_sale();
  CHECK(st.apply(make_hold(1, 1, seats({1, 2, 3})), t0).code == result_code::limit_exceeded);
  CHECK(st.apply(make_hold(2, 1, seats({1, 2})), t0).code == result_code::ok);
  CHECK(st.apply(make_ga_hold(3, 1, 4, 1), t0).code == result_code::limit_exceeded);
  c.user_seats_max = 16;
  event_state big(v, c);
  big.open_sale();
  std::vector<seat_index> sixteen;
  for (seat_index i = 0; i < 16; ++i)
    sixteen.push_back(i);
  CHECK(big.apply(make_hold(4, 1, sixteen), t0).code == result_code::ok);
  CHECK(big.invariants_hold());
}

// -- holds in time -------------------------------------------------------------

TEST_CASE_FIXTURE(state_fixture, "a hold is valid until deadline - 1 and expired at the deadline") {
  auto h = hold(1, {30, 31});
  REQUIRE(h.code == result_code::ok);
  CHECK(h.id == make_event_scoped_id(eid, 1));
  CHECK(h.expires_at_ms == t0 + ttl_ms);
  CHECK(st.expire_due(t0 + ttl_ms - 1) == 0);
  CHECK(st.find_hold(h.id) != nullptr);
  CHECK(state_of(30) == seat_state::held);
  CHECK(st.expire_due(t0 + ttl_ms) == 1);
  CHECK(st.find_hold(h.id) == nullptr);
  CHECK(state_of(30) == seat_state::available);
  CHECK(state_of(31) == seat_state::available);
  CHECK(st.expire_due(t0 + ttl_ms) == 0); // exactly once
  CHECK(st.expire_due(t0 + 10 * ttl_ms) == 0);
  CHECK(confirm(1, h.id, t0 + ttl_ms).code == result_code::hold_expired);
  CHECK(release(1, h.id, t0 + ttl_ms).code == result_code::hold_expired);
  CHECK(confirm(2, h.id, t0 + ttl_ms).code == result_code::hold_expired);
  // The seats are free for someone else, and the old hold's end cannot free them.
  auto next = hold(2, {30, 31}, t0 + ttl_ms);
  REQUIRE(next.code == result_code::ok);
  CHECK(st.expire_due(t0 + 2 * ttl_ms - 1) == 0);
  CHECK(state_of(30) == seat_state::held);
}

TEST_CASE_FIXTURE(state_fixture,
                  "confirm at deadline - 1 wins; confirm exactly at the deadline loses") {
  auto a = hold(1, {40});
  auto b = hold(2, {41});
  REQUIRE(a.code == result_code::ok);
  REQUIRE(b.code == result_code::ok);
  auto won = confirm(1, a.id, t0 + ttl_ms - 1);
  CHECK(won.code == result_code::ok);
  CHECK(state_of(40) == seat_state::sold);
  // apply() at the deadline expires first: the confirm sees no live hold.
  CHECK(confirm(2, b.id, t0 + ttl_ms).code == result_code::hold_expired);
  CHECK(state_of(41) == seat_state::available);
  // The sold seat is untouched by the deadline passing.
  CHECK(st.expire_due(t0 + 5 * ttl_ms) == 0);
  CHECK(state_of(40) == seat_state::sold);
}

TEST_CASE_FIXTURE(
    state_fixture,
    "a released hold is gone: unknown_hold, not hold_expired, and it never expires later") {
  auto h = hold(1, {50});
  auto g = ga(1, 3);
  REQUIRE(release(1, h.id).code == result_code::ok);
  REQUIRE(release(1, g.id).code == result_code::ok);
  CHECK(state_of(50) == seat_state::available);
  CHECK(st.inventory().ga(floor).available() == 100);
  CHECK(release(1, h.id).code == result_code::unknown_hold);
  CHECK(confirm(1, h.id).code == result_code::unknown_hold);
  // Its stale deadline entry fires nothing, even after another user takes the seat.
  REQUIRE(hold(2, {50}, t0 + 1).code == result_code::ok);
  CHECK(st.expire_due(t0 + ttl_ms) == 0);
  CHECK(state_of(50) == seat_state::held);
  CHECK(st.expire_due(t0 + ttl_ms + 1) == 1);
}

TEST_CASE_FIXTURE(state_fixture, "unknown holds: never issued, seq 0, another event's id") {
  auto h = hold(1, {60});
  REQUIRE(h.code == result_code::ok);
  CHECK(release(1, make_event_scoped_id(eid, 2)).code == result_code::unknown_hold);
  CHECK(confirm(1, make_event_scoped_id(eid, 0)).code == result_code::unknown_hold);
  CHECK(confirm(1, make_event_scoped_id(eid, 0xFFFFFFFF)).code == result_code::unknown_hold);
  // Same seq, another event: must not touch this event's hold 1.
  CHECK(confirm(1, make_event_scoped_id(eid + 1, 1)).code == result_code::unknown_hold);
  CHECK(release(1, make_event_scoped_id(eid + 1, 1)).code == result_code::unknown_hold);
  CHECK(state_of(60) == seat_state::held);
  CHECK(st.find_hold(make_event_scoped_id(eid + 1, 1)) == nullptr);
  CHECK(st.find_hold(h.id) != nullptr);
}

TEST_CASE_FIXTURE(state_fixture,
                  "only the holder may release or confirm; confirm is idempotent for the buyer") {
  auto h = hold(1, {70, 71});
  REQUIRE(h.code == result_code::ok);
  check_refused(make_release(++tag, 2, h.id), result_code::not_holder);
  check_refused(make_confirm(++tag, 2, h.id), result_code::not_holder);
  CHECK(state_of(70) == seat_state::held);
  auto order = confirm(1, h.id, t0 + 5);
  REQUIRE(order.code == result_code::ok);
  CHECK(order.id == make_event_scoped_id(eid, 1));
  CHECK(order.total_cents == 24'000);
  CHECK(order.seat_count == 2);
  const auto version = st.seat_map().version;
  auto again = confirm(1, h.id, t0 + 10 * ttl_ms); // a retry long after the deadline
  CHECK(again.code == result_code::ok);
  CHECK(again.id == order.id);
  CHECK(again.total_cents == order.total_cents);
  REQUIRE(again.seat_count == 2);
  CHECK(again.seats[0] == 70);
  CHECK(again.seats[1] == 71);
  CHECK(st.order_count() == 1);
  CHECK(st.seat_map().version == version);
  CHECK(confirm(2, h.id).code == result_code::not_holder);
  // Releasing a hold that became an order is refused and leaves the sale alone.
  CHECK(release(1, h.id).code == result_code::unknown_hold);
  CHECK(state_of(70) == seat_state::sold);
  CHECK(state_of(71) == seat_state::sold);
}

TEST_CASE_FIXTURE(state_fixture, "GA confirm sells places; idempotent confirm does not sell more") {
  auto g = ga(1, 5);
  REQUIRE(g.code == result_code::ok);
  CHECK(g.ga_area == floor);
  CHECK(g.quantity == 5);
  CHECK(g.seat_count == 0);
  CHECK(g.total_cents == 45'000);
  auto o = confirm(1, g.id);
  REQUIRE(o.code == result_code::ok);
  CHECK(o.quantity == 5);
  CHECK(confirm(1, g.id).id == o.id);
  CHECK(st.inventory().ga(floor).sold == 5);
  CHECK(st.inventory().ga(floor).held == 0);
  CHECK(st.inventory().places_sold() == 5);
}

// -- event-wide transitions --------------------------------------------------------

TEST_CASE("status flips to sold_out exactly when every seat and GA place is sold") {
  // One section of 3 seats and a floor of 2: capacity 5.
  auto v = make_demo_venue(1, 3, 2);
  event_state st(v, state_fixture::config());
  st.open_sale();
  auto a = st.apply(make_hold(1, 1, seats({0, 1, 2})), t0);
  auto g1 = st.apply(make_ga_hold(2, 2, 1, 1), t0);
  auto g2 = st.apply(make_ga_hold(3, 3, 1, 1), t0);
  REQUIRE(a.code == result_code::ok);
  REQUIRE(g1.code == result_code::ok);
  REQUIRE(g2.code == result_code::ok);
  CHECK(st.status() == event_status::on_sale); // all held is not sold out
  REQUIRE(st.apply(make_confirm(4, 1, a.id), t0).code == result_code::ok);
  REQUIRE(st.apply(make_confirm(5, 2, g1.id), t0).code == result_code::ok);
  CHECK(st.status() == event_status::on_sale); // one GA place still held
  REQUIRE(st.apply(make_confirm(6, 3, g2.id), t0).code == result_code::ok);
  CHECK(st.status() == event_status::sold_out);
  CHECK(st.seat_map().status == event_status::sold_out);
  // Sold out still answers holds, with the honest reason.
  CHECK(st.apply(make_hold(7, 9, seats({0})), t0).code == result_code::seat_unavailable);
  CHECK(st.apply(make_ga_hold(8, 9, 1, 1), t0).code == result_code::seat_unavailable);
  // Closing and reopening lands on sold_out again, not on_sale.
  CHECK(st.close_sale() == result_code::ok);
  CHECK(st.status() == event_status::closed);
  CHECK(st.open_sale() == result_code::ok);
  CHECK(st.status() == event_status::sold_out);
  CHECK(st.invariants_hold());
}

TEST_CASE("a sale closed while the last hold is confirmed reopens as sold_out") {
  auto v = make_demo_venue(1, 1, 0);
  event_state st(v, state_fixture::config());
  st.open_sale();
  auto h = st.apply(make_hold(1, 1, seats({0})), t0);
  REQUIRE(h.code == result_code::ok);
  st.close_sale();
  REQUIRE(st.apply(make_confirm(2, 1, h.id), t0).code == result_code::ok);
  CHECK(st.status() == event_status::closed);
  st.open_sale();
  CHECK(st.status() == event_status::sold_out);
}

TEST_CASE_FIXTURE(state_fixture,
                  "cancelling the event releases every live hold once and keeps orders") {
  auto a = hold(1, {80, 81});
  auto b = hold(2, {82});
  auto g = ga(3, 4);
  auto sold = hold(4, {83});
  REQUIRE(confirm(4, sold.id).code == result_code::ok);
  REQUIRE(st.live_holds() == 3);
  CHECK(st.cancel(t0 + 1) == result_code::ok);
  CHECK(st.live_holds() == 0);
  CHECK(st.invariants_hold());
  CHECK(state_of(80) == seat_state::available);
  CHECK(state_of(81) == seat_state::available);
  CHECK(state_of(82) == seat_state::available);
  CHECK(state_of(83) == seat_state::sold);
  CHECK(st.inventory().ga(floor).held == 0);
  CHECK(st.holdings(1).holds.empty());
  CHECK(st.holdings(4).orders.size() == 1);
  // The holds ended by cancel, not by expiry.
  CHECK(confirm(1, a.id, t0 + 2).code == result_code::unknown_hold);
  CHECK(release(2, b.id, t0 + 2).code == result_code::unknown_hold);
  CHECK(confirm(3, g.id, t0 + 2).code == result_code::unknown_hold);
  // Their deadlines pass without a second release.
  CHECK(st.expire_due(t0 + 2 * ttl_ms) == 0);
  CHECK(st.invariants_hold());
  // The buyer's retried confirm still finds the order.
  CHECK(confirm(4, sold.id, t0 + 3).code == result_code::ok);
}

TEST_CASE_FIXTURE(state_fixture, "prices are locked at hold time") {
  auto a = hold(1, {0, 200}); // 120.00 + 65.00
  auto g = ga(1, 2);          // 2 x 90.00
  REQUIRE(a.code == result_code::ok);
  CHECK(a.total_cents == 18'500);
  CHECK(g.total_cents == 18'000);
  st.set_section_price(0, 50'000);
  st.set_section_price(2, 1);
  st.set_section_price(floor, 0);
  CHECK(st.section_price(0) == 50'000);
  CHECK(st.section_views()[0].price_cents == 50'000);
  CHECK(st.find_hold(a.id)->total_cents == 18'500);
  auto hv = st.holdings(1);
  for (const auto& x : hv.holds)
    CHECK(x.total_cents == (x.id == a.id ? 18'500 : 18'000));
  auto oa = confirm(1, a.id);
  auto og = confirm(1, g.id);
  CHECK(oa.total_cents == 18'500);
  CHECK(og.total_cents == 18'000);
  CHECK(st.find_order(oa.id)->total_cents == 18'500);
  // New holds see the new prices.
  auto b = hold(2, {1, 201});
  CHECK(b.total_cents == 50'001);
  CHECK(ga(2, 3).total_cents == 0);
}

// -- views ------------------------------------------------------------------------

TEST_CASE_FIXTURE(state_fixture, "holdings lists the user's live holds and orders, nobody else's") {
  auto a = hold(1, {90, 91}, t0);
  auto g = ga(1, 2, t0 + 10);
  auto b = hold(1, {92}, t0 + 20);
  auto other = hold(2, {93}, t0 + 30);
  REQUIRE(other.code == result_code::ok);
  auto order = confirm(1, b.id, t0 + 40);
  REQUIRE(order.code == result_code::ok);
  auto h = st.holdings(1);
  CHECK(h.event == eid);
  CHECK(h.user == 1);
  CHECK(hold_ids(h) == std::set<hold_id>{a.id, g.id});
  for (const auto& x : h.holds) {
    if (x.id == a.id) {
      CHECK(x.seats == seats({90, 91}));
      CHECK(x.expires_at_ms == t0 + ttl_ms);
      CHECK(x.ga_area == no_area);
      CHECK(x.total_cents == 24'000);
    } else {
      CHECK(x.seats.empty());
      CHECK(x.ga_area == floor);
      CHECK(x.quantity == 2);
      CHECK(x.expires_at_ms == t0 + 10 + ttl_ms);
    }
  }
  REQUIRE(h.orders.size() == 1);
  CHECK(h.orders[0].id == order.id);
  CHECK(h.orders[0].hold == b.id);
  CHECK(h.orders[0].created_at_ms == t0 + 40);
  CHECK(h.orders[0].seats == seats({92}));
  CHECK(h.orders[0].total_cents == 12'000);
  auto h2 = st.holdings(2);
  CHECK(hold_ids(h2) == std::set<hold_id>{other.id});
  CHECK(h2.orders.empty());
  auto nobody = st.holdings(999);
  CHECK(nobody.holds.empty());
  CHECK(nobody.orders.empty());
  // After expiry only the order is left.
  st.expire_due(t0 + 10 + ttl_ms);
  auto later = st.holdings(1);
  CHECK(later.holds.empty());
  CHECK(later.orders.size() == 1);
}

TEST_CASE_FIXTURE(state_fixture,
                  "find_hold and find_order reject ids of other events and out of range") {
  auto h = hold(1, {95});
  auto o = confirm(1, h.id);
  REQUIRE(o.code == result_code::ok);
  CHECK(st.find_hold(h.id) == nullptr); // it is an order now
  const order_record* rec = st.find_order(o.id);
  REQUIRE(rec != nullptr);
  CHECK(rec->user == 1);
  CHECK(rec->hold_seq == seq_of(h.id));
  CHECK(rec->seat_count == 1);
  CHECK(rec->seats[0] == 95);
  CHECK(st.find_order(make_event_scoped_id(eid, 0)) == nullptr);
  CHECK(st.find_order(make_event_scoped_id(eid, 2)) == nullptr);
  CHECK(st.find_order(make_event_scoped_id(eid + 1, 1)) == nullptr);
  CHECK(st.find_hold(make_event_scoped_id(eid, 0)) == nullptr);
}

TEST_CASE_FIXTURE(state_fixture, "seat map: bits, section counts and version follow every change") {
  auto m0 = st.seat_map();
  CHECK(m0.event == eid);
  CHECK(m0.status == event_status::on_sale);
  REQUIRE(m0.sections.size() == 5);
  CHECK(m0.sections[0].available == 100);
  CHECK(m0.sections[floor].available == 100);
  CHECK(m0.sections[floor].price_cents == 9'000);
  auto h = hold(1, {3, 64});
  auto m1 = st.seat_map();
  CHECK(m1.version > m0.version);
  CHECK_FALSE(bit(m1.available_bits, 3));
  CHECK_FALSE(bit(m1.available_bits, 64));
  CHECK(bit(m1.available_bits, 4));
  CHECK(m1.sections[0].available == 98);
  REQUIRE(confirm(1, h.id).code == result_code::ok);
  auto m2 = st.seat_map();
  CHECK(m2.version > m1.version);
  CHECK(bit(m2.sold_bits, 3));
  CHECK(bit(m2.sold_bits, 64));
  CHECK_FALSE(bit(m2.available_bits, 64));
  ga(2, 7);
  auto m3 = st.seat_map();
  CHECK(m3.version > m2.version);
  CHECK(m3.sections[floor].available == 93);
}

TEST_CASE_FIXTURE(state_fixture,
                  "invariants_hold notices the inventory being changed behind the state's back") {
  auto h = hold(1, {5, 6});
  REQUIRE(h.code == result_code::ok);
  REQUIRE(st.invariants_hold());
  st.inventory().release(seats({5, 6}), seq_of(h.id)); // the hold record still claims them
  CHECK_FALSE(st.invariants_hold());
}

TEST_CASE_FIXTURE(state_fixture, "next_deadline is the earliest live deadline across hold times") {
  CHECK_FALSE(st.next_deadline().has_value());
  hold(1, {1}, t0, 900);
  hold(2, {2}, t0 + 1'000, 300);
  hold(3, {3}, t0 + 2'000);
  CHECK(st.next_deadline() == t0 + 301'000);
  CHECK(st.expire_due(t0 + 301'000) == 1);
  CHECK(st.next_deadline() == t0 + 602'000);
  CHECK(st.expire_due(t0 + 900'000) == 2);
  CHECK_FALSE(st.next_deadline().has_value());
}

TEST_CASE("regression: more than 64 distinct client hold times aborted the process") {
  // command.ttl_s is per request, any value in [300, 900] s. Each distinct
  // duration opened a deadline_queue lane for good, and the 65th tripped
  // HF_ASSERT(lanes_.size() < deadline_lanes_max). Now: 200 distinct hold
  // times are all accepted, and each hold still expires exactly at its deadline.
  auto v = make_demo_venue(4, 400, 0);
  event_state st(v, state_fixture::config());
  st.open_sale();
  std::vector<int64_t> deadlines;
  for (uint16_t k = 0; k < 200; ++k) {
    command c = make_hold(k, 1000 + k, seats({k}));
    c.ttl_s = static_cast<uint16_t>(900 - k); // longest first: later holds expire earlier
    const int64_t now = t0 + k;
    auto out = st.apply(c, now);
    REQUIRE(out.code == result_code::ok);
    CHECK(out.expires_at_ms == now + c.ttl_s * 1000);
    deadlines.push_back(out.expires_at_ms);
  }
  CHECK(st.invariants_hold());
  std::sort(deadlines.begin(), deadlines.end());
  CHECK(st.next_deadline() == deadlines.front());
  for (size_t k = 0; k < deadlines.size(); ++k) {
    CAPTURE(k);
    REQUIRE(st.expire_due(deadlines[k] - 1) == 0);
    REQUIRE(st.expire_due(deadlines[k]) == 1);
  }
  CHECK(st.live_holds() == 0);
  CHECK(st.inventory().seats_available() == 400);
  CHECK(st.invariants_hold());
}

// -- best available: the event picks the seats ------------------------------------

TEST_CASE_FIXTURE(state_fixture, "best-available holds: side by side, never overlapping, "
                                 "refused whole") {
  const auto best = [&](user_id u, uint16_t quantity, uint16_t section = no_area) {
    return run(make_best_hold(++tag, u, section, quantity), t0);
  };
  std::set<seat_index> taken;
  user_id next_user = 100;
  // Fill section 0 ("101", 100 seats in two rows of 50) with blocks of 3, then 1.
  for (uint16_t quantity : {3, 1}) {
    for (;;) {
      const auto out = best(next_user++, quantity, 0);
      if (out.code == result_code::seat_unavailable) break;
      REQUIRE(out.code == result_code::ok);
      REQUIRE(out.seat_count == quantity);
      CHECK(out.ga_area == no_area);
      CHECK(out.total_cents == 12'000 * quantity);
      const auto first = v->seats()[out.seats[0]];
      for (uint8_t k = 0; k < out.seat_count; ++k) {
        const auto& s = v->seats()[out.seats[k]];
        CHECK(s.section == 0);
        CHECK(s.row == first.row);
        CHECK(s.number == first.number + k);
        CHECK(state_of(out.seats[k]) == seat_state::held);
        CHECK(taken.insert(out.seats[k]).second); // never a seat twice
      }
    }
  }
  CHECK(taken.size() == 100);
  CHECK(st.inventory().section_available(0) == 0);
  check_refused(make_best_hold(++tag, 999, 0, 1), result_code::seat_unavailable);
  // Any section: the next best comes from elsewhere.
  const auto elsewhere = best(999, 2);
  REQUIRE(elsewhere.code == result_code::ok);
  CHECK(v->seats()[elsewhere.seats[0]].section != 0);
}

TEST_CASE_FIXTURE(state_fixture,
                  "best-available holds: bad requests, the cap, and the sale state") {
  check_refused(make_best_hold(++tag, 1, no_area, 0), result_code::invalid_request);
  check_refused(make_best_hold(++tag, 1, no_area, limits::hold_seats_max + 1),
                result_code::invalid_request);
  check_refused(make_best_hold(++tag, 1, floor, 2), result_code::unknown_section); // GA: no seats
  check_refused(make_best_hold(++tag, 1, 0xFFFE, 2), result_code::unknown_section);
  command both = make_best_hold(++tag, 1, no_area, 2);
  both.seat_count = 1; // names a seat as well
  check_refused(both, result_code::invalid_request);
  // The cap counts the places asked for, before any search.
  REQUIRE(ga(1, 7).code == result_code::ok);
  check_refused(make_best_hold(++tag, 1, no_area, 2), result_code::limit_exceeded);
  CHECK(run(make_best_hold(++tag, 1, no_area, 1), t0).code == result_code::ok);
  // Not on sale: refused as such, not as "no seats".
  event_state closed{v, config()};
  CHECK(closed.apply(make_best_hold(1, 2, no_area, 1), t0).code == result_code::event_not_on_sale);
}

TEST_CASE_FIXTURE(state_fixture, "a hold retried with its Idempotency-Key returns the same hold; "
                                 "the key with another request is idempotency_key_reused") {
  command best = make_best_hold(++tag, 1, no_area, 2);
  best.idempotency_key = 77;
  const outcome first = run(best, t0);
  REQUIRE(first.code == result_code::ok);
  best.tag = ++tag; // the retry of a lost answer
  const outcome again = run(best, t0 + 1'000);
  CHECK(again.code == result_code::ok);
  CHECK(again.id == first.id);
  CHECK(again.expires_at_ms == first.expires_at_ms);
  CHECK(std::equal(again.seats, again.seats + again.seat_count, first.seats,
                   first.seats + first.seat_count));
  CHECK(st.holds_made() == 1); // one block taken, not two
  command more = make_best_hold(++tag, 1, no_area, 3);
  more.idempotency_key = 77;
  check_refused(more, result_code::idempotency_key_reused, t0 + 2'000);
  // GA: the same, and the per-user cap counts the places once.
  command places = make_ga_hold(++tag, 1, floor, 5);
  places.idempotency_key = 78;
  const outcome ga_first = run(places, t0);
  places.tag = ++tag;
  CHECK(run(places, t0 + 10).id == ga_first.id);
  CHECK(st.holdings(1).holds.size() == 2);
  command ga_other = make_ga_hold(++tag, 1, floor, 1);
  ga_other.idempotency_key = 78;
  check_refused(ga_other, result_code::idempotency_key_reused);
  // Keys are per user: another user's equal key is theirs alone.
  command theirs = best;
  theirs.user = 2;
  theirs.tag = ++tag;
  const outcome other_user = run(theirs, t0);
  CHECK(other_user.code == result_code::ok);
  CHECK(other_user.id != first.id);
  // Kept in snapshots: a restored event still answers the retry with the hold.
  auto copy = event_state::restore(v, st.export_snapshot());
  REQUIRE(copy != nullptr);
  best.tag = ++tag;
  CHECK(copy->apply(best, t0 + 3'000).id == first.id);
  CHECK(copy->holds_made() == st.holds_made());
  // Forgotten with the hold: after a release the key makes a new hold.
  CHECK(release(1, first.id).code == result_code::ok);
  best.tag = ++tag;
  const outcome renewed = run(best, t0 + 4'000);
  CHECK(renewed.code == result_code::ok);
  CHECK(renewed.id != first.id);
}
