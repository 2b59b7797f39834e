#include "net/live_watcher.hpp"

#include <caf/all.hpp>

#include "actors/directory.hpp"
#include "net/onsale_views.hpp"

namespace holdfast {

namespace json = boost::json;

namespace {

struct watcher_state {
  static inline const char* name = "holdfast.live_watcher";
  event_actors actors;
};

using watcher_ptr = caf::stateful_actor<watcher_state>*;

std::shared_ptr<const std::string> queue_push(const queue_notice& n, const access_tokens& tokens) {
  auto out = queue_json(n.status, n.event, n.user, tokens);
  out["type"] = "queue";
  return std::make_shared<const std::string>(json::serialize(out));
}

std::shared_ptr<const std::string> waitlist_push(const catalog_entry& e, const waitlist_notice& n) {
  auto out = waitlist_json(e, n.entry, n.hold.id == n.entry.hold ? &n.hold : nullptr);
  out["type"] = "waitlist";
  return std::make_shared<const std::string>(json::serialize(out));
}

caf::behavior watcher_behavior(watcher_ptr self, directory dir, const access_tokens* tokens,
                               live_watch_target target, std::shared_ptr<websocket_session> ws) {
  const event_id id = target.event->config.id;
  self->request(dir.shard_for(id), std::chrono::seconds(5), actors_atom::value, id)
      .then(
          [self, target](event_actors& a) {
            auto me = caf::actor_cast<caf::actor>(self);
            self->state.actors = a;
            if (a.event) self->send(a.event, watch_atom::value, target.user, me);
            if (target.queue && a.queue) self->send(a.queue, watch_atom::value, target.user, me);
          },
          [](caf::error&) {}); // no pushes; the client still polls
  return {
      [ws, tokens](const queue_notice& n) {
        if (n.status.state != queue_state::unknown) ws->send(queue_push(n, *tokens));
      },
      [ws, target](const waitlist_notice& n) { ws->send(waitlist_push(*target.event, n)); },
      [self, target](unwatch_atom) {
        auto me = caf::actor_cast<caf::actor>(self);
        const auto& a = self->state.actors;
        if (a.event) self->send(a.event, unwatch_atom::value, target.user, me);
        if (a.queue) self->send(a.queue, unwatch_atom::value, target.user, me);
        self->quit();
      },
  };
}

} // namespace

void start_live_watcher(caf::actor_system& sys, const directory& dir, const access_tokens& tokens,
                        live_watch_target target, std::shared_ptr<websocket_session> session) {
  auto watcher = sys.spawn(watcher_behavior, dir, &tokens, std::move(target), session);
  session->on_close([watcher] { caf::anon_send(watcher, unwatch_atom::value); });
}

} // namespace holdfast
