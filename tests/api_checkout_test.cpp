// POST /v1/orders through the payment saga, and GET /v1/payments/{id}, against
// a real holdfast-node. What this tries to break: a declined, invalid or
// timed-out card that still sells seats; a duplicate submit that charges or
// sells twice; a payment another user can read; a pending answer that never
// resolves. The node's test provider answers in 40-100 ms, so every case
// resolves well inside the 3 s checkout wait except the two timeout cards.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "tests/api_test_fixture.hpp"
#include "tests/api_test_util.hpp"
#include "tests/http_client.hpp"

using namespace holdfast::test;

namespace {

using steady = std::chrono::steady_clock;

std::string hold_seats(http_client& c, const user& u, const std::vector<std::string>& seats) {
  auto r = c.post("/v1/events/1/holds", hold_body(seats), u.auth());
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return str(r.json(), "holdId");
}

http_reply pay(http_client& c, const user& u, const std::string& hold, const std::string& key,
               const std::optional<std::string>& card = std::nullopt) { // the hold's own card
  return c.post("/v1/orders", order_body(hold, card), with(u.auth(), "Idempotency-Key", key));
}

// Polls GET /v1/payments/{id} until it leaves pending (the reconciler's
// lookups run every 5 s and more).
json::value settled_payment(http_client& c, const user& u, const std::string& id) {
  for (int i = 0; i < 300; ++i) {
    auto r = c.get("/v1/payments/" + id, u.auth());
    REQUIRE_MESSAGE(r.status == 200, r.body);
    auto doc = r.json();
    if (str(doc, "status") != "pending") return doc;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("payment " << id << " still pending after 30 s");
  return {};
}

} // namespace

TEST_CASE("checkout: 201 with a payment id, and GET /v1/payments shows it to its owner only") {
  http_client c(node_port());
  const auto ada = make_user(c, "Ada"), bob = make_user(c, "Bob");
  const auto hold = hold_seats(c, ada, {"214-C-1", "214-C-2"});
  auto sold = pay(c, ada, hold, fresh_key());
  REQUIRE_MESSAGE(sold.status == 201, sold.body);
  const auto order = sold.json();
  CHECK(str(order, "status") == "confirmed");
  CHECK(str(order, "holdId") == hold);
  const auto payment_id = str(order, "paymentId");
  CHECK(payment_id.rfind("1-", 0) == 0);
  auto p = c.get("/v1/payments/" + payment_id, ada.auth());
  REQUIRE(p.status == 200);
  CHECK(str(p.json(), "status") == "confirmed");
  CHECK(str(p.json(), "orderId") == str(order, "orderId"));
  CHECK_ERROR(c.get("/v1/payments/" + payment_id, bob.auth()), 404, "unknown_payment");
  CHECK_ERROR(c.get("/v1/payments/" + payment_id), 401, "unauthorized");
  CHECK_ERROR(c.get("/v1/payments/1-0000000000000000", ada.auth()), 404, "unknown_payment");
  CHECK_ERROR(c.get("/v1/payments/nonsense", ada.auth()), 404, "unknown_payment");
  CHECK_ERROR(c.post("/v1/payments/" + payment_id, "{}", ada.auth()), 405, "method_not_allowed");
}

TEST_CASE("checkout: 402 declined and insufficient funds, 422 invalid card; the hold stays") {
  http_client c(node_port());
  const auto ada = make_user(c, "Ada");
  const auto hold = hold_seats(c, ada, {"214-D-1"});
  auto declined = pay(c, ada, hold, fresh_key(), "4000000000000002");
  CHECK_ERROR(declined, 402, "payment_declined");
  CHECK(str(*member(declined.json(), "error"), "paymentId") != "<missing>");
  CHECK_ERROR(pay(c, ada, hold, fresh_key(), "4000000000009995"), 402, "insufficient_funds");
  CHECK_ERROR(pay(c, ada, hold, fresh_key(), "1234567812345678"), 422, "invalid_card");
  // The hold was never touched: a good card still buys it.
  CHECK(pay(c, ada, hold, fresh_key()).status == 201);
}

TEST_CASE("checkout: a duplicate submit with the same key is one charge and one order") {
  http_client c(node_port()), c2(node_port());
  const auto ada = make_user(c, "Ada");
  const auto hold = hold_seats(c, ada, {"214-E-1"});
  const auto key = fresh_key();
  auto first = pay(c, ada, hold, key);
  auto second = pay(c2, ada, hold, key);
  REQUIRE_MESSAGE(first.status == 201, first.body);
  CHECK(second.status == 201);
  CHECK(second.body == first.body);
  CHECK_ERROR(pay(c, ada, hold, key, "5555555555554444"), 422, "idempotency_key_reused");
  // Another key for the bought hold: the same order and payment, nothing charged again.
  auto other = pay(c, ada, hold, fresh_key());
  CHECK(other.status == 201);
  CHECK(other.body == first.body);
  auto orders = c.get("/v1/orders", ada.auth());
  REQUIRE(orders.status == 200);
  CHECK(orders.json().at("orders").as_array().size() == 1);
}

TEST_CASE("checkout: a key reused with another card of the same last 4 digits is 422") {
  http_client c(node_port());
  const auto ada = make_user(c, "Ada");
  const auto hold = hold_seats(c, ada, {"219-U-1"});
  const auto key = fresh_key();
  REQUIRE(pay(c, ada, hold, key, "4242424242424242").status == 201);
  // 4000000000024242 also ends in 4242: only the full number tells them apart.
  CHECK_ERROR(pay(c, ada, hold, key, "4000000000024242"), 422, "idempotency_key_reused");
  CHECK(pay(c, ada, hold, key, "4242424242424242").status == 201); // a true replay
}

TEST_CASE("checkout: one card buys at most the per-user cap, however many accounts use it") {
  http_client c(node_port());
  const auto card = luhn_card(static_cast<uint64_t>(getpid()) * 1'000'003ull + 17);
  const auto a = make_user(c, "Ann"), b = make_user(c, "Ann2"), d = make_user(c, "Ann3");
  const auto held_a = hold_seats(c, a, {"219-V-1", "219-V-2", "219-V-3"});
  const auto held_b = hold_seats(c, b, {"219-W-1", "219-W-2", "219-W-3"});
  const auto held_d = hold_seats(c, d, {"219-X-1", "219-X-2", "219-X-3"});
  const auto pair_d = hold_seats(c, d, {"219-Y-1", "219-Y-2"});
  REQUIRE(pay(c, a, held_a, fresh_key(), card).status == 201);
  REQUIRE(pay(c, b, held_b, fresh_key(), card).status == 201);
  // 6 + 3 would be 9 seats on one card where one person may buy 8: refused,
  // nothing charged, and the hold stays for another card.
  auto refused = pay(c, d, held_d, fresh_key(), card);
  CHECK_ERROR(refused, 409, "card_limit_exceeded");
  CHECK(pay(c, d, pair_d, fresh_key(), card).status == 201); // exactly 8
  CHECK(pay(c, d, held_d, fresh_key()).status == 201);       // another card
  auto orders = c.get("/v1/orders", d.auth());
  REQUIRE(orders.status == 200);
  CHECK(orders.json().at("orders").as_array().size() == 2);
}

TEST_CASE("checkout: a hold allows 5 declined payments, then 409 payment_attempts_exhausted") {
  http_client c(node_port());
  const auto ada = make_user(c, "Ada");
  const auto hold = hold_seats(c, ada, {"219-U-2"});
  for (int i = 0; i < 5; ++i)
    CHECK_ERROR(pay(c, ada, hold, fresh_key(), "4000000000000002"), 402, "payment_declined");
  CHECK_ERROR(pay(c, ada, hold, fresh_key()), 409, "payment_attempts_exhausted");
  // Released, the seat is anyone's again: nobody is locked out of the event.
  REQUIRE(c.del("/v1/holds/" + hold, ada.auth()).status == 204);
  const auto bob = make_user(c, "Bob");
  CHECK(pay(c, bob, hold_seats(c, bob, {"219-U-2"}), fresh_key()).status == 201);
}

TEST_CASE("holds: a retried best-available or GA hold with its Idempotency-Key is the same hold; "
          "the key with another body is 422 idempotency_key_reused") {
  http_client c(node_port());
  const auto ada = make_user(c, "Ada");
  const auto key = fresh_key();
  const std::string best = R"({"section":"218","quantity":2})";
  auto first = c.post("/v1/events/1/holds", best, with(ada.auth(), "Idempotency-Key", key));
  REQUIRE_MESSAGE(first.status == 201, first.body);
  auto again = c.post("/v1/events/1/holds", best, with(ada.auth(), "Idempotency-Key", key));
  REQUIRE_MESSAGE(again.status == 201, again.body);
  CHECK(str(again.json(), "holdId") == str(first.json(), "holdId"));
  CHECK(again.json().at("seats") == first.json().at("seats"));
  CHECK_ERROR(c.post("/v1/events/1/holds", R"({"section":"218","quantity":3})",
                     with(ada.auth(), "Idempotency-Key", key)),
              422, "idempotency_key_reused");
  CHECK_ERROR(c.post("/v1/events/1/holds", best, with(ada.auth(), "Idempotency-Key", "bad key")),
              400, "idempotency_key_required");
  // Without a key, the same body is a second hold.
  auto other = c.post("/v1/events/1/holds", best, ada.auth());
  REQUIRE_MESSAGE(other.status == 201, other.body);
  CHECK(str(other.json(), "holdId") != str(first.json(), "holdId"));
  // The retry took nothing: Ada holds 4 of her 8, so 4 more fit and then no more.
  auto rest = c.post("/v1/events/1/holds", R"({"section":"218","quantity":4})", ada.auth());
  CHECK_MESSAGE(rest.status == 201, rest.body);
  CHECK_ERROR(c.post("/v1/events/1/holds", R"({"section":"218","quantity":1})", ada.auth()), 409,
              "limit_exceeded");
}

TEST_CASE("checkout: a provider timeout answers 202 pending; the reconciler confirms it") {
  http_client c(node_port());
  const auto ada = make_user(c, "Ada");
  const auto hold = hold_seats(c, ada, {"214-F-1"});
  const auto key = fresh_key();
  // The processing-error card: authorized, but the answer is lost (2 s timeout).
  auto pending = pay(c, ada, hold, key, "4000000000000119");
  REQUIRE_MESSAGE(pending.status == 202, pending.body);
  CHECK(str(pending.json(), "status") == "pending");
  CHECK(str(pending.json(), "holdId") == hold);
  const auto id = str(pending.json(), "paymentId");
  const auto settled = settled_payment(c, ada, id);
  CHECK(str(settled, "status") == "confirmed");
  // The same key now answers with the order.
  auto again = pay(c, ada, hold, key, "4000000000000119");
  CHECK(again.status == 201);
  CHECK(str(again.json(), "orderId") == str(settled, "orderId"));
}

TEST_CASE("checkout: 409 for an expired or unknown hold, 403 for another user's") {
  http_client c(node_port());
  const auto ada = make_user(c, "Ada"), bob = make_user(c, "Bob");
  const auto hold = hold_seats(c, ada, {"214-G-1"});
  CHECK_ERROR(pay(c, bob, hold, fresh_key()), 403, "not_holder");
  REQUIRE(c.del("/v1/holds/" + hold, ada.auth()).status == 204);
  CHECK_ERROR(pay(c, ada, hold, fresh_key()), 404, "unknown_hold");
}

TEST_CASE("requests waiting on actors are bounded: beyond gateway_in_flight_max, 503 overloaded "
          "at once; holds and cached reads unaffected; room again once the answers come") {
  // Every payment takes 1.5 s at the provider, so two checkouts fill the bound.
  extra_node node("api-gateway-cap",
                  "[demo]\nload = true\nsections = 4\nseats = 80\nga_capacity = 10\nroom = false\n"
                  "[limits]\ngateway_in_flight_max = 2\n"
                  "[payments]\nlatency_ms = 1500\njitter_ms = 0\n");
  const uint16_t port = node.port();
  http_client c(port);
  const auto ada = make_user(c, "Ada");
  const auto map = c.get("/v1/events/1/seatmap");
  REQUIRE(map.status == 200);
  const auto doc = map.json();
  std::vector<std::string> seats;
  for (const auto& s : doc.at("seats").as_array())
    if (seats.size() < 3) seats.push_back(str(s, "seatId"));
  REQUIRE(seats.size() == 3);
  const auto first = hold_seats(c, ada, {seats[0]});
  const auto second = hold_seats(c, ada, {seats[1]});
  auto pay_later = [&](const std::string& hold) {
    return std::async(std::launch::async, [port, ada, hold] {
      http_client own(port);
      return pay(own, ada, hold, fresh_key());
    });
  };
  auto paying_first = pay_later(first);
  auto paying_second = pay_later(second);
  const auto done = [](std::future<http_reply>& f) {
    return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  };
  // Wait (bounded) until both checkouts hold their slots: /metrics is not
  // counted, and polling a counted route here could take a slot from the
  // second payment instead.
  http_client admin(node.admin_port());
  const auto in_flight = [&] {
    return metric_value(admin.get("/metrics").body, "holdfast_gateway_in_flight").value_or(-1);
  };
  const auto deadline = steady::now() + std::chrono::seconds(10);
  while (in_flight() < 2 && !done(paying_first) && steady::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10)); // poll interval
  REQUIRE_FALSE(done(paying_first));
  REQUIRE_FALSE(done(paying_second));
  REQUIRE(in_flight() == 2);
  // The bound is full: a third request that needs an actor is refused at once.
  auto refused = c.get("/v1/orders", ada.auth());
  CHECK_ERROR(refused, 503, "overloaded");
  CHECK(refused.field("retry-after") == "1");
  // Holds go through the command lanes, not a gateway; the event detail needs no actor.
  CHECK(c.post("/v1/events/1/holds", hold_body({seats[2]}), ada.auth()).status == 201);
  CHECK(c.get("/v1/events/1").status == 200);
  CHECK(paying_first.get().status == 201);
  CHECK(paying_second.get().status == 201);
  // Both slots came back: the orders list answers, and /metrics shows the refusals.
  auto orders = c.get("/v1/orders", ada.auth());
  REQUIRE_MESSAGE(orders.status == 200, orders.body);
  CHECK(orders.json().at("orders").as_array().size() == 2);
  const auto metrics = admin.get("/metrics").body;
  CHECK(metric_value(metrics, "holdfast_gateway_refused_total").value_or(0) >= 1);
  CHECK(metric_value(metrics, "holdfast_gateway_in_flight") == 0);
}
