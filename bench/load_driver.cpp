#include "bench/load_driver.hpp"

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <sstream>
#include <utility>

#include "core/assert.hpp"

namespace holdfast::bench {

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

void latency_histogram::merge(const latency_histogram& other) {
  for (size_t b = 0; b < counts_.size(); ++b)
    counts_[b] += other.counts_[b];
}

uint64_t latency_histogram::count() const {
  uint64_t n = 0;
  for (uint64_t c : counts_)
    n += c;
  return n;
}

uint64_t latency_histogram::quantile_ns(double p) const {
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

uint32_t latency_histogram::bucket_of(uint64_t ns) {
  if (ns < sub_buckets) return static_cast<uint32_t>(ns);
  const uint32_t shift = static_cast<uint32_t>(std::bit_width(ns)) - 6; // 5 bits below the top
  return (shift + 1) * sub_buckets + static_cast<uint32_t>((ns >> shift) & (sub_buckets - 1));
}

uint64_t latency_histogram::bucket_upper_ns(uint32_t b) {
  if (b < sub_buckets) return b;
  const uint32_t shift = b / sub_buckets - 1;
  const uint64_t lower = (uint64_t{sub_buckets} + b % sub_buckets) << shift;
  return lower + (uint64_t{1} << shift) - 1;
}

void decision_counts::add(const decision_counts& o) {
  holds_granted += o.holds_granted;
  holds_refused += o.holds_refused;
  holds_failed += o.holds_failed;
  confirms += o.confirms;
  confirms_failed += o.confirms_failed;
  releases += o.releases;
  releases_failed += o.releases_failed;
  seats_confirmed += o.seats_confirmed;
}

uint64_t count_bits(const std::vector<uint64_t>& words) {
  uint64_t n = 0;
  for (uint64_t w : words)
    n += static_cast<uint64_t>(std::popcount(w));
  return n;
}

// -- simulated clients (pure: no CAF) -------------------------------------------

command random_hold(random_source& rng, uint64_t tag, user_id user, uint32_t seat_count) {
  seat_index seats[4];
  const uint32_t count = 1 + rng.below(4);
  const seat_index first = rng.below(seat_count - count + 1);
  for (uint32_t k = 0; k < count; ++k)
    seats[k] = first + k;
  return make_hold(tag, user, std::span<const seat_index>(seats, count));
}

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

// What a driver hands back when it has drained.
struct driver_report {
  decision_counts counts;
  latency_histogram latency;
  double in_flight_mean = 0; // requests outstanding, sampled at every reply before the deadline
  int64_t started_ns = 0;
  int64_t finished_ns = 0;
  // When this driver's last successful confirm came back, and how many
  // decisions (all, and durable ones) it had seen by then.
  int64_t last_sale_ns = 0;
  uint64_t total_at_last_sale = 0;
  uint64_t durable_at_last_sale = 0;
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

  // Everything but the start and finish times, which only the actor knows.
  void fill(driver_report& r) const {
    r.counts = counts_;
    r.latency = latency_;
    r.in_flight_mean =
        in_flight_samples_ == 0 ? 0 : double(in_flight_sum_) / double(in_flight_samples_);
    r.last_sale_ns = last_sale_ns_;
    r.total_at_last_sale = total_at_last_sale_;
    r.durable_at_last_sale = durable_at_last_sale_;
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
      if (ok)
        on_sale(client, now_ns);
      else
        ++counts_.confirms_failed;
      client.next = next_step::hold;
      return;
    case next_step::release:
      ++(ok ? counts_.releases : counts_.releases_failed);
      client.next = next_step::hold;
      return;
    }
  }

  void on_sale(simulated_client& client, int64_t now_ns) {
    ++counts_.confirms;
    counts_.seats_confirmed += client.held_seats;
    ++client.purchases;
    last_sale_ns_ = now_ns;
    total_at_last_sale_ = counts_.total();
    durable_at_last_sale_ = counts_.durable();
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
  uint64_t total_at_last_sale_ = 0;
  uint64_t durable_at_last_sale_ = 0;
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
  // The receiver is the dynamically typed scoped actor of run_load(): anon_send.
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

// -- options ------------------------------------------------------------------------

void add_client_options(boost::program_options::options_description_easy_init add,
                        load_options& o) {
  namespace po = boost::program_options;
  add("clients", po::value(&o.clients)->default_value(o.clients), "simulated clients");
  add("in-flight", po::value(&o.in_flight)->default_value(o.in_flight),
      "requests in flight at most, over all drivers (one per client at most)");
  add("batch", po::value(&o.batch)->default_value(o.batch), "commands per batch message, at most");
  add("drivers", po::value(&o.drivers)->default_value(o.drivers), "driver actors");
  add("confirm-percent", po::value(&o.confirm_percent)->default_value(o.confirm_percent),
      "share of granted holds that are confirmed; the rest are released");
}

// Each driver needs a client and a request slot at least; a batch fits one
// message; and `seconds` stays each program's to bound.
bool client_options_valid(const load_options& o) {
  return o.drivers >= 1 && o.drivers <= 64 && o.clients >= o.drivers && o.in_flight >= o.drivers &&
         o.batch >= 1 && o.batch <= limits::batch_commands_max && o.confirm_percent <= 100;
}

bool parse_flags(int argc, char** argv, const boost::program_options::options_description& desc,
                 const char* program) {
  namespace po = boost::program_options;
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return false;
  }
  if (vm.count("help")) {
    std::printf("%s", (std::ostringstream{} << desc).str().c_str());
    std::exit(0);
  }
  return true;
}

// -- the run ------------------------------------------------------------------------

// Splits clients and the in-flight bound evenly over the drivers.
driver_settings settings_for(const load_options& o, uint32_t driver, uint32_t seat_count) {
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

run_summary summarize(const std::vector<driver_report>& reports) {
  HF_ASSERT(!reports.empty());
  run_summary sum;
  int64_t started = reports.front().started_ns, finished = reports.front().finished_ns;
  int64_t last_sale = 0;
  for (const auto& r : reports) {
    sum.counts.add(r.counts);
    sum.latency.merge(r.latency);
    sum.in_flight_mean += r.in_flight_mean;
    sum.total_until_last_sale += r.total_at_last_sale;
    sum.durable_until_last_sale += r.durable_at_last_sale;
    started = std::min(started, r.started_ns);
    finished = std::max(finished, r.finished_ns);
    last_sale = std::max(last_sale, r.last_sale_ns);
  }
  sum.elapsed_s = double(finished - started) / 1e9;
  sum.last_sale_s = last_sale == 0 ? 0 : double(last_sale - started) / 1e9;
  return sum;
}

std::optional<run_summary> run_load(caf::actor_system& sys, caf::scoped_actor& self,
                                    const event_actor& engine, const load_options& o,
                                    uint32_t seat_count, const char* program) {
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
  if (timed_out) {
    std::fprintf(stderr, "%s: a driver never reported\n", program);
    return std::nullopt;
  }
  return summarize(reports);
}

} // namespace holdfast::bench
