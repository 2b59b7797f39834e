// Persistence: what this tries to break is the journal (records that do not
// round-trip, a newer schema read silently, a torn or corrupt last record
// half-read), recovery (snapshot-only, journal-only, both; holds that expired
// while the node was down; ids reused after restart) and group commit (an
// answer that leaves before its record is durable, records out of order).
#include <doctest/doctest.h>

#include <filesystem>
#include <map>

#include <sqlite3.h>

#include "actors/shard_actor.hpp"
#include "persistence/checkout_format.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/journal_sink.hpp"
#include "persistence/queue_format.hpp"
#include "persistence/recovery.hpp"
#include "tests/actor_fixture.hpp"
#include "tests/temp_dir.hpp"
#include "node/demo_venue.hpp"

using namespace holdfast;
using namespace std::chrono_literals;

namespace {

using testing::temp_dir;

std::unique_ptr<shard_store> open_store(const std::string& path, uint32_t shard = 0) {
  std::unique_ptr<shard_store> store;
  auto st = shard_store::open(path, shard, false, store);
  REQUIRE_MESSAGE(st.ok, st.message);
  return store;
}

// An event whose changes go straight into a store, one transaction per step.
struct journaled_event {
  std::shared_ptr<const venue> hall = make_demo_venue(4, 400, 50);
  event_config config;
  event_state state;
  journal_sink sink;
  shard_store& store;

  explicit journaled_event(shard_store& s)
      : config(make_config()), state(hall, config), sink(config.id), store(s) {
    REQUIRE(store.put_venue(hall->id(), encode_venue(*hall)).ok);
    state.set_sink(&sink);
    sink.event_created(config, hall->id(), 0);
    state.open_sale(0);
    flush();
  }
  static event_config make_config() {
    event_config c;
    c.id = 42;
    c.name = "recovery";
    return c;
  }
  void flush() {
    auto frames = sink.take_frames();
    std::vector<journal_row> rows;
    split_frames(frames, config.id, rows);
    auto st = store.append(rows);
    REQUIRE_MESSAGE(st.ok, st.message);
  }
  outcome apply(command cmd, int64_t now) {
    auto out = state.apply(cmd, now);
    flush();
    return out;
  }
  // A busy little sale: holds, confirms, cancels, an expiry, a price change.
  void run_sale() {
    std::vector<hold_id> held;
    for (uint64_t u = 1; u <= 30; ++u) {
      std::vector<seat_index> seats{static_cast<seat_index>(u * 3),
                                    static_cast<seat_index>(u * 3 + 1)};
      auto out = apply(make_hold(u, u, seats), 1'000 * static_cast<int64_t>(u));
      REQUIRE(out.code == result_code::ok);
      held.push_back(out.id);
    }
    REQUIRE(
        apply(make_ga_hold(99, 99, static_cast<uint16_t>(hall->sections().size() - 1), 5), 40'000)
            .code == result_code::ok);
    for (uint64_t u = 1; u <= 10; ++u)
      REQUIRE(apply(make_confirm(u, u, held[u - 1]), 50'000).code == result_code::ok);
    for (uint64_t u = 11; u <= 15; ++u)
      REQUIRE(apply(make_release(u, u, held[u - 1]), 60'000).code == result_code::ok);
    state.set_section_price(0, 15'000, 70'000);
    flush();
    // Holds of users 16..20 were made at 16 s..20 s: expire them at 616 s.
    state.expire_due(620'500);
    flush();
  }
};

std::string fingerprint(const event_state& s) {
  auto snap = s.export_snapshot();
  std::string out = std::string(status_name(snap.status)) + "|" + std::to_string(snap.hold_seq);
  for (auto p : snap.prices)
    out += "|" + std::to_string(p);
  for (const auto& [seq, h] : snap.holds)
    out += "|h" + std::to_string(seq) + ":" + std::to_string(h.user) + ":" +
           std::to_string(h.expires_at_ms) + ":" + std::to_string(h.places());
  for (const auto& o : snap.orders)
    out += "|o" + std::to_string(o.hold_seq) + ":" + std::to_string(o.user) + ":" +
           std::to_string(o.total_cents);
  return out;
}

recovery_result recover(const shard_store& store, bool journal_only = false) {
  recovery_result r;
  recovery_options opt;
  opt.journal_only = journal_only;
  auto st = recover_shard(store, opt, r);
  REQUIRE_MESSAGE(st.ok, st.message);
  return r;
}

void raw_sql(const std::string& db, const char* sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  const bool ok = sqlite3_exec(h, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
  const std::string why = std::string(sqlite3_errmsg(h)) + " in " + sql;
  REQUIRE_MESSAGE(ok, why);
  sqlite3_close(h);
}

} // namespace

TEST_CASE("journal records round-trip and a newer schema fails loudly") {
  hold_record h;
  h.user = 7;
  h.expires_at_ms = 123'456;
  h.duration_ms = 600'000;
  h.total_cents = 24'000;
  h.seat_count = 2;
  h.seats[0] = 10;
  h.seats[1] = 11;
  std::string blob;
  encode_hold_placed(blob, 3, 9, h, 1'000);
  journal::Record r;
  REQUIRE(decode_record(blob, 0, 1, r).ok);
  CHECK(r.event_id() == 3);
  CHECK(r.at_ms() == 1'000);
  auto back = hold_from_proto(r.hold_placed());
  CHECK(r.hold_placed().hold_seq() == 9);
  CHECK(back.user == 7);
  CHECK(back.expires_at_ms == 123'456);
  CHECK(back.total_cents == 24'000);
  CHECK(std::vector<seat_index>(back.seats, back.seats + back.seat_count) ==
        std::vector<seat_index>{10, 11});

  order_record o;
  o.hold_seq = 9;
  o.user = 7;
  o.created_at_ms = 5;
  o.total_cents = 24'000;
  o.ga_area = 4;
  o.quantity = 3;
  encode_order_confirmed(blob, 3, 1, o);
  REQUIRE(decode_record(blob, 0, 2, r).ok);
  auto ob = order_from_proto(r.order_confirmed());
  CHECK(ob.ga_area == 4);
  CHECK(ob.quantity == 3);
  CHECK(ob.hold_seq == 9);

  r.set_schema_version(journal_schema_version + 1);
  auto newer = decode_record(r.SerializeAsString(), 5, 77, r);
  CHECK_FALSE(newer.ok);
  CHECK(newer.message.find("shard 5 journal seq 77") != std::string::npos);
  CHECK(newer.message.find("schema version") != std::string::npos);

  journal::Record unknown;
  unknown.set_schema_version(journal_schema_version);
  unknown.set_event_id(3);
  auto st = decode_record(unknown.SerializeAsString(), 5, 78, r);
  CHECK_FALSE(st.ok);
  CHECK(st.message.find("unknown") != std::string::npos);
  CHECK_FALSE(decode_record("\xff\xff\xff garbage", 5, 79, r).ok);
}

TEST_CASE("formats keep what bounded state needs: hold keys, card fingerprints, evictions, "
          "sparse waitlist seqs, the queue's first seq") {
  // A hold's Idempotency-Key survives its record.
  hold_record h;
  h.user = 7;
  h.seat_count = 1;
  h.idempotency_key = 0xFEEDull;
  h.request_hash = 0xBEEFull;
  journal::HoldPlaced hp;
  hold_to_proto(hp, 1, h);
  CHECK(hold_from_proto(hp).idempotency_key == 0xFEEDull);
  CHECK(hold_from_proto(hp).request_hash == 0xBEEFull);

  // A checkout snapshot keeps fingerprints and seats (the card cap is rebuilt
  // from them); an eviction record replays.
  checkout_saga saga(checkout_config_of(3));
  const std::string fp(16, '\x07');
  REQUIRE(saga.begin({1, "k", make_event_scoped_id(3, 1), 500, "4242424242424242", fp, 2, 8}, 10)
              .code == saga_code::ok);
  REQUIRE(saga.begin({2, "k", make_event_scoped_id(3, 2), 500, "4000000000000002", "", 3, 8}, 10)
              .code == saga_code::ok);
  const std::string declined_key = saga.payment_key(2, "k");
  payment_result no{payment_op::authorize,     declined_key,
                    payment_outcome::declined, decline_reason::card_declined,
                    provider_state::declined,  0};
  saga.on_result(no, 20);
  std::unique_ptr<checkout_saga> back;
  const auto st = decode_checkout_snapshot(
      encode_checkout_snapshot(stream_of(3, stream_kind::checkout), saga.export_snapshot(), 1), 3,
      back);
  REQUIRE_MESSAGE(st.ok, st.message);
  CHECK(back->card_seats(fp) == 2);
  CHECK(back->find(saga.payment_key(1, "k"))->record.card_fingerprint == fp);
  CHECK(back->find(saga.payment_key(1, "k"))->record.seats == 2);
  CHECK(back->invariants_hold());
  journal::Record evicted;
  evicted.mutable_checkout_evicted()->add_payment_keys(declined_key);
  CHECK(replay_checkout_record(*back, evicted));
  CHECK(back->find(declined_key) == nullptr);
  CHECK_FALSE(replay_checkout_record(*back, evicted)); // gone already: a contradiction

  // A waitlist with compacted entries keeps its seqs and next seq.
  waitlist_config wc;
  wc.live_entries_max = 2;
  wc.entries_max = 2;
  event_snapshot es;
  es.config.id = 3;
  es.config.name = "x";
  es.waitlist.config = wc;
  waitlist_entry live;
  live.user = 9;
  live.quantity = 1;
  es.waitlist.entries = {live};
  es.waitlist.seqs = {5};
  es.waitlist.next_seq = 8;
  const std::string blob = encode_snapshot(es, "v", 1);
  journal::EventSnapshot proto;
  REQUIRE(proto.ParseFromString(blob));
  const auto wl = snapshot_from_proto(proto).waitlist;
  CHECK(wl.seqs == std::vector<uint32_t>{5});
  CHECK(wl.next_seq == 8);
  auto restored = waitlist::restore(wl);
  REQUIRE(restored != nullptr);
  CHECK(restored->find(5)->user == 9);
  CHECK(restored->entries_recorded() == 7);

  // A queue snapshot keeps the seq its entries start at.
  admission_config qc;
  qc.admit_per_min = 60;
  qc.active_max = 1;
  admission_snapshot qs;
  qs.opened = true;
  qs.first_seq = 41;
  qs.entries = {queue_entry{5, 0, queue_state::queued}};
  std::unique_ptr<admission_queue> queue;
  const auto queue_st = decode_queue_snapshot(
      encode_queue_snapshot(stream_of(3, stream_kind::queue), qc, qs, 1), queue);
  REQUIRE_MESSAGE(queue_st.ok, queue_st.message);
  CHECK(queue->status(5, 0).seq == 41);
  CHECK(queue->status(5, 0).position == 1);
}

TEST_CASE("recovery from journal only, snapshot only, and snapshot plus tail agree") {
  temp_dir dir;
  auto store = open_store(dir.db());
  journaled_event ev{*store};
  ev.run_sale();
  const std::string expected = fingerprint(ev.state);

  SUBCASE("journal only") {
    auto r = recover(*store, true);
    REQUIRE(r.events.count(42) == 1);
    CHECK(fingerprint(*r.events[42].state) == expected);
    CHECK(r.events[42].state->invariants_hold());
  }
  SUBCASE("snapshot only (journal compacted away)") {
    auto snap = ev.state.export_snapshot();
    REQUIRE(store
                ->put_snapshot(42, store->last_seq(),
                               encode_snapshot(snap, ev.hall->id(), store->last_seq()))
                .ok);
    REQUIRE(store
                ->put_snapshot(42, store->last_seq(),
                               encode_snapshot(snap, ev.hall->id(), store->last_seq()))
                .ok);
    raw_sql(dir.db(), "DELETE FROM journal");
    auto r = recover(*store);
    CHECK(r.records == 0);
    CHECK(r.events[42].snapshot_seq == store->last_seq());
    CHECK(fingerprint(*r.events[42].state) == expected);
    CHECK(r.events[42].state->invariants_hold());
  }
  SUBCASE("snapshot in the middle, journal tail after it") {
    temp_dir dir2;
    auto store2 = open_store(dir2.db());
    journaled_event ev2{*store2};
    for (uint64_t u = 1; u <= 5; ++u) {
      std::vector<seat_index> seats{static_cast<seat_index>(200 + u)};
      ev2.apply(make_hold(u, u, seats), 1'000);
    }
    const uint64_t mid = store2->last_seq();
    REQUIRE(store2
                ->put_snapshot(42, mid,
                               encode_snapshot(ev2.state.export_snapshot(), ev2.hall->id(), mid))
                .ok);
    ev2.run_sale();
    auto r = recover(*store2);
    CHECK(r.events[42].snapshot_seq == mid);
    CHECK(r.events[42].records_replayed == store2->last_seq() - mid);
    CHECK(fingerprint(*r.events[42].state) == fingerprint(ev2.state));
  }
}

TEST_CASE("recovered holds keep absolute deadlines, expire on time, and ids never repeat") {
  temp_dir dir;
  auto store = open_store(dir.db());
  journaled_event ev{*store};
  std::vector<seat_index> seats{1, 2};
  auto held = ev.apply(make_hold(1, 1, seats), 10'000);
  REQUIRE(held.code == result_code::ok);
  auto r = recover(*store);
  auto& state = *r.events[42].state;
  const hold_record* h = state.find_hold(held.id);
  REQUIRE(h != nullptr);
  CHECK(h->expires_at_ms == 610'000); // not extended by the restart
  // The node was down past the deadline: the first expiry pass releases it.
  CHECK(state.expire_due(610'000) == 1);
  CHECK(state.inventory().slot(1).state == seat_state::available);
  auto again = state.apply(make_hold(2, 2, seats), 611'000);
  REQUIRE(again.code == result_code::ok);
  CHECK(seq_of(again.id) > seq_of(held.id));
  CHECK(state.apply(make_confirm(3, 1, held.id), 611'000).code == result_code::hold_expired);
}

TEST_CASE("a torn or corrupt last record stops recovery, naming shard and sequence") {
  temp_dir dir;
  auto store = open_store(dir.db(3), 3);
  journaled_event ev{*store};
  ev.run_sale();
  const uint64_t last = store->last_seq();
  const std::string last_s = std::to_string(last);
  store.reset();

  SUBCASE("torn: the last record is cut short") {
    raw_sql(dir.db(3), ("UPDATE journal SET record = substr(record, 1, length(record) - 3) "
                        "WHERE seq = " +
                        last_s)
                           .c_str());
  }
  SUBCASE("corrupt: one byte of the last record flipped") {
    raw_sql(dir.db(3), ("UPDATE journal SET record = "
                        "substr(record, 1, 5) || char((unicode(substr(record, 6, 1)) + 1) % 128) "
                        "|| substr(record, 7) WHERE seq = " +
                        last_s)
                           .c_str());
  }
  auto reopened = open_store(dir.db(3), 3);
  recovery_result r;
  auto st = recover_shard(*reopened, {}, r);
  CHECK_FALSE(st.ok);
  CHECK(st.message.find("shard 3") != std::string::npos);
  CHECK(st.message.find("seq " + last_s) != std::string::npos);
}

TEST_CASE("a gap in the journal stops recovery") {
  temp_dir dir;
  auto store = open_store(dir.db());
  journaled_event ev{*store};
  ev.run_sale();
  raw_sql(dir.db(), "DELETE FROM journal WHERE seq = 5");
  recovery_result r;
  auto st = recover_shard(*store, {}, r);
  CHECK_FALSE(st.ok);
  CHECK(st.message.find("gap at seq 5") != std::string::npos);
}

TEST_CASE("a database of another shard is refused") {
  temp_dir dir;
  open_store(dir.db(1), 1);
  std::unique_ptr<shard_store> wrong;
  auto st = shard_store::open(dir.db(1), 2, false, wrong);
  CHECK_FALSE(st.ok);
  CHECK(st.message.find("belongs to shard 1") != std::string::npos);
}

namespace {

struct durable_fixture : testing::actor_fixture {
  temp_dir dir;
  std::shared_ptr<shard_store> store;
  shard_actor shard;
  venue_ptr hall = make_demo_venue(4, 400, 50);

  durable_fixture() {
    store = open_store(dir.db());
    shard_setup setup;
    setup.store = store;
    setup.wall_origin_ms = testing::test_wall_origin_ms;
    setup.journal_detached = false;
    shard = spawn_shard_actor(sys, setup);
  }
  event_actor create(event_id id) {
    event_config c;
    c.id = id;
    c.name = "durable";
    self->send(shard, create_atom::value, c, hall);
    deliver();
    auto ev = reply_of_type<event_actor>();
    CHECK(ask<event_status>(ev, sale_atom::value, sale_action::open) == event_status::on_sale);
    return ev;
  }
};

} // namespace

TEST_CASE_FIXTURE(durable_fixture, "answers leave only after their records commit, in order") {
  auto ev = create(1);
  const uint64_t before = store->last_seq();
  std::vector<seat_index> seats{7, 8};
  self->send(ev, command_batch{1, {make_hold(1, 1, seats)}});
  // Step the scheduler one message at a time: the outcome must not reach us
  // before the journal has committed the hold.
  bool answered = false;
  while (sched.try_run_once()) {
    self->receive(
        [&](outcome_batch& out) {
          answered = true;
          CHECK(out.outcomes[0].code == result_code::ok);
          CHECK(store->last_seq() == before + 1); // committed first
        },
        caf::after(0s) >> [] {});
    if (answered) break;
  }
  CHECK(answered);

  // Two events, several batches each, queued before the journal runs: one
  // group commit, and each event's records in its decision order.
  auto ev2 = create(2);
  const uint64_t start = store->last_seq();
  for (uint64_t b = 0; b < 3; ++b) {
    std::vector<seat_index> s1{static_cast<seat_index>(20 + b)},
        s2{static_cast<seat_index>(30 + b)};
    self->send(ev, command_batch{10 + b, {make_hold(b, 100 + b, s1)}});
    self->send(ev2, command_batch{20 + b, {make_hold(b, 200 + b, s2)}});
  }
  deliver();
  for (int k = 0; k < 6; ++k)
    reply_of_type<outcome_batch>();
  CHECK(store->last_seq() == start + 6);
  std::vector<uint32_t> seqs_of_event1;
  auto st = store->scan(start, [&](uint64_t, event_id e, std::string_view blob) {
    journal::Record r;
    REQUIRE(decode_record(blob, 0, 0, r).ok);
    if (e == 1) seqs_of_event1.push_back(r.hold_placed().hold_seq());
    return status::success();
  });
  REQUIRE(st.ok);
  CHECK(std::is_sorted(seqs_of_event1.begin(), seqs_of_event1.end()));
  CHECK(seqs_of_event1.size() == 3);
}

TEST_CASE_FIXTURE(durable_fixture,
                  "a refusal that records nothing still waits for the hold it was refused by") {
  // Batch 1 holds seat 40; batch 2, decided before the journal runs, is refused
  // because of that hold and journals nothing. Answering it at once would tell
  // user 2 "taken" on the strength of a hold a crash could still erase.
  auto ev = create(1);
  const uint64_t before = store->last_seq();
  self->send(ev, command_batch{1, {make_hold(1, 1, std::vector<seat_index>{40, 41})}});
  self->send(ev, command_batch{2, {make_hold(2, 2, std::vector<seat_index>{41})}});
  std::map<uint64_t, result_code> answers;
  while (answers.size() < 2 && sched.try_run_once()) {
    self->receive(
        [&](outcome_batch& out) {
          CHECK(store->last_seq() == before + 1); // the hold committed before either answer
          answers[out.batch_id] = out.outcomes.at(0).code;
        },
        caf::after(0s) >> [] {});
  }
  REQUIRE(answers.size() == 2);
  CHECK(answers[1] == result_code::ok);
  CHECK(answers[2] == result_code::seat_unavailable);
  CHECK(store->last_seq() == before + 1); // the refusal journaled nothing

  // With everything durable, a refusal is answered without a journal round trip.
  deliver(); // the journal's acknowledgement reaches the event actor
  self->send(ev, command_batch{3, {make_hold(3, 3, std::vector<seat_index>{40})}});
  REQUIRE(sched.try_run_once()); // the event actor alone
  auto out = reply_of_type<outcome_batch>();
  CHECK(out.batch_id == 3);
  CHECK(out.outcomes.at(0).code == result_code::seat_unavailable);
}

TEST_CASE("compaction deletes in slices and never past the second-newest snapshot") {
  temp_dir dir;
  auto store = open_store(dir.db());
  journaled_event ev{*store};
  ev.run_sale();
  const uint64_t older = store->last_seq() / 2, newer = store->last_seq() - 3;
  const auto snap = encode_snapshot(ev.state.export_snapshot(), ev.hall->id(), older);
  REQUIRE(store->put_snapshot(42, newer, snap).ok);
  uint64_t first = 0, rows = 0, deleted = 0, bound = 0;
  REQUIRE(store->compaction_bound(bound).ok);
  CHECK(bound == 0); // one snapshot only: the journal must stay whole
  REQUIRE(store->compact(bound, 5, &deleted).ok);
  CHECK(deleted == 0);
  REQUIRE(store->put_snapshot(42, older, snap).ok);
  REQUIRE(store->compaction_bound(bound).ok);
  CHECK(bound == older);
  REQUIRE(store->compact(bound, 5, &deleted).ok);
  CHECK(deleted == 5);
  REQUIRE(store->journal_bounds(first, rows).ok);
  CHECK(first == 6);
  while (deleted == 5)
    REQUIRE(store->compact(bound, 5, &deleted).ok);
  REQUIRE(store->journal_bounds(first, rows).ok);
  CHECK(first == older + 1); // the older snapshot's records are the last to go
  CHECK(rows == store->last_seq() - older);
}

TEST_CASE("snapshots live in their own file; files from before the split are moved over") {
  temp_dir dir;
  {
    auto store = open_store(dir.db(), 0);
    journaled_event ev{*store};
    ev.run_sale();
  }
  const std::string snapshots = snapshot_db_path(dir.db());
  CHECK(snapshots.ends_with(".snapshots.db"));

  SUBCASE("the writer's own connection writes them, the journal's reads them") {
    std::unique_ptr<shard_store> writer;
    REQUIRE(shard_store::open_snapshot_writer(dir.db(), 0, writer).ok);
    REQUIRE(writer->put_snapshot(42, 7, "blob-7").ok);
    auto store = open_store(dir.db(), 0);
    std::vector<uint64_t> seen;
    REQUIRE(store
                ->latest_snapshots([&](event_id e, uint64_t seq, std::string_view blob) {
                  CHECK(e == 42);
                  CHECK(blob == "blob-7");
                  seen.push_back(seq);
                  return status::success();
                })
                .ok);
    CHECK(seen == std::vector<uint64_t>{7});
    // The journal file itself has no snapshot table any more.
    CHECK(std::filesystem::exists(snapshots));
  }
  SUBCASE("a journal file that still holds a snapshots table gives its rows to the new file") {
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(snapshots + suffix);
    // A row with a valid checksum, written through the new path, then moved
    // into an old-style table in the journal file by hand.
    {
      std::unique_ptr<shard_store> writer;
      const auto opened = shard_store::open_snapshot_writer(dir.db(), 0, writer);
      REQUIRE_MESSAGE(opened.ok, opened.message);
      REQUIRE(writer->put_snapshot(42, 9, "blob-9").ok);
    }
    raw_sql(dir.db(), ("CREATE TABLE snapshots(event_id INTEGER NOT NULL, seq INTEGER NOT NULL, "
                       "crc INTEGER NOT NULL, blob BLOB NOT NULL, PRIMARY KEY(event_id, seq)); "
                       "ATTACH DATABASE '" +
                       snapshots +
                       "' AS s; INSERT INTO main.snapshots SELECT * FROM s.snapshots; "
                       "DELETE FROM s.snapshots;")
                          .c_str());
    auto store = open_store(dir.db(), 0); // moves the old rows
    std::vector<uint64_t> seen;
    REQUIRE(store
                ->latest_snapshots([&](event_id, uint64_t seq, std::string_view blob) {
                  CHECK(blob == "blob-9");
                  seen.push_back(seq);
                  return status::success();
                })
                .ok);
    CHECK(seen == std::vector<uint64_t>{9});
  }
}
