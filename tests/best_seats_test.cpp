// Best available: what this tries to break is "the block is free, side by side,
// and no block is nearer the middle". A hand-drawn venue pins the rules (mean
// distance, the cheaper section on a tie, gaps in the numbering are aisles);
// then random inventories of the demo stadium are checked against a brute-force
// search that shares nothing with the ranking but the venue's seats.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <vector>

#include "domain/best_seats.hpp"
#include "domain/seat_inventory.hpp"
#include "core/venue.hpp"
#include "node/demo_venue.hpp"

using namespace holdfast;

namespace {

// Two assigned sections facing each other across y = 0, two rows each of six
// seats at x = 0, 10, ..., 50: "N" (rows at y = 10, 20) and the cheaper "S"
// (y = -10, -20). The middle of the seats is (25, 0). Section 2 is a GA area.
std::shared_ptr<const venue> facing_sections(std::vector<uint16_t> numbers = {1, 2, 3, 4, 5, 6}) {
  std::vector<section> sections(3);
  std::vector<seat> seats;
  const char* names[] = {"N", "S"};
  for (uint16_t s = 0; s < 2; ++s) {
    sections[s].name = names[s];
    sections[s].tier = "lower";
    sections[s].base_price_cents = s == 0 ? 5'000 : 4'000;
    sections[s].first_seat = static_cast<seat_index>(seats.size());
    for (uint16_t row = 0; row < 2; ++row)
      for (size_t k = 0; k < numbers.size(); ++k) {
        const float y = (s == 0 ? 1.0f : -1.0f) * 10.0f * static_cast<float>(row + 1);
        seats.push_back(seat{s, row, numbers[k], 10.0f * static_cast<float>(k), y});
      }
    sections[s].seat_count = static_cast<uint32_t>(seats.size()) - sections[s].first_seat;
  }
  sections[2].name = "FLOOR";
  sections[2].tier = "floor";
  sections[2].kind = section_kind::general_admission;
  sections[2].ga_capacity = 50;
  return std::make_shared<const venue>("f", "Facing", "City", std::move(sections),
                                       std::move(seats));
}

std::vector<int64_t> base_prices(const venue& v) {
  std::vector<int64_t> out;
  for (const auto& s : v.sections())
    out.push_back(s.base_price_cents);
  return out;
}

std::vector<std::string> labels(const venue& v, const std::vector<seat_index>& seats) {
  std::vector<std::string> out;
  for (auto i : seats)
    out.push_back(v.seat_label(i));
  return out;
}

struct picker {
  std::shared_ptr<const venue> v;
  seat_inventory inv{*v};
  seat_ranking ranking{*v};
  std::vector<int64_t> prices = base_prices(*v);
  uint32_t next_hold = 1;

  std::vector<seat_index> best(uint16_t quantity, uint16_t section = no_area) {
    std::vector<seat_index> out(quantity);
    if (!ranking.best_block(inv, prices, section, quantity, out.data())) return {};
    return out;
  }
  void hold(std::vector<seat_index> seats) { inv.hold(seats, next_hold++); }
  void hold(std::initializer_list<const char*> names) {
    std::vector<seat_index> seats;
    for (auto* n : names)
      seats.push_back(*v->find_seat(n));
    hold(seats);
  }
};

using strings = std::vector<std::string>;

} // namespace

TEST_CASE("best available: the middle of the nearest row, the cheaper section on a tie") {
  picker p{facing_sections()};
  CHECK(labels(*p.v, p.best(2)) == strings{"S-A-3", "S-A-4"});
  CHECK(labels(*p.v, p.best(1)) == strings{"S-A-3"}); // x 20 and 30 tie: the first
  CHECK(labels(*p.v, p.best(2, 0)) == strings{"N-A-3", "N-A-4"});
  CHECK(labels(*p.v, p.best(6)) == strings{"S-A-1", "S-A-2", "S-A-3", "S-A-4", "S-A-5", "S-A-6"});
  CHECK(p.best(7).empty());    // no row has seven seats
  CHECK(p.best(2, 2).empty()); // a GA area has no seats to pick

  // With both middles taken, a centred pair one row back (mean distance 20.6)
  // beats the front row's edges (22.5).
  p.hold({"S-A-3", "S-A-4"});
  p.hold({"N-A-3", "N-A-4"});
  CHECK(labels(*p.v, p.best(2)) == strings{"S-B-3", "S-B-4"});
  // Three side by side: no longer in either front row.
  CHECK(labels(*p.v, p.best(3)) == strings{"S-B-2", "S-B-3", "S-B-4"});

  // A price change moves the tie: now N is cheaper.
  p.prices[0] = 3'000;
  CHECK(labels(*p.v, p.best(2)) == strings{"N-B-3", "N-B-4"});
}

TEST_CASE("best available: held and sold seats break a block; a gap in numbers is an aisle") {
  SUBCASE("a full row is skipped, a fragmented one has no block") {
    picker p{facing_sections()};
    p.hold({"S-A-1", "S-A-2", "S-A-3", "S-A-4", "S-A-5", "S-A-6"});
    p.hold({"N-A-2", "N-A-4", "N-A-6"});
    CHECK(labels(*p.v, p.best(1)) == strings{"N-A-3"});
    CHECK(labels(*p.v, p.best(2)) == strings{"S-B-3", "S-B-4"});
    const std::vector<seat_index> sold{*p.v->find_seat("S-B-4")};
    p.hold(sold);
    p.inv.sell(sold, p.next_hold - 1, 1);
    CHECK(labels(*p.v, p.best(2)) == strings{"N-B-3", "N-B-4"});
  }
  SUBCASE("numbers 1, 2, 4, 5: seats 2 and 4 are not side by side") {
    picker p{facing_sections({1, 2, 4, 5})};
    CHECK(p.best(3).empty());
    CHECK(p.best(2).size() == 2);
    for (uint16_t s = 0; s < 2; ++s)
      for (const auto& row : p.v->rows())
        if (row.section == s) {
          const auto seats = p.v->row_seats(row);
          p.hold(std::vector<seat_index>{seats[0], seats[3]}); // 1 and 5: leaves 2 | 4
        }
    CHECK(p.best(2).empty());
    CHECK(p.best(1).size() == 1);
  }
  SUBCASE("nothing left") {
    picker p{facing_sections()};
    for (seat_index i = 0; i < p.v->seat_count(); ++i)
      p.hold(std::vector<seat_index>{i});
    CHECK(p.best(1).empty());
    CHECK(p.best(1, 1).empty());
  }
}

namespace {

// The middle of the seats' bounding box, and a seat's distance to it.
struct middle {
  float x = 0, y = 0;
  explicit middle(const venue& v) {
    float min_x = std::numeric_limits<float>::max(), max_x = -min_x, min_y = min_x, max_y = -min_x;
    for (const auto& s : v.seats()) {
      min_x = std::min(min_x, s.x);
      max_x = std::max(max_x, s.x);
      min_y = std::min(min_y, s.y);
      max_y = std::max(max_y, s.y);
    }
    x = (min_x + max_x) / 2;
    y = (min_y + max_y) / 2;
  }
  double distance(const seat& s) const { return std::hypot(s.x - x, s.y - y); }
};

// Brute force, from the venue's seats alone: every window of `quantity` free
// seats with consecutive numbers in one row; the least (mean distance to the
// middle in millionths, price).
std::optional<std::pair<int64_t, int64_t>> brute_best(const venue& v, const seat_inventory& inv,
                                                      const std::vector<int64_t>& prices,
                                                      uint16_t section, uint16_t quantity) {
  const middle m(v);
  std::map<std::pair<uint16_t, uint16_t>, std::vector<seat_index>> rows;
  for (seat_index i = 0; i < v.seat_count(); ++i)
    rows[{v.seats()[i].section, v.seats()[i].row}].push_back(i);
  std::optional<std::pair<int64_t, int64_t>> best;
  for (auto& [key, seats] : rows) {
    if (section != no_area && key.first != section) continue;
    std::sort(seats.begin(), seats.end(), [&](seat_index a, seat_index b) {
      return v.seats()[a].number < v.seats()[b].number;
    });
    for (size_t k = 0; k + quantity <= seats.size(); ++k) {
      bool ok = true;
      double sum = 0;
      for (size_t j = k; j < k + quantity && ok; ++j) {
        ok = inv.slot(seats[j]).state == seat_state::available &&
             (j == k || v.seats()[seats[j]].number == v.seats()[seats[j - 1]].number + 1);
        sum += m.distance(v.seats()[seats[j]]);
      }
      if (!ok) continue;
      const std::pair<int64_t, int64_t> here{static_cast<int64_t>(std::floor(sum / quantity * 1e6)),
                                             prices[key.first]};
      if (!best || here < *best) best = here;
    }
  }
  return best;
}

} // namespace

TEST_CASE("best available agrees with a brute-force search through a sale with releases and "
          "price changes") {
  const auto v = make_demo_venue(6, 1'200, 100);
  const middle m(*v);
  std::mt19937_64 rng(20261122);
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  int found = 0, none = 0, released = 0, repriced = 0;
  for (int sale = 0; sale < 4; ++sale) {
    picker p{v};
    std::vector<std::vector<seat_index>> live; // held blocks, to release at random
    for (int step = 0; step < 1'500; ++step) {
      CAPTURE(sale);
      CAPTURE(step);
      const uint32_t action = pick(100);
      if (action < 15 && !live.empty()) { // a hold ends: seats come free
        const uint32_t k = pick(static_cast<uint32_t>(live.size()));
        p.inv.release(live[k], p.inv.slot(live[k][0]).ref);
        live.erase(live.begin() + k);
        ++released;
        continue;
      }
      if (action < 18) { // the price of a section moves
        p.prices[pick(6)] = 1'000 * (1 + pick(5));
        ++repriced;
        continue;
      }
      const auto quantity = static_cast<uint16_t>(1 + pick(6));
      const uint16_t section = pick(2) ? no_area : static_cast<uint16_t>(pick(6));
      CAPTURE(quantity);
      CAPTURE(section);
      const auto expected = brute_best(*v, p.inv, p.prices, section, quantity);
      const auto got = p.best(quantity, section);
      if (!expected) {
        CHECK(got.empty());
        ++none;
        continue;
      }
      REQUIRE(got.size() == quantity);
      ++found;
      double sum = 0;
      const auto& first = v->seats()[got[0]];
      for (size_t j = 0; j < got.size(); ++j) {
        const auto& s = v->seats()[got[j]];
        CHECK(p.inv.slot(got[j]).state == seat_state::available);
        CHECK(s.section == first.section);
        CHECK(s.row == first.row);
        CHECK(s.number == first.number + j);
        if (section != no_area) CHECK(s.section == section);
        sum += m.distance(s);
      }
      const auto mean = static_cast<int64_t>(std::floor(sum / quantity * 1e6));
      CHECK(mean <= expected->first + 1); // nearest (rounding aside)
      if (mean == expected->first) CHECK(p.prices[first.section] <= expected->second);
      if (pick(4) != 0) { // mostly, the fan takes it
        p.hold(got);
        live.push_back(got);
      }
    }
    REQUIRE(p.inv.invariants_hold());
  }
  MESSAGE("blocks found " << found << ", none " << none << ", releases " << released
                          << ", price changes " << repriced);
  CHECK(found > 1'000);
  CHECK(none > 100);
}
