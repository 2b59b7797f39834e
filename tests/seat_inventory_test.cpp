// Seat inventory: what this tries to break is the agreement between the seat
// slots and everything derived from them (the two bitmaps, the per-section and
// total counters, the GA counters, the version) across every transition, the
// all-or-nothing conflict report, GA bounds at exactly zero and exactly capacity,
// and the change tracking behind the seat-map deltas (each changed seat reported
// once per drain, with its state at drain time).
#include <doctest/doctest.h>

#include <bit>
#include <map>
#include <vector>

#include "domain/seat_inventory.hpp"
#include "core/venue.hpp"
#include "node/demo_venue.hpp"

using namespace holdfast;

namespace {

// Demo venue: sections 0..3 are assigned with 100 seats each (seats 0-99,
// 100-199, ...), section 4 is the GA floor with 100 places.
struct inventory_fixture {
  std::shared_ptr<const venue> v = make_demo_venue(4, 400, 100);
  uint16_t floor = 4;
  seat_inventory inv{*v};
};

bool bit_of(const std::vector<uint64_t>& bits, seat_index i) {
  return (bits[i / 64] >> (i % 64)) & 1u;
}

// Recounts everything from the slots alone and compares it with what the
// inventory keeps incrementally. Independent of invariants_hold().
void check_derived(const venue& v, const seat_inventory& inv) {
  uint32_t available = 0, sold = 0;
  std::vector<uint32_t> per_section(v.sections().size(), 0);
  std::vector<uint32_t> per_row(v.rows().size(), 0);
  for (seat_index i = 0; i < v.seat_count(); ++i) {
    const auto& s = inv.slot(i);
    CAPTURE(i);
    REQUIRE(bit_of(inv.available_bits(), i) == (s.state == seat_state::available));
    REQUIRE(bit_of(inv.sold_bits(), i) == (s.state == seat_state::sold));
    REQUIRE((s.ref == 0) == (s.state == seat_state::available));
    if (s.state == seat_state::available) {
      ++available;
      ++per_section[v.seats()[i].section];
      ++per_row[v.row_of(i)];
    }
    if (s.state == seat_state::sold) ++sold;
  }
  for (uint32_t r = 0; r < v.rows().size(); ++r)
    CHECK(inv.row_available(r) == per_row[r]);
  // No bit past the last seat may be set: clients popcount the bitmaps.
  size_t ones_available = 0, ones_sold = 0;
  for (auto w : inv.available_bits())
    ones_available += std::popcount(w);
  for (auto w : inv.sold_bits())
    ones_sold += std::popcount(w);
  CHECK(ones_available == available);
  CHECK(ones_sold == sold);
  CHECK(inv.seats_available() == available);
  CHECK(inv.seats_sold() == sold);
  uint64_t ga_sold = 0;
  for (uint16_t s = 0; s < v.sections().size(); ++s) {
    CAPTURE(s);
    if (v.sections()[s].kind == section_kind::assigned) {
      CHECK(inv.section_available(s) == per_section[s]);
      CHECK(inv.ga(s).capacity == 0);
    } else {
      CHECK(inv.ga(s).capacity == v.sections()[s].ga_capacity);
      CHECK(inv.ga(s).held + inv.ga(s).sold <= inv.ga(s).capacity);
      ga_sold += inv.ga(s).sold;
    }
  }
  CHECK(inv.places_sold() == sold + ga_sold);
  CHECK(inv.invariants_hold());
}

std::vector<seat_index> seats(std::initializer_list<seat_index> xs) {
  return xs;
}

} // namespace

TEST_CASE_FIXTURE(inventory_fixture, "a fresh inventory has every seat and place available") {
  CHECK(inv.slots().size() == 400);
  CHECK(inv.seats_available() == 400);
  CHECK(inv.seats_sold() == 0);
  CHECK(inv.places_sold() == 0);
  CHECK(inv.capacity() == 500);
  CHECK(inv.version() == 0);
  CHECK(inv.available_bits().size() == 7); // ceil(400 / 64)
  CHECK(inv.sold_bits().size() == 7);
  for (uint16_t s = 0; s < 4; ++s)
    CHECK(inv.section_available(s) == 100);
  CHECK(inv.ga(floor).available() == 100);
  CHECK_FALSE(inv.has_changes());
  check_derived(*v, inv);
}

TEST_CASE_FIXTURE(inventory_fixture,
                  "all_available reports every conflict, in request order, and changes nothing") {
  inv.hold(seats({10, 11}), 1);
  inv.hold(seats({20}), 2);
  inv.sell(seats({20}), 2, 1);
  const auto version = inv.version();
  std::vector<seat_index> conflicts{999}; // conflicts are appended, not assigned
  CHECK_FALSE(inv.all_available(seats({20, 9, 11, 12, 10}), &conflicts));
  CHECK(conflicts == seats({999, 20, 11, 10})); // sold and held both conflict
  CHECK_FALSE(inv.all_available(seats({12, 11}), nullptr));
  std::vector<seat_index> none;
  CHECK(inv.all_available(seats({9, 12, 399, 0}), &none));
  CHECK(none.empty());
  CHECK(inv.all_available({}, nullptr)); // vacuous: the event state refuses empty holds
  CHECK(inv.version() == version);
  CHECK(inv.slot(12).state == seat_state::available);
  CHECK(inv.slot(9).state == seat_state::available);
  check_derived(*v, inv);
}

TEST_CASE_FIXTURE(inventory_fixture,
                  "hold, release, sell and refund keep slots, bitmaps and counters in step") {
  // Seats across a 64-bit word boundary (63, 64) and two sections (99, 100).
  const auto group = seats({63, 64, 99, 100});
  inv.hold(group, 5);
  CHECK(inv.version() == 1);
  for (auto i : group) {
    CHECK(inv.slot(i).state == seat_state::held);
    CHECK(inv.slot(i).ref == 5);
    CHECK_FALSE(bit_of(inv.available_bits(), i));
    CHECK_FALSE(bit_of(inv.sold_bits(), i));
  }
  CHECK(inv.seats_available() == 396);
  CHECK(inv.section_available(0) == 97);
  CHECK(inv.section_available(1) == 99);
  check_derived(*v, inv);

  inv.release(group, 5);
  CHECK(inv.version() == 2);
  CHECK(inv.seats_available() == 400);
  for (auto i : group)
    CHECK(inv.slot(i).state == seat_state::available);
  check_derived(*v, inv);

  inv.hold(group, 6);
  inv.sell(group, 6, 3);
  CHECK(inv.version() == 4);
  for (auto i : group) {
    CHECK(inv.slot(i).state == seat_state::sold);
    CHECK(inv.slot(i).ref == 3); // the order, no longer the hold
    CHECK(bit_of(inv.sold_bits(), i));
  }
  CHECK(inv.seats_sold() == 4);
  CHECK(inv.places_sold() == 4);
  CHECK(inv.seats_available() == 396);
  check_derived(*v, inv);

  inv.refund(group, 3);
  CHECK(inv.seats_sold() == 0);
  CHECK(inv.seats_available() == 400);
  CHECK(inv.section_available(0) == 100);
  check_derived(*v, inv);
}

TEST_CASE_FIXTURE(inventory_fixture,
                  "the last seat of the venue and the partial last bitmap word") {
  inv.hold(seats({399, 384}), 1);
  CHECK(inv.section_available(3) == 98);
  check_derived(*v, inv);
  inv.sell(seats({399, 384}), 1, 1);
  CHECK(bit_of(inv.sold_bits(), 399));
  check_derived(*v, inv);
}

TEST_CASE_FIXTURE(inventory_fixture,
                  "GA: exactly the capacity can be held and sold, not one more") {
  CHECK(inv.ga_can_hold(floor, 0));
  CHECK(inv.ga_can_hold(floor, 100));
  CHECK_FALSE(inv.ga_can_hold(floor, 101));
  inv.ga_hold(floor, 60);
  CHECK(inv.ga(floor).held == 60);
  CHECK(inv.ga(floor).available() == 40);
  CHECK(inv.ga_can_hold(floor, 40));
  CHECK_FALSE(inv.ga_can_hold(floor, 41));
  inv.ga_sell(floor, 25);
  CHECK(inv.ga(floor).held == 35);
  CHECK(inv.ga(floor).sold == 25);
  CHECK(inv.ga(floor).available() == 40);
  CHECK(inv.places_sold() == 25);
  inv.ga_hold(floor, 40);
  CHECK(inv.ga(floor).available() == 0);
  CHECK_FALSE(inv.ga_can_hold(floor, 1));
  CHECK(inv.ga_can_hold(floor, 0));
  inv.ga_sell(floor, 75);
  CHECK(inv.ga(floor).sold == 100);
  CHECK(inv.ga(floor).held == 0);
  CHECK(inv.places_sold() == 100);
  CHECK(inv.seats_available() == 400); // GA never touches the assigned seats
  check_derived(*v, inv);
  inv.ga_refund(floor, 10);
  CHECK(inv.ga(floor).available() == 10);
  CHECK(inv.ga_can_hold(floor, 10));
  CHECK_FALSE(inv.ga_can_hold(floor, 11));
  inv.ga_hold(floor, 10);
  inv.ga_release(floor, 10);
  CHECK(inv.ga(floor).available() == 10);
  check_derived(*v, inv);
}

TEST_CASE_FIXTURE(inventory_fixture,
                  "every GA operation bumps the version, as seat operations do") {
  auto v0 = inv.version();
  inv.ga_hold(floor, 1);
  CHECK(inv.version() > v0);
  auto v1 = inv.version();
  inv.ga_release(floor, 1);
  CHECK(inv.version() > v1);
  auto v2 = inv.version();
  inv.hold(seats({1}), 1);
  CHECK(inv.version() > v2);
}

TEST_CASE_FIXTURE(inventory_fixture, "change tracking: nothing is recorded while off") {
  inv.hold(seats({1, 2}), 1);
  inv.ga_hold(floor, 3);
  CHECK_FALSE(inv.has_changes());
  int calls = 0;
  inv.drain_changes([&](seat_index, seat_state) { ++calls; },
                    [&](uint16_t, const ga_counter&) { ++calls; });
  CHECK(calls == 0);
}

TEST_CASE_FIXTURE(
    inventory_fixture,
    "change tracking: each changed seat and area once per drain, with its state at drain time") {
  inv.track_changes(true);
  CHECK_FALSE(inv.has_changes());
  inv.hold(seats({1, 2, 70}), 1);
  inv.release(seats({1, 2, 70}), 1); // 1, 2 and 70 go back: still reported, as available
  inv.hold(seats({2, 3}), 2);
  inv.sell(seats({2, 3}), 2, 1);
  inv.ga_hold(floor, 5);
  inv.ga_sell(floor, 2);
  inv.ga_release(floor, 3);
  CHECK(inv.has_changes());

  std::map<seat_index, seat_state> seen_seats;
  std::map<uint16_t, ga_counter> seen_areas;
  int seat_calls = 0, area_calls = 0;
  inv.drain_changes(
      [&](seat_index i, seat_state s) {
        ++seat_calls;
        seen_seats[i] = s;
      },
      [&](uint16_t a, const ga_counter& g) {
        ++area_calls;
        seen_areas[a] = g;
      });
  CHECK(seat_calls == 4); // 1, 2, 3, 70: no seat twice
  CHECK(seen_seats.size() == 4);
  CHECK(seen_seats[1] == seat_state::available);
  CHECK(seen_seats[2] == seat_state::sold);
  CHECK(seen_seats[3] == seat_state::sold);
  CHECK(seen_seats[70] == seat_state::available);
  CHECK(area_calls == 1);
  REQUIRE(seen_areas.count(floor) == 1);
  CHECK(seen_areas[floor].held == 0);
  CHECK(seen_areas[floor].sold == 2);
  CHECK_FALSE(inv.has_changes());

  // A second drain has nothing; a seat changed after a drain is reported again.
  seat_calls = area_calls = 0;
  inv.drain_changes([&](seat_index, seat_state) { ++seat_calls; },
                    [&](uint16_t, const ga_counter&) { ++area_calls; });
  CHECK(seat_calls + area_calls == 0);
  inv.refund(seats({2}), 1);
  std::vector<seat_index> again;
  inv.drain_changes(
      [&](seat_index i, seat_state s) {
        again.push_back(i);
        CHECK(s == seat_state::available);
      },
      [](uint16_t, const ga_counter&) {});
  CHECK(again == seats({2}));

  // Turned off: changes stop being recorded.
  inv.track_changes(false);
  inv.hold(seats({50}), 3);
  CHECK_FALSE(inv.has_changes());
  check_derived(*v, inv);
}

TEST_CASE("an inventory over a venue without GA has zero GA capacity everywhere") {
  auto v = make_demo_venue(3, 130, 0);
  seat_inventory inv(*v);
  CHECK(v->sections().size() == 3);
  CHECK(inv.capacity() == 130);
  for (uint16_t s = 0; s < 3; ++s)
    CHECK(inv.ga(s).capacity == 0);
  CHECK(inv.section_available(0) == 44); // 130 = 44 + 43 + 43
  CHECK(inv.section_available(1) == 43);
  CHECK(inv.section_available(2) == 43);
  check_derived(*v, inv);
}
