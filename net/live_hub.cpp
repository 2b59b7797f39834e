#include "net/live_hub.hpp"

#include <caf/all.hpp>

#include "actors/directory.hpp"
#include "core/limits.hpp"
#include "net/gateway.hpp"
#include "net/json_views.hpp"
#include "net/retry_backoff.hpp"

namespace holdfast {

namespace {

struct hub_state {
  static inline const char* name = "holdfast.live_hub";
  std::shared_ptr<const catalog_entry> event;
  directory dir;
  event_actor actor;          // null until the shard has named it
  bool version_known = false; // hello waits until the hub has the event's version
  uint64_t version = 0;
  retry_backoff retry;
  std::vector<std::shared_ptr<live_listener>> sessions;
  size_t sessions_after_prune = 0; // how many were left by the last prune
  std::vector<live_join> waiting_for_version;
};

using hub_ptr = caf::stateful_actor<hub_state>*;

std::shared_ptr<const std::string> hello(const hub_state& st) {
  return std::make_shared<const std::string>("{\"type\":\"hello\",\"eventId\":\"" +
                                             std::to_string(st.event->config.id) +
                                             "\",\"version\":" + std::to_string(st.version) + "}");
}

// Drops the sessions whose sockets have closed (each has already released its
// socket; this releases the rest of it).
void prune(hub_state& st) {
  std::erase_if(st.sessions, [](const auto& s) { return s->closed(); });
  st.sessions_after_prune = st.sessions.size();
}

void greet(hub_state& st, live_join& join) {
  join.session->send(hello(st));
  if (join.after_hello) join.after_hello();
  st.sessions.push_back(std::move(join.session));
  // Seat deltas prune too, but a quiet event has none: sockets that come and
  // go would pile up. Pruning once the list has doubled keeps it under twice
  // the open sessions (plus a few) at O(1) amortized per join.
  if (st.sessions.size() >= 2 * st.sessions_after_prune + 16) prune(st);
}

// The version is known: everyone who waited for it gets their hello.
void greet_waiting(hub_state& st) {
  st.version_known = true;
  for (auto& join : st.waiting_for_version)
    greet(st, join);
  st.waiting_for_version.clear();
}

void retry_later(hub_ptr self) {
  auto& st = self->state;
  // Sessions that gave up waiting would otherwise stay until the version comes.
  std::erase_if(st.waiting_for_version, [](const auto& j) { return j.session->closed(); });
  self->delayed_send(self, st.retry.next(), retry_atom::value);
}

void ask_version(hub_ptr self) {
  self->request(self->state.actor, std::chrono::milliseconds(limits::actor_answer_timeout_ms),
                seatmap_atom::value)
      .then(
          [self](seat_map_view& v) {
            auto& st = self->state;
            st.version = std::max(st.version, v.version);
            greet_waiting(st);
          },
          [self](caf::error&) {
            if (!self->state.version_known) retry_later(self);
          });
}

// Finds the event's actor and subscribes once, then asks for the version.
void connect(hub_ptr self) {
  auto& st = self->state;
  if (st.actor) return ask_version(self);
  lookup_event(self, st.dir, st.event->config.id, [self](event_actor ev) {
    if (!ev) return retry_later(self);
    self->state.actor = ev;
    self->send(ev, subscribe_atom::value, caf::actor_cast<caf::actor>(self));
    ask_version(self);
  });
}

caf::behavior hub_behavior(hub_ptr self, std::shared_ptr<const catalog_entry> event,
                           directory dir) {
  self->state.event = std::move(event);
  self->state.dir = std::move(dir);
  connect(self);
  return {
      [self](live_join& join) {
        auto& st = self->state;
        if (!st.version_known) return st.waiting_for_version.push_back(std::move(join));
        greet(st, join);
      },
      [self](seat_delta& d) {
        auto& st = self->state;
        st.version = d.version;
        auto msg = std::make_shared<const std::string>(delta_json(*st.event, d));
        prune(st);
        for (auto& s : st.sessions)
          s->send(msg);
        // A delta carries the version too: those still waiting for the answer
        // to the version request start from this one.
        if (!st.version_known) greet_waiting(st);
      },
      [self](retry_atom) {
        if (!self->state.version_known) connect(self);
      },
  };
}

} // namespace

caf::actor live_hubs::hub_for(std::shared_ptr<const catalog_entry> event) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& hub = hubs_[event->config.id];
  if (!hub) hub = sys_.spawn(hub_behavior, std::move(event), dir_);
  return hub;
}

} // namespace holdfast
