#include "actors/node_actor.hpp"

#include <caf/all.hpp>

namespace holdfast {

namespace {

node_actor::behavior_type node_behavior(node_actor::pointer self, directory dir) {
  return {
      [self, dir](lookup_atom, event_id id) {
        // The owning shard answers the caller directly.
        return self->delegate(dir.shard_for(id), lookup_atom::value, id);
      },
  };
}

} // namespace

node_actor spawn_node_actor(caf::actor_system& sys, directory dir) {
  return sys.spawn(node_behavior, std::move(dir));
}

} // namespace holdfast
