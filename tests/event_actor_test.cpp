// Event actor under CAF's deterministic scheduler: what this tries to break is
// the actor's handling of time (expiry exactly at the deadline, exactly once, a
// confirm racing the expiry) and of concurrent callers (two users, same seats).
#include <doctest/doctest.h>

#include "tests/actor_fixture.hpp"
#include "node/demo_venue.hpp"

using namespace holdfast;
using namespace std::chrono_literals;

namespace {

struct event_fixture : testing::actor_fixture {
  venue_ptr venue = make_demo_venue(4, 400, 100);
  uint16_t floor = static_cast<uint16_t>(venue->sections().size() - 1);
  event_actor ev;

  event_fixture() {
    event_config c;
    c.id = 7;
    c.name = "test";
    ev = spawn_event_actor(sys, venue, c, testing::test_wall_origin_ms);
    CHECK(ask<event_status>(ev, sale_atom::value, sale_action::open) == event_status::on_sale);
  }

  seat_map_view seat_map() { return ask<seat_map_view>(ev, seatmap_atom::value); }
  static bool available(const seat_map_view& m, seat_index i) {
    return (m.available_bits[i / 64] >> (i % 64)) & 1u;
  }
  static bool sold(const seat_map_view& m, seat_index i) {
    return (m.sold_bits[i / 64] >> (i % 64)) & 1u;
  }
};

std::vector<seat_index> seats(std::initializer_list<seat_index> xs) {
  return xs;
}

} // namespace

TEST_CASE_FIXTURE(event_fixture, "two users racing for the same seats: exactly one wins") {
  // Both requests reach the actor in one batch, as they would from two sessions
  // flushing in the same instant; then again as two separate messages.
  auto out = send_batch(
      ev, {make_hold(1, 100, seats({10, 11, 12})), make_hold(2, 200, seats({12, 13, 14}))});
  REQUIRE(out.outcomes.size() == 2);
  CHECK(out.outcomes[0].code == result_code::ok);
  CHECK(out.outcomes[1].code == result_code::seat_unavailable);
  REQUIRE(out.outcomes[1].seat_count == 1);
  CHECK(out.outcomes[1].seats[0] == 12);
  auto map = seat_map();
  // All-or-nothing: the loser's other seats are untouched.
  CHECK(available(map, 13));
  CHECK(available(map, 14));
  CHECK_FALSE(available(map, 12));

  self->send(ev, command_batch{2, {make_hold(3, 300, seats({20, 21}))}});
  self->send(ev, command_batch{3, {make_hold(4, 400, seats({21, 22}))}});
  deliver();
  auto first = reply_of_type<outcome_batch>();
  auto second = reply_of_type<outcome_batch>();
  CHECK(first.batch_id == 2);
  CHECK(first.outcomes[0].code == result_code::ok);
  CHECK(second.outcomes[0].code == result_code::seat_unavailable);
  CHECK(available(seat_map(), 22));
}

TEST_CASE_FIXTURE(event_fixture, "a hold expires exactly at its deadline, exactly once") {
  auto held = send_one(ev, make_hold(1, 100, seats({5, 6})));
  REQUIRE(held.code == result_code::ok);
  CHECK(held.expires_at_ms == testing::test_wall_origin_ms + 600'000);
  advance(599'999ms);
  CHECK_FALSE(available(seat_map(), 5)); // one millisecond early: still held
  advance(1ms);
  auto map = seat_map();
  CHECK(available(map, 5));
  CHECK(available(map, 6));
  // Someone else takes the seats; no second expiry of the old hold may free them.
  REQUIRE(send_one(ev, make_hold(2, 200, seats({5, 6}))).code == result_code::ok);
  advance(300'000ms);
  CHECK_FALSE(available(seat_map(), 5));
}

TEST_CASE_FIXTURE(event_fixture,
                  "confirm after expiry fails with hold_expired, seat is free again") {
  auto held = send_one(ev, make_hold(1, 100, seats({30})));
  REQUIRE(held.code == result_code::ok);
  advance(600'001ms);
  auto late = send_one(ev, make_confirm(2, 100, held.id));
  CHECK(late.code == result_code::hold_expired);
  auto map = seat_map();
  CHECK(available(map, 30));
  CHECK_FALSE(sold(map, 30));
}

TEST_CASE_FIXTURE(event_fixture, "confirm and expiry at the same instant resolve one way") {
  auto held = send_one(ev, make_hold(1, 100, seats({40})));
  REQUIRE(held.code == result_code::ok);
  // Move the clock to the deadline without delivering the expiry wake-up, then
  // put the confirm in the mailbox: both are due at the same instant.
  sched.advance_time(600'000ms);
  self->send(ev, command_batch{9, {make_confirm(2, 100, held.id)}});
  deliver();
  auto result = reply_of_type<outcome_batch>().outcomes.at(0);
  auto map = seat_map();
  if (result.code == result_code::ok) {
    CHECK(sold(map, 40));
  } else {
    CHECK(result.code == result_code::hold_expired);
    CHECK(available(map, 40));
  }
  // Whatever happened, the seat is in exactly one state and nothing fires later.
  CHECK(available(map, 40) != sold(map, 40));
  advance(3'600'000ms);
  CHECK(available(seat_map(), 40) == available(map, 40));

  // One millisecond before the deadline the confirm wins.
  auto held2 = send_one(ev, make_hold(3, 100, seats({41})));
  sched.advance_time(599'999ms);
  CHECK(send_one(ev, make_confirm(4, 100, held2.id)).code == result_code::ok);
  advance(10ms);
  CHECK(sold(seat_map(), 41));
}

TEST_CASE_FIXTURE(event_fixture, "only the holder may confirm or release; confirm is idempotent") {
  auto held = send_one(ev, make_hold(1, 100, seats({50, 51})));
  REQUIRE(held.code == result_code::ok);
  CHECK(send_one(ev, make_release(2, 999, held.id)).code == result_code::not_holder);
  CHECK(send_one(ev, make_confirm(3, 999, held.id)).code == result_code::not_holder);
  auto order = send_one(ev, make_confirm(4, 100, held.id));
  REQUIRE(order.code == result_code::ok);
  auto again = send_one(ev, make_confirm(5, 100, held.id));
  CHECK(again.code == result_code::ok);
  CHECK(again.id == order.id); // a retried confirm does not sell twice
  CHECK(send_one(ev, make_confirm(6, 999, held.id)).code == result_code::not_holder);
  auto h = ask<user_holdings>(ev, holdings_atom::value, user_id{100});
  CHECK(h.holds.empty());
  REQUIRE(h.orders.size() == 1);
  CHECK(h.orders[0].id == order.id);
  CHECK(h.orders[0].seats == std::vector<seat_index>{50, 51});
}

TEST_CASE_FIXTURE(event_fixture, "GA never below zero nor above capacity") {
  // Capacity 100, per-user cap 8: 13 users take 8, 8, ..., the 13th finds 4 left.
  std::vector<command> cmds;
  for (uint64_t u = 1; u <= 13; ++u)
    cmds.push_back(make_ga_hold(u, u, floor, 8));
  auto out = send_batch(ev, cmds);
  int ok = 0;
  for (auto& o : out.outcomes)
    ok += o.code == result_code::ok;
  CHECK(ok == 12);
  CHECK(out.outcomes[12].code == result_code::seat_unavailable);
  CHECK(seat_map().sections[floor].available == 4);
  CHECK(send_one(ev, make_ga_hold(20, 20, floor, 4)).code == result_code::ok);
  CHECK(seat_map().sections[floor].available == 0);
  CHECK(send_one(ev, make_ga_hold(21, 21, floor, 1)).code == result_code::seat_unavailable);
  advance(600'000ms); // all expire
  CHECK(seat_map().sections[floor].available == 100);
}

TEST_CASE_FIXTURE(event_fixture, "subscribers get coalesced deltas with versions") {
  self->send(ev, subscribe_atom::value, caf::actor_cast<caf::actor>(self));
  deliver();
  send_one(ev, make_hold(1, 100, seats({1, 2})));
  send_one(ev, make_hold(2, 101, seats({3})));
  advance(std::chrono::milliseconds(limits::delta_window_ms));
  auto delta = reply_of_type<seat_delta>();
  CHECK(delta.seats.size() == 3); // two holds, one delta
  CHECK(delta.version > delta.from_version);
  CHECK(delta.version == seat_map().version);
  for (auto s : delta.states)
    CHECK(s == static_cast<uint8_t>(seat_state::held));
}
