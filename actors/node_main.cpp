// holdfast-node: one node of the cluster. Reads cluster.conf, spawns its shards,
// loads the demo venue and event, and runs until SIGINT or SIGTERM.
#include <csignal>
#include <chrono>
#include <cstdio>
#include <string>

#include <caf/all.hpp>

#include "actors/directory.hpp"
#include "actors/node_config.hpp"

namespace {

int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

void wait_for_stop_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  std::printf("holdfast: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
}

} // namespace

int main(int argc, char** argv) {
  using namespace holdfast;
  // Block the stop signals before any thread starts so only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  std::string config_path = argc > 1 ? argv[1] : "cluster.conf";
  node_config conf;
  if (auto err = load_node_config(config_path, conf); !err.empty()) {
    std::fprintf(stderr, "holdfast: %s\n", err.c_str());
    return 2;
  }
  caf::actor_system_config cfg;
  register_message_types(cfg);
  cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{cfg};

  std::vector<shard_actor> shards;
  for (uint32_t i = 0; i < conf.shards; ++i)
    shards.push_back(spawn_shard_actor(sys, i, wall_now_ms()));
  directory dir{shards};
  std::printf("holdfast: node %s up with %u shards (data dir %s)\n", conf.name.c_str(),
              conf.shards, conf.data_dir.c_str());

  if (conf.demo_load) {
    auto v = make_demo_venue(conf.demo_sections, conf.demo_seats, conf.demo_ga_capacity);
    event_config ev;
    ev.id = 1;
    ev.name = "Holdfast Live: Opening Night";
    ev.artist = "The Anchors";
    ev.category = "concert";
    ev.starts_at_ms = wall_now_ms() + 30LL * 24 * 3600 * 1000;
    caf::scoped_actor self{sys};
    self->request(dir.shard_for(ev.id), std::chrono::seconds(5), create_atom::value, ev, v)
      .receive(
        [&](event_actor& actor) {
          self->request(actor, std::chrono::seconds(5), sale_atom::value, sale_action::open)
            .receive([&](event_status s) {
              std::printf("holdfast: demo event %u \"%s\" at %s: %u seats in %zu sections, "
                          "%u GA places, status %s (shard %u)\n",
                          ev.id, ev.name.c_str(), v->name().c_str(), v->seat_count(),
                          v->sections().size(), v->ga_capacity_total(),
                          std::string(status_name(s)).c_str(), shard_of(ev.id, conf.shards));
            },
            [&](caf::error& e) { std::fprintf(stderr, "open failed: %s\n", to_string(e).c_str()); });
        },
        [&](caf::error& e) { std::fprintf(stderr, "create failed: %s\n", to_string(e).c_str()); });
  }
  std::printf("holdfast: node running; the HTTP front will listen on http://%s:%u "
              "(not built yet). Ctrl-C stops.\n",
              conf.http_host.c_str(), conf.http_port);
  std::fflush(stdout);
  wait_for_stop_signal();
  for (auto& s : shards) caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  return 0;
}
