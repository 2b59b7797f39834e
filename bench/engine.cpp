// bench-engine: how many seat decisions per second ONE event actor makes while a
// crowd of clients hammers it. The event has 50,000 seats. Driver actors (one
// per core by default) each simulate many clients; a client has at most one
// request in flight and sends its next one when the previous outcome returns:
//
//              ok, 30%                        ok
//   hold 1-4 ---------> confirm ----------------------> hold fresh seats (new user)
//   seats    \--------> release ----------------------> hold fresh seats
//             \ refused (seat_unavailable) -----------> hold other seats
//
// Drivers pack commands into command_batch messages and plain `send` them; the
// outcome_batch reply comes back as an ordinary message. We never keep many
// request().then() continuations outstanding: in CAF 0.17 that collapses
// throughput (SPEC.md, "Known pitfall").
//
// The run is bounded by time (--seconds): after the deadline the drivers send
// nothing new, wait for their in-flight requests, and report. The seat map must
// then show exactly the seats the clients saw confirmed, or the bench fails.
#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <caf/all.hpp>

#include "actors/event_actor.hpp"
#include "actors/message_registry.hpp"
#include "core/assert.hpp"
#include "core/memory.hpp"
#include "core/venue.hpp"

namespace holdfast::bench {

// -- settings -----------------------------------------------------------------

// 102,400 clients = 100 batches of 1,024: even at the low point of a driver's
// cycle (one batch back, its successor not yet sent) over 100,000 are in flight.
struct bench_options {
  double seconds = 5;
  uint32_t clients = 102'400;
  uint32_t in_flight = 102'400; // requests in flight, over all drivers
  uint32_t batch = 1'024;       // commands per batch message, at most
  uint32_t drivers = 2;
  uint32_t confirm_percent = 30;
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

  // The upper bound of the bucket holding the p-quantile (0 < p <= 1): the true
  // value is at most this.
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
    const uint32_t shift =
        static_cast<uint32_t>(std::bit_width(ns)) - 6; // keep 5 bits below the top
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

// Decisions as the clients saw them. Only `seat_unavailable` is an expected hold
// refusal here; anything else means the bench or the engine is wrong.
struct decision_counts {
  uint64_t holds_granted = 0;
  uint64_t holds_refused = 0; // seat_unavailable: another client has a seat
  uint64_t holds_failed = 0;  // any other refusal
  uint64_t confirms = 0;      // successful: the seats are sold
  uint64_t confirms_failed = 0;
  uint64_t releases = 0;
  uint64_t releases_failed = 0;
  uint64_t seats_confirmed = 0;

  uint64_t holds() const { return holds_granted + holds_refused + holds_failed; }
  uint64_t total() const {
    return holds() + confirms + confirms_failed + releases + releases_failed;
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
  double in_flight_mean = 0; // requests outstanding, sampled at every reply before the deadline
  int64_t started_ns = 0;
  int64_t finished_ns = 0;
  int64_t last_sale_ns = 0;            // when this driver's last successful confirm came back
  uint64_t decisions_at_last_sale = 0; // and how many decisions it had seen by then
};

} // namespace holdfast::bench

// The report only ever travels between actors of this process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::bench::driver_report)

namespace holdfast::bench {

// -- simulated clients (pure: no CAF) -------------------------------------------

// splitmix64: tiny, fast and good enough to scatter seats; seeded per driver so
// a run is reproducible up to the interleaving of the drivers.
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

  // Fills `batch` with the next commands of waiting clients, as many as the batch
  // and the in-flight bound allow. False when nothing may be sent now.
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
    // Sampled at the low point of each cycle (this batch is back, its successors
    // not yet sent), so the mean understates what is in flight, never overstates.
    if (!stopping_) {
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

  const decision_counts& counts() const { return counts_; }
  const latency_histogram& latency() const { return latency_; }
  int64_t last_sale_ns() const { return last_sale_ns_; }
  uint64_t decisions_at_last_sale() const { return decisions_at_last_sale_; }
  double in_flight_mean() const {
    return in_flight_samples_ == 0 ? 0 : double(in_flight_sum_) / double(in_flight_samples_);
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
    // A group of 1-4 wants seats together: adjacent indices at a random place.
    seat_index seats[4];
    const uint32_t count = 1 + rng_.below(4);
    const seat_index first = rng_.below(settings_.seat_count - count + 1);
    for (uint32_t k = 0; k < count; ++k)
      seats[k] = first + k;
    return make_hold(c, user_of(c), std::span<const seat_index>(seats, count));
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
        decisions_at_last_sale_ = counts_.total();
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

  // Clients waiting to send, first come first served. Each client is in the
  // ring at most once, so it never holds more than client_count entries.
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
  uint64_t decisions_at_last_sale_ = 0;
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
  report.counts = st.driver->counts();
  report.latency = st.driver->latency();
  report.in_flight_mean = st.driver->in_flight_mean();
  report.started_ns = st.started_ns;
  report.finished_ns = steady_now_ns();
  report.last_sale_ns = st.driver->last_sale_ns();
  report.decisions_at_last_sale = st.driver->decisions_at_last_sale();
  // The receiver is the dynamically typed scoped actor of main(): anon_send.
  caf::anon_send(st.report_to, std::move(report));
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

// -- setup, run, verify -----------------------------------------------------------

std::optional<bench_options> parse_options(int argc, char** argv) {
  namespace po = boost::program_options;
  bench_options o;
  po::options_description desc("bench-engine: one event actor, many simulated clients");
  desc.add_options()("help,h", "this text")(
      "seconds", po::value(&o.seconds)->default_value(o.seconds),
      "run time")("clients", po::value(&o.clients)->default_value(o.clients), "simulated clients")(
      "in-flight", po::value(&o.in_flight)->default_value(o.in_flight),
      "requests in flight at most, over all drivers (one per client at most)")(
      "batch", po::value(&o.batch)->default_value(o.batch), "commands per batch message, at most")(
      "drivers", po::value(&o.drivers)->default_value(o.drivers), "driver actors")(
      "confirm-percent", po::value(&o.confirm_percent)->default_value(o.confirm_percent),
      "share of granted holds that are confirmed; the rest are released")(
      "seed", po::value(&o.seed)->default_value(o.seed), "random seed");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-engine: %s\n", e.what());
    return std::nullopt;
  }
  if (vm.count("help")) {
    std::printf("%s", (std::ostringstream{} << desc).str().c_str());
    std::exit(0);
  }
  const bool valid = o.seconds > 0 && o.seconds <= 3600 && o.drivers >= 1 && o.drivers <= 64 &&
                     o.clients >= o.drivers && o.in_flight >= o.drivers && o.batch >= 1 &&
                     o.batch <= limits::batch_commands_max && o.confirm_percent <= 100;
  if (!valid) {
    std::fprintf(stderr,
                 "bench-engine: need 0 < seconds <= 3600, 1 <= drivers <= 64, "
                 "clients and in-flight >= drivers, 1 <= batch <= %u, "
                 "confirm-percent <= 100\n",
                 limits::batch_commands_max);
    return std::nullopt;
  }
  return o;
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

bool open_sale(caf::scoped_actor& self, const event_actor& engine) {
  bool open = false;
  self->request(engine, std::chrono::seconds(5), sale_atom::value, sale_action::open)
      .receive([&](event_status s) { open = s == event_status::on_sale; },
               [&](caf::error& e) {
                 std::fprintf(stderr, "bench-engine: open failed: %s\n", to_string(e).c_str());
               });
  return open;
}

// Spawns the drivers, starts them together and waits for every report. The
// wait is bounded: a driver that never reports fails the run.
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
  if (timed_out) std::fprintf(stderr, "bench-engine: a driver never reported\n");
  return reports;
}

std::optional<uint64_t> count_sold_seats(caf::scoped_actor& self, const event_actor& engine) {
  std::optional<uint64_t> sold;
  self->request(engine, std::chrono::seconds(10), seatmap_atom::value)
      .receive(
          [&](seat_map_view& map) {
            uint64_t n = 0;
            for (uint64_t word : map.sold_bits)
              n += static_cast<uint64_t>(std::popcount(word));
            sold = n;
          },
          [&](caf::error& e) {
            std::fprintf(stderr, "bench-engine: seat map failed: %s\n", to_string(e).c_str());
          });
  return sold;
}

// Every driver's report folded into one.
struct run_summary {
  decision_counts counts;
  latency_histogram latency;
  double in_flight_mean = 0;
  double elapsed_s = 0;   // first start to last drain
  double last_sale_s = 0; // first start to the last successful confirm
  uint64_t decisions_until_last_sale = 0;
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
    sum.decisions_until_last_sale += r.decisions_at_last_sale;
    started = std::min(started, r.started_ns);
    finished = std::max(finished, r.finished_ns);
    last_sale = std::max(last_sale, r.last_sale_ns);
  }
  sum.elapsed_s = double(finished - started) / 1e9;
  sum.last_sale_s = last_sale == 0 ? 0 : double(last_sale - started) / 1e9;
  return sum;
}

unsigned long long ull(uint64_t x) {
  return x;
}

// Rates are over the whole elapsed time, including the drain after the
// deadline when fewer requests are in flight: slightly conservative.
void print_summary(const bench_options& o, uint32_t seat_count, const run_summary& sum) {
  const decision_counts& n = sum.counts;
  auto per_s = [&](uint64_t x) { return double(x) / sum.elapsed_s; };
  std::printf("bench-engine: 1 event actor, %u seats; %u drivers, %u clients, batch %u, "
              "in-flight bound %u, confirm %u%%, seed %llu\n",
              seat_count, o.drivers, o.clients, o.batch, o.in_flight, o.confirm_percent,
              ull(o.seed));
  std::printf("  elapsed              %.3f s (%.1f s run, then drain)\n", sum.elapsed_s, o.seconds);
  std::printf("  clients              %u\n", o.clients);
  std::printf("  requests in flight   %.0f (mean of the low point of every reply cycle)\n",
              sum.in_flight_mean);
  std::printf("  batch size           %u commands at most\n", o.batch);
  std::printf("  hold decisions/s     %11.0f  (%llu granted, %llu refused: seat_unavailable)\n",
              per_s(n.holds()), ull(n.holds_granted), ull(n.holds_refused));
  std::printf("  confirms/s           %11.0f  (%llu, %llu seats)\n", per_s(n.confirms),
              ull(n.confirms), ull(n.seats_confirmed));
  std::printf("  releases/s           %11.0f\n", per_s(n.releases));
  std::printf("  total decisions/s    %11.0f  (%llu)\n", per_s(n.total()), ull(n.total()));
  std::printf("  latency p50 / p99    %.2f / %.2f ms (command put in a batch -> outcome "
              "processed)\n",
              double(sum.latency.quantile_ns(0.50)) / 1e6,
              double(sum.latency.quantile_ns(0.99)) / 1e6);
  // Once every seat is sold or held, most holds are refused, and refusals are
  // cheaper than grants: show the rate of the selling phase on its own.
  if (sum.last_sale_s > 0)
    std::printf("  until the last sale  %.3f s: %.0f decisions/s\n", sum.last_sale_s,
                double(sum.decisions_until_last_sale) / sum.last_sale_s);
  if (n.unexpected() != 0)
    std::printf("  unexpected refusals  %llu holds, %llu confirms, %llu releases\n",
                ull(n.holds_failed), ull(n.confirms_failed), ull(n.releases_failed));
}

// The event's own seat map must show exactly the seats clients saw confirmed.
bool check_seat_map(const run_summary& sum, std::optional<uint64_t> seats_sold) {
  const bool ok =
      seats_sold && *seats_sold == sum.counts.seats_confirmed && sum.counts.unexpected() == 0;
  std::printf("  seat map check       %s: %llu seats sold, %llu confirmed by clients\n",
              ok ? "OK" : "FAIL", ull(seats_sold.value_or(0)), ull(sum.counts.seats_confirmed));
  return ok;
}

int run(const bench_options& o) {
  caf::actor_system_config cfg;
  register_message_types(cfg);
  cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{cfg};

  auto venue = make_demo_venue(40, 50'000, 2'000);
  event_config config;
  config.id = 1;
  config.name = "bench";
  auto engine = spawn_event_actor(sys, venue, config, wall_now_ms());
  caf::scoped_actor self{sys};
  if (!open_sale(self, engine)) return 1;

  auto reports = run_drivers(sys, self, engine, o, venue->seat_count());
  if (reports.size() != o.drivers) return 1;
  const run_summary sum = summarize(reports);
  print_summary(o, venue->seat_count(), sum);
  const bool ok = check_seat_map(sum, count_sold_seats(self, engine));
  self->send_exit(engine, caf::exit_reason::user_shutdown);
  return ok ? 0 : 1;
}

} // namespace holdfast::bench

int main(int argc, char** argv) {
  holdfast::keep_large_allocations_in_heap(); // as the node does
  auto options = holdfast::bench::parse_options(argc, argv);
  if (!options) return 2;
  return holdfast::bench::run(*options);
}
