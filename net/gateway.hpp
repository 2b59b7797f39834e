// The gateway: each I/O thread's actor for work that needs an actor's
// context, such as a request().then to a waiting room or checkout actor, or
// looking an event's actors up. A session sends it a task (a plain
// anon_send: a lock-free enqueue) and never waits; the task answers through
// its own callback. Holds, releases and confirms do not come here: they go
// straight from the I/O thread to the event actor (command_lanes.hpp).
//
// Protocol (local only):
//   gateway_task{run}   -> run(self) inside the gateway actor
#pragma once

#include <functional>

#include <caf/fwd.hpp>

#include "actors/directory.hpp"

namespace holdfast {

struct gateway_task {
  std::function<void(caf::event_based_actor*)> run;
};

} // namespace holdfast

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::gateway_task)

namespace holdfast {

caf::actor spawn_gateway(caf::actor_system& sys);

// Finds an event's actor from inside any actor (the shard answers). `found`
// gets an invalid handle for an unknown event.
void lookup_event(caf::event_based_actor* self, const directory& dir, event_id event,
                  std::function<void(event_actor)> found);

} // namespace holdfast
