// holdfast-node: one node of the cluster. Reads cluster.conf, recovers each of
// its shards from data_dir (newest snapshots + journal tail), publishes its node
// actor over CAF remoting, loads the demo venue and event if asked, and runs
// until SIGINT or SIGTERM (SIGHUP reopens the access log). `--help` says how
// settings are overridden from the command line and the environment.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>
#include <openssl/ssl.h>

#include "actors/message_registry.hpp"
#include "actors/node_actor.hpp"
#include "actors/provider_actor.hpp"
#include "core/limits.hpp"
#include "core/memory.hpp"
#include "net/http_server.hpp"
#include "node/demo.hpp"
#include "node/node_config.hpp"
#include "payments/test_provider.hpp"
#include "persistence/data_dir.hpp"
#include "persistence/recovery.hpp"
#include "persistence/shard_store.hpp"

namespace {

using namespace holdfast;

// Every connection and live socket is a file descriptor, and Debian starts a
// shell's processes at a soft limit of 1,024: raise it to the hard limit, as
// far as this process is allowed. Returns the soft limit now in force.
rlim_t raise_open_files_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return lim.rlim_cur;
}

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP); // not a stop: reopens the access log (log rotation)
  return set;
}

// Opens and recovers one shard; prints what it found.
status open_shard(const node_config& conf, uint32_t index, shard_setup& setup) {
  std::unique_ptr<shard_store> store;
  const auto path = shard_db_path(conf.data_dir, index);
  if (auto st = shard_store::open(path, index, false, store); !st) return st;
  auto recovered = std::make_shared<recovery_result>();
  const auto start = std::chrono::steady_clock::now();
  if (auto st = recover_shard(*store, {}, *recovered); !st) return st;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  if (!recovered->events.empty())
    std::printf("holdfast: shard %u recovered %zu events (%lu snapshots, %lu journal records) "
                "in %ld ms\n",
                index, recovered->events.size(), static_cast<unsigned long>(recovered->snapshots),
                static_cast<unsigned long>(recovered->records), static_cast<long>(ms));
  setup.index = index;
  setup.wall_origin_ms = wall_now_ms(conf);
  setup.store = std::move(store);
  setup.snapshot_records = conf.snapshot_records;
  setup.recovered = std::move(recovered);
  return status::success();
}

// Once actors run, returning from main would wait for actors that never stop
// on their own (journals, shards): a start that fails after that point exits
// at once. Durability never depends on a graceful exit.
[[noreturn]] void fail_start(int code, const std::string& message) {
  std::fprintf(stderr, "holdfast: %s\n", message.c_str());
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);
}

// CAF's TLS layer loads the files only when the first peer connects, and
// throws from its I/O thread when they are bad: load them here first, so a
// typo stops the start with a message instead of the node at its first peer.
status check_tls_files(const node_config& conf) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  if (ctx == nullptr) return status::failure("cannot create an OpenSSL context");
  std::string error;
  if (SSL_CTX_use_certificate_chain_file(ctx, conf.caf_tls_cert.c_str()) != 1)
    error = "cannot load node.caf_tls_cert " + conf.caf_tls_cert;
  else if (SSL_CTX_use_PrivateKey_file(ctx, conf.caf_tls_key.c_str(), SSL_FILETYPE_PEM) != 1)
    error = "cannot load node.caf_tls_key " + conf.caf_tls_key;
  else if (SSL_CTX_check_private_key(ctx) != 1)
    error = "node.caf_tls_key does not match node.caf_tls_cert";
  else if (SSL_CTX_load_verify_locations(ctx, conf.caf_tls_ca.c_str(), nullptr) != 1)
    error = "cannot load node.caf_tls_ca " + conf.caf_tls_ca;
  SSL_CTX_free(ctx);
  return error.empty() ? status::success() : status::failure(error);
}

// Publishes the node actor for other nodes and the CLI: over mutual TLS when
// configured, else plain (only on loopback unless caf_insecure, which
// load_node_config has already checked).
template <class Handle>
caf::expected<uint16_t> publish_node(caf::actor_system& sys, const node_config& conf,
                                     const Handle& node) {
  if (caf_tls_configured(conf))
    return caf::openssl::publish(node, conf.caf_port, conf.caf_host.c_str(), true);
  return sys.middleman().publish(node, conf.caf_port, conf.caf_host.c_str(), true);
}

constexpr const char* usage_text =
    "usage: holdfast-node [CONFIG | --config CONFIG] [--set section.key=value ...]\n"
    "       holdfast-node --help | --version\n"
    "\n"
    "Runs one holdfast node from CONFIG (default cluster.conf, documented in place).\n"
    "Any setting of the file may be overridden, highest priority first:\n"
    "  --set section.key=value       e.g. --set node.http_port=9090\n"
    "  HOLDFAST_SECTION__KEY=value   e.g. HOLDFAST_NODE__DATA_DIR=/var/lib/holdfast\n"
    "\n"
    "Signals: SIGTERM or SIGINT stop the node; SIGHUP reopens the access log.\n"
    "Exit codes: 0 stopped cleanly; 2 bad configuration or usage; 3 a shard or the\n"
    "payments ledger could not be opened; 4 CAF remoting could not listen; 5 a\n"
    "secret could not be read or made; 6 the HTTP or admin listener could not bind.\n";

// What the command line asked for; `done` with an exit code for --help,
// --version and usage errors.
struct node_args {
  std::string config_path = "cluster.conf";
  std::vector<config_override> overrides;
  std::optional<int> done;
};

node_args parse_args(int argc, char** argv) {
  node_args args;
  bool have_path = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::optional<std::string_view> {
      if (i + 1 < argc) return std::string_view{argv[++i]};
      std::fprintf(stderr, "holdfast-node: %s needs a value\n%s", argv[i], usage_text);
      return std::nullopt;
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage_text, stdout);
      args.done = 0;
    } else if (arg == "--version") {
      std::printf("holdfast-node %s\n", HOLDFAST_VERSION);
      args.done = 0;
    } else if (arg == "--set" || arg.starts_with("--set=")) {
      const auto text = arg == "--set" ? value() : std::optional{arg.substr(6)};
      config_override o;
      if (!text) {
        args.done = 2;
      } else if (auto st = parse_config_override(*text, "--set", o); !st) {
        std::fprintf(stderr, "holdfast-node: %s\n", st.message.c_str());
        args.done = 2;
      } else {
        args.overrides.push_back(std::move(o));
      }
    } else if (arg == "--config" || (!arg.starts_with("-") && !have_path)) {
      const auto path = arg == "--config" ? value() : std::optional{arg};
      if (!path)
        args.done = 2;
      else
        args.config_path = std::string(*path);
      have_path = true;
    } else {
      std::fprintf(stderr, "holdfast-node: unknown argument %s\n%s", argv[i], usage_text);
      args.done = 2;
    }
    if (args.done) return args;
  }
  // The environment's settings rank below the command line's.
  for (auto& o : config_overrides_from_environment(environ))
    args.overrides.push_back(std::move(o));
  return args;
}

} // namespace

int main(int argc, char** argv) {
  const auto args = parse_args(argc, argv);
  if (args.done) return *args.done;
  holdfast::keep_large_allocations_in_heap();
  const rlim_t open_files = raise_open_files_limit();
  // Block the handled signals before any thread starts so only sigwait sees them.
  sigset_t signals = handled_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  node_config conf;
  if (auto st = load_node_config(args.config_path, conf, args.overrides); !st) {
    std::fprintf(stderr, "holdfast: %s\n", st.message.c_str());
    return 2;
  }
  // Everything the node creates from here on (databases and their -wal and
  // -shm files, secrets, logs) is readable by its own user only.
  umask(077);
  if (auto st = make_data_dir_private(conf.data_dir); !st) {
    std::fprintf(stderr, "holdfast: %s\n", st.message.c_str());
    return 2;
  }
  if (caf_tls_configured(conf)) {
    if (auto st = check_tls_files(conf); !st) {
      std::fprintf(stderr, "holdfast: %s\n", st.message.c_str());
      return 2;
    }
  } else if (!is_loopback_host(conf.caf_host)) {
    std::fprintf(stderr,
                 "holdfast: WARNING: caf_insecure = true: CAF remoting listens on %s without "
                 "authentication; anyone who reaches %s:%u can command this node's actors "
                 "(confirm orders, change prices, cancel events)\n",
                 conf.caf_host.c_str(), conf.caf_host.c_str(), conf.caf_port);
  }
  // Opened before any actor runs: a bad path stops the node at once.
  access_log requests_log; // outlives the HTTP server, which writes to it
  if (!conf.access_log.empty()) {
    const auto path = std::filesystem::path(conf.data_dir) / conf.access_log; // absolute stays
    if (auto st = requests_log.open(path.string()); !st) {
      std::fprintf(stderr, "holdfast: %s\n", st.message.c_str());
      return 2;
    }
    std::printf("holdfast: access log %s\n", path.c_str());
  }

  caf::actor_system_config cfg;
  register_message_types(cfg);
  cfg.load<caf::io::middleman>();
  if (caf_tls_configured(conf)) {
    // With a certificate, key and CA set, caf::openssl requires and verifies
    // a certificate on both sides (never its anonymous-cipher fallback, which
    // it uses only when these are empty).
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = conf.caf_tls_cert;
    cfg.openssl_key = conf.caf_tls_key;
    cfg.openssl_cafile = conf.caf_tls_ca;
  }
  cfg.set("logger.console", caf::atom("none"));
  if (conf.actor_threads > 0)
    cfg.set("scheduler.max-threads", static_cast<size_t>(conf.actor_threads));
  cfg.set("scheduler.policy",
          conf.actor_scheduler == "sharing" ? caf::atom("sharing") : caf::atom("stealing"));
  // Idle workers poll for work before sleeping. CAF's defaults spin through
  // hundreds of 50 us naps, which on a small box steals the cores the I/O
  // threads and the journal need; poll briefly, then sleep.
  cfg.set("work-stealing.aggressive-poll-attempts", size_t{20});
  cfg.set("work-stealing.moderate-poll-attempts", size_t{20});
  cfg.set("work-stealing.moderate-sleep-duration", caf::timespan{std::chrono::microseconds(200)});
  cfg.set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::milliseconds(1)});
  caf::actor_system sys{cfg};

  // The payment provider: the built-in test provider, with its own ledger
  // (an external system's books) in data_dir/payments.sqlite.
  test_provider_config pay;
  pay.seed = conf.payments_seed;
  pay.latency_base_ms = conf.payments_latency_ms;
  pay.latency_jitter_ms = conf.payments_jitter_ms;
  pay.timeout_ppm = conf.payments_timeout_ppm;
  pay.decline_ppm = conf.payments_decline_ppm;
  std::unique_ptr<test_provider> provider;
  if (auto st = test_provider::open(conf.data_dir, pay, provider); !st) {
    std::fprintf(stderr, "holdfast: cannot start: %s\n", st.message.c_str());
    return 3;
  }
  auto payments = spawn_provider_actor(sys, provider_setup{std::move(provider), wall_now_ms(conf)});

  catalog events;
  // What the node sells, counted by its actors as it happens (/metrics).
  auto sales = std::make_shared<sales_counters>();
  std::vector<shard_actor> shards;
  for (uint32_t i = 0; i < conf.shards; ++i) {
    shard_setup setup;
    if (auto st = open_shard(conf, i, setup); !st) fail_start(3, "cannot start: " + st.message);
    setup.provider = payments;
    setup.checkout_wait_ms = conf.payments_checkout_wait_ms;
    setup.sales = sales;
    for (const auto& [id, ev] : setup.recovered->events)
      events.put(catalog_entry{ev.state->config(), ev.hall, ev.state->status()});
    shards.push_back(spawn_shard_actor(sys, std::move(setup)));
  }
  directory dir{shards};
  auto node = spawn_node_actor(sys, dir);
  auto port = publish_node(sys, conf, node);
  if (!port)
    fail_start(4, "cannot publish on " + conf.caf_host + ":" + std::to_string(conf.caf_port) +
                      ": " + caf::to_string(port.error()));
  std::printf("holdfast: node %s up: %u shards in %s, CAF remoting on %s:%u (%s), open files up "
              "to %llu\n",
              conf.name.c_str(), conf.shards, conf.data_dir.c_str(), conf.caf_host.c_str(), *port,
              caf_tls_configured(conf)       ? "mutual TLS"
              : is_loopback_host(conf.caf_host) ? "loopback only"
                                                : "INSECURE, no authentication",
              static_cast<unsigned long long>(open_files));
  if (conf.demo_load) load_demo(sys, dir, conf, events);

  std::string secret, admin_token;
  if (auto st = load_or_create_secret(conf.data_dir, secret); !st) fail_start(5, st.message);
  token_authority tokens{secret};
  if (auto st = load_or_create_admin_token(conf.data_dir, admin_token); !st)
    fail_start(5, st.message);
  access_tokens room_tokens{secret};
  antibot guard{conf.antibot, secret, admin_token};
  http_metrics metrics;
  metrics.attach_sales(sales.get());
  live_hubs hubs{sys, dir};
  api_services services{sys,     dir,         events,        tokens,
                        metrics, hubs,        conf.web_root, conf.clock_offset_s * 1000,
                        &guard,  &room_tokens, conf.live_sockets_max};
  services.gateway_in_flight_max = conf.gateway_in_flight_max;
  services.admin_token = admin_token;
  trusted_proxies proxies;
  if (auto st = trusted_proxies::parse(conf.trusted_proxies, proxies); !st)
    fail_start(2, "node.trusted_proxies: " + st.message);
  services.proxies = &proxies;
  services.metrics_token = conf.metrics_token;
  if (!conf.access_log.empty()) services.log = &requests_log;
  http_server server{http_server_config{conf.http_host, conf.http_port, conf.http_threads},
                     services};
  if (auto st = server.start(); !st) fail_start(6, st.message);
  http_server admin{http_server_config{conf.admin_host, conf.admin_port, 1, listener::admin},
                    services};
  if (auto st = admin.start(); !st) fail_start(6, "admin listener: " + st.message);
  std::printf("holdfast: admin on http://%s:%u/ (/metrics%s, /v1/admin with the token in "
              "%s/admin.token)\n",
              conf.admin_host.c_str(), admin.port(),
              conf.metrics_token ? " with the token" : "", conf.data_dir.c_str());
  std::printf("holdfast: ready on http://%s:%u/ (API under /v1, docs at /v1/openapi.json). "
              "Ctrl-C stops.\n",
              conf.http_host.c_str(), server.port());
  std::fflush(stdout);

  int sig = 0;
  for (;;) {
    sigwait(&signals, &sig);
    if (sig != SIGHUP) break;
    if (services.log != nullptr) services.log->reopen();
    std::printf("holdfast: SIGHUP received, %s\n",
                services.log != nullptr ? "reopening the access log" : "nothing to reopen");
    std::fflush(stdout);
  }
  std::printf("holdfast: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  server.stop();
  admin.stop();
  // Durability never depends on a graceful exit (answers leave after commit),
  // so a shutdown that hangs on some actor is cut short rather than waited on.
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(limits::shutdown_grace_ms));
    std::fprintf(stderr, "holdfast: shutdown took over %lld s; exiting now\n",
                 static_cast<long long>(limits::shutdown_grace_ms / 1000));
    std::_Exit(0);
  }).detach();
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
  for (auto& s : shards)
    caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(payments, caf::exit_reason::user_shutdown);
  return 0;
}
