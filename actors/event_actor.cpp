#include "actors/event_actor.hpp"

#include <algorithm>
#include <optional>

#include <caf/all.hpp>

#include "core/assert.hpp"

namespace holdfast {

namespace {

struct event_actor_state {
  static inline const char* name = "holdfast.event";

  std::unique_ptr<event_state> core;
  caf::actor_clock::time_point steady_origin;
  int64_t wall_origin_ms = 0;
  std::optional<int64_t> wake_at_ms; // the earliest expiry wake-up already scheduled
  bool flush_pending = false;
  uint64_t published_version = 0;
  std::vector<caf::actor> subscribers;
};

using self_ptr = event_actor::stateful_pointer<event_actor_state>;

int64_t now_ms(self_ptr self) {
  auto elapsed = self->clock().now() - self->state.steady_origin;
  return self->state.wall_origin_ms +
         std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
}

// Keeps exactly one pending wake-up at or before the earliest hold deadline.
void schedule_expiry(self_ptr self, int64_t now) {
  auto& st = self->state;
  auto next = st.core->next_deadline();
  if (!next || (st.wake_at_ms && *st.wake_at_ms <= *next)) return;
  st.wake_at_ms = *next;
  self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(*next - now, 0)),
                     expire_atom::value);
}

void schedule_flush(self_ptr self) {
  auto& st = self->state;
  if (st.flush_pending || st.subscribers.empty() || !st.core->inventory().has_changes()) return;
  st.flush_pending = true;
  self->delayed_send(self, std::chrono::milliseconds(limits::delta_window_ms), flush_atom::value);
}

void publish_delta(self_ptr self) {
  auto& st = self->state;
  st.flush_pending = false;
  if (st.subscribers.empty()) return;
  seat_delta delta;
  delta.event = st.core->id();
  delta.from_version = st.published_version;
  st.core->inventory().drain_changes(
    [&](seat_index i, seat_state s) {
      delta.seats.push_back(i);
      delta.states.push_back(static_cast<uint8_t>(s));
    },
    [](uint16_t, const ga_counter&) {}); // GA changes show in the section counts
  delta.version = st.core->inventory().version();
  delta.sections = st.core->section_views();
  st.published_version = delta.version;
  // Subscribers are dynamically typed (WebSocket sessions, tests): anon_send.
  for (auto& sub : st.subscribers) caf::anon_send(sub, delta);
}

void after_change(self_ptr self, int64_t now) {
  schedule_expiry(self, now);
  schedule_flush(self);
}

outcome_batch decide(self_ptr self, const command_batch& batch) {
  auto& core = *self->state.core;
  outcome_batch out;
  out.batch_id = batch.batch_id;
  out.outcomes.reserve(batch.commands.size());
  const int64_t now = now_ms(self);
  if (batch.commands.size() > limits::batch_commands_max) {
    for (const auto& cmd : batch.commands)
      out.outcomes.push_back(outcome{cmd.tag, result_code::overloaded});
    return out;
  }
  core.expire_due(now);
  for (const auto& cmd : batch.commands) out.outcomes.push_back(core.apply(cmd, now));
  after_change(self, now);
  return out;
}

void subscribe(self_ptr self, caf::actor sub) {
  auto& st = self->state;
  if (!sub || std::find(st.subscribers.begin(), st.subscribers.end(), sub) != st.subscribers.end())
    return;
  if (st.subscribers.size() >= limits::subscribers_max) return;
  if (st.subscribers.empty()) {
    st.core->inventory().track_changes(true);
    st.published_version = st.core->inventory().version();
  }
  self->monitor(sub);
  st.subscribers.push_back(std::move(sub));
}

void unsubscribe(self_ptr self, const caf::actor_addr& sub) {
  auto& subs = self->state.subscribers;
  subs.erase(std::remove_if(subs.begin(), subs.end(),
                            [&](const caf::actor& a) { return a.address() == sub; }),
             subs.end());
  if (subs.empty()) {
    self->state.core->inventory().drain_changes([](seat_index, seat_state) {},
                                                [](uint16_t, const ga_counter&) {});
    self->state.core->inventory().track_changes(false);
  }
}

event_status apply_sale_action(self_ptr self, sale_action action) {
  auto& core = *self->state.core;
  const int64_t now = now_ms(self);
  switch (action) {
    case sale_action::open: core.open_sale(); break;
    case sale_action::close: core.close_sale(); break;
    case sale_action::cancel: core.cancel(now); break;
  }
  after_change(self, now);
  return core.status();
}

event_actor::behavior_type event_behavior(self_ptr self, venue_ptr v, event_config config,
                                          int64_t wall_origin_ms) {
  auto& st = self->state;
  st.core = std::make_unique<event_state>(std::move(v), std::move(config));
  st.steady_origin = self->clock().now();
  st.wall_origin_ms = wall_origin_ms;
  self->set_down_handler([self](const caf::down_msg& dm) { unsubscribe(self, dm.source); });
  return {
    [self](const command_batch& batch) { return decide(self, batch); },
    [self](seatmap_atom) { return self->state.core->seat_map(); },
    [self](holdings_atom, user_id user) {
      self->state.core->expire_due(now_ms(self));
      return self->state.core->holdings(user);
    },
    [self](sale_atom, sale_action action) { return apply_sale_action(self, action); },
    [self](subscribe_atom, caf::actor sub) { subscribe(self, std::move(sub)); },
    [self](unsubscribe_atom, caf::actor sub) {
      self->demonitor(sub);
      unsubscribe(self, sub.address());
    },
    [self](expire_atom) {
      auto& st = self->state;
      const int64_t now = now_ms(self);
      if (st.wake_at_ms && *st.wake_at_ms <= now) st.wake_at_ms.reset();
      st.core->expire_due(now);
      after_change(self, now);
    },
    [self](flush_atom) { publish_delta(self); },
  };
}

} // namespace

event_actor spawn_event_actor(caf::actor_system& sys, venue_ptr v, event_config config,
                              int64_t wall_origin_ms) {
  return sys.spawn(event_behavior, std::move(v), std::move(config), wall_origin_ms);
}

} // namespace holdfast
