// The pricing actor hosting the formula, under CAF's deterministic scheduler.
// What this tries to break: a price change altering an existing hold's locked
// total or an order's; prices leaving [base, ceiling] under a long spike; price
// changes not reaching the seat map and the live stream.
#include <doctest/doctest.h>

#include "actors/pricing_actor.hpp"
#include "tests/actor_fixture.hpp"
#include "node/demo_venue.hpp"

using namespace holdfast;
using namespace std::chrono_literals;

namespace {

struct pricing_fixture : testing::actor_fixture {
  venue_ptr venue = make_demo_venue(4, 4'000, 400);
  event_actor ev;
  caf::actor pricing;
  pricing_config config;

  pricing_fixture() {
    event_config c;
    c.id = 9;
    c.name = "priced";
    c.user_seats_max = limits::user_seats_max_max;
    c.onsale.pricing_interval_s = 30;
    config = pricing_config_of(c.onsale);
    ev = spawn_event_actor(sys, venue, c, testing::test_wall_origin_ms);
    CHECK(ask<event_status>(ev, sale_atom::value, sale_action::open) == event_status::on_sale);
    pricing = spawn_pricing_actor(sys, pricing_setup{ev, venue, config});
    deliver();
  }

  // The pricing actor re-arms its tick forever; the fixture's teardown fires
  // every pending timer until none is left, so it must stop first.
  ~pricing_fixture() {
    caf::anon_send_exit(pricing, caf::exit_reason::user_shutdown);
    deliver();
  }

  std::vector<section_view> sections() {
    return ask<seat_map_view>(ev, seatmap_atom::value).sections;
  }
};

} // namespace

TEST_CASE_FIXTURE(pricing_fixture, "prices rise under sustained demand and never touch a hold") {
  // Section 0 sells 4% of its seats every interval: twice the "hot" velocity.
  const auto& sec0 = venue->sections()[0];
  const int64_t base = sec0.base_price_cents;
  REQUIRE(sections()[0].price_cents == base);

  auto first = send_one(ev, make_hold(1, 1, std::vector<seat_index>{sec0.first_seat}));
  REQUIRE(first.code == result_code::ok);
  CHECK(first.total_cents == base);

  std::vector<int64_t> seen{base};
  seat_index next = sec0.first_seat + 1;
  user_id user = 2;
  const uint32_t per_interval = sec0.seat_count * 4 / 100;
  for (int interval = 0; interval < 12; ++interval) {
    for (uint32_t i = 0; i < per_interval && next < sec0.first_seat + sec0.seat_count; ++i)
      REQUIRE(send_one(ev, make_hold(100 + i, user++, std::vector<seat_index>{next++})).code ==
              result_code::ok);
    advance(std::chrono::milliseconds(config.interval_ms));
    seen.push_back(sections()[0].price_cents);
  }
  for (size_t i = 1; i < seen.size(); ++i) {
    CHECK(seen[i] >= seen[i - 1]); // sustained demand: never down
    CHECK(seen[i] <= static_cast<int64_t>(base * config.ceiling_multiple));
  }
  CHECK(seen.back() > base);
  // Sections nobody bought from stay at their floor.
  CHECK(sections()[1].price_cents == venue->sections()[1].base_price_cents);

  // The first hold still carries the price it locked, and so does its order.
  auto holdings = ask<user_holdings>(ev, holdings_atom::value, user_id{1});
  REQUIRE(holdings.holds.size() == 1);
  CHECK(holdings.holds[0].total_cents == base);
  auto order = send_one(ev, make_confirm(7, 1, first.id));
  REQUIRE(order.code == result_code::ok);
  CHECK(order.total_cents == base);

  // A new hold pays the new price.
  auto late = send_one(ev, make_hold(8, 999, std::vector<seat_index>{next}));
  REQUIRE(late.code == result_code::ok);
  CHECK(late.total_cents == seen.back());
}

TEST_CASE_FIXTURE(pricing_fixture, "price changes reach live subscribers") {
  self->send(ev, subscribe_atom::value, caf::actor_cast<caf::actor>(self));
  deliver();
  const auto& sec0 = venue->sections()[0];
  std::vector<command> holds;
  for (uint32_t i = 0; i < 16; ++i)
    holds.push_back(make_hold(i, 10 + i, std::vector<seat_index>{sec0.first_seat + i}));
  send_batch(ev, holds);
  advance(std::chrono::milliseconds(limits::delta_window_ms));
  auto seats_delta = reply_of_type<seat_delta>();
  CHECK(seats_delta.seats.size() == 16);
  // No seat changes now, only the price: a delta still goes out.
  advance(std::chrono::milliseconds(config.interval_ms));
  advance(std::chrono::milliseconds(limits::delta_window_ms));
  auto price_delta = reply_of_type<seat_delta>();
  CHECK(price_delta.seats.empty());
  CHECK(price_delta.sections[0].price_cents > sec0.base_price_cents);
}
