// Live seat-map fan-out: one hub actor per event per node subscribes to the
// event actor once, renders each coalesced delta to JSON once, and hands the
// same bytes to every WebSocket watching that event.
//
// Protocol (local only):
//   live_join{session, after_hello} -> the session gets {"type":"hello", version} then deltas
//   seat_delta           from the event actor
//   (retry_atom)         to itself: look the event up or ask its version again
//
// A new hub looks up its event's actor, subscribes, and asks for the version
// that hellos carry; sessions that join before it knows one wait. If the shard
// or the event actor does not answer (busy recovering, say), the hub retries
// after 100 ms, doubling up to 5 s: a hub is made once per event per node, so
// one lost answer must not leave that event's live map silent for good.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include <caf/fwd.hpp>

#include "net/catalog.hpp"
#include "net/live_listener.hpp"

namespace holdfast {

struct live_join {
  std::shared_ptr<live_listener> session;
  // Runs right after the hello is queued (so hello stays the first message):
  // starts the session's per-user pushes, if any.
  std::function<void()> after_hello;
};

} // namespace holdfast

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::live_join)

namespace holdfast {

class directory;

// Finds or starts the hub of an event. Thread-safe.
class live_hubs {
public:
  live_hubs(caf::actor_system& sys, const directory& dir) : sys_(sys), dir_(dir) {}
  caf::actor hub_for(std::shared_ptr<const catalog_entry> event);

private:
  caf::actor_system& sys_;
  const directory& dir_;
  std::mutex mutex_;
  std::map<event_id, caf::actor> hubs_;
};

} // namespace holdfast
