// Registers every type holdfast sends between actors with an actor system
// config: the type-ID block plus the typed actor handles that travel in
// messages (remote clients receive event_actor handles from the node actor).
#pragma once

#include "actors/event_actor.hpp"
#include "actors/node_actor.hpp"
#include "actors/shard_actor.hpp"
#include "actors/type_ids.hpp"

namespace holdfast {

template <class Config> Config& register_message_types(Config& cfg) {
  cfg.template add_message_types<caf::id_block::holdfast>();
  cfg.template add_message_type<event_actor>("holdfast::event_actor");
  cfg.template add_message_type<shard_actor>("holdfast::shard_actor");
  cfg.template add_message_type<node_actor>("holdfast::node_actor");
  return cfg;
}

} // namespace holdfast
