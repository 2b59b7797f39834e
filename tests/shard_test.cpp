// Shards and placement: what this tries to break is the stability of shard_of
// (a changed hash would strand every event's journal on the wrong shard, so
// fixed values are pinned here), its spread (a hash that is really `id % n`
// would pile strided ids onto one shard), and the shard actor's protocol:
// create is idempotent per id, lookup of an unknown id is an invalid handle,
// list is complete, and a shard's events die with it.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "actors/directory.hpp"
#include "actors/shard_actor.hpp"
#include "tests/actor_fixture.hpp"
#include "node/demo_venue.hpp"

using namespace holdfast;

namespace {

// Spread of `ids` over `shards` shards: every shard within `tolerance` of even.
void check_even(const std::vector<event_id>& ids, uint32_t shards, double tolerance) {
  std::vector<size_t> count(shards, 0);
  for (event_id id : ids) {
    const uint32_t s = shard_of(id, shards);
    REQUIRE(s < shards);
    ++count[s];
  }
  const double even = double(ids.size()) / shards;
  for (uint32_t s = 0; s < shards; ++s) {
    CAPTURE(s);
    CAPTURE(count[s]);
    CHECK(double(count[s]) > even * (1 - tolerance));
    CHECK(double(count[s]) < even * (1 + tolerance));
  }
}

} // namespace

TEST_CASE("shard_of is pinned: these placements must never change") {
  // Computed with an independent splitmix64 (its first output for seed 0 is the
  // published 0xe220a8397b1dcdaf) reduced modulo the shard count.
  struct pin {
    event_id id;
    uint32_t of4, of7, of16;
  };
  const pin pins[] = {
      {0, 3, 2, 15}, {1, 1, 2, 1},     {2, 2, 4, 14},      {3, 1, 2, 13},         {7, 3, 2, 7},
      {42, 1, 5, 5}, {1'000, 0, 0, 8}, {123'456, 1, 4, 9}, {0xFFFFFFFF, 0, 3, 0},
  };
  for (const auto& p : pins) {
    CAPTURE(p.id);
    CHECK(shard_of(p.id, 4) == p.of4);
    CHECK(shard_of(p.id, 7) == p.of7);
    CHECK(shard_of(p.id, 16) == p.of16);
    CHECK(shard_of(p.id, 1) == 0);
  }
}

TEST_CASE("shard_of stays in range for every shard count") {
  for (uint32_t n = 1; n <= 33; ++n)
    for (event_id id = 0; id < 2'000; ++id)
      REQUIRE(shard_of(id, n) < n);
  CHECK(shard_of(0xFFFFFFFF, 0xFFFFFFFF) < 0xFFFFFFFF);
}

TEST_CASE("shard_of spreads 10,000 ids roughly evenly over 4 shards, also strided ids") {
  std::vector<event_id> sequential, strided4, strided1024;
  for (event_id k = 1; k <= 10'000; ++k) {
    sequential.push_back(k);
    strided4.push_back(k * 4);        // `id % 4` would put all of these on shard 0
    strided1024.push_back(k * 1'024); // low bits all zero
  }
  // Expected 2,500 a shard; the standard deviation is ~43, so +-10% is ~6 sigma.
  check_even(sequential, 4, 0.10);
  check_even(strided4, 4, 0.10);
  check_even(strided1024, 4, 0.10);
  check_even(sequential, 7, 0.12);
}

namespace {

struct shard_fixture : testing::actor_fixture {
  venue_ptr venue = make_demo_venue(4, 400, 100);

  static event_config config(event_id id, const char* name = "show") {
    event_config c;
    c.id = id;
    c.name = name;
    return c;
  }

  template <class T, class Handle, class... Ts> T ask_shard(const Handle& h, Ts... xs) {
    self->send(h, xs...);
    deliver();
    return reply_of_type<T>();
  }

  event_actor create(const shard_actor& shard, event_config c) {
    return ask_shard<event_actor>(shard, create_atom_v, std::move(c), venue);
  }
};

} // namespace

TEST_CASE_FIXTURE(shard_fixture, "create is idempotent per id; lookup and list see every event") {
  auto shard = spawn_shard_actor(sys, 0, testing::test_wall_origin_ms);
  auto none = ask_shard<event_actor>(shard, lookup_atom_v, event_id{9});
  CHECK(!none); // unknown: an invalid handle, not an error
  CHECK(ask_shard<std::vector<event_id>>(shard, list_atom_v).empty());

  auto nine = create(shard, config(9));
  auto three = create(shard, config(3));
  auto five = create(shard, config(5));
  REQUIRE(nine);
  REQUIRE(three);
  REQUIRE(five);
  CHECK(nine != three);
  CHECK(three != five);
  // Creating an existing id returns that event, even with another config.
  auto nine_again = create(shard, config(9, "impostor"));
  CHECK(nine_again == nine);
  CHECK(ask_shard<event_actor>(shard, lookup_atom_v, event_id{9}) == nine);
  CHECK(ask_shard<event_actor>(shard, lookup_atom_v, event_id{5}) == five);
  CHECK(!ask_shard<event_actor>(shard, lookup_atom_v, event_id{4}));
  CHECK(ask_shard<std::vector<event_id>>(shard, list_atom_v) == std::vector<event_id>{3, 5, 9});
}

TEST_CASE_FIXTURE(shard_fixture,
                  "an event created through a shard carries its id in its hold ids") {
  auto shard = spawn_shard_actor(sys, 1, testing::test_wall_origin_ms);
  auto ev = create(shard, config(77));
  REQUIRE(ev);
  CHECK(ask<event_status>(ev, sale_atom_v, sale_action::open) == event_status::on_sale);
  CHECK(ask<seat_map_view>(ev, seatmap_atom_v).event == 77);
  auto held = send_one(ev, make_hold(1, 100, std::vector<seat_index>{3, 4}));
  REQUIRE(held.code == result_code::ok);
  CHECK(event_of(held.id) == 77);
  // The impostor config did not replace the running event's state.
  CHECK(create(shard, config(77, "impostor")) == ev);
  const auto map = ask<seat_map_view>(ev, seatmap_atom_v);
  const bool seat3_available = (map.available_bits[0] >> 3) & 1u;
  CHECK_FALSE(seat3_available);
}

TEST_CASE_FIXTURE(shard_fixture, "a shard's events die with it") {
  auto shard = spawn_shard_actor(sys, 2, testing::test_wall_origin_ms);
  auto ev = create(shard, config(11));
  REQUIRE(ev);
  self->monitor(ev);
  self->send_exit(shard, caf::exit_reason::user_shutdown);
  deliver();
  auto down = reply_of_type<caf::down_msg>();
  CHECK(down.source == ev.address());
}

TEST_CASE_FIXTURE(shard_fixture, "the directory routes each event to shard_of(id)") {
  std::vector<shard_actor> shards;
  for (uint32_t k = 0; k < 4; ++k)
    shards.push_back(spawn_shard_actor(sys, k, testing::test_wall_origin_ms));
  directory dir(shards);
  CHECK(dir.shard_count() == 4);
  for (event_id id : {0u, 1u, 2u, 3u, 7u, 42u, 1'000u, 123'456u})
    CHECK(dir.shard_for(id) == shards[shard_of(id, 4)]);
  for (auto& s : shards)
    self->send_exit(s, caf::exit_reason::user_shutdown);
  deliver();
}
