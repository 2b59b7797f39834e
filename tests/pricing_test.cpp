// Dynamic pricing: what this tries to break is the price bounds (base <= price
// <= ceiling, whole rounding units, never past the target) under random and
// extreme inputs (capacity 1, nothing available, absurd velocity, a 1-cent base,
// a base that is not a multiple of the unit, a 1 ms tick); the direction of
// travel (rises monotonically under sustained demand until the ceiling, decays
// to base when demand stops, stays at base without demand); the step limit and
// its one-unit minimum; and the worked example in docs/pricing.md, number for number.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "domain/pricing.hpp"

using namespace holdfast;

namespace {

section_demand demand(uint32_t capacity, uint32_t available, uint32_t taken, int64_t base,
                      int64_t current) {
  section_demand d;
  d.capacity = capacity;
  d.available = available;
  d.taken_in_interval = taken;
  d.base_cents = base;
  d.current_cents = current;
  return d;
}

int64_t ceiling_of(int64_t base, const pricing_config& c) {
  return std::max(base, static_cast<int64_t>(base * c.ceiling_multiple));
}

// Everything next_price() promises about one step, checked from the outside.
void check_step(const section_demand& d, const pricing_config& c, int64_t next) {
  const int64_t base = d.base_cents;
  const int64_t ceiling = ceiling_of(base, c);
  REQUIRE(next >= base);
  REQUIRE(next <= ceiling);
  REQUIRE((next == base || next % c.rounding_cents == 0));
  const int64_t current = std::clamp(d.current_cents, base, ceiling);
  const double target = target_price(d, c);
  // Never moves away from the target, and never jumps over it by more than the
  // rounding (the goal is the grid price nearest the target).
  if (next > current) REQUIRE(next <= target + c.rounding_cents);
  if (next < current) REQUIRE(next >= target - c.rounding_cents);
  // Within the step limit, or exactly one grid price away.
  const double moved = std::abs(static_cast<double>(next - current));
  if (moved > c.max_step * current + 0.5) { // the step is rounded to whole cents
    // One unit from a price that sat on the grid; from base (or to base) the
    // distance to the next grid price is at most one unit as well.
    REQUIRE(moved <= c.rounding_cents);
  }
}

} // namespace

TEST_CASE("pricing: bounds, rounding and direction hold over random and extreme inputs") {
  const uint64_t seed = std::random_device{}();
  INFO("seed = " << seed);
  std::mt19937_64 rng(seed);
  auto pick = [&](auto lo, auto hi) {
    return std::uniform_int_distribution<decltype(hi)>(lo, hi)(rng);
  };
  const int64_t bases[] = {0, 1, 2, 49, 50, 51, 99, 100, 12'345, 8'000, 1'000'000'000'000};
  const uint32_t capacities[] = {1, 2, 3, 100, 50'000, 1u << 20};
  const int64_t units[] = {1, 50, 100, 7, 1'000'000};
  for (int i = 0; i < 20'000; ++i) {
    pricing_config c;
    c.ceiling_multiple = std::uniform_real_distribution<double>(1.0, 5.0)(rng);
    c.max_step = std::uniform_real_distribution<double>(0.0, 0.5)(rng);
    c.rounding_cents = units[pick(0, 4)];
    c.k_velocity = std::uniform_real_distribution<double>(0.0, 10.0)(rng);
    c.k_scarcity = std::uniform_real_distribution<double>(0.0, 10.0)(rng);
    const bool extreme = pick(0, 1) == 1;
    const uint32_t capacity = extreme ? capacities[pick(0, 5)] : pick(1u, 5000u);
    const int64_t base = extreme ? bases[pick(0, 10)] : pick(int64_t{1}, int64_t{100'000});
    const uint32_t available = pick(0u, 3u) == 0 ? 0 : pick(0u, capacity);
    const uint32_t taken = extreme ? (pick(0, 1) ? UINT32_MAX : 0u) : pick(0u, capacity);
    // Current prices outside the bounds too: an operator may have moved base.
    const int64_t current = pick(int64_t{0}, base * 6);
    auto d = demand(capacity, available, taken, base, current);
    d.interval_ms = extreme ? 1 : pick(int64_t{1'000}, int64_t{120'000});
    CAPTURE(i);
    CAPTURE(capacity);
    CAPTURE(available);
    CAPTURE(taken);
    CAPTURE(base);
    CAPTURE(current);
    CAPTURE(c.rounding_cents);
    CAPTURE(c.ceiling_multiple);
    check_step(d, c, next_price(d, c));
  }
}

TEST_CASE("pricing: capacity 1, a free section and an empty section") {
  const pricing_config c;
  // The last seat of a one-seat section under a rush: straight for the ceiling.
  auto d = demand(1, 0, UINT32_MAX, 1000, 1000);
  d.interval_ms = 1;
  CHECK(target_price(d, c) == 3000.0);
  CHECK(next_price(d, c) == 1150);
  // A free section stays free, whatever the demand.
  CHECK(next_price(demand(10, 0, 1000, 0, 0), c) == 0);
  CHECK(next_price(demand(10, 0, 1000, 0, 500), c) == 0);
  // Nothing to sell: the target is base, whatever the counters say.
  CHECK(target_price(demand(0, 0, 5, 1000, 2500), c) == 1000.0);
  CHECK(next_price(demand(0, 0, 5, 1000, 2500), c) == 2150);
}

TEST_CASE("pricing: rises monotonically under sustained demand until the ceiling") {
  const pricing_config c;
  const int64_t base = 8000;
  const uint32_t capacity = 1980;
  uint32_t available = capacity;
  int64_t price = base;
  int intervals_to_ceiling = 0;
  // 60 places per interval (about 3% of the section: 1.5x the reference
  // velocity), growing scarcer every interval, until sold out.
  while (available > 0) {
    const uint32_t taken = 60;
    available -= taken;
    const auto d = demand(capacity, available, taken, base, price);
    const int64_t next = next_price(d, c);
    check_step(d, c, next);
    // Strictly up until the ceiling, then pinned there.
    if (price < ceiling_of(base, c)) {
      REQUIRE(next > price);
      ++intervals_to_ceiling;
    } else {
      REQUIRE(next == price);
    }
    price = next;
  }
  CHECK(price == ceiling_of(base, c));
  // Seven 15% steps catch up with the velocity target (about 2.5x); from there
  // the price follows the target up as the section grows scarcer.
  CHECK(intervals_to_ceiling == 23);
}

TEST_CASE("pricing: a cheap section still rises, one unit at a time") {
  const pricing_config c; // 15% of 1.00 is less than the 0.50 unit
  int64_t price = 100;
  std::vector<int64_t> seen;
  for (int i = 0; i < 8; ++i) {
    price = next_price(demand(100, 10, 10, 100, price), c);
    seen.push_back(price);
  }
  CHECK(seen == std::vector<int64_t>{150, 200, 250, 300, 300, 300, 300, 300});
}

TEST_CASE("pricing: decays to base when demand stops") {
  const pricing_config c;
  const int64_t base = 8000;
  int64_t price = ceiling_of(base, c);
  int steps = 0;
  // The rush was holds that expired: everything is available again.
  while (price != base) {
    const auto d = demand(2000, 2000, 0, base, price);
    const int64_t next = next_price(d, c);
    check_step(d, c, next);
    REQUIRE(next < price);
    price = next;
    REQUIRE(++steps < 20);
  }
  CHECK(steps == 7); // 240.00 -> 80.00 in 15% steps: 0.85^7 < 1/3
  CHECK(next_price(demand(2000, 2000, 0, base, price), c) == base);
}

TEST_CASE("pricing: without demand, a scarce section decays only to its scarcity price") {
  const pricing_config c;
  int64_t price = 24000;
  for (int i = 0; i < 30; ++i)
    price = next_price(demand(2000, 200, 0, 8000, price), c);
  // s = 0.9: 80.00 * (1 + 0.81) = 144.80, whose nearest 0.50 step is 145.00.
  CHECK(price == 14500);
}

TEST_CASE("pricing: no demand and plenty available keeps the price at base") {
  const pricing_config c;
  for (uint32_t available : {10'000u, 9'700u}) {
    int64_t price = 8000;
    for (int i = 0; i < 50; ++i) {
      price = next_price(demand(10'000, available, 0, 8000, price), c);
      REQUIRE(price == 8000);
    }
  }
}

TEST_CASE("pricing: rounding never crosses the bounds") {
  pricing_config c;
  struct bounds_case {
    int64_t base;
    int64_t lowest;
    int64_t highest;
  };
  // base 123.45 (not a multiple of 0.50): ceiling 370.35, highest grid price 370.00.
  // base 0.20: ceiling 0.60, so the grid is {0.20, 0.50}.
  // base 0.01: ceiling 0.03, no multiple of 0.50 above base: always 0.01.
  for (const auto& bc :
       {bounds_case{12'345, 12'345, 37'000}, bounds_case{20, 20, 50}, bounds_case{1, 1, 1}}) {
    CAPTURE(bc.base);
    int64_t price = bc.base;
    for (int i = 0; i < 40; ++i)
      price = next_price(demand(100, 0, 1000, bc.base, price), c);
    CHECK(price == bc.highest);
    for (int i = 0; i < 60; ++i)
      price = next_price(demand(100, 100, 0, bc.base, price), c);
    CHECK(price == bc.lowest);
  }
  // A whole-unit-only ceiling: unit larger than the whole range.
  c.rounding_cents = 1'000'000;
  CHECK(next_price(demand(100, 0, 1000, 5000, 5000), c) == 5000);
}

TEST_CASE("pricing: velocity is per configured interval, whatever the tick length") {
  const pricing_config c;
  auto late = demand(1000, 900, 30, 8000, 8000);
  late.interval_ms = 60'000; // 30 places in 60 s = 15 per 30 s
  const auto on_time = demand(1000, 900, 15, 8000, 8000);
  CHECK(target_price(late, c) == doctest::Approx(target_price(on_time, c)));
  CHECK(target_price(on_time, c) == doctest::Approx(8000 * (1 + 0.75 + 0.01)));
}

TEST_CASE("pricing: the worked example in docs/pricing.md") {
  const pricing_config c;
  const uint32_t capacity = 2000;
  // Rush: 60 places per interval, starting with 1260 available.
  uint32_t available = 1260;
  int64_t price = 8000;
  std::vector<int64_t> rush;
  for (int i = 0; i < 4; ++i) {
    available -= 60;
    price = next_price(demand(capacity, available, 60, 8000, price), c);
    rush.push_back(price);
  }
  CHECK(target_price(demand(capacity, 1200, 60, 8000, 8000), c) == doctest::Approx(21280));
  CHECK(rush == std::vector<int64_t>{9200, 10550, 12100, 13900});
  // Then demand stops, with 1020 left (s = 0.49, target 99.21 -> goal 99.00).
  std::vector<int64_t> calm;
  for (int i = 0; i < 4; ++i) {
    price = next_price(demand(capacity, 1020, 0, 8000, price), c);
    calm.push_back(price);
  }
  CHECK(calm == std::vector<int64_t>{11850, 10100, 9900, 9900});
  CHECK(next_prices(std::vector<section_demand>{demand(capacity, 1020, 0, 8000, 13900),
                                                demand(capacity, 2000, 0, 6500, 6500)},
                    c) == std::vector<int64_t>{11850, 6500});
}

TEST_CASE("pricing: config validation") {
  pricing_config c;
  CHECK(pricing_config_valid(c));
  c.ceiling_multiple = 0.5;
  CHECK_FALSE(pricing_config_valid(c));
  c = {};
  c.rounding_cents = 0;
  CHECK_FALSE(pricing_config_valid(c));
  c = {};
  c.v_ref = 0;
  CHECK_FALSE(pricing_config_valid(c));
  c = {};
  c.max_step = std::nan("");
  CHECK_FALSE(pricing_config_valid(c));
}
