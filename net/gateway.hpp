// The gateway: where HTTP sessions hand work to the actors without ever
// blocking a thread on them. Each I/O thread owns one gateway actor. A session
// submits a command with a completion callback (a plain anon_send: a lock-free
// enqueue); the gateway collects the commands of each event until its mailbox
// runs dry (a self-sent flush message queues behind everything already
// waiting), sends them as one command_batch, and calls each callback with its
// outcome when the outcome_batch returns. Callbacks must be cheap and
// thread-safe: they run on a CAF worker and post back to the session.
//
// Protocol (local only):
//   gateway_command{event, cmd, done}   -> done(outcome), exactly once
//   gateway_task{run}                   -> run(self) inside the gateway actor
//   outcome_batch                        replies from event actors
//   (flush_atom), (expire_atom)          internal: send batches; fail stuck ones
#pragma once

#include <functional>

#include <caf/fwd.hpp>

#include "actors/directory.hpp"

namespace holdfast {

using outcome_callback = std::function<void(const outcome&)>;

struct gateway_command {
  event_id event = 0;
  command cmd;
  outcome_callback done;
};

struct gateway_task {
  std::function<void(caf::event_based_actor*)> run;
};

} // namespace holdfast

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::gateway_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::gateway_task)

namespace holdfast {

caf::actor spawn_gateway(caf::actor_system& sys, directory dir);

// Finds an event's actor from inside any actor (the shard answers). `found`
// gets an invalid handle for an unknown event.
void lookup_event(caf::event_based_actor* self, const directory& dir, event_id event,
                  std::function<void(event_actor)> found);

} // namespace holdfast
