// Per-user pushes on a live WebSocket: one small actor per socket that carries
// a valid bearer token. It watches the event actor for the user's waitlist
// offers and, when the socket also carries the user's queue token, the
// waiting room for the user's place; each notice becomes one JSON message on
// that socket only ({"type": "queue", ...} or {"type": "waitlist", ...}).
// When the socket closes the watcher unwatches both and quits (the actors
// also monitor it, so a watcher that dies any other way is forgotten too).
//
// Protocol (local only):
//   queue_notice, waitlist_notice   from the queue and event actors
//   (unwatch_atom)                  the socket closed
//   (retry_atom)                    to itself: ask the shard for the actors again
//
// If the shard does not answer which actors to watch, the watcher asks again
// after 100 ms, doubling to 5 s, for as long as the socket is open (the page
// also polls, so pushes only arrive sooner).
#pragma once

#include <memory>

#include <caf/fwd.hpp>

#include "net/access_tokens.hpp"
#include "net/catalog.hpp"
#include "net/live_listener.hpp"
#include "net/websocket_session.hpp"

namespace holdfast {

class directory;

struct live_watch_target {
  std::shared_ptr<const catalog_entry> event;
  user_id user = 0;
  bool queue = false; // the socket proved the user's place in the waiting room
};

// Spawns the watcher for `target`, pushing to `to`; send it unwatch_atom when
// the socket closes.
caf::actor spawn_live_watcher(caf::actor_system& sys, const directory& dir,
                              const access_tokens& tokens, live_watch_target target,
                              std::shared_ptr<live_listener> to);

// spawn_live_watcher for a WebSocket, unwatched when it closes.
void start_live_watcher(caf::actor_system& sys, const directory& dir, const access_tokens& tokens,
                        live_watch_target target, std::shared_ptr<websocket_session> session);

} // namespace holdfast
