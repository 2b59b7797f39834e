// API test of the on-sale front: the waiting room, the access check on holds,
// the waitlist, proof of work and the rate limits, against real nodes over
// loopback. What it tries to break:
//   - "holds require an admitted token when the room is on": no token, garbage,
//     a forged signature, another user's token, another event's token and an
//     expired one are all 403 not_admitted and change nothing; a real one holds;
//   - queue tokens: forged, another user's, another event's -> 401
//     invalid_queue_token; joining twice keeps the place; admission order is
//     join order behind an active cap; places survive kill -9;
//   - the live socket pushes the user's own queue status (with the access
//     token once admitted) and waitlist offers, after hello;
//   - proof of work: off by default, raised by the operator's admin token only,
//     a join without a solution or with a replayed one is refused;
//   - the waitlist: a sold-out section's released seats are offered in join
//     order, shown on GET and over the socket, and nobody else can take them;
//   - 429 rate_limited with Retry-After per IP, device, user and hold velocity,
//     WebSocket upgrades included,
//     each counted in /metrics.
// Nodes with their own config (extra_node) keep tight limits and small venues
// away from the main node the other API tests share. Every wait polls with a
// deadline; no outcome depends on timing luck.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "net/access_tokens.hpp"
#include "net/proof_of_work.hpp"
#include "tests/api_test_fixture.hpp"
#include "tests/api_test_util.hpp"
#include "tests/http_client.hpp"

namespace {

using namespace holdfast::test;
namespace json = boost::json;
using steady = std::chrono::steady_clock;
using verb = boost::beast::http::verb;

constexpr auto admission_wait_max = 15s;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

holdfast::access_tokens node_tokens(const std::string& data_dir) {
  return holdfast::access_tokens(read_file(data_dir + "/node.secret"));
}

uint64_t user_id_of(const user& u) {
  return std::stoull(u.id);
}

// A user's place in one event's waiting room, as the API last reported it.
struct place {
  std::string queue_token, status, access_token;
  int64_t position = 0, queue_length = 0, eta_s = 0, access_expires_at_ms = 0;
};

place place_of(const http_reply& r) {
  const auto v = r.json();
  place p;
  p.queue_token = str(v, "queueToken");
  p.status = str(v, "status");
  p.position = num(v, "position");
  p.queue_length = num(v, "queueLength");
  p.eta_s = num(v, "etaSeconds");
  if (member(v, "accessToken")) {
    p.access_token = str(v, "accessToken");
    p.access_expires_at_ms = num(v, "accessExpiresAtMs");
  }
  return p;
}

place join(http_client& c, const user& u, const std::string& event,
           const std::string& body = "{}") {
  auto r = c.post("/v1/events/" + event + "/queue", body, u.auth());
  REQUIRE_MESSAGE(r.status == 201, r.status << " " << r.body);
  return place_of(r);
}

http_reply status_of(http_client& c, const user& u, const std::string& event,
                     const std::string& queue_token) {
  return c.get("/v1/events/" + event + "/queue/status", with(u.auth(), "Queue-Token", queue_token));
}

// Polls queue/status until the user is admitted (REQUIRE: within the bound).
place await_admission(http_client& c, const user& u, const std::string& event,
                      const std::string& queue_token) {
  const auto deadline = steady::now() + admission_wait_max;
  for (;;) {
    auto r = status_of(c, u, event, queue_token);
    REQUIRE_MESSAGE(r.status == 200, r.status << " " << r.body);
    auto p = place_of(r);
    if (p.status == "admitted" || steady::now() > deadline) {
      REQUIRE_MESSAGE(p.status == "admitted", "still " << p.status << " after 15 s: " << r.body);
      REQUIRE(!p.access_token.empty());
      return p;
    }
    std::this_thread::sleep_for(100ms); // poll interval
  }
}

http_reply hold(http_client& c, const user& u, const std::string& event,
                const std::vector<std::string>& seats, const headers& extra = {}) {
  headers h = u.auth();
  h.insert(h.end(), extra.begin(), extra.end());
  return c.post("/v1/events/" + event + "/holds", hold_body(seats), h);
}

// The next message of `type` on the socket within `timeout`, skipping others.
std::optional<json::value> next_of_type(ws_client& ws, const std::string& type,
                                        std::chrono::milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  while (steady::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    auto msg = ws.read(std::max(left, 1ms));
    if (!msg) return std::nullopt;
    auto v = json::parse(*msg);
    if (str(v, "type") == type) return v;
  }
  return std::nullopt;
}

// A series from /metrics on the admin listener at `admin_port`.
int64_t metric(uint16_t admin_port, const std::string& series) {
  http_client c(admin_port);
  const auto value = metric_value(c.get("/metrics").body, series);
  return value ? static_cast<int64_t>(*value) : -1;
}

// The seat ids of one section, in seat-map order.
std::vector<std::string> seats_of(http_client& c, const std::string& event,
                                  const std::string& section) {
  auto r = c.get("/v1/events/" + event + "/seatmap");
  REQUIRE(r.status == 200);
  std::vector<std::string> out;
  const auto doc = r.json();
  for (const auto& s : doc.at("seats").as_array())
    if (str(s, "section") == section) out.push_back(str(s, "seatId"));
  return out;
}

} // namespace

TEST_CASE("events describe their waiting room; the room's routes refuse an event without one") {
  http_client c(node_port());
  const auto one = c.get("/v1/events/1").json();
  const auto two = c.get("/v1/events/2").json();
  REQUIRE(member(one, "waitingRoom"));
  CHECK(json::serialize(one.at("waitingRoom")) == R"({"enabled":false})");
  const auto& room = two.at("waitingRoom");
  CHECK(room.at("enabled").as_bool());
  CHECK(num(room, "admitPerMinute") == 6000);
  CHECK(num(room, "activeMax") == 1000);
  CHECK(num(room, "opensAtMs") > 0);
  CHECK(str(room, "opensAt").size() == 24);
  const auto list = c.get("/v1/events").json();
  for (const auto& e : list.at("events").as_array())
    CHECK(member(e, "waitingRoom") != nullptr);

  const auto ada = make_user(c);
  CHECK_ERROR(c.get("/v1/events/1/queue/challenge"), 409, "no_waiting_room");
  CHECK_ERROR(c.post("/v1/events/1/queue", "{}", ada.auth()), 409, "no_waiting_room");
  CHECK_ERROR(c.get("/v1/events/1/queue/status", with(ada.auth(), "Queue-Token", "x")), 409,
              "no_waiting_room");
  CHECK_ERROR(c.post("/v1/events/999/queue", "{}", ada.auth()), 404, "unknown_event");
  CHECK_ERROR(c.get("/v1/events/999/queue/challenge"), 404, "unknown_event");
  CHECK_ERROR(c.post("/v1/events/2/queue", "{}"), 401, "unauthorized");
  CHECK_ERROR(c.post("/v1/events/2/queue", "{\"bogus\":1}", ada.auth()), 400, "unknown_field");
  CHECK_ERROR(c.post("/v1/events/2/queue", "[", ada.auth()), 400, "bad_json");
  CHECK_ERROR(c.request(verb::delete_, "/v1/events/2/queue"), 405, "method_not_allowed");
  CHECK_ERROR(c.post("/v1/events/2/queue/status", "{}"), 405, "method_not_allowed");
  CHECK_ERROR(c.get("/v1/events/2/queue/nope"), 404, "not_found");
  auto challenge = c.get("/v1/events/2/queue/challenge");
  REQUIRE(challenge.status == 200);
  CHECK(num(challenge.json(), "difficulty") == 0); // proof of work is off by default
  CHECK(str(challenge.json(), "challenge").size() > 20);
}

TEST_CASE("waiting room: join, same place twice, admission with an access token; holds need it") {
  const uint16_t port = node_port();
  http_client c(port);
  const auto ada = make_user(c, "Ada Queue");
  const auto bob = make_user(c, "Bob Queue");
  auto first = join(c, ada, "2");
  MESSAGE("ada joined: " << first.status << " position " << first.position);
  CHECK((first.status == "pre_queue" || first.status == "queued" || first.status == "admitted"));
  CHECK(!first.queue_token.empty());
  if (first.status == "pre_queue") CHECK(first.position == 0);
  if (first.status == "queued") CHECK(first.position >= 1);
  auto again = join(c, ada, "2"); // the same place (or further on): never a new one at the back
  if (first.status == "queued" && again.status == "queued") CHECK(again.position <= first.position);

  // Queue tokens: only this user's, for this event, signed by this node.
  const auto tokens = node_tokens(node_data_dir());
  const uint64_t ada_id = user_id_of(ada), bob_id = user_id_of(bob);
  for (const std::string& bad :
       {std::string(), std::string("garbage"), first.queue_token + "x",
        tokens.issue_queue_token({ada_id, 1, 0, 0}), // another event
        tokens.issue_queue_token({bob_id, 2, 0, 0}), // another user
        holdfast::access_tokens(std::string(32, 'k')).issue_queue_token({ada_id, 2, 0, 0})}) {
    CHECK_ERROR(status_of(c, ada, "2", bad), 401, "invalid_queue_token");
  }
  CHECK_ERROR(c.get("/v1/events/2/queue/status", {{"Queue-Token", first.queue_token}}), 401,
              "unauthorized");

  auto admitted = await_admission(c, ada, "2", first.queue_token);
  CHECK(admitted.queue_token == first.queue_token);
  CHECK(admitted.access_expires_at_ms > 0);
  auto bob_place = join(c, bob, "2");
  auto bob_admitted = await_admission(c, bob, "2", bob_place.queue_token);

  // Holds on event 2: every wrong Access-Token is 403 not_admitted and takes nothing.
  const auto blocks_before = metric(node_admin_port(), "holdfast_antibot_blocks_total{reason=\"not_admitted\"}");
  const std::vector<std::string> seat{"101-A-1"};
  const int64_t expires = admitted.access_expires_at_ms;
  std::vector<std::pair<std::string, headers>> refused{
      {"no token", {}},
      {"garbage", {{"Access-Token", "garbage"}}},
      {"forged", {{"Access-Token", admitted.access_token + "A"}}},
      {"a queue token", {{"Access-Token", first.queue_token}}},
      {"another user's", {{"Access-Token", bob_admitted.access_token}}},
      {"another event's", {{"Access-Token", tokens.issue_access_token({ada_id, 1, 1, expires})}}},
      {"expired", {{"Access-Token", tokens.issue_access_token({ada_id, 2, 1, 1'000})}}},
      {"another key",
       {{"Access-Token", holdfast::access_tokens(std::string(32, 'k'))
                             .issue_access_token({ada_id, 2, 1, expires})}}}};
  for (const auto& [why, extra] : refused) {
    INFO(why);
    CHECK_ERROR(hold(c, ada, "2", seat, extra), 403, "not_admitted");
  }
  CHECK(metric(node_admin_port(), "holdfast_antibot_blocks_total{reason=\"not_admitted\"}") ==
        blocks_before + static_cast<int64_t>(refused.size()));
  auto map = c.get("/v1/events/2/seatmap").json();
  for (const auto& s : map.at("seats").as_array())
    if (str(s, "seatId") == "101-A-1") CHECK(str(s, "status") == "available");
  auto granted = hold(c, ada, "2", seat, {{"Access-Token", admitted.access_token}});
  CHECK_MESSAGE(granted.status == 201, granted.body);
  // Event 1 has no room: no Access-Token needed.
  auto plain = hold(c, ada, "1", {"220-A-1"});
  REQUIRE_MESSAGE(plain.status == 201, plain.body);
  CHECK(c.del("/v1/holds/" + str(plain.json(), "holdId"), ada.auth()).status == 204);
  CHECK(metric(node_admin_port(), "holdfast_http_requests_total{route=\"queue\",status=\"201\"}") >= 3);
  // Waiting-room gauges: a scrape samples the rooms, the next one shows them.
  int64_t active = -1;
  for (const auto deadline = steady::now() + 5s; active < 0 && steady::now() < deadline;
       std::this_thread::sleep_for(100ms)) // poll interval
    active = metric(node_admin_port(), "holdfast_queue_active{event=\"2\"}");
  CHECK(active >= 2); // ada and bob
  CHECK(metric(node_admin_port(), "holdfast_queue_waiting{event=\"2\"}") >= 0);
}

TEST_CASE("the live socket pushes the user's queue status and access token after hello") {
  const uint16_t port = node_port();
  http_client c(port);
  const auto ada = make_user(c, "Ada Live");
  auto p = join(c, ada, "2");
  ws_client ws(port, "/v1/events/2/live?ticket=" + live_ticket(c, ada, p.queue_token));
  REQUIRE_MESSAGE(ws.handshake_error().empty(), ws.handshake_error());
  auto first = ws.read(5s);
  REQUIRE(first);
  CHECK(str(json::parse(*first), "type") == "hello");
  std::optional<json::value> admitted;
  const auto deadline = steady::now() + admission_wait_max;
  while (!admitted && steady::now() < deadline) {
    auto msg = next_of_type(ws, "queue", 3s);
    REQUIRE_MESSAGE(msg, "no queue push within 3 s");
    CHECK(member(*msg, "position") != nullptr);
    CHECK(member(*msg, "queueLength") != nullptr);
    CHECK(member(*msg, "etaSeconds") != nullptr);
    if (str(*msg, "status") == "admitted") admitted = msg;
  }
  REQUIRE(admitted);
  const auto token = str(*admitted, "accessToken");
  CHECK(num(*admitted, "accessExpiresAtMs") > 0);
  auto granted = hold(c, ada, "2", {"101-A-2"}, {{"Access-Token", token}});
  CHECK_MESSAGE(granted.status == 201, granted.body);

  // Without a valid queue token the socket carries no queue pushes.
  ws_client anon(port, "/v1/events/2/live?ticket=" + live_ticket(c, ada, "nonsense"));
  REQUIRE(anon.handshake_error().empty());
  auto hello = anon.read(5s);
  REQUIRE(hello);
  CHECK(str(json::parse(*hello), "type") == "hello");
  CHECK(!next_of_type(anon, "queue", 1500ms));
}

TEST_CASE("proof of work: the operator raises it; joins without or with replayed work fail") {
  const uint16_t port = node_port();
  http_client c(port);
  const std::string admin_path = node_data_dir() + "/admin.token";
  struct stat st {};
  REQUIRE(stat(admin_path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const std::string admin = read_file(admin_path);
  REQUIRE(admin.size() >= 32);
  const headers as_admin{{"Authorization", "Bearer " + admin}};
  http_client op(node_admin_port()); // the operator's routes live on the admin listener
  const auto ada = make_user(c, "Ada Pow");
  const auto eve = make_user(c, "Eve Pow");
  const std::string knob = "/v1/admin/events/2/queue";
  // Not on the public port, not even with the token.
  CHECK_ERROR(c.request(verb::put, knob, R"({"powDifficulty":8})", as_admin), 404, "not_found");
  CHECK_ERROR(op.request(verb::put, knob, R"({"powDifficulty":8})"), 401, "unauthorized");
  CHECK_ERROR(op.request(verb::put, knob, R"({"powDifficulty":8})", ada.auth()), 401,
              "unauthorized");
  CHECK_ERROR(op.request(verb::put, knob, R"({"powDifficulty":99})", as_admin), 400,
              "invalid_request");
  CHECK_ERROR(
      op.request(verb::put, "/v1/admin/events/999/queue", R"({"powDifficulty":8})", as_admin), 404,
      "unknown_event");
  CHECK_ERROR(op.get(knob, as_admin), 405, "method_not_allowed");
  auto raised = op.request(verb::put, knob, R"({"powDifficulty":8})", as_admin);
  REQUIRE_MESSAGE(raised.status == 200, raised.body);
  CHECK(num(raised.json(), "powDifficulty") == 8);

  auto ch = c.get("/v1/events/2/queue/challenge").json();
  CHECK(num(ch, "difficulty") == 8);
  const std::string challenge = str(ch, "challenge");
  std::string nonce, weak;
  for (uint64_t n = 0; nonce.empty() || weak.empty(); ++n) {
    const auto bits = holdfast::work_bits(challenge, std::to_string(n));
    if (bits >= 8 && nonce.empty()) nonce = std::to_string(n);
    if (bits == 0 && weak.empty()) weak = std::to_string(n);
  }
  auto solution = [&](const std::string& x) {
    return json::serialize(json::object{{"challenge", challenge}, {"nonce", x}});
  };
  const auto pow_blocks = metric(node_admin_port(), "holdfast_antibot_blocks_total{reason=\"pow\"}");
  CHECK_ERROR(c.post("/v1/events/2/queue", "{}", ada.auth()), 403, "challenge_failed");
  CHECK_ERROR(c.post("/v1/events/2/queue", solution(weak), ada.auth()), 403, "challenge_failed");
  auto ok = c.post("/v1/events/2/queue", solution(nonce), ada.auth());
  CHECK_MESSAGE(ok.status == 201, ok.body);
  // One solution, one join: the same work replayed (by anyone) is refused.
  CHECK_ERROR(c.post("/v1/events/2/queue", solution(nonce), eve.auth()), 403, "challenge_failed");
  CHECK(metric(node_admin_port(), "holdfast_antibot_blocks_total{reason=\"pow\"}") == pow_blocks + 3);

  auto lowered = op.request(verb::put, knob, R"({"powDifficulty":0})", as_admin);
  REQUIRE(lowered.status == 200);
  CHECK(num(c.get("/v1/events/2/queue/challenge").json(), "difficulty") == 0);
  CHECK(c.post("/v1/events/2/queue", "{}", eve.auth()).status == 201);
}

TEST_CASE("waitlist: a released seat goes to the first in line, on GET and the socket") {
  // A small venue: 4 sections of 20 seats, and a per-user cap that lets one
  // buyer take a whole section.
  extra_node node("api-waitlist", "[demo]\nload = true\nsections = 4\nseats = 80\n"
                                  "ga_capacity = 10\nuser_seats_max = 64\nroom = false\n"
                                  "[limits]\nip_per_s = 0\n");
  const uint16_t port = node.port();
  http_client c(port);
  const auto seller = make_user(c, "Sweeper");
  const auto first = make_user(c, "First In Line");
  const auto second = make_user(c, "Second In Line");
  const auto other = make_user(c, "Someone Else");
  const auto seats = seats_of(c, "1", "101");
  REQUIRE(seats.size() == 20);
  const std::vector<std::string> most(seats.begin(), seats.begin() + 16),
      rest(seats.begin() + 16, seats.end());
  REQUIRE(hold(c, seller, "1", most).status == 201);
  auto last = hold(c, seller, "1", rest);
  REQUIRE(last.status == 201);
  const auto released_hold = str(last.json(), "holdId");

  // Refusals first: seats still on sale elsewhere, unknown section, bad input.
  CHECK_ERROR(c.post("/v1/events/1/waitlist", R"({"section":"102","quantity":2})", first.auth()),
              409, "seats_available");
  CHECK_ERROR(c.post("/v1/events/1/waitlist", R"({"section":"999","quantity":2})", first.auth()),
              422, "unknown_section");
  CHECK_ERROR(c.post("/v1/events/1/waitlist", R"({"section":"101","quantity":0})", first.auth()),
              400, "invalid_request");
  CHECK_ERROR(c.post("/v1/events/1/waitlist", R"({"section":"101"})", first.auth()), 400,
              "invalid_request");
  CHECK_ERROR(c.post("/v1/events/1/waitlist", R"({"section":"101","quantity":2})"), 401,
              "unauthorized");
  CHECK_ERROR(c.post("/v1/events/9/waitlist", R"({"section":"101","quantity":2})", first.auth()),
              404, "unknown_event");

  auto joined = c.post("/v1/events/1/waitlist", R"({"section":"101","quantity":2})", first.auth());
  REQUIRE_MESSAGE(joined.status == 201, joined.body);
  const auto wid = str(joined.json(), "waitlistId");
  CHECK(num(joined.json(), "position") == 1);
  CHECK(str(joined.json(), "status") == "waiting");
  auto behind = c.post("/v1/events/1/waitlist", R"({"section":"101","quantity":2})", second.auth());
  REQUIRE(behind.status == 201);
  CHECK(num(behind.json(), "position") == 2);
  const auto wid2 = str(behind.json(), "waitlistId");

  auto mine = c.get("/v1/waitlist/" + wid, first.auth());
  REQUIRE(mine.status == 200);
  CHECK(str(mine.json(), "status") == "waiting");
  CHECK(str(mine.json(), "section") == "101");
  CHECK(num(mine.json(), "quantity") == 2);
  CHECK(num(mine.json(), "position") == 1);
  CHECK(str(mine.json(), "eventId") == "1");
  CHECK_ERROR(c.get("/v1/waitlist/" + wid, other.auth()), 404, "unknown_waitlist");
  CHECK_ERROR(c.get("/v1/waitlist/12345", first.auth()), 404, "unknown_waitlist");
  CHECK_ERROR(c.get("/v1/waitlist/x", first.auth()), 404, "unknown_waitlist");
  CHECK_ERROR(c.get("/v1/waitlist/" + wid), 401, "unauthorized");

  ws_client ws(port, "/v1/events/1/live?ticket=" + live_ticket(c, first));
  REQUIRE(ws.handshake_error().empty());
  auto hello = ws.read(5s);
  REQUIRE(hello);
  CHECK(str(json::parse(*hello), "type") == "hello");
  std::this_thread::sleep_for(300ms); // the watcher subscribes after hello; offers are not replayed

  // The seller lets 4 seats go: 2 are offered to the first in line, 2 to the second.
  REQUIRE(c.del("/v1/holds/" + released_hold, seller.auth()).status == 204);
  auto pushed = next_of_type(ws, "waitlist", 5s);
  REQUIRE_MESSAGE(pushed, "no waitlist push within 5 s");
  CHECK(str(*pushed, "waitlistId") == wid);
  CHECK(str(*pushed, "status") == "offered");
  CHECK(num(*pushed, "offerExpiresAtMs") > 0);
  CHECK(strings(*pushed, "seats").size() == 2);
  CHECK(num(*pushed, "total") > 0);
  const auto offered_hold = str(*pushed, "holdId");

  auto offer = c.get("/v1/waitlist/" + wid, first.auth());
  REQUIRE(offer.status == 200);
  const auto o = offer.json();
  CHECK(str(o, "status") == "offered");
  CHECK(str(o, "holdId") == offered_hold);
  CHECK(num(o, "offerExpiresAtMs") == num(*pushed, "offerExpiresAtMs"));
  const auto offered_seats = strings(o, "seats");
  CHECK(offered_seats == strings(*pushed, "seats"));
  CHECK(member(o, "position") == nullptr);
  for (const auto& s : offered_seats)
    CHECK(std::find(rest.begin(), rest.end(), s) != rest.end());
  auto second_offer = c.get("/v1/waitlist/" + wid2, second.auth()).json();
  CHECK(str(second_offer, "status") == "offered");

  // Nobody else can take the offered seats; the offer is the first user's hold.
  CHECK_ERROR(hold(c, other, "1", {offered_seats[0]}), 409, "seat_unavailable");
  CHECK_ERROR(c.del("/v1/holds/" + offered_hold, other.auth()), 403, "not_holder");
  CHECK(c.get("/v1/waitlist/" + wid, first.auth()).json().at("status").as_string() == "offered");
}

TEST_CASE("queue places survive kill -9: admission order is join order behind the active cap") {
  // One admitted user at a time, admitted at once: the first to join shops,
  // everyone else keeps a numbered place.
  extra_node node("api-queue", "[demo]\nload = true\nsections = 4\nseats = 80\nga_capacity = 10\n"
                               "room_opens_after_s = 0\nroom_admit_per_min = 6000\n"
                               "room_active_max = 1\n[limits]\nip_per_s = 0\n");
  std::vector<user> users;
  std::vector<place> places;
  {
    http_client c(node.port());
    for (int k = 0; k < 4; ++k) {
      users.push_back(make_user(c, "Fan " + std::to_string(k)));
      places.push_back(join(c, users.back(), "2"));
    }
    places[0] = await_admission(c, users[0], "2", places[0].queue_token);
    for (int k = 1; k < 4; ++k) {
      auto p = place_of(status_of(c, users[k], "2", places[k].queue_token));
      CHECK(p.status == "queued");
      CHECK(p.position == k);
      CHECK(p.queue_length == 3);
      CHECK(p.eta_s >= 0);
      auto again = join(c, users[k], "2"); // joining twice keeps the place
      CHECK(again.status == "queued");
      CHECK(again.position == k);
    }
  }
  node.restart(SIGKILL);
  http_client c(node.port());
  auto p0 = place_of(status_of(c, users[0], "2", places[0].queue_token));
  CHECK(p0.status == "admitted");
  CHECK(p0.access_expires_at_ms == places[0].access_expires_at_ms);
  CHECK(p0.access_token == places[0].access_token);
  for (int k = 1; k < 4; ++k) {
    auto r = status_of(c, users[k], "2", places[k].queue_token);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    auto p = place_of(r);
    CHECK(p.status == "queued");
    CHECK(p.position == k);
  }
  // The admitted user's token from before the crash still holds seats.
  auto granted = hold(c, users[0], "2", {"101-A-1"}, {{"Access-Token", places[0].access_token}});
  CHECK_MESSAGE(granted.status == 201, granted.body);
  CHECK_ERROR(hold(c, users[1], "2", {"101-A-2"}), 403, "not_admitted");
}

TEST_CASE("rate limits: 429 rate_limited with Retry-After per user, device, hold velocity and IP") {
  extra_node node("api-limits", "[demo]\nload = true\nsections = 4\nseats = 80\nga_capacity = 10\n"
                                "room = false\n"
                                "[limits]\nip_per_s = 1\nip_burst = 60\nuser_per_s = 1\n"
                                "user_burst = 5\ndevice_per_s = 1\ndevice_burst = 5\n"
                                "hold_attempts_per_min = 1\nhold_attempts_burst = 3\n");
  const uint16_t port = node.port();
  http_client c(port);
  // Sends `send` until a 429 or `tries` requests; returns the 429 (status 0 if none).
  auto until_429 = [&](int tries, auto send) {
    for (int k = 0; k < tries; ++k) {
      auto r = send(k);
      if (r.status == 429) return r;
      CHECK_MESSAGE(r.status < 400, r.status << " " << r.body);
    }
    return http_reply{};
  };
  auto check_429 = [&](const http_reply& r, const std::string& limit) {
    CHECK_ERROR(r, 429, "rate_limited");
    CHECK(str(r.json().at("error"), "limit") == limit);
    const auto retry = num(r.json().at("error"), "retryAfterSeconds");
    CHECK(retry >= 1);
    CHECK(r.field("retry-after") == std::to_string(retry));
  };

  const auto ada = make_user(c, "Ada Hammer");
  auto by_user = until_429(8, [&](int) { return c.get("/v1/orders", ada.auth()); });
  check_429(by_user, "user");

  auto by_device = until_429(8, [&](int) {
    return c.get("/v1/events/1", {{"Device-Id", "device-under-test-1"}});
  });
  check_429(by_device, "device");
  CHECK(c.get("/v1/events/1", {{"Device-Id", "device-under-test-2"}}).status == 200);

  const auto bot = make_user(c, "Seat Sweeper");
  const auto seats = seats_of(c, "1", "102");
  REQUIRE(seats.size() >= 4);
  auto by_velocity = until_429(4, [&](int k) { return hold(c, bot, "1", {seats[k]}); });
  check_429(by_velocity, "hold_velocity");
  CHECK(num(by_velocity.json().at("error"), "retryAfterSeconds") > 1); // 1 a minute

  auto by_ip = until_429(70, [&](int) { return c.get("/v1/events"); });
  check_429(by_ip, "ip");
  // A WebSocket upgrade takes from the same IP bucket: once it is empty, the
  // handshake is refused with 429 (a few tries: the bucket refills 1 a second).
  std::string upgrade_refusal;
  for (int k = 0; k < 5 && upgrade_refusal.empty(); ++k) {
    ws_client ws(port, "/v1/events/1/live");
    if (!ws.handshake_error().empty()) upgrade_refusal = ws.handshake_error();
  }
  CHECK(upgrade_refusal == "status 429");
  // /metrics (on the admin listener) and /healthz stay reachable; each limit is counted.
  for (const char* reason : {"ip", "user", "device", "hold_velocity"})
    CHECK_MESSAGE(
        metric(node.admin_port(),
               std::string("holdfast_antibot_blocks_total{reason=\"") + reason + "\"}") >= 1,
        reason);
  CHECK(node_healthy(port));
}
