// Recovery from corrupt bytes: what this tries to break is the rule that a
// decoder refuses garbage with a status instead of reaching an HF_ASSERT (which
// would stop the node at every start). Each case is a shape that
// tests/fuzz/recovery_fuzz.cpp found reaching an assert or undefined behaviour,
// built here by hand; without its fix, the case aborts the test binary.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "persistence/journal_format.hpp"
#include "persistence/queue_format.hpp"
#include "persistence/recovery.hpp"
#include "node/demo_venue.hpp"

using namespace holdfast;

namespace {

constexpr int64_t t0 = 1'800'000'000'000;

// A venue of one assigned section (seats) and a GA area, as protobuf,
// for the cases to break one field of.
journal::Venue small_venue() {
  journal::Venue p;
  p.set_id("v");
  auto* a = p.add_sections();
  a->set_name("A");
  a->set_first_seat(0);
  a->set_seat_count(2);
  auto* ga = p.add_sections();
  ga->set_name("GA");
  ga->set_general_admission(true);
  ga->set_ga_capacity(10);
  for (uint32_t n : {1u, 2u}) {
    p.add_seat_section(0);
    p.add_seat_row(0);
    p.add_seat_number(n);
    p.add_seat_x(static_cast<float>(n));
    p.add_seat_y(0);
  }
  return p;
}

bool venue_decodes(const journal::Venue& p) {
  std::shared_ptr<const venue> v;
  return decode_venue(p.SerializeAsString(), v).ok;
}

// Applies one record to a fresh recovery (the demo venue for any id).
status apply_one(const journal::Record& r, uint32_t stream) {
  recovery_result out;
  const std::string venue_blob = encode_venue(*make_demo_venue(2, 20, 10));
  shard_recovery recovery{0,
                          [&](const std::string&, std::string& blob) {
                            blob = venue_blob;
                            return status::success();
                          },
                          out};
  return recovery.apply(1, stream, r.SerializeAsString());
}

journal::Record record(uint32_t stream) {
  journal::Record r;
  r.set_schema_version(journal_schema_version);
  r.set_event_id(stream);
  r.set_at_ms(t0);
  return r;
}

} // namespace

TEST_CASE("decode_venue refuses what the venue constructor would assert on") {
  CHECK(venue_decodes(small_venue()));
  auto p = small_venue();
  p.mutable_sections(1)->set_seat_count(1); // a GA area with seats
  CHECK_FALSE(venue_decodes(p));
  p = small_venue();
  p.mutable_sections(0)->set_seat_count(3); // past the last seat
  CHECK_FALSE(venue_decodes(p));
  p = small_venue();
  p.mutable_sections(0)->set_first_seat(UINT32_MAX); // first + count wraps around
  p.mutable_sections(0)->set_seat_count(3);
  CHECK_FALSE(venue_decodes(p));
  p = small_venue();
  p.set_seat_number(1, 1); // two seats labelled A-A-1
  CHECK_FALSE(venue_decodes(p));
  p = small_venue();
  p.set_seat_row(1, 65'536); // was cut to row 0: A-A-2 twice
  p.set_seat_number(1, 1);
  CHECK_FALSE(venue_decodes(p));
  p = small_venue();
  p.mutable_sections(1)->set_ga_capacity(0);
  CHECK_FALSE(venue_decodes(p));
}

// best_seats scored 2.4e43 into an int64 (UBSan); JSON has no NaN.
TEST_CASE("decode_venue refuses seats and labels off the map") {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(),
                    std::numeric_limits<float>::infinity(), 1e20f}) {
    auto p = small_venue();
    p.set_seat_x(0, bad);
    CHECK_FALSE(venue_decodes(p));
    p = small_venue();
    p.mutable_sections(0)->set_y(bad);
    CHECK_FALSE(venue_decodes(p));
  }
}

TEST_CASE("an event or waiting room created with a config the state asserts on is refused") {
  auto r = record(7);
  r.mutable_event_created()->set_hold_ttl_s(0);
  r.mutable_event_created()->set_user_seats_max(8);
  CHECK_FALSE(apply_one(r, 7).ok);
  r.mutable_event_created()->set_hold_ttl_s(600);
  CHECK(apply_one(r, 7).ok);
  r.mutable_event_created()->set_user_seats_max(0);
  CHECK_FALSE(apply_one(r, 7).ok);

  const uint32_t room = stream_of(7, stream_kind::queue);
  auto q = record(room);
  q.mutable_queue_created()->set_admit_per_min(0);
  q.mutable_queue_created()->set_active_max(10);
  q.mutable_queue_created()->set_access_ttl_ms(60'000);
  CHECK_FALSE(apply_one(q, room).ok);
  q.mutable_queue_created()->set_admit_per_min(60);
  CHECK(apply_one(q, room).ok);
}

TEST_CASE("an event snapshot with an invalid config restores as nothing") {
  const auto v = make_demo_venue(2, 20, 10);
  event_config c;
  c.id = 7;
  event_state e{v, c};
  auto snap = e.export_snapshot();
  CHECK(event_state::restore(v, snap) != nullptr);
  snap.config.hold_ttl_s = 1;
  CHECK(event_state::restore(v, snap) == nullptr);
}

TEST_CASE("a queue snapshot naming a user twice is refused, not asserted on") {
  admission_config c;
  c.opens_at_ms = t0 + 60'000; // both join the pre-queue
  c.admit_per_min = 60;
  c.active_max = 10;
  admission_queue q{c};
  q.join(1, t0);
  q.join(2, t0);
  auto snap = q.export_snapshot();
  const uint32_t stream = stream_of(7, stream_kind::queue);
  std::unique_ptr<admission_queue> back;
  CHECK(decode_queue_snapshot(encode_queue_snapshot(stream, c, snap, 1), back).ok);
  REQUIRE(snap.pre_queue.size() == 2);
  snap.pre_queue[1] = snap.pre_queue[0];
  const auto refused = decode_queue_snapshot(encode_queue_snapshot(stream, c, snap, 1), back);
  CHECK_FALSE(refused.ok);
  CHECK_FALSE(refused.message.empty());
  c.active_max = 0;
  CHECK_FALSE(
      decode_queue_snapshot(encode_queue_snapshot(stream, c, q.export_snapshot(), 1), back).ok);
}

// The inventory asserted on the second copy of the seat (found by recovery_fuzz).
TEST_CASE("a journaled hold naming a seat twice, or taking no place, is refused") {
  const auto v = make_demo_venue(2, 20, 10);
  event_config c;
  c.id = 7;
  event_state e{v, c};
  hold_record h;
  h.user = 42;
  h.duration_ms = 600'000;
  h.expires_at_ms = t0 + h.duration_ms;
  h.seat_count = 2;
  h.seats[0] = 3;
  h.seats[1] = 3;
  CHECK_FALSE(e.replay_hold_placed(1, h));
  h.seat_count = 0;
  CHECK_FALSE(e.replay_hold_placed(1, h));
  h.seat_count = 2;
  h.seats[1] = 4;
  CHECK(e.replay_hold_placed(1, h));
  CHECK(e.invariants_hold());
}
