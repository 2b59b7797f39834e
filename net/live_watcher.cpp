#include "net/live_watcher.hpp"

#include <caf/all.hpp>

#include "actors/directory.hpp"
#include "core/limits.hpp"
#include "net/onsale_views.hpp"
#include "net/retry_backoff.hpp"

namespace holdfast {

namespace json = boost::json;

namespace {

struct watcher_state {
  static inline const char* name = "holdfast.live_watcher";
  event_actors actors;
  retry_backoff retry;
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

// Asks the shard for the event's actors and watches them for this user; asks
// again later if the shard does not answer.
void watch(watcher_ptr self, const directory& dir, const live_watch_target& target) {
  const event_id id = target.event->config.id;
  self->request(dir.shard_for(id), std::chrono::milliseconds(limits::actor_answer_timeout_ms),
                actors_atom::value, id)
      .then(
          [self, target](event_actors& a) {
            auto me = caf::actor_cast<caf::actor>(self);
            self->state.actors = a;
            if (a.event) self->send(a.event, watch_atom::value, target.user, me);
            if (target.queue && a.queue) self->send(a.queue, watch_atom::value, target.user, me);
          },
          [self](caf::error&) {
            self->delayed_send(self, self->state.retry.next(), retry_atom::value);
          });
}

caf::behavior watcher_behavior(watcher_ptr self, directory dir, const access_tokens* tokens,
                               live_watch_target target, std::shared_ptr<live_listener> ws) {
  watch(self, dir, target);
  return {
      [ws, tokens](const queue_notice& n) {
        if (n.status.state != queue_state::unknown) ws->send(queue_push(n, *tokens));
      },
      [ws, target](const waitlist_notice& n) { ws->send(waitlist_push(*target.event, n)); },
      [self, dir, target](retry_atom) { watch(self, dir, target); },
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

caf::actor spawn_live_watcher(caf::actor_system& sys, const directory& dir,
                              const access_tokens& tokens, live_watch_target target,
                              std::shared_ptr<live_listener> to) {
  return sys.spawn(watcher_behavior, dir, &tokens, std::move(target), std::move(to));
}

void start_live_watcher(caf::actor_system& sys, const directory& dir, const access_tokens& tokens,
                        live_watch_target target, std::shared_ptr<websocket_session> session) {
  auto watcher = spawn_live_watcher(sys, dir, tokens, std::move(target), session);
  session->on_close([watcher] { caf::anon_send(watcher, unwatch_atom::value); });
}

} // namespace holdfast
