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
// Clients are simulated like bench/engine.cpp (which this copies the driver of:
// it is a program, not a library): driver actors plain-`send` command batches
// and keep a bounded number in flight; each client has one request in flight:
//
//              ok, confirm-percent               ok
//   hold 1-4 ---------> confirm ----------------------> hold fresh seats (new user)
//   seats    \--------> release ----------------------> hold fresh seats
//             \ refused (seat_unavailable) -----------> hold other seats
//
// We never keep many request().then() continuations outstanding: in CAF 0.17
// that collapses throughput (SPEC.md, "Known pitfall").
//
// Everything lives in a temporary directory under /tmp, removed at the end.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <caf/all.hpp>

#include "actors/event_actor.hpp"
#include "actors/message_registry.hpp"
#include "actors/shard_actor.hpp"
#include "core/assert.hpp"
#include "core/memory.hpp"
#include "core/venue.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/journal_sink.hpp"
#include "persistence/recovery.hpp"
#include "persistence/shard_store.hpp"

namespace holdfast::bench {

// -- settings -----------------------------------------------------------------

// Far fewer clients than bench-engine's 102,400: there, 100K groups of 1-4
// want ~250K seats of 50,000, so ~99% of holds are refused and almost nothing
// reaches the journal. 16,384 clients hold ~20K seats at a time, so at first
// most holds are granted; refusals grow as sold seats pile up. 2% confirm
// keeps seats on sale for the whole default run; at 30% sold seats crowd the
// map within a second (~95% of holds refused) and every seat is gone in ~3 s.
struct bench_options {
  double seconds = 5;      // ours: the actor pipeline
  double peer_seconds = 2; // peer: one transaction per record
  uint32_t clients = 16'384;
  uint32_t in_flight = 16'384; // requests in flight, over all drivers
  uint32_t batch = 1'024;      // commands per batch message, at most
  uint32_t drivers = 2;
  uint32_t confirm_percent = 2;
  uint64_t recovery_records = 1'000'000;
  // The node's default: each event snapshots after this many records, and the
  // journal then compacts (deletes the rows the snapshots cover).
  uint64_t snapshot_records = limits::snapshot_records_interval;
  uint64_t seed = 1;
};

// The share of the work one driver actor simulates.
struct driver_settings {
  uint32_t first_client = 0; // global index of this driver's first client
  uint32_t client_count = 0;
  uint32_t in_flight_max = 0;
  uint32_t batch_max = 0;
  uint32_t confirm_percent = 0;
  uint32_t seat_count = 0;
  uint64_t seed = 0;
  std::chrono::nanoseconds duration{0};
};

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

// -- simulated clients (pure: no CAF) -------------------------------------------

// splitmix64: tiny, fast and good enough to scatter seats.
class random_source {
public:
  explicit random_source(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }

private:
  uint64_t state_;
};

// A group of 1-4 adjacent seats at a random place.
command random_hold(random_source& rng, uint64_t tag, user_id user, uint32_t seat_count) {
  seat_index seats[4];
  const uint32_t count = 1 + rng.below(4);
  const seat_index first = rng.below(seat_count - count + 1);
  for (uint32_t k = 0; k < count; ++k)
    seats[k] = first + k;
  return make_hold(tag, user, std::span<const seat_index>(seats, count));
}

// -- measurement --------------------------------------------------------------

// Latencies in nanoseconds in log-linear buckets: 32 per power of two, so a
// percentile is exact to ~3% in a fixed 15 KB, and histograms merge by adding.
class latency_histogram {
public:
  static constexpr uint32_t sub_buckets = 32;

  latency_histogram() : counts_(sub_buckets * 60, 0) {}

  void record(int64_t ns) { ++counts_[bucket_of(static_cast<uint64_t>(std::max<int64_t>(ns, 0)))]; }

  void merge(const latency_histogram& other) {
    for (size_t b = 0; b < counts_.size(); ++b)
      counts_[b] += other.counts_[b];
  }

  uint64_t count() const {
    uint64_t n = 0;
    for (uint64_t c : counts_)
      n += c;
    return n;
  }

  // The upper bound of the bucket holding the p-quantile (0 < p <= 1).
  uint64_t quantile_ns(double p) const {
    const uint64_t total = count();
    if (total == 0) return 0;
    const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(p * static_cast<double>(total)));
    uint64_t seen = 0;
    for (uint32_t b = 0; b < counts_.size(); ++b) {
      seen += counts_[b];
      if (seen >= rank) return bucket_upper_ns(b);
    }
    return bucket_upper_ns(static_cast<uint32_t>(counts_.size() - 1));
  }

private:
  static uint32_t bucket_of(uint64_t ns) {
    if (ns < sub_buckets) return static_cast<uint32_t>(ns);
    const uint32_t shift = static_cast<uint32_t>(std::bit_width(ns)) - 6; // 5 bits below the top
    return (shift + 1) * sub_buckets + static_cast<uint32_t>((ns >> shift) & (sub_buckets - 1));
  }
  static uint64_t bucket_upper_ns(uint32_t b) {
    if (b < sub_buckets) return b;
    const uint32_t shift = b / sub_buckets - 1;
    const uint64_t lower = (uint64_t{sub_buckets} + b % sub_buckets) << shift;
    return lower + (uint64_t{1} << shift) - 1;
  }

  std::vector<uint64_t> counts_;
};

// Decisions as the clients saw them. Only `seat_unavailable` is an expected
// refusal; anything else means the bench or the engine is wrong.
struct decision_counts {
  uint64_t holds_granted = 0;
  uint64_t holds_refused = 0; // seat_unavailable: another client has a seat
  uint64_t holds_failed = 0;  // any other refusal
  uint64_t confirms = 0;      // successful: the seats are sold
  uint64_t confirms_failed = 0;
  uint64_t releases = 0;
  uint64_t releases_failed = 0;
  uint64_t seats_confirmed = 0;

  // Decisions that changed the state: each wrote exactly one journal record,
  // committed before the client heard of it.
  uint64_t durable() const { return holds_granted + confirms + releases; }
  uint64_t total() const {
    return holds_granted + holds_refused + holds_failed + confirms + confirms_failed + releases +
           releases_failed;
  }
  uint64_t unexpected() const { return holds_failed + confirms_failed + releases_failed; }

  void add(const decision_counts& o) {
    holds_granted += o.holds_granted;
    holds_refused += o.holds_refused;
    holds_failed += o.holds_failed;
    confirms += o.confirms;
    confirms_failed += o.confirms_failed;
    releases += o.releases;
    releases_failed += o.releases_failed;
    seats_confirmed += o.seats_confirmed;
  }
};

// What a driver hands back when it has drained.
struct driver_report {
  decision_counts counts;
  latency_histogram latency;
  double in_flight_mean = 0;
  int64_t started_ns = 0;
  int64_t finished_ns = 0;
  int64_t last_sale_ns = 0;          // when this driver's last successful confirm came back
  uint64_t durable_at_last_sale = 0; // and how many durable decisions it had seen by then
  uint64_t total_at_last_sale = 0;
};

} // namespace holdfast::bench

// The report only ever travels between actors of this process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::bench::driver_report)

namespace holdfast::bench {

enum class next_step : uint8_t { hold, confirm, release };

struct simulated_client {
  uint32_t purchases = 0; // part of the user id: a new buyer after every purchase
  uint8_t held_seats = 0;
  next_step next = next_step::hold;
  hold_id hold = 0;
  int64_t sent_at_ns = 0;
};

// The clients of one driver, and the bookkeeping of their requests. The actor
// around it only moves batches; every decision a client makes is made here.
class client_driver {
public:
  explicit client_driver(const driver_settings& s)
      : settings_(s), clients_(s.client_count), ready_ring_(s.client_count), rng_(s.seed) {
    HF_ASSERT(s.client_count > 0 && s.in_flight_max > 0);
    HF_ASSERT(s.batch_max > 0 && s.batch_max <= limits::batch_commands_max);
    HF_ASSERT(s.seat_count >= 4);
    for (uint32_t c = 0; c < s.client_count; ++c)
      push_ready(c);
  }

  // Fills `batch` with the next commands of waiting clients, as many as the
  // batch and the in-flight bound allow. False when nothing may be sent now.
  bool next_batch(int64_t now_ns, command_batch& batch) {
    if (stopping_) return false;
    const uint32_t room = settings_.in_flight_max - in_flight_;
    const uint32_t n = std::min({settings_.batch_max, room, ready_count_});
    if (n == 0) return false;
    batch.batch_id = ++batches_sent_;
    batch.commands.clear();
    batch.commands.reserve(n);
    for (uint32_t k = 0; k < n; ++k) {
      const uint32_t c = pop_ready();
      clients_[c].sent_at_ns = now_ns;
      batch.commands.push_back(next_command(c));
    }
    in_flight_ += n;
    return true;
  }

  void on_outcomes(const outcome_batch& batch, int64_t now_ns) {
    HF_ASSERT(batch.outcomes.size() <= in_flight_);
    in_flight_ -= static_cast<uint32_t>(batch.outcomes.size());
    if (!stopping_) { // the low point of each cycle: understates, never overstates
      in_flight_sum_ += in_flight_;
      ++in_flight_samples_;
    }
    for (const outcome& out : batch.outcomes) {
      HF_ASSERT(out.tag < clients_.size());
      latency_.record(now_ns - clients_[out.tag].sent_at_ns);
      on_outcome(static_cast<uint32_t>(out.tag), out, now_ns);
      push_ready(static_cast<uint32_t>(out.tag));
    }
  }

  // From now on nothing new is sent; requests in flight still complete.
  void stop() { stopping_ = true; }
  bool stopping() const { return stopping_; }
  bool drained() const { return in_flight_ == 0; }

  void fill(driver_report& r) const {
    r.counts = counts_;
    r.latency = latency_;
    r.in_flight_mean =
        in_flight_samples_ == 0 ? 0 : double(in_flight_sum_) / double(in_flight_samples_);
    r.last_sale_ns = last_sale_ns_;
    r.durable_at_last_sale = durable_at_last_sale_;
    r.total_at_last_sale = total_at_last_sale_;
  }

private:
  // Each client is a distinct buyer, and becomes a new one after a purchase, so
  // the per-user seat cap (8) never refuses anything: we measure seat conflicts.
  user_id user_of(uint32_t c) const {
    return (uint64_t{settings_.first_client + c} << 32) | clients_[c].purchases;
  }

  command next_command(uint32_t c) {
    const simulated_client& client = clients_[c];
    switch (client.next) {
    case next_step::confirm:
      return make_confirm(c, user_of(c), client.hold);
    case next_step::release:
      return make_release(c, user_of(c), client.hold);
    case next_step::hold:
      break;
    }
    return random_hold(rng_, c, user_of(c), settings_.seat_count);
  }

  void on_outcome(uint32_t c, const outcome& out, int64_t now_ns) {
    simulated_client& client = clients_[c];
    const bool ok = out.code == result_code::ok;
    switch (client.next) {
    case next_step::hold:
      if (ok) {
        ++counts_.holds_granted;
        client.hold = out.id;
        client.held_seats = out.seat_count;
        client.next =
            rng_.below(100) < settings_.confirm_percent ? next_step::confirm : next_step::release;
        return;
      }
      ++(out.code == result_code::seat_unavailable ? counts_.holds_refused : counts_.holds_failed);
      return; // try other seats
    case next_step::confirm:
      if (ok) {
        ++counts_.confirms;
        counts_.seats_confirmed += client.held_seats;
        ++client.purchases;
        last_sale_ns_ = now_ns;
        durable_at_last_sale_ = counts_.durable();
        total_at_last_sale_ = counts_.total();
      } else {
        ++counts_.confirms_failed;
      }
      client.next = next_step::hold;
      return;
    case next_step::release:
      ++(ok ? counts_.releases : counts_.releases_failed);
      client.next = next_step::hold;
      return;
    }
  }

  // Clients waiting to send, first come first served; each at most once.
  void push_ready(uint32_t c) {
    HF_ASSERT(ready_count_ < ready_ring_.size());
    ready_ring_[(ready_head_ + ready_count_) % ready_ring_.size()] = c;
    ++ready_count_;
  }
  uint32_t pop_ready() {
    HF_ASSERT(ready_count_ > 0);
    const uint32_t c = ready_ring_[ready_head_];
    ready_head_ = (ready_head_ + 1) % ready_ring_.size();
    --ready_count_;
    return c;
  }

  driver_settings settings_;
  std::vector<simulated_client> clients_;
  std::vector<uint32_t> ready_ring_;
  uint32_t ready_head_ = 0;
  uint32_t ready_count_ = 0;
  uint32_t in_flight_ = 0;
  uint64_t batches_sent_ = 0;
  bool stopping_ = false;
  random_source rng_;
  decision_counts counts_;
  latency_histogram latency_;
  uint64_t in_flight_sum_ = 0;
  uint64_t in_flight_samples_ = 0;
  int64_t last_sale_ns_ = 0;
  uint64_t durable_at_last_sale_ = 0;
  uint64_t total_at_last_sale_ = 0;
};

// -- the driver actor -----------------------------------------------------------

using start_atom = caf::atom_constant<caf::atom("start")>;

// A driver accepts `start` once, then the replies to its own batches.
using driver_actor = caf::typed_actor<caf::reacts_to<start_atom>, caf::reacts_to<outcome_batch>>;

struct driver_host {
  static inline const char* name = "bench.driver";
  std::optional<client_driver> driver;
  event_actor engine;
  caf::actor report_to;
  int64_t started_ns = 0;
  int64_t deadline_ns = 0;
};

using driver_ptr = driver_actor::stateful_pointer<driver_host>;

void send_batches(driver_ptr self) {
  auto& st = self->state;
  const int64_t now = steady_now_ns(); // one clock read per batch, not per command
  command_batch batch;
  while (st.driver->next_batch(now, batch))
    self->send(st.engine, std::move(batch));
}

void finish(driver_ptr self) {
  auto& st = self->state;
  driver_report report;
  st.driver->fill(report);
  report.started_ns = st.started_ns;
  report.finished_ns = steady_now_ns();
  caf::anon_send(st.report_to, std::move(report)); // main's scoped actor is untyped
  self->quit();
}

driver_actor::behavior_type driver_behavior(driver_ptr self, event_actor engine,
                                            caf::actor report_to, driver_settings s) {
  auto& st = self->state;
  st.driver.emplace(s);
  st.engine = std::move(engine);
  st.report_to = std::move(report_to);
  const auto duration_ns = s.duration.count();
  return {
      [self, duration_ns](start_atom) {
        self->state.started_ns = steady_now_ns();
        self->state.deadline_ns = self->state.started_ns + duration_ns;
        send_batches(self);
      },
      [self](const outcome_batch& batch) {
        auto& st = self->state;
        const int64_t now = steady_now_ns();
        st.driver->on_outcomes(batch, now);
        if (now >= st.deadline_ns) st.driver->stop();
        if (st.driver->stopping() && st.driver->drained()) return finish(self);
        send_batches(self);
      },
  };
}

// Splits clients and the in-flight bound evenly over the drivers.
driver_settings settings_for(const bench_options& o, uint32_t driver, uint32_t seat_count) {
  auto share = [&](uint32_t total, uint32_t k) {
    return static_cast<uint32_t>(uint64_t{total} * k / o.drivers);
  };
  driver_settings s;
  s.first_client = share(o.clients, driver);
  s.client_count = share(o.clients, driver + 1) - s.first_client;
  s.in_flight_max = share(o.in_flight, driver + 1) - share(o.in_flight, driver);
  s.batch_max = o.batch;
  s.confirm_percent = o.confirm_percent;
  s.seat_count = seat_count;
  s.seed = o.seed * 1'000'003 + driver;
  s.duration = std::chrono::nanoseconds(static_cast<int64_t>(o.seconds * 1e9));
  return s;
}

// Every driver's report folded into one.
struct run_summary {
  decision_counts counts;
  latency_histogram latency;
  double in_flight_mean = 0;
  double elapsed_s = 0;   // first start to last drain
  double last_sale_s = 0; // first start to the last successful confirm
  uint64_t durable_until_last_sale = 0;
  uint64_t total_until_last_sale = 0;

  double durable_per_s() const { return double(counts.durable()) / elapsed_s; }
  double total_per_s() const { return double(counts.total()) / elapsed_s; }
};

run_summary summarize(const std::vector<driver_report>& reports) {
  HF_ASSERT(!reports.empty());
  run_summary sum;
  int64_t started = reports.front().started_ns, finished = reports.front().finished_ns;
  int64_t last_sale = 0;
  for (const auto& r : reports) {
    sum.counts.add(r.counts);
    sum.latency.merge(r.latency);
    sum.in_flight_mean += r.in_flight_mean;
    sum.durable_until_last_sale += r.durable_at_last_sale;
    sum.total_until_last_sale += r.total_at_last_sale;
    started = std::min(started, r.started_ns);
    finished = std::max(finished, r.finished_ns);
    last_sale = std::max(last_sale, r.last_sale_ns);
  }
  sum.elapsed_s = double(finished - started) / 1e9;
  sum.last_sale_s = last_sale == 0 ? 0 : double(last_sale - started) / 1e9;
  return sum;
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
  [[noreturn]] static void fail(const store_status& st) {
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

// Spawns the drivers, starts them together and waits (bounded) for every report.
std::vector<driver_report> run_drivers(caf::actor_system& sys, caf::scoped_actor& self,
                                       const event_actor& engine, const bench_options& o,
                                       uint32_t seat_count) {
  std::vector<driver_actor> drivers;
  for (uint32_t d = 0; d < o.drivers; ++d)
    drivers.push_back(
        sys.spawn(driver_behavior, engine, caf::actor{self}, settings_for(o, d, seat_count)));
  for (auto& d : drivers)
    self->send(d, start_atom::value);
  std::vector<driver_report> reports;
  bool timed_out = false;
  const auto patience = std::chrono::seconds(static_cast<int64_t>(o.seconds) + 30);
  self->receive_while([&] { return reports.size() < drivers.size() && !timed_out; })(
      [&](driver_report& r) { reports.push_back(std::move(r)); },
      caf::after(patience) >> [&] { timed_out = true; });
  if (timed_out) std::fprintf(stderr, "bench-durable: a driver never reported\n");
  return reports;
}

uint64_t count_bits(const std::vector<uint64_t>& words) {
  uint64_t n = 0;
  for (uint64_t w : words)
    n += static_cast<uint64_t>(std::popcount(w));
  return n;
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
    auto reports = run_drivers(sys, self, *engine, o, hall->seat_count());
    auto after = ask<shard_actor, journal_stats>(self, *shard, stats_atom::value);
    auto map = ask<event_actor, seat_map_view>(self, *engine, seatmap_atom::value);
    if (reports.size() == o.drivers && after && map) {
      res.sum = summarize(reports);
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
  const store_status st = recover_shard(*store, {}, result);
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
  add("clients", po::value(&o.clients)->default_value(o.clients), "simulated clients");
  add("in-flight", po::value(&o.in_flight)->default_value(o.in_flight),
      "requests in flight at most, over all drivers (one per client at most)");
  add("batch", po::value(&o.batch)->default_value(o.batch), "commands per batch message, at most");
  add("drivers", po::value(&o.drivers)->default_value(o.drivers), "driver actors");
  add("confirm-percent", po::value(&o.confirm_percent)->default_value(o.confirm_percent),
      "share of granted holds that are confirmed; the rest are released");
  add("snapshot-records", po::value(&o.snapshot_records)->default_value(o.snapshot_records),
      "records between an event's snapshots in the pipeline run");
  add("recovery-records", po::value(&o.recovery_records)->default_value(o.recovery_records),
      "journal records to recover (0: skip)");
  add("seed", po::value(&o.seed)->default_value(o.seed), "random seed");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-durable: %s\n", e.what());
    return std::nullopt;
  }
  if (vm.count("help")) {
    std::printf("%s", (std::ostringstream{} << desc).str().c_str());
    std::exit(0);
  }
  const bool valid = o.seconds > 0 && o.seconds <= 600 && o.peer_seconds > 0 &&
                     o.peer_seconds <= 600 && o.drivers >= 1 && o.drivers <= 64 &&
                     o.clients >= o.drivers && o.in_flight >= o.drivers && o.batch >= 1 &&
                     o.batch <= limits::batch_commands_max && o.confirm_percent <= 100 &&
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
