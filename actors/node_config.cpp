#include "actors/node_config.hpp"

#include <fstream>

#include <boost/program_options.hpp>

#include "core/limits.hpp"

namespace holdfast {

namespace {

std::string check_onsale(const node_config& c) {
  if (c.antibot.pow_difficulty > 32) return "queue.pow_difficulty must be 0..32";
  const auto& room = c.demo_room;
  if (room.opens_after_s < 0 || room.opens_after_s > 30LL * 24 * 3600)
    return "demo.room_opens_after_s must be 0..2592000";
  if (room.admit_per_min == 0 || room.active_max == 0)
    return "demo.room_admit_per_min and demo.room_active_max must be at least 1";
  if (room.access_ttl_s < 60 || room.access_ttl_s > 24 * 3600)
    return "demo.room_access_ttl_s must be 60..86400";
  if (room.pricing_interval_s < 0) return "demo.pricing_interval_s must be >= 0";
  return {};
}

} // namespace

std::string load_node_config(const std::string& path, node_config& out) {
  namespace po = boost::program_options;
  std::ifstream in(path);
  if (!in) return "cannot open " + path;
  po::options_description desc;
  auto& ab = out.antibot;
  auto& room = out.demo_room;
  // clang-format off
  desc.add_options()
    ("limits.ip_per_s", po::value(&ab.ip_per_s))
    ("limits.ip_burst", po::value(&ab.ip_burst))
    ("limits.user_per_s", po::value(&ab.user_per_s))
    ("limits.user_burst", po::value(&ab.user_burst))
    ("limits.device_per_s", po::value(&ab.device_per_s))
    ("limits.device_burst", po::value(&ab.device_burst))
    ("limits.hold_attempts_per_min", po::value(&ab.hold_attempts_per_min))
    ("limits.hold_attempts_burst", po::value(&ab.hold_attempts_burst))
    ("limits.live_sockets_max", po::value(&out.live_sockets_max))
    ("limits.gateway_in_flight_max", po::value(&out.gateway_in_flight_max))
    ("queue.pow_difficulty", po::value(&ab.pow_difficulty))
    ("demo.room", po::value(&room.enabled))
    ("demo.room_opens_after_s", po::value(&room.opens_after_s))
    ("demo.room_admit_per_min", po::value(&room.admit_per_min))
    ("demo.room_active_max", po::value(&room.active_max))
    ("demo.room_access_ttl_s", po::value(&room.access_ttl_s))
    ("demo.pricing_interval_s", po::value(&room.pricing_interval_s));
  desc.add_options()
    ("cluster.shards", po::value(&out.shards))
    ("node.name", po::value(&out.name))
    ("node.http_host", po::value(&out.http_host))
    ("node.http_port", po::value(&out.http_port))
    ("node.data_dir", po::value(&out.data_dir))
    ("node.caf_port", po::value(&out.caf_port))
    ("node.http_threads", po::value(&out.http_threads))
    ("node.actor_threads", po::value(&out.actor_threads))
    ("node.actor_scheduler", po::value(&out.actor_scheduler))
    ("node.web_root", po::value(&out.web_root))
    ("node.access_log", po::value(&out.access_log))
    ("node.clock_offset_s", po::value(&out.clock_offset_s))
    ("node.snapshot_records", po::value(&out.snapshot_records))
    ("demo.load", po::value(&out.demo_load))
    ("demo.sections", po::value(&out.demo_sections))
    ("demo.seats", po::value(&out.demo_seats))
    ("demo.ga_capacity", po::value(&out.demo_ga_capacity))
    ("demo.user_seats_max", po::value(&out.demo_user_seats_max))
    ("payments.latency_ms", po::value(&out.payments_latency_ms))
    ("payments.jitter_ms", po::value(&out.payments_jitter_ms))
    ("payments.timeout_ppm", po::value(&out.payments_timeout_ppm))
    ("payments.decline_ppm", po::value(&out.payments_decline_ppm))
    ("payments.seed", po::value(&out.payments_seed))
    ("payments.checkout_wait_ms", po::value(&out.payments_checkout_wait_ms));
  // clang-format on
  try {
    po::variables_map vm;
    po::store(po::parse_config_file(in, desc, /*allow_unregistered=*/false), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    return path + ": " + e.what();
  }
  if (auto err = check_onsale(out); !err.empty()) return path + ": " + err;
  if (out.shards == 0 || out.shards > 1024) return path + ": cluster.shards must be 1..1024";
  if (out.live_sockets_max == 0 || out.live_sockets_max > limits::live_sockets_max_max)
    return path + ": limits.live_sockets_max must be 1.." +
           std::to_string(limits::live_sockets_max_max);
  if (out.gateway_in_flight_max == 0 ||
      out.gateway_in_flight_max > limits::gateway_in_flight_max_max)
    return path + ": limits.gateway_in_flight_max must be 1.." +
           std::to_string(limits::gateway_in_flight_max_max);
  if (out.demo_seats == 0 || out.demo_seats > limits::venue_seats_max)
    return path + ": demo.seats out of range";
  if (out.actor_scheduler != "stealing" && out.actor_scheduler != "sharing")
    return path + ": node.actor_scheduler must be stealing or sharing";
  if (out.demo_user_seats_max == 0 || out.demo_user_seats_max > limits::user_seats_max_max)
    return path + ": demo.user_seats_max must be 1.." + std::to_string(limits::user_seats_max_max);
  if (out.payments_latency_ms < 0 || out.payments_jitter_ms < 0 ||
      out.payments_timeout_ppm > 1'000'000 || out.payments_decline_ppm > 1'000'000)
    return path + ": payments.latency_ms/jitter_ms must be >= 0 and *_ppm at most 1000000";
  if (out.payments_checkout_wait_ms < 0 || out.payments_checkout_wait_ms > 60'000)
    return path + ": payments.checkout_wait_ms must be 0..60000";
  if (out.demo_sections == 0 || out.demo_sections > out.demo_seats)
    return path + ": demo.sections out of range";
  return {};
}

} // namespace holdfast
