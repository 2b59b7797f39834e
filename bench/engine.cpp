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
// The clients and their driver actors are bench/load_driver.hpp, shared with
// bench-durable. The run is bounded by time (--seconds): after the deadline the
// drivers send nothing new, wait for their in-flight requests, and report. The
// seat map must then show exactly the seats the clients saw confirmed, or the
// bench fails.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include <boost/program_options.hpp>
#include <caf/all.hpp>

#include "actors/event_actor.hpp"
#include "actors/message_registry.hpp"
#include "bench/load_driver.hpp"
#include "core/memory.hpp"
#include "core/venue.hpp"
#include "node/demo_venue.hpp"

namespace holdfast::bench {

// -- settings -----------------------------------------------------------------

// 102,400 clients = 100 batches of 1,024: even at the low point of a driver's
// cycle (one batch back, its successor not yet sent) over 100,000 are in flight.
struct bench_options : load_options {
  bench_options() {
    clients = 102'400;
    in_flight = 102'400;
    confirm_percent = 30;
  }
};

// -- setup, run, verify -----------------------------------------------------------

std::optional<bench_options> parse_options(int argc, char** argv) {
  namespace po = boost::program_options;
  bench_options o;
  po::options_description desc("bench-engine: one event actor, many simulated clients");
  auto add = desc.add_options();
  add("help,h", "this text");
  add("seconds", po::value(&o.seconds)->default_value(o.seconds), "run time");
  add_client_options(add, o);
  add("seed", po::value(&o.seed)->default_value(o.seed), "random seed");
  if (!parse_flags(argc, argv, desc, "bench-engine")) return std::nullopt;
  const bool valid = o.seconds > 0 && o.seconds <= 3600 && client_options_valid(o);
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

bool open_sale(caf::scoped_actor& self, const event_actor& engine) {
  bool open = false;
  self->request(engine, std::chrono::seconds(5), sale_atom::value, sale_action::open)
      .receive([&](event_status s) { open = s == event_status::on_sale; },
               [&](caf::error& e) {
                 std::fprintf(stderr, "bench-engine: open failed: %s\n", to_string(e).c_str());
               });
  return open;
}

std::optional<uint64_t> count_sold_seats(caf::scoped_actor& self, const event_actor& engine) {
  std::optional<uint64_t> sold;
  self->request(engine, std::chrono::seconds(10), seatmap_atom::value)
      .receive([&](seat_map_view& map) { sold = count_bits(map.sold_bits); },
               [&](caf::error& e) {
                 std::fprintf(stderr, "bench-engine: seat map failed: %s\n", to_string(e).c_str());
               });
  return sold;
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
                double(sum.total_until_last_sale) / sum.last_sale_s);
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

  const auto sum = run_load(sys, self, engine, o, venue->seat_count(), "bench-engine");
  if (!sum) return 1;
  print_summary(o, venue->seat_count(), *sum);
  const bool ok = check_seat_map(*sum, count_sold_seats(self, engine));
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
