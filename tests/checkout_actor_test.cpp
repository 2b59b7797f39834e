// The checkout actor with its event actor and the test provider, under CAF's
// deterministic scheduler. What this tries to break: "never charged without a
// ticket, never a ticket without a charge, one charge per key" once the saga
// runs inside real actors. Part 1 drives each path in memory (success,
// decline, insufficient funds, a provider timeout resolved by the reconciler
// either way, a hold lost while paying, duplicate submits). Part 2 is the
// crash loop: a shard over a real SQLite journal and a provider over its own
// ledger file, crashed after every single message of a checkout mix, recovered
// from the files, resumed and drained; after each, the offline audit (money vs
// seats) must pass with nothing left in flight.
#include <doctest/doctest.h>

#include <optional>

#include "actors/checkout_actor.hpp"
#include "actors/shard_actor.hpp"
#include "actors/provider_actor.hpp"
#include "payments/test_provider.hpp"
#include "persistence/audit.hpp"
#include "persistence/shard_store.hpp"
#include "tests/actor_fixture.hpp"
#include "tests/temp_dir.hpp"
#include "node/demo_venue.hpp"

using namespace holdfast;
using namespace std::chrono_literals;

namespace {

constexpr event_id event = 5;

test_provider_config provider_config() {
  test_provider_config c;
  c.latency_base_ms = 40;
  c.latency_jitter_ms = 0;
  c.request_timeout_ms = 2'000;
  return c;
}

event_config event_of_test() {
  event_config c;
  c.id = event;
  c.name = "checkout";
  c.hold_ttl_s = 300;
  c.user_seats_max = limits::user_seats_max_max;
  return c;
}

struct checkout_base : testing::actor_fixture {
  venue_ptr hall = make_demo_venue(2, 200, 20);
  caf::actor provider_actor;
  checkout_actor checkout;
  event_actor ev;

  int64_t wall_now() const {
    return testing::test_wall_origin_ms + std::chrono::duration_cast<std::chrono::milliseconds>(
                                              sched.clock().now().time_since_epoch())
                                              .count();
  }

  hold_id hold(user_id user, seat_index seat) {
    auto out = send_one(ev, make_hold(seat, user, std::vector<seat_index>{seat}));
    REQUIRE(out.code == result_code::ok);
    return out.id;
  }

  std::optional<checkout_answer> try_answer() {
    std::optional<checkout_answer> got;
    self->receive([&](checkout_answer& a) { got = std::move(a); }, caf::after(0s) >> [] {});
    return got;
  }

  // Submits and steps time (10 ms at a time) until the answer arrives. No card
  // fingerprint: these tests are about the saga's steps, and many buyers share
  // the test card (the per-card cap has its own tests).
  checkout_answer pay(user_id user, const std::string& key, hold_id h,
                      std::string_view card = test_cards::success) {
    self->send(checkout, checkout_request{user, key, h, std::string(card), {}});
    return await();
  }

  checkout_answer await() {
    deliver();
    for (int i = 0; i < 1'000; ++i) {
      if (auto a = try_answer()) return *a;
      advance(10ms);
    }
    FAIL("no checkout answer within 10 s");
    return {};
  }

  // Lets time pass in small steps, so answers due meanwhile are delivered on time.
  void pass(std::chrono::milliseconds d) {
    for (auto t = 0ms; t < d; t += 50ms)
      advance(50ms);
  }

  checkout_answer query(user_id user, const std::string& payment_id) {
    self->send(checkout, payment_query{user, payment_id});
    return await();
  }
};

struct checkout_fixture : checkout_base {
  std::shared_ptr<test_provider> provider = test_provider::in_memory(provider_config());
  std::shared_ptr<sales_counters> sales = std::make_shared<sales_counters>();

  checkout_fixture() {
    event_setup es;
    es.venue = hall;
    es.config = event_of_test();
    es.wall_origin_ms = testing::test_wall_origin_ms;
    es.sales = sales;
    ev = spawn_event_actor(sys, std::move(es));
    CHECK(ask<event_status>(ev, sale_atom::value, sale_action::open) == event_status::on_sale);
    provider_actor =
        spawn_provider_actor(sys, provider_setup{provider, testing::test_wall_origin_ms, false});
    checkout_setup cs;
    cs.event = event;
    cs.wall_origin_ms = testing::test_wall_origin_ms;
    cs.event_actor_handle = ev;
    cs.provider = provider_actor;
    cs.sales = sales;
    checkout = spawn_checkout_actor(sys, std::move(cs));
    deliver();
  }

  ~checkout_fixture() {
    caf::anon_send_exit(checkout, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(provider_actor, caf::exit_reason::user_shutdown);
    deliver();
  }

  provider_state ledger_state(const checkout_answer& a, user_id user, const std::string& key) {
    const auto* row =
        provider->find("hf-" + std::to_string(event) + "-" + std::to_string(user) + "-" + key);
    return row == nullptr ? provider_state::unknown : row->state;
  }

  size_t orders_of(user_id user) {
    return ask<user_holdings>(ev, holdings_atom::value, user).orders.size();
  }
};

} // namespace

TEST_CASE_FIXTURE(checkout_fixture, "success: an order, then the money is captured") {
  const hold_id h = hold(1, 10);
  auto a = pay(1, "k1", h);
  REQUIRE(a.error.empty());
  CHECK(a.status == client_status::confirmed);
  CHECK(a.order.code == result_code::ok);
  CHECK(a.order.total_cents > 0);
  CHECK(a.hold == h);
  pass(1s);
  CHECK(ledger_state(a, 1, "k1") == provider_state::captured);
  CHECK(orders_of(1) == 1);
  auto q = query(1, a.payment_id);
  CHECK(q.status == client_status::confirmed);
  CHECK(q.order.id == a.order.id);
  CHECK(query(2, a.payment_id).error == "unknown_payment"); // another user's
}

TEST_CASE_FIXTURE(checkout_fixture, "declines leave the hold live and take no money") {
  const hold_id h = hold(1, 11);
  auto d = pay(1, "d", h, test_cards::declined);
  CHECK(d.status == client_status::declined);
  CHECK(d.reason == "card_declined");
  auto f = pay(1, "f", h, test_cards::insufficient_funds);
  CHECK(f.status == client_status::declined);
  CHECK(f.reason == "insufficient_funds");
  CHECK(orders_of(1) == 0);
  // The hold is still there to pay with a good card.
  CHECK(pay(1, "ok", h).status == client_status::confirmed);
}

// /metrics counts what happened, not what was answered: a retried key, another
// key for a bought hold and a late reconciliation each count once.
TEST_CASE_FIXTURE(checkout_fixture, "sales counters: each order and each ended payment once") {
  const hold_id paid = hold(1, 14);
  CHECK(pay(1, "a", paid).status == client_status::confirmed);
  CHECK(pay(1, "a", paid).status == client_status::confirmed); // the same key again
  CHECK(pay(1, "b", paid).status == client_status::confirmed); // another key, same hold
  const hold_id other = hold(2, 15);
  CHECK(pay(2, "d", other, test_cards::declined).status == client_status::declined);
  CHECK(pay(2, "d", other, test_cards::declined).status == client_status::declined);
  const hold_id late = hold(3, 16);
  CHECK(pay(3, "t", late, test_cards::processing_error).status == client_status::pending);
  const hold_id lost = hold(4, 17);
  CHECK(pay(4, "l", lost, test_cards::processing_error).status == client_status::pending);
  CHECK(send_one(ev, make_release(1, 4, lost)).code == result_code::ok);
  pass(12s); // the reconciler confirms the late one and refunds the lost one; captures run
  CHECK(sales->orders_confirmed == 2);
  CHECK(sales->payments_captured == 2);
  CHECK(sales->payments_declined == 1);
  CHECK(sales->payments_refunded == 1);
  CHECK(orders_of(1) + orders_of(3) == 2);
}

TEST_CASE_FIXTURE(checkout_fixture, "refusals: another user's hold, an unknown hold, key reuse") {
  const hold_id h = hold(1, 12);
  CHECK(pay(2, "x", h).error == "not_holder");
  CHECK(pay(1, "y", make_event_scoped_id(event, 999)).error == "unknown_hold");
  auto z = pay(1, "z", h);
  CHECK(z.status == client_status::confirmed);
  CHECK(pay(1, "z", hold(1, 13)).error == "idempotency_key_reused");
  // Another key for a bought hold: that order and its payment, no new charge.
  auto other = pay(1, "other", h);
  CHECK(other.status == client_status::confirmed);
  CHECK(other.order.id == z.order.id);
  CHECK(other.payment_id == z.payment_id);
  CHECK(provider->ledger().size() == 1);
}

TEST_CASE_FIXTURE(checkout_fixture, "timeout: pending, then the reconciler confirms") {
  const hold_id h = hold(1, 20);
  // The processing-error card is authorized but its answer is lost.
  auto a = pay(1, "t", h, test_cards::processing_error);
  CHECK(a.status == client_status::pending);
  CHECK(orders_of(1) == 0);
  pass(10s); // the reconciler looks it up, finds it authorized, confirms, captures
  auto q = query(1, a.payment_id);
  CHECK(q.status == client_status::confirmed);
  CHECK(orders_of(1) == 1);
  pass(1s);
  CHECK(ledger_state(a, 1, "t") == provider_state::captured);
  // The same key again: the same attempt, now confirmed; still one charge.
  auto again = pay(1, "t", h, test_cards::processing_error);
  CHECK(again.status == client_status::confirmed);
  CHECK(again.order.id == q.order.id);
}

TEST_CASE_FIXTURE(checkout_fixture, "timeout, then the hold is cancelled: refunded automatically") {
  const hold_id h = hold(1, 21);
  auto a = pay(1, "t", h, test_cards::processing_error);
  CHECK(a.status == client_status::pending);
  CHECK(send_one(ev, make_release(1, 1, h)).code == result_code::ok);
  pass(10s);
  auto q = query(1, a.payment_id);
  CHECK(q.status == client_status::refunded);
  CHECK(q.reason == "hold_lost");
  pass(1s);
  CHECK(ledger_state(a, 1, "t") == provider_state::refunded);
  CHECK(orders_of(1) == 0);
}

TEST_CASE_FIXTURE(checkout_fixture, "a late authorize is voided: nothing charged, nothing sold") {
  const hold_id h = hold(1, 22);
  auto a = pay(1, "late", h, test_cards::late);
  CHECK(a.status == client_status::pending);
  pass(300s); // lookups find nothing, then the key is voided (or found and confirmed)
  auto q = query(1, a.payment_id);
  const bool sold = q.status == client_status::confirmed;
  CHECK((sold || q.status == client_status::refunded));
  CHECK(orders_of(1) == (sold ? 1u : 0u));
  CHECK(ledger_state(a, 1, "late") == (sold ? provider_state::captured : provider_state::refunded));
}

TEST_CASE_FIXTURE(checkout_fixture, "the hold expires while paying: the payment is refunded") {
  const hold_id h = hold(1, 30);
  advance(std::chrono::milliseconds(300'000 - 20)); // 20 ms left; the authorize takes 40
  auto a = pay(1, "exp", h);
  CHECK(a.status == client_status::refunded);
  CHECK(a.reason == "hold_lost");
  pass(1s);
  CHECK(ledger_state(a, 1, "exp") == provider_state::refunded);
  CHECK(orders_of(1) == 0);
}

TEST_CASE_FIXTURE(checkout_fixture, "two keys for one hold at once: one charge, one order") {
  const hold_id h = hold(1, 41);
  self->send(checkout, checkout_request{1, "a", h, std::string(test_cards::success), {}});
  self->send(checkout, checkout_request{1, "b", h, std::string(test_cards::success), {}});
  auto first = await();
  auto second = await();
  CHECK(first.status == client_status::confirmed);
  CHECK(second.status == client_status::confirmed);
  CHECK(first.order.id == second.order.id);
  pass(1s);
  CHECK(provider->ledger().size() == 1);
}

TEST_CASE_FIXTURE(checkout_fixture, "a double submit with the same key charges once") {
  const hold_id h = hold(1, 40);
  self->send(checkout, checkout_request{1, "dup", h, std::string(test_cards::success), {}});
  self->send(checkout, checkout_request{1, "dup", h, std::string(test_cards::success), {}});
  auto first = await();
  auto second = await();
  CHECK(first.status == client_status::confirmed);
  CHECK(second.status == client_status::confirmed);
  CHECK(first.order.id == second.order.id);
  CHECK(first.payment_id == second.payment_id);
  pass(1s);
  CHECK(orders_of(1) == 1);
  CHECK(provider->ledger().size() == 1);
  CHECK(ledger_state(first, 1, "dup") == provider_state::captured);
}

// ---------------------------------------------------------------------------
// Part 2: crashes at every step, recovery from the files, audit.

namespace {

struct crash_fixture : checkout_base {
  testing::temp_dir dir;
  std::shared_ptr<test_provider> provider; // the external system: it outlives our crashes
  shard_actor shard;

  crash_fixture() {
    std::unique_ptr<test_provider> p;
    auto st = test_provider::open(dir.path.string(), provider_config(), p);
    REQUIRE_MESSAGE(st.ok, st.message);
    provider = std::move(p);
  }

  // Starts (or restarts) the node's actors from whatever the files hold.
  void start() {
    std::unique_ptr<shard_store> store;
    auto st = shard_store::open(dir.db(), 0, false, store);
    REQUIRE_MESSAGE(st.ok, st.message);
    auto recovered = std::make_shared<recovery_result>();
    st = recover_shard(*store, {}, *recovered);
    REQUIRE_MESSAGE(st.ok, st.message);
    provider_actor = spawn_provider_actor(sys, provider_setup{provider, wall_now(), false});
    shard_setup setup;
    setup.store = std::move(store);
    setup.recovered = recovered;
    setup.wall_origin_ms = wall_now();
    setup.journal_detached = false;
    setup.provider = provider_actor;
    const bool fresh = recovered->events.empty();
    shard = spawn_shard_actor(sys, std::move(setup));
    deliver();
    if (fresh) {
      self->send(shard, create_atom::value, event_of_test(), hall);
      deliver();
      ev = reply_of_type<event_actor>();
      CHECK(ask<event_status>(ev, sale_atom::value, sale_action::open) == event_status::on_sale);
    }
    self->send(shard, actors_atom::value, event);
    deliver();
    auto actors = reply_of_type<event_actors>();
    ev = actors.event;
    checkout = actors.checkout;
    REQUIRE(checkout);
  }

  // kill -9: every actor of the node dies wherever it is; unanswered requests
  // at the provider still take effect. What the journal committed survives.
  void crash() {
    caf::anon_send_exit(shard, caf::exit_reason::kill);
    caf::anon_send_exit(provider_actor, caf::exit_reason::kill);
    deliver();
    while (try_answer()) {
    }
    self->receive([](outcome_batch&) {}, caf::after(0s) >> [] {}); // stray replies
  }
};

} // namespace

TEST_CASE("crash at every step of a checkout mix: recovery resumes, money and seats agree") {
  // The mix: a success, a decline, a processing error (timeout -> reconciler),
  // a hold cancelled while its payment is pending, and a double submit.
  struct buy {
    user_id user;
    seat_index seat;
    std::string_view card;
    bool twice;
    bool cancel;
  };
  const buy mix[] = {{1, 1, test_cards::success, true, false},
                     {2, 2, test_cards::declined, false, false},
                     {3, 3, test_cards::processing_error, false, false},
                     {4, 4, test_cards::processing_error, false, true},
                     {5, 5, test_cards::insufficient_funds, false, false}};
  size_t crash_points = 0, max_steps = SIZE_MAX;
  uint64_t attempts_seen = 0;
  for (size_t steps = 0; steps < max_steps; steps += 1 + steps / 16) {
    CAPTURE(steps);
    crash_fixture f;
    f.start();
    std::vector<hold_id> holds;
    for (const auto& b : mix)
      holds.push_back(f.hold(b.user, b.seat));
    for (size_t k = 0; k < std::size(mix); ++k) {
      const auto& b = mix[k];
      for (int n = 0; n < (b.twice ? 2 : 1); ++n)
        f.self->send(f.checkout,
                     checkout_request{
                         b.user, "key-" + std::to_string(k), holds[k], std::string(b.card), {}});
    }
    // Run exactly `steps` messages (time moves 10 ms whenever nothing is due),
    // cancelling the fourth hold midway, then crash.
    size_t ran = 0;
    int64_t idle_ms = 0;
    bool finished = false;
    while (ran < steps) {
      if (ran == steps / 2) caf::anon_send(f.ev, command_batch{99, {make_release(9, 4, holds[3])}});
      if (f.sched.try_run_once()) {
        ++ran;
        continue;
      }
      if ((idle_ms += 10) > 30'000) { // the mix is done: only periodic timers are left
        finished = true;
        break;
      }
      f.sched.advance_time(10ms);
    }
    if (finished) max_steps = steps; // this crash point is past the end of the mix: last round
    f.crash();
    ++crash_points;
    // Restart from the files and let the reconciler finish everything.
    f.start();
    for (int s = 0; s < 400; ++s)
      f.advance(1s);
    f.crash();
    auto report = audit_data_dir(f.dir.path.string());
    std::string why;
    for (const auto& v : report.violations)
      why += v + "\n";
    for (const auto& e : report.errors)
      why += e + "\n";
    CHECK_MESSAGE(report.passed(), why);
    CHECK(report.payments_in_flight == 0);
    attempts_seen = std::max<uint64_t>(attempts_seen, report.payment_attempts);
    if (crash_points > 60) break;
  }
  CHECK(crash_points > 10);
  CHECK(attempts_seen == std::size(mix)); // the last rounds crashed after every attempt began
}

TEST_CASE("the audit catches a ticket without a charge") {
  crash_fixture f;
  f.start();
  const hold_id paid = f.hold(1, 1), unpaid = f.hold(2, 2);
  f.self->send(f.checkout, checkout_request{1, "k", paid, std::string(test_cards::success), {}});
  CHECK(f.await().status == client_status::confirmed);
  f.pass(1s);
  // An order made behind the saga's back: seats sold, no money.
  CHECK(f.send_one(f.ev, make_confirm(1, 2, unpaid)).code == result_code::ok);
  f.crash();
  auto report = audit_data_dir(f.dir.path.string());
  CHECK(report.payments_captured == 1);
  REQUIRE(report.violations.size() == 1);
  CHECK(report.violations[0].find("0 payments") != std::string::npos);
}

TEST_CASE_FIXTURE(checkout_fixture, "a declined payment is forgotten a day after it ended, by the "
                                    "actor's own timer (memory stays bounded)") {
  const hold_id h = hold(1, 12);
  const auto declined = pay(1, "k", h, test_cards::declined);
  REQUIRE(declined.status == client_status::declined);
  advance(std::chrono::milliseconds(limits::checkout_retention_ms) - 1s);
  CHECK(query(1, declined.payment_id).status == client_status::declined); // within the window
  advance(2s);
  CHECK(query(1, declined.payment_id).error == "unknown_payment");
}
