// bench-durable: what durability costs, measured against a peer in ONE run.
//
//   1. Peer: one SQLite transaction per journal record (WAL, synchronous=FULL,
//      the same shard_store), the way a naive "commit every decision" service
//      would write. Each record is a real encoded hold or release.
//   2. Ours: the real pipeline (shard actor -> event actor -> journal actor with
//      group commit). An event actor answers a command_batch only after the
//      journal committed that batch's records, so every outcome a client
//      counts here was durable before the client saw it.
//   3. Recovery: a shard database holding >= 1,000,000 journal records (no
//      snapshot) is replayed with recover_shard(), timed, and checked against
//      the state that wrote it.
//
// Clients are simulated as in bench/engine.cpp, by the same driver
// (bench/load_driver.hpp): driver actors plain-`send` command batches and keep
// a bounded number in flight; each client has one request in flight.
//
// Everything lives in a temporary directory under /tmp, removed at the end.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <caf/all.hpp>

#include "actors/event_actor.hpp"
#include "actors/message_registry.hpp"
#include "actors/shard_actor.hpp"
#include "bench/load_driver.hpp"
#include "core/memory.hpp"
#include "core/venue.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/journal_sink.hpp"
#include "persistence/recovery.hpp"
#include "persistence/shard_store.hpp"
#include "node/demo_venue.hpp"

namespace holdfast::bench {

// -- settings -----------------------------------------------------------------

// Far fewer clients than bench-engine's 102,400: there, 100K groups of 1-4
// want ~250K seats of 50,000, so ~99% of holds are refused and almost nothing
// reaches the journal. 16,384 clients hold ~20K seats at a time, so at first
// most holds are granted; refusals grow as sold seats pile up. 2% confirm
// keeps seats on sale for the whole default run; at 30% sold seats crowd the
// map within a second (~95% of holds refused) and every seat is gone in ~3 s.
struct bench_options : load_options {
  double peer_seconds = 2; // peer: one transaction per record; `seconds` is ours
  uint64_t recovery_records = 1'000'000;
  // The node's default: each event snapshots after this many records, and the
  // journal then compacts (deletes the rows the snapshots cover).
  uint64_t snapshot_records = limits::snapshot_records_interval;

  bench_options() {
    clients = 16'384;
    in_flight = 16'384;
    confirm_percent = 2;
  }
};

double seconds_since(int64_t start_ns) {
  return double(steady_now_ns() - start_ns) / 1e9;
}

unsigned long long ull(uint64_t x) {
  return x;
}

// A fresh directory under /tmp, removed with everything in it on destruction.
class temp_dir {
public:
  temp_dir() {
    std::string pattern = "/tmp/holdfast-bench-durable-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  bool ok() const { return !path_.empty(); }
  std::string db(const std::string& name) const { return path_ + "/" + name + ".db"; }
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

std::shared_ptr<shard_store> open_store(const std::string& path) {
  std::unique_ptr<shard_store> store;
  if (auto st = shard_store::open(path, 0, false, store); !st) {
    std::fprintf(stderr, "bench-durable: %s\n", st.message.c_str());
    return nullptr;
  }
  return store;
}

event_config bench_event_config() {
  event_config c;
  c.id = 1;
  c.name = "bench-durable";
  return c;
}

venue_ptr bench_venue() {
  return make_demo_venue(40, 50'000, 2'000);
}

// -- 1. the peer: one transaction per record ------------------------------------

// An event_state whose changes are encoded by a journal_sink and appended to a
// store directly, without actors: the peer and the recovery writer.
struct journaled_event {
  venue_ptr hall = bench_venue();
  event_config config = bench_event_config();
  event_state state{hall, config};
  journal_sink sink{config.id};
  shard_store& store;
  std::vector<journal_row> rows; // reused between appends
  uint64_t appended = 0;

  // Stores the venue and journals the event's creation and sale opening.
  explicit journaled_event(shard_store& s) : store(s) {
    if (auto st = store.put_venue(hall->id(), encode_venue(*hall)); !st) fail(st);
    state.set_sink(&sink);
    sink.event_created(config, hall->id(), 0);
    state.open_sale(0);
    append_pending();
  }

  // Every record decided since the last call, in ONE transaction.
  void append_pending() {
    const std::string frames = sink.take_frames();
    rows.clear();
    split_frames(frames, config.id, rows);
    if (auto st = store.append(rows); !st) fail(st);
    appended += rows.size();
  }

  // Thrown, not exit()ed: unwinding removes the temporary directory.
  [[noreturn]] static void fail(const status& st) {
    throw std::runtime_error("store failed: " + st.message);
  }
};

struct peer_result {
  uint64_t records = 0;
  double seconds = 0;
  double per_s() const { return double(records) / seconds; }
};

// One client holds seats and releases them again, forever: every decision is
// one real hold_placed or hold_released record, committed on its own.
peer_result run_peer(const temp_dir& dir, double seconds) {
  auto store = open_store(dir.db("peer"));
  if (!store) throw std::runtime_error("cannot open the peer's store");
  journaled_event ev{*store};
  random_source rng{7};
  const uint64_t first = ev.appended;
  const int64_t start = steady_now_ns();
  const auto deadline = start + static_cast<int64_t>(seconds * 1e9);
  for (uint64_t k = 1; steady_now_ns() < deadline; ++k) {
    const outcome held = ev.state.apply(random_hold(rng, k, 1, ev.hall->seat_count()), 1'000);
    ev.append_pending();
    if (held.code == result_code::ok) {
      ev.state.apply(make_release(k, 1, held.id), 1'000);
      ev.append_pending();
    }
  }
  return {ev.appended - first, seconds_since(start)};
}

// -- 2. ours: the actor pipeline with group commit --------------------------------

struct pipeline_result {
  run_summary sum;
  journal_stats before; // after creating and opening the event, before the clients
  journal_stats after;  // after every client drained
  uint64_t seats_sold = 0;
  uint32_t seat_count = 0;
  event_status status = event_status::scheduled;
  bool ok = false;
};

template <class Handle, class T, class... Ts>
std::optional<T> ask(caf::scoped_actor& self, const Handle& to, Ts... xs) {
  std::optional<T> answer;
  self->request(to, std::chrono::seconds(30), xs...)
      .receive([&](T& x) { answer = std::move(x); },
               [&](caf::error& e) {
                 std::fprintf(stderr, "bench-durable: request failed: %s\n", to_string(e).c_str());
               });
  return answer;
}

// Opens and recovers the shard's (empty) database and spawns the shard, as
// holdfast-node does at start.
std::optional<shard_actor> start_shard(caf::actor_system& sys, const temp_dir& dir,
                                       uint64_t snapshot_records) {
  auto store = open_store(dir.db("shard-0"));
  if (!store) return std::nullopt;
  auto recovered = std::make_shared<recovery_result>();
  if (auto st = recover_shard(*store, {}, *recovered); !st) {
    std::fprintf(stderr, "bench-durable: %s\n", st.message.c_str());
    return std::nullopt;
  }
  shard_setup setup;
  setup.index = 0;
  setup.wall_origin_ms = wall_now_ms();
  setup.store = std::move(store);
  setup.recovered = std::move(recovered);
  setup.snapshot_records = snapshot_records;
  return spawn_shard_actor(sys, std::move(setup));
}

pipeline_result run_pipeline(const temp_dir& dir, const bench_options& o) {
  pipeline_result res;
  caf::actor_system_config cfg;
  register_message_types(cfg);
  cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  auto shard = start_shard(sys, dir, o.snapshot_records);
  if (!shard) return res;
  auto hall = bench_venue();
  auto engine =
      ask<shard_actor, event_actor>(self, *shard, create_atom::value, bench_event_config(), hall);
  auto opened =
      engine ? ask<event_actor, event_status>(self, *engine, sale_atom::value, sale_action::open)
             : std::nullopt;
  auto before = ask<shard_actor, journal_stats>(self, *shard, stats_atom::value);
  if (opened == event_status::on_sale && before) {
    res.before = *before;
    auto sum = run_load(sys, self, *engine, o, hall->seat_count(), "bench-durable");
    auto after = ask<shard_actor, journal_stats>(self, *shard, stats_atom::value);
    auto map = ask<event_actor, seat_map_view>(self, *engine, seatmap_atom::value);
    if (sum && after && map) {
      res.sum = *sum;
      res.after = *after;
      res.seats_sold = count_bits(map->sold_bits);
      res.seat_count = hall->seat_count();
      res.status = map->status;
      res.ok = true;
    }
  }
  // The shard takes its event actors and its journal down with it; the actor
  // system's destructor waits for them, so the store is closed on return.
  self->send_exit(*shard, caf::exit_reason::user_shutdown);
  return res;
}

void print_pipeline(const bench_options& o, const pipeline_result& r) {
  const run_summary& s = r.sum;
  const decision_counts& n = s.counts;
  const uint64_t records = r.after.records - r.before.records;
  const uint64_t commits = r.after.commits - r.before.commits;
  const uint64_t commit_us = r.after.commit_us_total - r.before.commit_us_total;
  auto per_s = [&](uint64_t x) { return double(x) / s.elapsed_s; };
  std::printf("\n2. ours: shard -> event actor -> journal actor (group commit), 1 event, "
              "50,000 seats\n");
  std::printf("   %u drivers, %u clients, in-flight bound %u, batch %u, confirm %u%%, seed %llu\n",
              o.drivers, o.clients, o.in_flight, o.batch, o.confirm_percent, ull(o.seed));
  std::printf("   elapsed                %.3f s (%.1f s run, then drain)\n", s.elapsed_s,
              o.seconds);
  std::printf("   requests in flight     %.0f (mean low point of the reply cycles)\n",
              s.in_flight_mean);
  std::printf("   durable decisions/s    %10.0f  (%llu: %llu holds, %llu confirms, %llu releases; "
              "answered after commit)\n",
              s.durable_per_s(), ull(n.durable()), ull(n.holds_granted), ull(n.confirms),
              ull(n.releases));
  std::printf("   total decisions/s      %10.0f  (%llu, incl. %llu refused holds)\n",
              s.total_per_s(), ull(n.total()), ull(n.holds_refused));
  std::printf("   journal records/s      %10.0f  (%llu)\n", per_s(records), ull(records));
  std::printf("   commits                %10llu  (%.0f/s), %.1f records per commit\n", ull(commits),
              per_s(commits), commits ? double(records) / double(commits) : 0.0);
  std::printf("   commit time            %.3f ms mean, %.3f ms max (store append: inserts + "
              "fsync)\n",
              commits ? double(commit_us) / double(commits) / 1e3 : 0.0,
              double(r.after.commit_us_max) / 1e3);
  std::printf("   snapshots written      %llu (one per %llu records, each followed by a "
              "compaction)\n",
              ull(r.after.snapshots - r.before.snapshots), ull(o.snapshot_records));
  std::printf("   latency p50 / p99      %.2f / %.2f ms (command batched -> durable outcome "
              "back)\n",
              double(s.latency.quantile_ns(0.50)) / 1e6, double(s.latency.quantile_ns(0.99)) / 1e6);
  std::printf("   seats sold             %llu of %u, event status %s (GA places are not "
              "sold here)\n",
              ull(r.seats_sold), r.seat_count, std::string(status_name(r.status)).c_str());
  // Once every seat is sold, every hold is refused and a refusal writes no
  // record: the selling phase is then the honest figure for durable work.
  if (r.seats_sold == r.seat_count && s.last_sale_s > 0)
    std::printf("   until the last seat    %.3f s: %.0f durable decisions/s, %.0f total/s "
                "(the rest of the run only refused holds)\n",
                s.last_sale_s, double(s.durable_until_last_sale) / s.last_sale_s,
                double(s.total_until_last_sale) / s.last_sale_s);
}

// Every durable decision wrote exactly one record, and nothing else wrote
// records during the run except a possible sold_out status change; the seat
// map shows exactly the seats the clients saw confirmed.
bool check_pipeline(const pipeline_result& r) {
  const uint64_t records = r.after.records - r.before.records;
  const uint64_t durable = r.sum.counts.durable();
  const bool records_ok = records >= durable && records - durable <= 1;
  const bool seats_ok = r.seats_sold == r.sum.counts.seats_confirmed;
  const bool ok = records_ok && seats_ok && r.sum.counts.unexpected() == 0;
  std::printf("   check                  %s: %llu records for %llu durable decisions; %llu seats "
              "sold, %llu confirmed to clients; %llu unexpected refusals\n",
              ok ? "OK" : "FAIL", ull(records), ull(durable), ull(r.seats_sold),
              ull(r.sum.counts.seats_confirmed), ull(r.sum.counts.unexpected()));
  return ok;
}

// -- 3. recovery of a long journal ----------------------------------------------

struct recovery_figures {
  uint64_t records_written = 0;
  double write_s = 0;
  uint64_t records_replayed = 0;
  double open_s = 0;
  double recover_s = 0;
  bool ok = false;
};

// Writes at least `target` records of a busy sale straight into a store, about
// 1,000 per transaction, with no snapshot: recovery must replay all of them.
// 4,096 clients hold, then release (or, 1% of the time, confirm); simulated
// time advances 1 ms per 100 decisions, so no hold reaches its 10-minute
// deadline. Returns the writer's final state to compare with the recovered one.
std::unique_ptr<journaled_event> write_long_journal(shard_store& store, uint64_t target) {
  struct writer_client {
    uint32_t purchases = 0;
    hold_id hold = 0;
  };
  constexpr uint32_t client_count = 4'096;
  constexpr uint32_t rows_per_append = 1'000;
  auto ev = std::make_unique<journaled_event>(store);
  std::vector<writer_client> clients(client_count);
  random_source rng{11};
  uint64_t step = 0, pending = 0;
  // A sold-out event refuses every hold and writes nothing: stop there too.
  while (ev->appended + pending < target && ev->state.status() == event_status::on_sale) {
    const uint32_t c = static_cast<uint32_t>(step % client_count);
    writer_client& cl = clients[c];
    const user_id user = (uint64_t{c} << 32) | cl.purchases;
    const int64_t now = static_cast<int64_t>(step++ / 100);
    if (cl.hold == 0) {
      const outcome out = ev->state.apply(random_hold(rng, c, user, ev->hall->seat_count()), now);
      if (out.code == result_code::ok) {
        cl.hold = out.id;
        ++pending;
      }
    } else {
      const bool buy = rng.below(100) < 1;
      const command cmd = buy ? make_confirm(c, user, cl.hold) : make_release(c, user, cl.hold);
      if (ev->state.apply(cmd, now).code == result_code::ok) ++pending;
      cl.purchases += buy ? 1 : 0;
      cl.hold = 0;
    }
    if (pending >= rows_per_append) {
      ev->append_pending();
      pending = 0;
    }
  }
  ev->append_pending();
  return ev;
}

// The recovered event must be the writer's event: same counters, same seats.
bool same_state(const event_state& a, const event_state& b) {
  const seat_map_view ma = a.seat_map(), mb = b.seat_map();
  return a.status() == b.status() && a.holds_made() == b.holds_made() &&
         a.live_holds() == b.live_holds() && a.order_count() == b.order_count() &&
         ma.available_bits == mb.available_bits && ma.sold_bits == mb.sold_bits;
}

recovery_figures run_recovery(const temp_dir& dir, uint64_t target) {
  recovery_figures f;
  const std::string path = dir.db("recovery");
  std::unique_ptr<journaled_event> writer;
  {
    auto store = open_store(path);
    if (!store) return f;
    const int64_t start = steady_now_ns();
    writer = write_long_journal(*store, target);
    f.write_s = seconds_since(start);
    f.records_written = writer->appended;
  } // the writer's store closes here; the recovery below opens the file anew

  // As holdfast-node starts: open the store, then recover the shard from it.
  int64_t start = steady_now_ns();
  auto store = open_store(path);
  if (!store) return f;
  f.open_s = seconds_since(start);
  recovery_result result;
  start = steady_now_ns();
  const status st = recover_shard(*store, {}, result);
  f.recover_s = seconds_since(start);
  if (!st) {
    std::fprintf(stderr, "bench-durable: recovery failed: %s\n", st.message.c_str());
    return f;
  }
  f.records_replayed = result.records;
  const auto it = result.events.find(writer->config.id);
  f.ok = result.events.size() == 1 && it != result.events.end() && result.snapshots == 0 &&
         result.records == f.records_written && same_state(*it->second.state, writer->state);
  const event_state& w = writer->state;
  std::printf("\n3. recovery: one shard database, journal only (no snapshot)\n");
  std::printf("   written                %llu records in %.2f s (~1,000 per transaction)\n",
              ull(f.records_written), f.write_s);
  std::printf("   open store             %.3f s\n", f.open_s);
  std::printf("   recover_shard          %.3f s for %llu records (%.0f records/s; file in the "
              "page cache)\n",
              f.recover_s, ull(f.records_replayed), double(f.records_replayed) / f.recover_s);
  std::printf("   check                  %s: recovered %zu event(s), %zu orders, %zu live holds, "
              "%llu holds made (writer: %zu, %zu, %llu), seat maps %s\n",
              f.ok ? "OK" : "FAIL", result.events.size(),
              it == result.events.end() ? size_t{0} : it->second.state->order_count(),
              it == result.events.end() ? size_t{0} : it->second.state->live_holds(),
              ull(it == result.events.end() ? 0 : it->second.state->holds_made()), w.order_count(),
              w.live_holds(), ull(w.holds_made()),
              it != result.events.end() && same_state(*it->second.state, w) ? "equal" : "DIFFER");
  return f;
}

// -- options and the summary ------------------------------------------------------

std::optional<bench_options> parse_options(int argc, char** argv) {
  namespace po = boost::program_options;
  bench_options o;
  po::options_description desc("bench-durable: durable decisions vs one transaction per record");
  auto add = desc.add_options();
  add("help,h", "this text");
  add("seconds", po::value(&o.seconds)->default_value(o.seconds), "run time of the pipeline");
  add("peer-seconds", po::value(&o.peer_seconds)->default_value(o.peer_seconds),
      "run time of the peer");
  add_client_options(add, o);
  add("snapshot-records", po::value(&o.snapshot_records)->default_value(o.snapshot_records),
      "records between an event's snapshots in the pipeline run");
  add("recovery-records", po::value(&o.recovery_records)->default_value(o.recovery_records),
      "journal records to recover (0: skip)");
  add("seed", po::value(&o.seed)->default_value(o.seed), "random seed");
  if (!parse_flags(argc, argv, desc, "bench-durable")) return std::nullopt;
  const bool valid = o.seconds > 0 && o.seconds <= 600 && o.peer_seconds > 0 &&
                     o.peer_seconds <= 600 && client_options_valid(o) &&
                     o.recovery_records <= 20'000'000 && o.snapshot_records >= 1;
  if (!valid) {
    std::fprintf(stderr,
                 "bench-durable: need 0 < seconds, peer-seconds <= 600, 1 <= drivers <= 64, "
                 "clients and in-flight >= drivers, 1 <= batch <= %u, confirm-percent <= 100, "
                 "recovery-records <= 20,000,000, snapshot-records >= 1\n",
                 limits::batch_commands_max);
    return std::nullopt;
  }
  return o;
}

void print_peer(const peer_result& p) {
  std::printf("1. peer: one transaction per record (shard_store, WAL, synchronous=FULL)\n");
  std::printf("   records/s              %10.0f  (%llu real hold/release records in %.2f s)\n",
              p.per_s(), ull(p.records), p.seconds);
}

void print_table(const peer_result& peer, const pipeline_result& ours,
                 const std::optional<recovery_figures>& rec, uint64_t recovery_target) {
  const double records_per_s =
      double(ours.after.records - ours.before.records) / ours.sum.elapsed_s;
  std::printf("\nsummary                          ours          peer     ratio   target\n");
  std::printf("  durable decisions/s      %10.0f    %10.0f   %6.1fx   >= 300,000 %s\n",
              ours.sum.durable_per_s(), peer.per_s(), ours.sum.durable_per_s() / peer.per_s(),
              ours.sum.durable_per_s() >= 300'000 ? "met" : "MISSED");
  if (ours.seats_sold == ours.seat_count && ours.sum.last_sale_s > 0) {
    const double selling = double(ours.sum.durable_until_last_sale) / ours.sum.last_sale_s;
    std::printf("  ... until the last seat  %10.0f    %10.0f   %6.1fx   (all seats sold after "
                "%.2f s)\n",
                selling, peer.per_s(), selling / peer.per_s(), ours.sum.last_sale_s);
  }
  std::printf("  journal records/s        %10.0f    %10.0f   %6.1fx\n", records_per_s, peer.per_s(),
              records_per_s / peer.per_s());
  std::printf("  total decisions/s        %10.0f    %10.0f   %6.1fx   (incl. refusals)\n",
              ours.sum.total_per_s(), peer.per_s(), ours.sum.total_per_s() / peer.per_s());
  if (rec)
    std::printf("  recovery of %llu records   %.2f s                           <= 3 s %s\n",
                ull(rec->records_replayed), rec->recover_s,
                rec->records_replayed >= recovery_target && rec->recover_s <= 3 ? "met" : "MISSED");
}

int run(const bench_options& o) {
  temp_dir dir;
  if (!dir.ok()) {
    std::fprintf(stderr, "bench-durable: cannot create a directory under /tmp\n");
    return 1;
  }
  const peer_result peer = run_peer(dir, o.peer_seconds);
  print_peer(peer);
  const pipeline_result ours = run_pipeline(dir, o);
  if (!ours.ok) return 1;
  print_pipeline(o, ours);
  bool ok = check_pipeline(ours);
  std::optional<recovery_figures> rec;
  if (o.recovery_records > 0) {
    rec = run_recovery(dir, o.recovery_records);
    ok = ok && rec->ok;
  }
  print_table(peer, ours, rec, o.recovery_records);
  std::printf("%s\n", ok ? "bench-durable: OK" : "bench-durable: FAIL");
  return ok ? 0 : 1;
}

} // namespace holdfast::bench

int main(int argc, char** argv) {
  holdfast::keep_large_allocations_in_heap(); // as the node does
  auto options = holdfast::bench::parse_options(argc, argv);
  if (!options) return 2;
  try {
    return holdfast::bench::run(*options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-durable: %s\n", e.what());
    return 1;
  }
}
