// Seat look-up by label: the parsed fast path (regular sections) must answer
// exactly what the map of every label answers, for every seat and for
// labels that are almost right.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/venue.hpp"
#include "node/demo_venue.hpp"

namespace holdfast {

namespace {

void check_every_label(const venue& v) {
  for (seat_index i = 0; i < v.seat_count(); ++i) {
    const auto label = v.seat_label(i);
    REQUIRE(v.find_seat(label) == i);
    REQUIRE(v.find_seat_by_map(label) == i);
  }
}

// Section "B-2" has a gap in row A, "C" starts at number 2, "D" is regular
// but its name has dashes; "E" shares its name with nobody and is regular.
std::shared_ptr<const venue> odd_venue() {
  std::vector<section> sections(4); // one more is inserted below
  std::vector<seat> seats;
  auto add = [&](uint16_t s, uint16_t row, uint16_t number) {
    seats.push_back(seat{s, row, number});
  };
  sections[0].name = "B-2";
  sections[0].first_seat = 0;
  for (uint16_t n : {1, 2, 4})
    add(0, 0, n);
  sections[0].seat_count = 3;
  sections[1].name = "C";
  sections[1].first_seat = 3;
  for (uint16_t n : {2, 3})
    add(1, 0, n);
  sections[1].seat_count = 2;
  sections[2].name = "D-x-y";
  sections[2].first_seat = 5;
  for (uint16_t r = 0; r < 30; ++r)
    for (uint16_t n = 1; n <= (r % 3) + 1; ++n)
      add(2, r, n);
  sections[2].seat_count = static_cast<uint32_t>(seats.size()) - 5;
  // A second "C", laid out regularly: its labels cannot collide with the
  // first "C" (which has no A-1), and find_section returns the first.
  sections.insert(sections.begin() + 3, section{});
  sections[3].name = "C";
  sections[3].first_seat = static_cast<seat_index>(seats.size());
  for (uint16_t r = 0; r < 2; ++r)
    for (uint16_t n = 1; n <= 4; ++n)
      if (!(r == 0 && (n == 2 || n == 3))) add(3, r, n);
  sections[3].seat_count = static_cast<uint32_t>(seats.size()) - sections[3].first_seat;
  sections[4].name = "FLOOR";
  sections[4].kind = section_kind::general_admission;
  sections[4].ga_capacity = 10;
  return std::make_shared<const venue>("odd", "Odd", "Town", std::move(sections), std::move(seats));
}

} // namespace

TEST_CASE("row labels parse back, canonical spellings only") {
  for (uint32_t r = 0; r < 65'536; r += 7)
    CHECK(parse_row_label(row_label(static_cast<uint16_t>(r))) == r);
  CHECK(parse_row_label(row_label(65'535)) == 65'535);
  CHECK_FALSE(parse_row_label(""));
  CHECK_FALSE(parse_row_label("a"));
  CHECK_FALSE(parse_row_label("A1"));
  CHECK_FALSE(parse_row_label("AAAAA"));
}

TEST_CASE("find_seat answers what the label map answers") {
  SUBCASE("the demo stadium") {
    const auto v = make_demo_venue(40, 50'000, 2'000);
    for (uint16_t s = 0; s < v->sections().size(); ++s)
      CHECK(v->parsed_lookup(s) == (v->sections()[s].kind == section_kind::assigned));
    check_every_label(*v);
    for (const char* label : {"101-A-01", "101-a-1", "101-A-0", "101--1", "-A-1", "101-A-",
                              "101-AAAAA-1", "101-A-51", "999-A-1", "101-A-1x", "", "-", "--",
                              "101-A-1-", "101-ZZZZ-1", "FLOOR-A-1", "101-A-99999", "101-A-100000"})
      CHECK(v->find_seat(label) == v->find_seat_by_map(label));
  }
  SUBCASE("irregular sections and names with dashes") {
    const auto v = odd_venue();
    CHECK_FALSE(v->parsed_lookup(0)); // a gap
    CHECK_FALSE(v->parsed_lookup(1)); // starts at 2
    CHECK(v->parsed_lookup(2));
    CHECK_FALSE(v->parsed_lookup(3)); // the second "C": a gap at
    CHECK_FALSE(v->parsed_lookup(4)); // general admission
    check_every_label(*v);
    for (const char* label : {"B-2-A-3", "C-A-1", "C-A-4", "C-B-4", "C-B-5", "D-x-y-A-2",
                              "D-x-y-B-3", "D-x-y-AE-1", "x-y-A-1", "D-A-1", "FLOOR-A-1"})
      CHECK(v->find_seat(label) == v->find_seat_by_map(label));
  }
}

} // namespace holdfast

TEST_CASE("venue rows: every seat in exactly one row, rows ordered by number") {
  const auto v = holdfast::make_demo_venue(4, 400, 100);
  std::vector<int> seen(v->seat_count(), 0);
  for (uint32_t r = 0; r < v->rows().size(); ++r) {
    const auto& row = v->rows()[r];
    const auto seats = v->row_seats(row);
    REQUIRE(!seats.empty());
    for (size_t k = 0; k < seats.size(); ++k) {
      const auto& s = v->seats()[seats[k]];
      CHECK(s.section == row.section);
      CHECK(s.row == row.row);
      CHECK(v->row_of(seats[k]) == r);
      if (k > 0) CHECK(s.number > v->seats()[seats[k - 1]].number);
      ++seen[seats[k]];
    }
  }
  CHECK(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
  CHECK(v->rows().size() == 8); // four sections of 100 seats, rows of 50
}
