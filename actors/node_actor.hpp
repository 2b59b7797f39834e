// The node actor: the one actor a node publishes over caf::io remoting. Remote
// clients (other nodes and the operators' CLI, once they exist) ask it where
// an event lives and then talk to that event actor directly through CAF's
// proxy. No test or tool speaks CAF remoting to it yet: the crash test drives
// the node over HTTP.
//
// Protocol:
//   (lookup_atom, event_id) -> event_actor (invalid handle if no shard has it)
#pragma once

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/directory.hpp"

namespace holdfast {

using node_actor = caf::typed_actor<caf::replies_to<lookup_atom, event_id>::with<event_actor>>;

node_actor spawn_node_actor(caf::actor_system& sys, directory dir);

} // namespace holdfast
