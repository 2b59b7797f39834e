#include "node/demo.hpp"

#include <chrono>
#include <cstdio>
#include <string>

#include <caf/all.hpp>

#include "actors/directory.hpp"
#include "core/limits.hpp"
#include "net/auth.hpp"
#include "net/catalog.hpp"
#include "node/demo_venue.hpp"
#include "node/node_config.hpp"

namespace holdfast {

namespace {

// Creates one demo event (or finds it, recovered) and opens its sale. A
// recovered event keeps its journaled config, so a restart shows the waiting
// room's original opening time, not a fresh one.
void create_demo_event(caf::actor_system& sys, const directory& dir, const node_config& conf,
                       catalog& events, event_config ev, venue_ptr v) {
  if (auto recovered = events.find(ev.id)) {
    ev = recovered->config;
    v = recovered->hall;
  }
  caf::scoped_actor self{sys};
  auto on_error = [](caf::error& e) {
    std::fprintf(stderr, "holdfast: demo event: %s\n", caf::to_string(e).c_str());
  };
  self->request(dir.shard_for(ev.id), std::chrono::milliseconds(limits::demo_setup_timeout_ms),
                create_atom::value, ev, v)
      .receive(
          [&](event_actor& actor) {
            self->request(actor, std::chrono::milliseconds(limits::demo_setup_timeout_ms),
                          sale_atom::value, sale_action::open)
                .receive(
                    [&](event_status s) {
                      events.put(catalog_entry{ev, v, s});
                      std::printf(
                          "holdfast: demo event %u \"%s\" at %s: %u seats in %zu sections, %u GA "
                          "places, status %s (shard %u)%s\n",
                          ev.id, ev.name.c_str(), v->name().c_str(), v->seat_count(),
                          v->sections().size(), v->ga_capacity_total(),
                          std::string(status_name(s)).c_str(), shard_of(ev.id, conf.shards),
                          ev.onsale.waiting_room ? ", waiting room on" : "");
                    },
                    on_error);
          },
          on_error);
}

} // namespace

void load_demo(caf::actor_system& sys, const directory& dir, const node_config& conf,
               catalog& events) {
  auto v = make_demo_venue(conf.demo_sections, conf.demo_seats, conf.demo_ga_capacity);
  // Shows start in the evening (20:00 UTC), not at whatever minute the node first ran.
  const auto evening_in_days = [now = wall_now_ms(conf)](int64_t days) {
    constexpr int64_t day_ms = 24LL * 3600 * 1000;
    return (now / day_ms + days) * day_ms + 20LL * 3600 * 1000;
  };
  const auto& room = conf.demo_room;
  event_config ev;
  ev.id = 1;
  ev.name = "Holdfast Live: Opening Night";
  ev.artist = "The Anchors";
  ev.category = "concert";
  ev.user_seats_max = conf.demo_user_seats_max;
  ev.starts_at_ms = evening_in_days(30);
  ev.onsale.pricing_interval_s = room.pricing_interval_s;
  create_demo_event(sys, dir, conf, events, ev, v);
  if (!room.enabled) return;
  ev.id = 2;
  ev.name = "Holdfast Live: The Big On-Sale";
  ev.artist = "The Anchors";
  ev.starts_at_ms = evening_in_days(45);
  ev.onsale.waiting_room = true;
  ev.onsale.queue_opens_at_ms = wall_now_ms(conf) + room.opens_after_s * 1000;
  ev.onsale.admit_per_min = room.admit_per_min;
  ev.onsale.active_max = room.active_max;
  ev.onsale.access_ttl_s = room.access_ttl_s;
  ev.onsale.shuffle_seed = random_u64(); // recorded in the journal with the event
  create_demo_event(sys, dir, conf, events, ev, v);
}

} // namespace holdfast
