// The queue-admission actor under CAF's deterministic scheduler. What this
// tries to break: admission order at the actor level (joins arriving in
// bursts between ticks), the active cap when buyers finish through messages,
// and admission pushes to a watcher (exactly when the user is admitted).
#include <doctest/doctest.h>

#include <random>

#include "actors/queue_actor.hpp"
#include "tests/actor_fixture.hpp"

using namespace holdfast;
using namespace std::chrono_literals;

namespace {

struct queue_fixture : testing::actor_fixture {
  admission_config config;
  queue_actor queue;

  queue_fixture() {
    config.opens_at_ms = testing::test_wall_origin_ms; // open from the start
    config.admit_per_min = 1'200;                      // 20 a second
    config.active_max = 30;
    config.shuffle_seed = 5;
    queue_setup setup;
    setup.event = 3;
    setup.config = config;
    setup.wall_origin_ms = testing::test_wall_origin_ms;
    queue = spawn_queue_actor(sys, std::move(setup));
    deliver();
  }
  // The actor ticks while anyone waits or watches: stop it before teardown.
  ~queue_fixture() {
    caf::anon_send_exit(queue, caf::exit_reason::user_shutdown);
    deliver();
  }

  queue_status join(user_id u) {
    self->send(queue, join_atom::value, u);
    deliver();
    return reply_of_type<queue_status>();
  }
  queue_status status(user_id u) {
    self->send(queue, status_atom::value, u);
    deliver();
    return reply_of_type<queue_status>();
  }
};

} // namespace

TEST_CASE_FIXTURE(queue_fixture, "admission follows join order and never passes the active cap") {
  std::mt19937_64 rng(20261122);
  CAPTURE(20261122);
  std::vector<user_id> joined;
  user_id next_user = 1000;
  std::vector<user_id> admitted_order;
  size_t finished = 0;
  for (int round = 0; round < 120; ++round) {
    // A burst of 0..40 joins, then a random pause of 50..800 ms.
    const int burst = static_cast<int>(rng() % 41);
    for (int k = 0; k < burst; ++k) {
      auto st = join(next_user);
      REQUIRE(st.state == queue_state::queued);
      joined.push_back(next_user++);
    }
    advance(std::chrono::milliseconds(50 + rng() % 751));
    // Read everyone's state; the admitted must be exactly a prefix of the joins.
    size_t admitted_now = 0;
    bool gap = false;
    uint32_t active = 0;
    for (user_id u : joined) {
      auto st = status(u);
      const bool in = st.state == queue_state::admitted || st.state == queue_state::finished;
      if (in && gap) FAIL("user " << u << " admitted ahead of an earlier joiner");
      if (!in) gap = true;
      admitted_now += in;
      active += st.state == queue_state::admitted;
    }
    CHECK(active <= config.active_max);
    // Some admitted users buy: their slots free up for the next in line.
    while (finished < admitted_now && rng() % 3 != 0) {
      self->send(queue, finish_atom::value, joined[finished++]);
      deliver();
    }
  }
  CHECK(finished > 100); // the cap was turned over many times
}

TEST_CASE_FIXTURE(queue_fixture, "a watcher hears its user's admission") {
  for (user_id u = 1; u <= 40; ++u)
    join(u);
  // User 35 is behind the active cap (30): watch it.
  self->send(queue, watch_atom::value, user_id{35}, caf::actor_cast<caf::actor>(self));
  deliver();
  auto first = reply_of_type<queue_notice>();
  CHECK(first.user == 35);
  CHECK(first.event == 3);
  for (int k = 0; k < 8; ++k) // the actor ticks every 250 ms
    advance(250ms);
  // Drain position updates; user 35 is still queued (the cap holds at 30 active).
  queue_notice last = first;
  for (int k = 0; k < 100; ++k) {
    bool got = false;
    self->receive([&](queue_notice& n) { last = n, got = true; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    if (!got) break;
  }
  CHECK(last.status.state == queue_state::queued);
  CHECK(last.status.position == 5);
  for (user_id u = 1; u <= 5; ++u)
    self->send(queue, finish_atom::value, u);
  for (int k = 0; k < 4; ++k)
    advance(250ms);
  bool admitted = false;
  for (int k = 0; k < 100 && !admitted; ++k) {
    bool got = false;
    self->receive(
        [&](queue_notice& n) { admitted |= n.status.state == queue_state::admitted, got = true; },
        caf::after(std::chrono::seconds(0)) >> [] {});
    if (!got) break;
  }
  CHECK(admitted);
}

TEST_CASE_FIXTURE(testing::actor_fixture,
                  "100,000 joins in random bursts are admitted in join order, under the cap") {
  admission_config config;
  config.opens_at_ms = testing::test_wall_origin_ms;
  config.admit_per_min = 120'000; // 2,000 a second
  config.active_max = 1'500;
  queue_setup setup;
  setup.event = 4;
  setup.config = config;
  setup.wall_origin_ms = testing::test_wall_origin_ms;
  auto queue = spawn_queue_actor(sys, std::move(setup));
  std::mt19937_64 rng(1122);
  CAPTURE(1122);
  constexpr user_id users = 100'000;
  user_id joined = 0;
  size_t finished = 0;
  // Asks every joined user's state at once; the admitted (or done) must be a
  // prefix of the join order, and the admitted never more than the cap.
  auto check = [&] {
    for (user_id u = 1; u <= joined; ++u)
      self->send(queue, status_atom::value, u);
    deliver();
    size_t prefix = 0;
    bool gap = false;
    uint32_t active = 0;
    for (user_id u = 1; u <= joined; ++u) {
      auto st = reply_of_type<queue_status>();
      const bool in = st.state == queue_state::admitted || st.state == queue_state::finished;
      if (in && gap) FAIL("user " << u << " admitted ahead of an earlier joiner");
      gap = gap || !in;
      prefix += in;
      active += st.state == queue_state::admitted;
    }
    CHECK(active <= config.active_max);
    return prefix;
  };
  // Every tick: the queue's counters give how many were admitted so far (the
  // prefix, if order holds) and how many are active; some buyers finish.
  auto counters = [&] {
    self->send(queue, stats_atom::value);
    deliver();
    return reply_of_type<std::vector<int64_t>>(); // waiting, active, pre-queue
  };
  int round = 0;
  while (joined < users || finished < users) {
    const user_id burst = std::min<user_id>(users - joined, rng() % 3'000);
    for (user_id k = 0; k < burst; ++k)
      self->send(queue, join_atom::value, ++joined);
    deliver();
    for (user_id k = 0; k < burst; ++k)
      reply_of_type<queue_status>();
    advance(std::chrono::milliseconds(250)); // one admission tick
    auto c = counters();
    REQUIRE(c.size() == 3);
    CHECK(c[1] <= static_cast<int64_t>(config.active_max));
    const size_t admitted = joined - static_cast<size_t>(c[0] + c[2]);
    const size_t done = finished + rng() % (admitted - finished + 1);
    while (finished < done)
      self->send(queue, finish_atom::value, static_cast<user_id>(++finished));
    deliver();
    if (++round % 50 == 0) CHECK(check() == admitted);
    REQUIRE(round < 5'000);
  }
  CHECK(check() == users);
  caf::anon_send_exit(queue, caf::exit_reason::user_shutdown);
  deliver();
}
