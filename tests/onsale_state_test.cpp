// The waitlist inside the event state, and the on-sale streams through the
// journal. What this tries to break: released seats reaching the wrong user or
// skipping the join order; a lapsed offer that does not move on; anyone but
// the offered user taking offered seats; an offer to a user already at their
// cap; and a restart (journal only, or snapshot plus tail) that forgets a
// waitlist place, an open offer, or a waiting-room place.
#include <doctest/doctest.h>

#include <set>
#include <span>

#include "domain/event_state.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/journal_sink.hpp"
#include "persistence/queue_format.hpp"
#include "persistence/recovery.hpp"
#include "tests/temp_dir.hpp"
#include "node/demo_venue.hpp"

using namespace holdfast;

namespace {

constexpr int64_t t0 = 1'700'000'000'000;
constexpr int64_t hold_ms = limits::hold_ttl_s_default * 1000;
constexpr int64_t offer_ms = 300 * 1000; // shorter than a hold, so offers lapse first

// Sections 0..3 have 100 seats each; section 4 is a GA floor of 10 places.
struct onsale_fixture {
  std::shared_ptr<const venue> hall = make_demo_venue(4, 400, 10);
  static constexpr uint16_t floor = 4;
  event_state st{hall, config()};
  uint64_t tag = 0;

  static event_config config() {
    event_config c;
    c.id = 11;
    c.name = "waitlisted";
    c.user_seats_max = limits::user_seats_max_max;
    c.onsale.waitlist_offer_s = 300;
    return c;
  }
  onsale_fixture() { REQUIRE(st.open_sale() == result_code::ok); }

  outcome run(const command& c, int64_t now) {
    auto out = st.apply(c, now);
    CHECK(st.invariants_hold());
    return out;
  }
  // Holds every seat of `section` but those in `except`, in holds of 16, the
  // k-th by user `user` + k (one user may not hold 100 seats); returns the holds.
  std::vector<hold_id> take_section(uint16_t section, user_id user, int64_t now,
                                    const std::set<seat_index>& except = {}) {
    const auto& s = hall->sections()[section];
    std::vector<seat_index> seats;
    for (seat_index i = s.first_seat; i < s.first_seat + s.seat_count; ++i)
      if (!except.count(i)) seats.push_back(i);
    std::vector<hold_id> holds;
    for (size_t k = 0; k < seats.size(); k += 16) {
      const auto n = std::min<size_t>(16, seats.size() - k);
      auto out = run(make_hold(++tag, user + holds.size(), std::span(seats).subspan(k, n)), now);
      REQUIRE(out.code == result_code::ok);
      holds.push_back(out.id);
    }
    return holds;
  }
  hold_id must_hold(user_id user, std::vector<seat_index> seats, int64_t now) {
    auto out = run(make_hold(++tag, user, seats), now);
    REQUIRE(out.code == result_code::ok);
    return out.id;
  }
  // The seats of the hold offered to `user`'s waitlist entry `seq`.
  std::vector<seat_index> offered_seats(user_id user, uint32_t seq) {
    auto e = entry(user, seq);
    REQUIRE(e.status == waitlist_status::offered);
    const auto* h = st.find_hold(e.hold);
    REQUIRE(h != nullptr);
    return {h->seats, h->seats + h->seat_count};
  }
  waitlist_view entry(user_id user, uint32_t seq) {
    auto a = st.waitlist_entry_of(user, seq);
    REQUIRE(a.code == result_code::ok);
    return a.entry;
  }
};

} // namespace

TEST_CASE_FIXTURE(onsale_fixture, "released seats go to waitlisted users in join order") {
  auto holds = take_section(0, 1, t0);
  // Seats are available: no waiting in line for them.
  CHECK(st.join_waitlist(2, 1, 2, t0).code == result_code::seats_available);
  CHECK(st.join_waitlist(2, 0, 0, t0).code == result_code::invalid_request);
  CHECK(st.join_waitlist(2, 99, 1, t0).code == result_code::unknown_section);

  auto a = st.join_waitlist(10, 0, 2, t0 + 1); // wants 2 in section 0
  auto b = st.join_waitlist(11, 0, 1, t0 + 2); // wants 1 in section 0
  auto c = st.join_waitlist(12, 0, 3, t0 + 3); // wants 3 in section 0
  REQUIRE(a.code == result_code::ok);
  REQUIRE(b.code == result_code::ok);
  REQUIRE(c.code == result_code::ok);
  CHECK(a.entry.position == 1);
  CHECK(b.entry.position == 2);
  CHECK(c.entry.position == 3);
  // Joining again keeps the place.
  CHECK(st.join_waitlist(10, 0, 2, t0 + 4).entry.seq == a.entry.seq);

  // User 1 releases one hold of 16 seats: 16 free seats reach a, b, c in order.
  REQUIRE(run(make_release(++tag, 1, holds[0]), t0 + 10).code == result_code::ok);
  auto offers = st.take_new_offers();
  REQUIRE(offers == std::vector<uint32_t>{a.entry.seq, b.entry.seq, c.entry.seq});
  for (auto [user, seq, quantity] :
       {std::tuple{10, a.entry.seq, 2}, {11, b.entry.seq, 1}, {12, c.entry.seq, 3}}) {
    auto e = entry(user, seq);
    CHECK(e.status == waitlist_status::offered);
    CHECK(e.offer_expires_at_ms == t0 + 10 + offer_ms);
    auto h = st.find_hold(e.hold);
    REQUIRE(h != nullptr);
    CHECK(h->user == static_cast<user_id>(user));
    CHECK(h->places() == static_cast<uint32_t>(quantity));
  }
  // Another user's entry is not visible.
  CHECK(st.waitlist_entry_of(99, a.entry.seq).code == result_code::unknown_waitlist);
}

TEST_CASE_FIXTURE(onsale_fixture, "an offered seat cannot be taken by anyone else") {
  auto holds = take_section(0, 1, t0);
  auto a = st.join_waitlist(10, 0, 1, t0);
  REQUIRE(a.code == result_code::ok);
  REQUIRE(run(make_release(++tag, 1, holds[0]), t0 + 5).code == result_code::ok);
  auto e = entry(10, a.entry.seq);
  REQUIRE(e.status == waitlist_status::offered);
  const seat_index offered = st.find_hold(e.hold)->seats[0];
  // Another user races for exactly that seat: refused, naming it.
  auto stolen = run(make_hold(++tag, 20, std::vector<seat_index>{offered}), t0 + 6);
  CHECK(stolen.code == result_code::seat_unavailable);
  // Nor may another user cancel or confirm the offer's hold.
  CHECK(run(make_release(++tag, 20, e.hold), t0 + 7).code == result_code::not_holder);
  CHECK(run(make_confirm(++tag, 20, e.hold), t0 + 7).code == result_code::not_holder);
  // The offered user pays: the entry is fulfilled.
  auto order = run(make_confirm(++tag, 10, e.hold), t0 + 8);
  REQUIRE(order.code == result_code::ok);
  CHECK(entry(10, a.entry.seq).status == waitlist_status::fulfilled);
}

TEST_CASE_FIXTURE(onsale_fixture, "a lapsed offer moves on to the next in line") {
  auto holds = take_section(0, 1, t0);
  auto a = st.join_waitlist(10, 0, 1, t0);
  auto b = st.join_waitlist(11, 0, 1, t0 + 1);
  REQUIRE(a.code == result_code::ok);
  REQUIRE(b.code == result_code::ok);
  // 16 seats come back: a and b are offered one each; 14 stay free.
  REQUIRE(run(make_release(++tag, 1, holds[0]), t0 + 5).code == result_code::ok);
  auto ea = entry(10, a.entry.seq);
  auto eb = entry(11, b.entry.seq);
  REQUIRE(ea.status == waitlist_status::offered);
  REQUIRE(eb.status == waitlist_status::offered);
  REQUIRE(run(make_confirm(++tag, 11, eb.hold), t0 + 10).code == result_code::ok);
  // d wants 15 of section 0, where 14 are free: d waits (it cannot be filled now).
  auto d = st.join_waitlist(13, 0, 15, t0 + 12);
  REQUIRE(d.code == result_code::ok);
  CHECK(entry(13, d.entry.seq).status == waitlist_status::waiting);
  // a lets the offer lapse: one tick early nothing happens, at the deadline it lapses.
  CHECK(st.expire_due(t0 + 5 + offer_ms - 1) == 0);
  CHECK(entry(10, a.entry.seq).status == waitlist_status::offered);
  CHECK(st.expire_due(t0 + 5 + offer_ms) == 1);
  CHECK(entry(10, a.entry.seq).status == waitlist_status::expired);
  // The lapsed seat made 15 free: d gets all of them.
  auto ed = entry(13, d.entry.seq);
  CHECK(ed.status == waitlist_status::offered);
  REQUIRE(st.find_hold(ed.hold) != nullptr);
  CHECK(st.find_hold(ed.hold)->places() == 15);
  CHECK(st.invariants_hold());
}

TEST_CASE_FIXTURE(onsale_fixture, "an offer to a user at their cap is cancelled, not forced") {
  event_config capped = config();
  capped.user_seats_max = 4;
  event_state small{hall, capped};
  REQUIRE(small.open_sale() == result_code::ok);
  // User 2 holds 4 GA places elsewhere; the floor's other 6 are held by user 1 in 2 holds.
  REQUIRE(small.apply(make_ga_hold(1, 2, floor, 4), t0).code == result_code::ok);
  auto h1 = small.apply(make_ga_hold(2, 1, floor, 3), t0);
  REQUIRE(small.apply(make_ga_hold(3, 3, floor, 3), t0).code == result_code::ok);
  REQUIRE(h1.code == result_code::ok);
  auto w = small.join_waitlist(2, floor, 2, t0); // user 2 waits for 2 more (over the cap)
  auto x = small.join_waitlist(5, floor, 2, t0 + 1);
  REQUIRE(w.code == result_code::ok);
  REQUIRE(x.code == result_code::ok);
  REQUIRE(small.apply(make_release(4, 1, h1.id), t0 + 2).code == result_code::ok);
  CHECK(small.waitlist_entry_of(2, w.entry.seq).entry.status == waitlist_status::cancelled);
  CHECK(small.waitlist_entry_of(5, x.entry.seq).entry.status == waitlist_status::offered);
  CHECK(small.invariants_hold());
}

namespace {

using testing::temp_dir;

void append(shard_store& store, uint32_t stream, const std::string& frames) {
  std::vector<journal_row> rows;
  split_frames(frames, stream, rows);
  auto st = store.append(rows);
  REQUIRE_MESSAGE(st.ok, st.message);
}

std::string waitlist_fingerprint(const event_state& s) {
  std::string out;
  for (const auto& e : s.export_snapshot().waitlist.entries)
    out += std::to_string(e.user) + ":" + std::to_string(e.hold) + ":" +
           std::to_string(static_cast<int>(e.status)) + ":" + std::to_string(e.quantity) + "|";
  return out;
}

} // namespace

TEST_CASE_FIXTURE(onsale_fixture, "waitlist and offers survive recovery from journal or snapshot") {
  temp_dir dir;
  std::unique_ptr<shard_store> store;
  REQUIRE(shard_store::open(dir.db(), 0, false, store).ok);
  REQUIRE(store->put_venue(hall->id(), encode_venue(*hall)).ok);
  event_state live{hall, config()};
  journal_sink sink{11};
  live.set_sink(&sink);
  sink.event_created(config(), hall->id(), t0);
  live.open_sale(t0);
  std::vector<hold_id> holds;
  for (uint32_t i = 0; i < 100; i += 10) {
    std::vector<seat_index> seats;
    for (uint32_t k = 0; k < 10; ++k)
      seats.push_back(hall->sections()[0].first_seat + i + k);
    holds.push_back(live.apply(make_hold(i, 1 + i, seats), t0).id);
  }
  for (user_id u = 10; u < 20; ++u)
    REQUIRE(live.join_waitlist(u, 0, 3, t0 + static_cast<int64_t>(u)).code == result_code::ok);
  REQUIRE(live.apply(make_release(1, 1, holds[0]), t0 + 100).code == result_code::ok);
  CHECK(live.take_new_offers().size() == 3); // 10 seats, 3 each
  append(*store, 11, sink.take_frames());
  const uint64_t mid = store->last_seq();
  REQUIRE(
      store->put_snapshot(11, mid, encode_snapshot(live.export_snapshot(), hall->id(), mid)).ok);
  // After the snapshot: one offer lapses, one is paid, another release.
  live.expire_due(t0 + 100 + offer_ms); // every offer and user 1's holds lapse
  append(*store, 11, sink.take_frames());
  const std::string expected = waitlist_fingerprint(live);
  REQUIRE(!expected.empty());

  for (bool journal_only : {true, false}) {
    CAPTURE(journal_only);
    recovery_result r;
    recovery_options opt;
    opt.journal_only = journal_only;
    auto st2 = recover_shard(*store, opt, r);
    REQUIRE_MESSAGE(st2.ok, st2.message);
    REQUIRE(r.events.count(11) == 1);
    CHECK(waitlist_fingerprint(*r.events[11].state) == expected);
    CHECK(r.events[11].state->invariants_hold());
    CHECK(r.events[11].state->live_holds() == live.live_holds());
  }
}

TEST_CASE("waiting-room places survive recovery from journal or snapshot") {
  temp_dir dir;
  std::unique_ptr<shard_store> store;
  REQUIRE(shard_store::open(dir.db(), 0, false, store).ok);
  admission_config c;
  c.opens_at_ms = t0 + 1'000;
  c.admit_per_min = 600;
  c.active_max = 100;
  c.shuffle_seed = 77;
  admission_queue q{c};
  queue_journal_sink sink{11};
  q.set_sink(&sink);
  sink.created(c, t0);
  const uint32_t stream = stream_of(11, stream_kind::queue);
  for (user_id u = 1; u <= 300; ++u)
    REQUIRE(q.join(u, t0 + static_cast<int64_t>(u)).code == result_code::ok);
  append(*store, stream, sink.take_frames());
  const uint64_t mid = store->last_seq();
  REQUIRE(
      store->put_snapshot(stream, mid, encode_queue_snapshot(stream, c, q.export_snapshot(), mid))
          .ok);
  for (int64_t t = t0 + 1'000; t <= t0 + 6'000; t += 250)
    q.tick(t);
  for (user_id u = 301; u <= 400; ++u)
    q.join(u, t0 + 6'000);
  q.finish(5, t0 + 6'001);
  append(*store, stream, sink.take_frames());

  std::vector<std::shared_ptr<admission_queue>> rebuilt;
  for (bool journal_only : {true, false}) {
    CAPTURE(journal_only);
    recovery_result r;
    recovery_options opt;
    opt.journal_only = journal_only;
    auto st = recover_shard(*store, opt, r);
    REQUIRE_MESSAGE(st.ok, st.message);
    REQUIRE(r.queues.count(11) == 1);
    CHECK(r.queues[11].snapshot_seq == (journal_only ? 0 : mid));
    auto& back = *r.queues[11].queue;
    CHECK(back.invariants_hold());
    CHECK(back.waiting() == q.waiting());
    CHECK(back.active() == q.active());
    for (user_id u = 1; u <= 400; ++u) {
      auto a = q.status(u, t0 + 6'001);
      auto b = back.status(u, t0 + 6'001);
      CHECK(a.state == b.state);
      CHECK(a.seq == b.seq);
      CHECK(a.position == b.position);
    }
    rebuilt.push_back(r.queues[11].queue);
  }
  // Both carry on admitting exactly as the original does.
  auto next = q.tick(t0 + 7'000);
  REQUIRE(!next.empty());
  for (auto& back : rebuilt) {
    auto again = back->tick(t0 + 7'000);
    REQUIRE(again.size() == next.size());
    for (size_t k = 0; k < next.size(); ++k)
      CHECK(again[k].user == next[k].user);
  }
}

TEST_CASE_FIXTURE(onsale_fixture,
                  "a waitlist offer takes seats side by side when the section has them") {
  // Section 0: seat 0 held alone, seats 10 and 11 held together, the rest in blocks.
  const seat_index first = hall->sections()[0].first_seat;
  const hold_id lone = must_hold(100, {first}, t0);
  const hold_id pair = must_hold(101, {first + 10, first + 11}, t0);
  take_section(0, 200, t0, {first, first + 10, first + 11});
  // Seat 0 comes back: one free seat, so a fan who wants two waits.
  REQUIRE(run(make_release(++tag, 100, lone), t0 + 1).code == result_code::ok);
  auto a = st.join_waitlist(10, 0, 2, t0 + 2);
  REQUIRE(a.code == result_code::ok);
  // The pair comes back: seats 0, 10 and 11 are free; the offer is 10 and 11, side by
  // side, not the section's first two free seats (0 and 10).
  REQUIRE(run(make_release(++tag, 101, pair), t0 + 3).code == result_code::ok);
  CHECK(offered_seats(10, a.entry.seq) == std::vector<seat_index>{first + 10, first + 11});
}

TEST_CASE_FIXTURE(onsale_fixture, "an any-section waitlist offer takes the best seats side by side "
                                  "anywhere") {
  // Every seat and GA place taken; then seat 0 of section 0 comes back.
  const seat_index s0 = hall->sections()[0].first_seat, s1 = hall->sections()[1].first_seat;
  const hold_id lone = must_hold(100, {s0}, t0);
  const hold_id mixed = must_hold(101, {s0 + 5, s1 + 10, s1 + 11}, t0);
  const std::set<seat_index> apart{s0, s0 + 5, s1 + 10, s1 + 11};
  for (uint16_t section = 0; section < 4; ++section)
    take_section(section, 200 + 10 * section, t0, apart);
  REQUIRE(run(make_ga_hold(++tag, 300, floor, 10), t0).code == result_code::ok);
  REQUIRE(run(make_release(++tag, 100, lone), t0 + 1).code == result_code::ok);
  auto a = st.join_waitlist(10, no_area, 2, t0 + 2);
  REQUIRE(a.code == result_code::ok);
  // Seats 0 and 5 of section 0 and the pair 10, 11 of section 1 are free: the
  // offer is the pair, not section 0's first two free seats.
  REQUIRE(run(make_release(++tag, 101, mixed), t0 + 3).code == result_code::ok);
  CHECK(offered_seats(10, a.entry.seq) == std::vector<seat_index>{s1 + 10, s1 + 11});
  CHECK(st.find_hold(entry(10, a.entry.seq).hold)->total_cents == 2 * st.section_price(1));
}
