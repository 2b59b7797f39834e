#include "node/node_config.hpp"

#include <cctype>
#include <chrono>
#include <fstream>
#include <sstream>

#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>

#include "core/limits.hpp"

namespace holdfast {

namespace {

// "<name> must be <min>..<max>", quoting the bounds the check uses.
std::string range_refusal(const std::string& name, int64_t min, int64_t max) {
  return name + " must be " + std::to_string(min) + ".." + std::to_string(max);
}

// The values' own rules, checked after the file and its overrides are read; a
// failure names the setting (load_node_config adds the file's path).
status check_values(const node_config& c) {
  auto fail = [](std::string message) { return status::failure(std::move(message)); };
  constexpr uint32_t bits_max = limits::pow_difficulty_bits_max;
  if (c.antibot.pow_difficulty > bits_max)
    return fail(range_refusal("queue.pow_difficulty", 0, bits_max));
  if (c.antibot.signup_pow_difficulty > bits_max)
    return fail(range_refusal("limits.signup_pow_difficulty", 0, bits_max));
  const auto& room = c.demo_room;
  if (room.opens_after_s < 0 || room.opens_after_s > limits::demo_room_opens_after_s_max)
    return fail(range_refusal("demo.room_opens_after_s", 0, limits::demo_room_opens_after_s_max));
  if (room.admit_per_min == 0 || room.active_max == 0)
    return fail("demo.room_admit_per_min and demo.room_active_max must be at least 1");
  if (room.access_ttl_s < limits::queue_access_ttl_s_min ||
      room.access_ttl_s > limits::queue_access_ttl_s_max)
    return fail(range_refusal("demo.room_access_ttl_s", limits::queue_access_ttl_s_min,
                              limits::queue_access_ttl_s_max));
  if (room.pricing_interval_s < 0) return fail("demo.pricing_interval_s must be >= 0");
  if (c.shards == 0 || c.shards > limits::shards_max)
    return fail(range_refusal("cluster.shards", 1, limits::shards_max));
  if (c.live_sockets_max == 0 || c.live_sockets_max > limits::live_sockets_max_max)
    return fail(range_refusal("limits.live_sockets_max", 1, limits::live_sockets_max_max));
  if (c.gateway_in_flight_max == 0 || c.gateway_in_flight_max > limits::gateway_in_flight_max_max)
    return fail(
        range_refusal("limits.gateway_in_flight_max", 1, limits::gateway_in_flight_max_max));
  if (c.demo_seats == 0 || c.demo_seats > limits::venue_seats_max)
    return fail("demo.seats out of range");
  if (c.actor_scheduler != "stealing" && c.actor_scheduler != "sharing")
    return fail("node.actor_scheduler must be stealing or sharing");
  if (c.demo_user_seats_max == 0 || c.demo_user_seats_max > limits::user_seats_max_max)
    return fail(range_refusal("demo.user_seats_max", 1, limits::user_seats_max_max));
  if (c.payments_latency_ms < 0 || c.payments_jitter_ms < 0 || c.payments_timeout_ppm > 1'000'000 ||
      c.payments_decline_ppm > 1'000'000)
    return fail("payments.latency_ms/jitter_ms must be >= 0 and *_ppm at most 1000000");
  if (c.payments_checkout_wait_ms < 0 || c.payments_checkout_wait_ms > limits::checkout_wait_ms_max)
    return fail(range_refusal("payments.checkout_wait_ms", 0, limits::checkout_wait_ms_max));
  if (c.demo_sections == 0 || c.demo_sections > c.demo_seats)
    return fail("demo.sections out of range");
  return check_caf_exposure(c);
}

} // namespace

status parse_config_override(std::string_view text, std::string origin, config_override& out) {
  const auto eq = text.find('=');
  const auto key = text.substr(0, eq);
  const auto dot = key.find('.');
  if (eq == std::string_view::npos || dot == std::string_view::npos || dot == 0 ||
      dot + 1 == key.size())
    return status::failure(origin + ": expected section.key=value, got \"" + std::string(text) +
                           "\"");
  out = config_override{std::string(key), std::string(text.substr(eq + 1)), std::move(origin)};
  return status::success();
}

std::vector<config_override> config_overrides_from_environment(char** environ_vars) {
  constexpr std::string_view prefix = "HOLDFAST_";
  std::vector<config_override> out;
  for (char** var = environ_vars; var != nullptr && *var != nullptr; ++var) {
    const std::string_view entry{*var};
    const auto eq = entry.find('=');
    if (!entry.starts_with(prefix) || eq == std::string_view::npos) continue;
    const auto name = entry.substr(0, eq);
    const auto rest = name.substr(prefix.size());
    const auto split = rest.find("__");
    if (split == std::string_view::npos || split == 0 || split + 2 == rest.size()) continue;
    std::string key;
    for (char c : rest.substr(0, split))
      key += static_cast<char>(std::tolower(c));
    key += '.';
    for (char c : rest.substr(split + 2))
      key += static_cast<char>(std::tolower(c));
    out.push_back(
        config_override{std::move(key), std::string(entry.substr(eq + 1)), std::string(name)});
  }
  return out;
}

status load_node_config(const std::string& path, node_config& out,
                        const std::vector<config_override>& overrides) {
  namespace po = boost::program_options;
  std::ifstream in(path);
  if (!in) return status::failure("cannot open " + path);
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
    ("limits.signup_pow_difficulty", po::value(&ab.signup_pow_difficulty))
    ("limits.signup_per_ip_per_min", po::value(&ab.signup_per_ip_per_min))
    ("limits.signup_per_ip_burst", po::value(&ab.signup_per_ip_burst))
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
    ("node.caf_host", po::value(&out.caf_host))
    ("node.caf_port", po::value(&out.caf_port))
    ("node.caf_tls_cert", po::value(&out.caf_tls_cert))
    ("node.caf_tls_key", po::value(&out.caf_tls_key))
    ("node.caf_tls_ca", po::value(&out.caf_tls_ca))
    ("node.caf_insecure", po::value(&out.caf_insecure))
    ("node.admin_host", po::value(&out.admin_host))
    ("node.admin_port", po::value(&out.admin_port))
    ("node.metrics_token", po::value(&out.metrics_token))
    ("node.trusted_proxies", po::value(&out.trusted_proxies))
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
  po::variables_map vm;
  // program_options keeps the first value stored for a key: overrides go first.
  for (const auto& o : overrides) {
    try {
      std::istringstream one{o.key + "=" + o.value + "\n"};
      po::store(po::parse_config_file(one, desc, /*allow_unregistered=*/false), vm);
    } catch (const std::exception& e) {
      return status::failure(o.origin + " " + o.key + ": " + e.what());
    }
  }
  try {
    po::store(po::parse_config_file(in, desc, /*allow_unregistered=*/false), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    return status::failure(path + ": " + e.what());
  }
  if (auto st = check_values(out); !st) return status::failure(path + ": " + st.message);
  return status::success();
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

bool caf_tls_configured(const node_config& c) {
  return !c.caf_tls_cert.empty() && !c.caf_tls_key.empty() && !c.caf_tls_ca.empty();
}

status check_caf_exposure(const node_config& c) {
  const bool any_tls = !c.caf_tls_cert.empty() || !c.caf_tls_key.empty() || !c.caf_tls_ca.empty();
  if (any_tls && !caf_tls_configured(c))
    return status::failure(
        "node.caf_tls_cert, caf_tls_key and caf_tls_ca go together (mutual TLS needs all "
        "three)");
  if (is_loopback_host(c.caf_host) || caf_tls_configured(c) || c.caf_insecure)
    return status::success();
  return status::failure(
      "node.caf_host = " + c.caf_host +
      " would let anyone who reaches it command this node's actors: configure mutual TLS "
      "(caf_tls_cert, caf_tls_key, caf_tls_ca) or set caf_insecure = true on a private network");
}

int64_t wall_now_ms(const node_config& conf) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() +
         conf.clock_offset_s * 1000;
}

} // namespace holdfast
