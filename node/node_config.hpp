// cluster.conf, parsed. INI format (Boost.Program_options); unknown keys are errors
// so a typo never silently falls back to a default.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/antibot_config.hpp"
#include "core/limits.hpp"
#include "core/status.hpp"

namespace holdfast {

// [demo] room_* and pricing_interval_s: the second demo event, "Holdfast Live:
// The Big On-Sale", goes on sale behind a waiting room that opens
// opens_after_s after the node first creates it; both demo events reprice.
struct demo_room_config {
  bool enabled = true;
  int64_t opens_after_s = 20;
  uint32_t admit_per_min = 600; // 10 users a second
  uint32_t active_max = 1000;
  int64_t access_ttl_s = 1800;
  int64_t pricing_interval_s = 30; // 0: fixed prices
};

struct node_config {
  std::string name = "node-1";
  antibot_config antibot; // [limits] and [queue]
  demo_room_config demo_room;
  std::string http_host = "127.0.0.1";
  uint16_t http_port = 8080;
  std::string data_dir = "data";
  // The admin listener: /metrics and /v1/admin/* (never on the public port).
  // Admin routes need the token in <data_dir>/admin.token; metrics only when
  // metrics_token is true.
  std::string admin_host = "127.0.0.1";
  uint16_t admin_port = 8081;
  bool metrics_token = false;
  // CAF remoting (the node actor). Whoever completes a CAF handshake can send
  // the node's actors anything, so a non-loopback caf_host needs mutual TLS
  // (all three caf_tls_* files: certificates required on both sides, never
  // CAF's anonymous-cipher fallback) or an explicit caf_insecure = true.
  std::string caf_host = "127.0.0.1";
  uint16_t caf_port = 4300;
  std::string caf_tls_cert; // PEM certificate chain of this node
  std::string caf_tls_key;  // PEM private key
  std::string caf_tls_ca;   // PEM CA that signs every node's certificate
  bool caf_insecure = false;
  // Proxies whose X-Forwarded-For / Forwarded headers name the real client
  // (CIDR list, comma-separated); empty: the peer address is the client.
  std::string trusted_proxies;
  unsigned http_threads = 0;  // 0: half the cores, at least one (default_io_threads)
  unsigned actor_threads = 0; // CAF scheduler workers; 0: CAF's default, max(cores, 4)
  // CAF policy. "sharing": idle workers block on a condition variable; measured
  // +18% HTTP holds/s over "stealing", whose idle workers poll-sleep.
  std::string actor_scheduler = "sharing";
  std::string web_root = "web"; // the web UI's static files
  // One JSON line per answered HTTP request; empty: none. Relative paths are
  // under data_dir.
  std::string access_log;
  // Shifts this node's wall clock. For on-sale simulations and crash tests that
  // must see hold deadlines pass while a node is down; 0 in production.
  int64_t clock_offset_s = 0;
  // Each event snapshots after this many journal records (and every minute).
  uint64_t snapshot_records = limits::snapshot_records_interval;
  uint32_t live_sockets_max = limits::live_sockets_max_default;           // [limits]
  uint32_t gateway_in_flight_max = limits::gateway_in_flight_max_default; // [limits]
  uint32_t shards = 4;
  bool demo_load = true;
  uint32_t demo_sections = 40;
  uint32_t demo_seats = 50'000;
  uint32_t demo_ga_capacity = 2'000;
  uint32_t demo_user_seats_max = 8; // per-user seat cap of the demo event
  // The built-in test provider (payments/test_provider.hpp): its latency and
  // injected faults, in parts per million of requests.
  int64_t payments_latency_ms = 40;
  int64_t payments_jitter_ms = 60;
  uint32_t payments_timeout_ppm = 0;
  uint32_t payments_decline_ppm = 0;
  uint64_t payments_seed = 1;
  // How long POST /v1/orders waits for the payment before answering 202 pending.
  int64_t payments_checkout_wait_ms = limits::checkout_wait_ms_default;
};

// One setting given outside the file: "section.key=value" (node.http_port=9090).
struct config_override {
  std::string key; // section.key
  std::string value;
  std::string origin; // where it came from, for messages: "--set" or the variable's name
};

// Reads and checks the file; a failure says what is wrong with it. `overrides`
// win over the file, earlier ones over later ones (the command line's --set
// first, then the environment); an unknown key is refused like one in the file.
status load_node_config(const std::string& path, node_config& out,
                        const std::vector<config_override>& overrides = {});

// "section.key=value" from --set; a failure for text without '=' or a section.
status parse_config_override(std::string_view text, std::string origin, config_override& out);

// Every HOLDFAST_SECTION__KEY=value in `environ` (a null-terminated array):
// section and key lower-cased, "__" between them (HOLDFAST_NODE__HTTP_PORT ->
// node.http_port). Variables without "__" (HOLDFAST_ADMIN_TOKEN) are not settings.
std::vector<config_override> config_overrides_from_environment(char** environ_vars);

// True for addresses only this machine can reach (127.0.0.0/8, ::1, "localhost").
bool is_loopback_host(const std::string& host);
bool caf_tls_configured(const node_config& c);
// A failure says why the CAF remoting settings are unsafe or incomplete.
status check_caf_exposure(const node_config& c);

// The node's wall clock: the system clock moved by [node] clock_offset_s.
int64_t wall_now_ms(const node_config& conf);

} // namespace holdfast
