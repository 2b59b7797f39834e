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
#pragma once

#include <memory>

#include <caf/fwd.hpp>

#include "net/access_tokens.hpp"
#include "net/catalog.hpp"
#include "net/websocket_session.hpp"

namespace holdfast {

class directory;

struct live_watch_target {
  std::shared_ptr<const catalog_entry> event;
  user_id user = 0;
  bool queue = false; // the socket proved the user's place in the waiting room
};

void start_live_watcher(caf::actor_system& sys, const directory& dir, const access_tokens& tokens,
                        live_watch_target target, std::shared_ptr<websocket_session> session);

} // namespace holdfast
