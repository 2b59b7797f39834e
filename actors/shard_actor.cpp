#include "actors/shard_actor.hpp"

#include <map>

#include <caf/all.hpp>

namespace holdfast {

namespace {

struct shard_state {
  static inline const char* name = "holdfast.shard";
  uint32_t index = 0;
  caf::actor_clock::time_point steady_origin;
  int64_t wall_origin_ms = 0;
  std::map<event_id, event_actor> events;
};

using self_ptr = shard_actor::stateful_pointer<shard_state>;

shard_actor::behavior_type shard_behavior(self_ptr self, uint32_t index, int64_t wall_origin_ms) {
  self->state.index = index;
  self->state.steady_origin = self->clock().now();
  self->state.wall_origin_ms = wall_origin_ms;
  return {
    [self](create_atom, event_config config, venue_ptr v) -> event_actor {
      auto& st = self->state;
      if (auto it = st.events.find(config.id); it != st.events.end()) return it->second;
      auto elapsed = self->clock().now() - st.steady_origin;
      const int64_t wall_now =
        st.wall_origin_ms +
        std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
      const event_id id = config.id;
      auto ev = spawn_event_actor(self->system(), std::move(v), std::move(config), wall_now);
      self->link_to(ev); // event actors die with their shard, and a dead event takes its shard down
      st.events.emplace(id, ev);
      return ev;
    },
    [self](lookup_atom, event_id id) -> event_actor {
      auto it = self->state.events.find(id);
      return it == self->state.events.end() ? event_actor{} : it->second;
    },
    [self](list_atom) {
      std::vector<event_id> ids;
      for (auto& [id, _] : self->state.events) ids.push_back(id);
      return ids;
    },
  };
}

} // namespace

shard_actor spawn_shard_actor(caf::actor_system& sys, uint32_t shard_index,
                              int64_t wall_origin_ms) {
  return sys.spawn(shard_behavior, shard_index, wall_origin_ms);
}

} // namespace holdfast
