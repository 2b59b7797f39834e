// The live hub of an event: a WebSocket's hello waits for the event's version,
// and a shard or event actor that does not answer at first must not leave the
// event's live map silent for the node's lifetime. Likewise a socket's per-user
// watcher keeps asking the shard which actors to watch. Fake shard and event actors
// answer, refuse or stay silent on cue; time moves only when the test says.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "actors/directory.hpp"
#include "net/json_views.hpp"
#include "net/live_hub.hpp"
#include "net/live_watcher.hpp"
#include "tests/actor_fixture.hpp"
#include "node/demo_venue.hpp"

namespace holdfast {

namespace {

using namespace std::chrono_literals;

// Records what the hub sends; "closes" when the test says.
struct recording_listener : live_listener {
  std::vector<std::string> got;
  bool gone = false;
  void send(message msg) override { got.push_back(*msg); }
  bool closed() const override { return gone; }
};

// What the fakes do, and what they saw.
struct script {
  int lookups_refused = 0;     // the first this many lookups answer an error
  int versions_unanswered = 0; // the first this many seat-map requests get no answer
  uint64_t version = 7;
  int lookups = 0, version_requests = 0, subscribes = 0, watches = 0, unwatches = 0;
  std::vector<caf::response_promise> never_answered; // kept, so none answers
};

// A one-section demo venue of two seats (and a GA floor).
catalog_entry two_seat_event() {
  catalog_entry e;
  e.config.id = 42;
  e.hall = make_demo_venue(1, 2, 10);
  return e;
}

caf::behavior fake_event(caf::event_based_actor* self, std::shared_ptr<script> s) {
  return {
      [s](subscribe_atom, caf::actor) { ++s->subscribes; },
      [s](watch_atom, user_id, caf::actor) { ++s->watches; },
      [s](unwatch_atom, user_id, caf::actor) { ++s->unwatches; },
      [self, s](seatmap_atom) {
        auto rp = self->make_response_promise();
        if (s->version_requests++ < s->versions_unanswered) {
          s->never_answered.push_back(rp);
          return;
        }
        seat_map_view v;
        v.event = 42;
        v.version = s->version;
        rp.deliver(std::move(v));
      },
  };
}

caf::behavior fake_shard(caf::event_based_actor* self, std::shared_ptr<script> s,
                         caf::actor event) {
  return {
      [self, s, event](lookup_atom, event_id) {
        auto rp = self->make_response_promise();
        if (s->lookups++ < s->lookups_refused)
          rp.deliver(caf::make_error(caf::sec::request_timeout));
        else
          rp.deliver(caf::actor_cast<event_actor>(event));
      },
      [self, s, event](actors_atom, event_id) {
        auto rp = self->make_response_promise();
        if (s->lookups++ < s->lookups_refused)
          rp.deliver(caf::make_error(caf::sec::request_timeout));
        else
          rp.deliver(event_actors{caf::actor_cast<event_actor>(event), {}, {}});
      },
  };
}

struct hub_fixture : testing::actor_fixture {
  std::shared_ptr<script> cue = std::make_shared<script>();
  caf::actor event = sys.spawn(fake_event, cue);
  caf::actor shard = sys.spawn(fake_shard, cue, event);
  directory dir{{caf::actor_cast<shard_actor>(shard)}};
  live_hubs hubs{sys, dir};
  std::shared_ptr<const catalog_entry> entry =
      std::make_shared<const catalog_entry>(two_seat_event());

  ~hub_fixture() {
    for (const auto& a : {hubs.hub_for(entry), event, shard})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    deliver();
  }

  std::shared_ptr<recording_listener> join() {
    auto l = std::make_shared<recording_listener>();
    self->send(hubs.hub_for(entry), live_join{l, nullptr});
    return l;
  }

  void push(uint64_t from, uint64_t to, seat_index seat, seat_state state) {
    seat_delta d;
    d.event = 42;
    d.from_version = from;
    d.version = to;
    d.seats = {seat};
    d.states = {static_cast<uint8_t>(state)};
    d.sections = {section_view{}};
    self->send(hubs.hub_for(entry), std::move(d));
    deliver();
  }
};

boost::json::object parsed(const std::string& text) {
  return boost::json::parse(text).as_object();
}

} // namespace

TEST_CASE_FIXTURE(hub_fixture,
                  "a session's hello carries the event's version, then deltas follow") {
  auto fan = join();
  deliver();
  REQUIRE(fan->got.size() == 1);
  CHECK(parsed(fan->got[0])["type"] == "hello");
  CHECK(parsed(fan->got[0])["version"] == 7);
  CHECK(cue->subscribes == 1);
  push(7, 8, 1, seat_state::sold);
  REQUIRE(fan->got.size() == 2);
  auto delta = parsed(fan->got[1]);
  CHECK(delta["type"] == "delta");
  CHECK(delta["fromVersion"] == 7);
  CHECK(delta["version"] == 8);
  CHECK(delta["seats"].as_array()[0].as_object()["status"] == "sold");
  CHECK(hubs.hub_for(entry) == hubs.hub_for(entry)); // one hub per event
}

TEST_CASE_FIXTURE(hub_fixture, "a refused shard lookup is retried with growing pauses") {
  cue->lookups_refused = 3;
  auto fan = join();
  deliver();
  CHECK(cue->lookups == 1);
  CHECK(fan->got.empty()); // no version yet: the hello waits
  advance(99ms);
  CHECK(cue->lookups == 1);
  advance(1ms); // 100 ms after the first refusal
  CHECK(cue->lookups == 2);
  advance(199ms);
  CHECK(cue->lookups == 2);
  advance(1ms); // then 200 ms
  CHECK(cue->lookups == 3);
  advance(400ms); // then 400 ms: this one finds the event
  CHECK(cue->lookups == 4);
  CHECK(cue->subscribes == 1);
  REQUIRE(fan->got.size() == 1);
  CHECK(parsed(fan->got[0])["version"] == 7);
  // Found: no more lookups, however long the event stays quiet.
  advance(60'000ms);
  CHECK(cue->lookups == 4);
  CHECK(cue->version_requests == 1);
}

TEST_CASE_FIXTURE(hub_fixture,
                  "an unanswered version request is asked again, never subscribing twice") {
  cue->versions_unanswered = 2;
  auto early = join();
  deliver();
  CHECK(cue->version_requests == 1);
  advance(4'999ms);
  CHECK(cue->version_requests == 1);
  advance(1ms); // the request times out; the retry follows 100 ms later
  advance(100ms);
  CHECK(cue->version_requests == 2);
  auto later = join(); // a second session also waits
  deliver();
  CHECK(later->got.empty());
  advance(5'000ms); // times out again; 200 ms to the next try, which is answered
  advance(200ms);
  CHECK(cue->version_requests == 3);
  CHECK(cue->subscribes == 1);
  CHECK(cue->lookups == 1);
  for (const auto& fan : {early, later}) {
    REQUIRE(fan->got.size() == 1);
    CHECK(parsed(fan->got[0])["version"] == 7);
  }
}

TEST_CASE_FIXTURE(hub_fixture, "a delta greets sessions still waiting for the version") {
  cue->versions_unanswered = 1;
  auto fan = join();
  deliver();
  CHECK(fan->got.empty());
  push(7, 9, 0, seat_state::held);
  // The delta itself went to no one; the waiting session starts from its version.
  REQUIRE(fan->got.size() == 1);
  CHECK(parsed(fan->got[0])["type"] == "hello");
  CHECK(parsed(fan->got[0])["version"] == 9);
  push(9, 10, 0, seat_state::available);
  REQUIRE(fan->got.size() == 2);
  CHECK(parsed(fan->got[1])["fromVersion"] == 9);
  // The version request then times out: the hub knows the version, so it stops.
  advance(10'000ms);
  CHECK(cue->version_requests == 1);
}

TEST_CASE_FIXTURE(hub_fixture, "closed sessions get nothing more and are let go") {
  auto stays = join();
  auto leaves = join();
  deliver();
  REQUIRE(stays->got.size() == 1);
  REQUIRE(leaves->got.size() == 1);
  leaves->gone = true;
  push(7, 8, 0, seat_state::sold);
  CHECK(stays->got.size() == 2);
  CHECK(leaves->got.size() == 1);
  // The hub dropped its reference: only this test still holds the listener.
  CHECK(leaves.use_count() == 1);
}

TEST_CASE_FIXTURE(hub_fixture, "a socket's watcher asks the shard again until it can watch") {
  cue->lookups_refused = 2;
  const access_tokens tokens("a node secret of at least 16 bytes");
  auto fan = std::make_shared<recording_listener>();
  auto watcher = spawn_live_watcher(sys, dir, tokens, live_watch_target{entry, 7, false}, fan);
  deliver();
  CHECK(cue->lookups == 1);
  CHECK(cue->watches == 0);
  advance(100ms);
  CHECK(cue->lookups == 2);
  advance(200ms); // the third try is answered
  CHECK(cue->lookups == 3);
  CHECK(cue->watches == 1);
  advance(60'000ms); // watching: no more asking
  CHECK(cue->lookups == 3);
  self->send(watcher, unwatch_atom::value); // the socket closed
  deliver();
  CHECK(cue->unwatches == 1);
}

} // namespace holdfast
