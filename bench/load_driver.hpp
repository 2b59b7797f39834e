// The load both actor benches put on one event actor: simulated clients, split
// over a few driver actors, each client with at most one request in flight and
// sending its next one when the previous outcome returns:
//
//              ok, confirm-percent               ok
//   hold 1-4 ---------> confirm ----------------------> hold fresh seats (new user)
//   seats    \--------> release ----------------------> hold fresh seats
//             \ refused (seat_unavailable) -----------> hold other seats
//
// Drivers pack commands into command_batch messages and plain `send` them; the
// outcome_batch reply comes back as an ordinary message. We never keep many
// request().then() continuations outstanding: in CAF 0.17 that collapses
// throughput (SPEC.md, "Known pitfall").
//
// The run is bounded by time: after the deadline the drivers send nothing new,
// wait for their in-flight requests, and report what the clients saw: decision
// counts and latencies. What those figures mean for a run (a check of the seat
// map, of the journal) is the program's business, not this file's.
//
// Used by bench/engine.cpp (the event actor alone) and bench/durable.cpp (the
// event actor behind a shard, answering after its journal committed).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include <boost/program_options.hpp>
#include <caf/all.hpp>

#include "actors/event_actor.hpp"

namespace holdfast::bench {

int64_t steady_now_ns();
int64_t wall_now_ms();

// -- measurement --------------------------------------------------------------

// Latencies in nanoseconds in log-linear buckets: 32 per power of two, so a
// percentile is exact to ~3% in a fixed 15 KB, and histograms merge by adding.
class latency_histogram {
public:
  static constexpr uint32_t sub_buckets = 32;

  latency_histogram() : counts_(sub_buckets * 60, 0) {}

  // Inline: it runs once per outcome.
  void record(int64_t ns) { ++counts_[bucket_of(static_cast<uint64_t>(std::max<int64_t>(ns, 0)))]; }
  void merge(const latency_histogram& other);
  uint64_t count() const;

  // The upper bound of the bucket holding the p-quantile (0 < p <= 1): the true
  // value is at most this.
  uint64_t quantile_ns(double p) const;

private:
  static uint32_t bucket_of(uint64_t ns);
  static uint64_t bucket_upper_ns(uint32_t b);

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
  // Decisions that changed the state: behind a journal, each wrote exactly one
  // record, committed before the client heard of it.
  uint64_t durable() const { return holds_granted + confirms + releases; }
  uint64_t total() const {
    return holds() + confirms + confirms_failed + releases + releases_failed;
  }
  uint64_t unexpected() const { return holds_failed + confirms_failed + releases_failed; }

  void add(const decision_counts& o);
};

// -- simulated clients ----------------------------------------------------------

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

// A group of 1-4 wants seats together: adjacent indices at a random place.
// REQUIRES: seat_count >= 4.
command random_hold(random_source& rng, uint64_t tag, user_id user, uint32_t seat_count);

// -- the run ----------------------------------------------------------------------

// The load, over all drivers. Each program keeps its own defaults.
struct load_options {
  double seconds = 5;
  uint32_t clients = 0;
  uint32_t in_flight = 0; // requests in flight, over all drivers
  uint32_t batch = 1'024; // commands per batch message, at most
  uint32_t drivers = 2;
  uint32_t confirm_percent = 0;
  uint64_t seed = 1;
};

// The flags --clients to --confirm-percent, which both programs list in this
// order between their own. `seconds` and `seed` stay with each program: their
// place in the --help text differs.
void add_client_options(boost::program_options::options_description_easy_init add, load_options& o);
// The bounds of those flags, checked by both programs.
bool client_options_valid(const load_options& o);
// Parses the command line into the variables `desc` points at. With --help,
// prints `desc` and exits 0; on a bad flag, says why (as `program`) on stderr
// and returns false.
bool parse_flags(int argc, char** argv, const boost::program_options::options_description& desc,
                 const char* program);

// Every driver's report folded into one.
struct run_summary {
  decision_counts counts;
  latency_histogram latency;
  double in_flight_mean = 0; // sampled at every reply before the deadline
  double elapsed_s = 0;      // first start to last drain
  double last_sale_s = 0;    // first start to the last successful confirm
  uint64_t total_until_last_sale = 0;
  uint64_t durable_until_last_sale = 0;

  double durable_per_s() const { return double(counts.durable()) / elapsed_s; }
  double total_per_s() const { return double(counts.total()) / elapsed_s; }
};

// Spawns the drivers against `engine`, starts them together and waits for every
// report. The wait is bounded: a driver that never reports fails the run, and
// `program` names who says so on stderr.
std::optional<run_summary> run_load(caf::actor_system& sys, caf::scoped_actor& self,
                                    const event_actor& engine, const load_options& o,
                                    uint32_t seat_count, const char* program);

// Set bits in a seat map's bitset: sold seats, for the programs' checks.
uint64_t count_bits(const std::vector<uint64_t>& words);

} // namespace holdfast::bench
