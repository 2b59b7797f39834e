#include "actors/shard_actor.hpp"

#include <map>

#include <caf/all.hpp>

#include "actors/checkout_actor.hpp"
#include "actors/pricing_actor.hpp"
#include "actors/queue_actor.hpp"
#include "actors/wall_clock.hpp"
#include "core/assert.hpp"
#include "persistence/queue_format.hpp"
#include "persistence/shard_store.hpp"

namespace holdfast {

namespace {

struct shard_state {
  static inline const char* name = "holdfast.shard";
  uint32_t index = 0;
  wall_clock wall;       // now_ms()
  journal_actor journal; // none: in memory only
  uint64_t snapshot_records = 0;
  caf::actor provider;
  int64_t checkout_wait_ms = 0;
  std::map<event_id, event_actors> events;
  std::shared_ptr<sales_counters> sales;
  std::shared_ptr<recovery_result> recovered; // until every recovered event is spawned
};

using self_ptr = shard_actor::stateful_pointer<shard_state>;

int64_t now_ms(self_ptr self) {
  return self->state.wall.now_ms(self->clock());
}

// The waiting room of an event that has one, with its recovered state if any.
queue_actor add_queue(self_ptr self, const event_config& config) {
  auto& st = self->state;
  queue_setup qs;
  qs.event = config.id;
  qs.config = admission_config_of(config);
  qs.wall_origin_ms = now_ms(self);
  qs.journal = st.journal;
  qs.snapshot_records = st.snapshot_records;
  if (st.recovered)
    if (auto it = st.recovered->queues.find(config.id); it != st.recovered->queues.end())
      qs.recovered = it->second.queue;
  auto queue = spawn_queue_actor(self->system(), std::move(qs));
  self->link_to(queue);
  return queue;
}

// The payment saga of an event, with its recovered state if any.
checkout_actor add_checkout(self_ptr self, event_id id, uint32_t user_seats_max,
                        const event_actor& ev) {
  auto& st = self->state;
  checkout_setup cs;
  cs.event = id;
  cs.card_seats_max = user_seats_max; // the per-user cap holds per card too
  cs.wall_origin_ms = now_ms(self);
  cs.event_actor_handle = ev;
  cs.provider = st.provider;
  cs.journal = st.journal;
  cs.client_wait_ms = st.checkout_wait_ms;
  cs.snapshot_records = st.snapshot_records;
  cs.sales = st.sales;
  if (st.recovered)
    if (auto it = st.recovered->checkouts.find(id); it != st.recovered->checkouts.end())
      cs.recovered = it->second.saga;
  auto checkout = spawn_checkout_actor(self->system(), std::move(cs));
  self->link_to(checkout);
  return checkout;
}

// Spawns an event's actors; they die with their shard, and a dead one takes
// its shard down (linked both ways).
event_actor add_event(self_ptr self, event_setup setup) {
  const event_id id = setup.config.id;
  HF_ASSERT(id <= event_id_max);
  setup.wall_origin_ms = now_ms(self);
  setup.journal = self->state.journal;
  setup.snapshot_records = self->state.snapshot_records;
  setup.sales = self->state.sales;
  const auto onsale = setup.config.onsale;
  const uint32_t user_seats_max = setup.config.user_seats_max;
  auto hall = setup.venue;
  event_actors actors;
  if (onsale.waiting_room) actors.queue = add_queue(self, setup.config);
  setup.queue = actors.queue;
  actors.event = spawn_event_actor(self->system(), std::move(setup));
  self->link_to(actors.event);
  if (self->state.provider) actors.checkout = add_checkout(self, id, user_seats_max, actors.event);
  if (onsale.pricing_interval_s > 0) {
    auto pricing = spawn_pricing_actor(
        self->system(), pricing_setup{actors.event, std::move(hall), pricing_config_of(onsale)});
    self->link_to(pricing);
  }
  self->state.events.emplace(id, actors);
  return actors.event;
}

shard_actor::behavior_type shard_behavior(self_ptr self, shard_setup setup) {
  auto& st = self->state;
  st.index = setup.index;
  st.wall.start(self->clock(), setup.wall_origin_ms);
  st.snapshot_records = setup.snapshot_records;
  st.provider = setup.provider;
  st.checkout_wait_ms = setup.checkout_wait_ms;
  st.sales = std::move(setup.sales);
  if (setup.store) {
    st.journal = spawn_journal_actor(self->system(), setup.store, setup.journal_detached);
    self->link_to(st.journal);
  }
  if (setup.recovered) {
    st.recovered = setup.recovered;
    for (auto& [id, rec] : setup.recovered->events) {
      event_setup es;
      es.venue = rec.hall;
      es.config = rec.state->config();
      es.recovered = rec.state;
      add_event(self, std::move(es));
    }
    setup.recovered.reset(); // the event actors own their states now
    st.recovered.reset();
  }
  return {
      [self](create_atom, event_config config, venue_ptr v) -> event_actor {
        auto& st = self->state;
        if (auto it = st.events.find(config.id); it != st.events.end()) return it->second.event;
        // The venue reaches the journal before the event's first record refers to it.
        if (st.journal) self->send(st.journal, journal_venue{v->id(), v});
        event_setup es;
        es.venue = std::move(v);
        es.config = std::move(config);
        return add_event(self, std::move(es));
      },
      [self](lookup_atom, event_id id) -> event_actor {
        auto it = self->state.events.find(id);
        return it == self->state.events.end() ? event_actor{} : it->second.event;
      },
      [self](actors_atom, event_id id) {
        auto it = self->state.events.find(id);
        return it == self->state.events.end() ? event_actors{} : it->second;
      },
      [self](list_atom) {
        std::vector<event_id> ids;
        for (auto& [id, _] : self->state.events)
          ids.push_back(id);
        return ids;
      },
      [self](stats_atom) -> caf::result<journal_stats> {
        // The journal actor is private to the shard: it answers the caller directly.
        if (!self->state.journal) return journal_stats{};
        return self->delegate(self->state.journal, stats_atom::value);
      },
  };
}

} // namespace

shard_actor spawn_shard_actor(caf::actor_system& sys, shard_setup setup) {
  return sys.spawn(shard_behavior, std::move(setup));
}

shard_actor spawn_shard_actor(caf::actor_system& sys, uint32_t shard_index,
                              int64_t wall_origin_ms) {
  shard_setup setup;
  setup.index = shard_index;
  setup.wall_origin_ms = wall_origin_ms;
  return spawn_shard_actor(sys, std::move(setup));
}

} // namespace holdfast
