#include "actors/event_actor.hpp"

#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/stream_journal.hpp"
#include "actors/wall_clock.hpp"
#include "core/assert.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/journal_sink.hpp"

namespace holdfast {

namespace {

struct event_actor_state {
  static inline const char* name = "holdfast.event";

  std::shared_ptr<event_state> core;
  std::string venue_id;
  wall_clock wall;                   // now_ms()
  std::optional<int64_t> wake_at_ms; // the earliest expiry wake-up already scheduled
  bool flush_pending = false;
  bool prices_changed = false; // unpublished price changes: subscribers get a delta
  uint64_t published_version = 0;
  std::vector<caf::actor> subscribers;
  std::unordered_multimap<user_id, caf::actor> watchers; // users waiting for waitlist offers
  queue_actor queue;
  std::shared_ptr<sales_counters> sales;

  stream_journal<journal_sink> journal; // answers wait in journal.replies() for their commit
};

using self_ptr = event_actor::stateful_pointer<event_actor_state>;

int64_t now_ms(self_ptr self) {
  return self->state.wall.now_ms(self->clock());
}

void take_snapshot(self_ptr self) {
  auto& st = self->state;
  if (!st.journal.on()) return;
  st.journal.flush(self); // the snapshot must follow the records it covers
  // Only the copy happens here, while decisions wait; sorting and encoding run
  // on the shard's snapshot writer.
  auto snapshot = std::make_shared<event_snapshot>(st.core->export_snapshot_unsorted());
  st.journal.snapshot([snapshot, venue = st.venue_id](uint64_t seq) {
    sort_holds_by_deadline(*snapshot);
    return encode_snapshot(*snapshot, venue, seq);
  });
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
  if (st.flush_pending || st.subscribers.empty()) return;
  if (!st.core->inventory().has_changes() && !st.prices_changed) return;
  st.flush_pending = true;
  self->delayed_send(self, std::chrono::milliseconds(limits::delta_window_ms), flush_atom::value);
}

void publish_delta(self_ptr self) {
  auto& st = self->state;
  st.flush_pending = false;
  st.prices_changed = false;
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
  for (auto& sub : st.subscribers)
    caf::anon_send(sub, delta);
}

// Tells the users who were just offered waitlist seats, once the offers are durable.
void notify_offers(self_ptr self) {
  auto& st = self->state;
  auto offers = st.core->take_new_offers();
  if (offers.empty() || st.watchers.empty()) return;
  std::vector<waitlist_notice> notices;
  for (uint32_t seq : offers) {
    auto entry = st.core->waitlist_ref().find(seq);
    if (!entry || st.watchers.count(entry->user) == 0) continue;
    // The offer's hold may already be gone (an event cancel right after the
    // expiry that made it): then there is nothing to offer.
    auto hold = st.core->hold_view_of(entry->hold);
    if (!hold) continue;
    notices.push_back(waitlist_notice{st.core->id(), entry->user, *entry, std::move(*hold)});
  }
  st.journal.replies().when_durable([self, notices = std::move(notices)] {
    for (const auto& n : notices) {
      auto [first, last] = self->state.watchers.equal_range(n.user);
      for (auto it = first; it != last; ++it)
        caf::anon_send(it->second, n);
    }
  });
}

// `answer` (if any) runs once this batch's decisions are durable (see
// stream_journal::flush).
void after_change(self_ptr self, int64_t now, std::function<void()> answer = {}) {
  // One append per decision batch; a snapshot after every snapshot_records records.
  const bool snapshot_due = self->state.journal.flush(self, std::move(answer));
  // After the flush: the notices wait for the append that holds the offers.
  notify_offers(self);
  schedule_expiry(self, now);
  schedule_flush(self);
  if (snapshot_due) take_snapshot(self);
}

outcome_batch decide(self_ptr self, const command_batch& batch, int64_t now) {
  auto& core = *self->state.core;
  outcome_batch out;
  out.batch_id = batch.batch_id;
  out.outcomes.reserve(batch.commands.size());
  if (batch.commands.size() > limits::batch_commands_max) {
    for (const auto& cmd : batch.commands)
      out.outcomes.push_back(outcome{cmd.tag, result_code::overloaded});
    return out;
  }
  core.expire_due(now);
  const size_t orders_before = core.order_count();
  for (const auto& cmd : batch.commands) {
    out.outcomes.push_back(core.apply(cmd, now));
    // A purchase frees the buyer's place among the waiting room's active users.
    if (cmd.kind == command_kind::confirm && out.outcomes.back().code == result_code::ok &&
        self->state.queue)
      caf::anon_send(self->state.queue, finish_atom::value, cmd.user);
  }
  // Orders made, not confirms answered: a repeated confirm of a bought hold adds none.
  if (self->state.sales)
    self->state.sales->orders_confirmed.fetch_add(core.order_count() - orders_before,
                                                  std::memory_order_relaxed);
  return out;
}

// Decides a batch and answers its sender once the decisions are durable. With
// a journal the answer rides on the batch's append and the journal actor sends
// it right after the commit: a hold crosses I/O thread -> event actor ->
// journal -> I/O thread, not back through the event actor as well.
void decide_and_answer(self_ptr self, const command_batch& batch) {
  const int64_t now = now_ms(self);
  auto out = decide(self, batch, now);
  std::function<void()> answer;
  if (auto to = caf::actor_cast<caf::actor>(self->current_sender()))
    answer = [to = std::move(to), out = std::move(out)]() mutable {
      caf::anon_send(to, std::move(out));
    };
  after_change(self, now, std::move(answer));
}

// Answers through a promise once the decisions behind `value` are durable.
template <class T> caf::typed_response_promise<T> reply_durable(self_ptr self, T value) {
  auto rp = self->make_response_promise<T>();
  self->state.journal.replies().when_durable(
      [rp, v = std::move(value)]() mutable { rp.deliver(std::move(v)); });
  return rp;
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
  core.expire_due(now);
  switch (action) {
  case sale_action::open:
    core.open_sale(now);
    break;
  case sale_action::close:
    core.close_sale(now);
    break;
  case sale_action::cancel:
    core.cancel(now);
    break;
  }
  after_change(self, now);
  return core.status();
}

void apply_prices(self_ptr self, const std::vector<int64_t>& prices) {
  auto& st = self->state;
  const auto& sections = st.core->venue_ref().sections();
  if (prices.size() != sections.size()) return;
  const int64_t now = now_ms(self);
  for (uint16_t s = 0; s < prices.size(); ++s) {
    if (prices[s] < 0 || prices[s] == st.core->section_price(s)) continue;
    st.core->set_section_price(s, prices[s], now);
    st.prices_changed = true;
  }
  after_change(self, now);
}

void on_expiry_wakeup(self_ptr self) {
  auto& st = self->state;
  const int64_t now = now_ms(self);
  if (st.wake_at_ms && *st.wake_at_ms <= now) st.wake_at_ms.reset();
  st.core->expire_due(now);
  after_change(self, now);
}

void start(self_ptr self, event_setup& setup) {
  auto& st = self->state;
  st.wall.start(self->clock(), setup.wall_origin_ms);
  st.venue_id = setup.venue->id();
  st.queue = std::move(setup.queue);
  st.sales = std::move(setup.sales);
  const bool fresh = setup.recovered == nullptr;
  st.core =
      fresh ? std::make_shared<event_state>(setup.venue, setup.config) : std::move(setup.recovered);
  if (!setup.journal) return;
  st.journal.open(std::move(setup.journal), st.core->id(), setup.snapshot_records,
                  std::make_unique<journal_sink>(st.core->id()));
  st.core->set_sink(st.journal.sink());
  if (fresh) st.journal.sink()->event_created(st.core->config(), st.venue_id, now_ms(self));
  // Holds whose deadline passed while the node was down expire now, journaled.
  on_expiry_wakeup(self);
  self->delayed_send(self, std::chrono::milliseconds(limits::snapshot_interval_ms),
                     snapshot_atom::value);
}

event_actor::behavior_type event_behavior(self_ptr self, event_setup setup) {
  start(self, setup);
  self->set_down_handler([self](const caf::down_msg& dm) {
    unsubscribe(self, dm.source);
    auto& w = self->state.watchers;
    for (auto it = w.begin(); it != w.end();)
      it = it->second.address() == dm.source ? w.erase(it) : std::next(it);
  });
  return {
      [self](const command_batch& batch) { decide_and_answer(self, batch); },
      [self](seatmap_atom) { return self->state.core->seat_map(); },
      [self](holdings_atom, user_id user) {
        self->state.core->expire_due(now_ms(self));
        after_change(self, now_ms(self));
        return reply_durable(self, self->state.core->holdings(user));
      },
      [self](lookup_atom, user_id user, hold_id hold) {
        const int64_t now = now_ms(self);
        self->state.core->expire_due(now); // a hold past its deadline reads as expired
        after_change(self, now);
        return reply_durable(self, self->state.core->check_confirm(make_confirm(0, user, hold)));
      },
      [self](sale_atom, sale_action action) {
        return reply_durable(self, apply_sale_action(self, action));
      },
      [self](subscribe_atom, caf::actor sub) { subscribe(self, std::move(sub)); },
      [self](unsubscribe_atom, caf::actor sub) {
        self->demonitor(sub);
        unsubscribe(self, sub.address());
      },
      [self](waitlist_atom, user_id user, uint16_t section, uint16_t quantity) {
        const int64_t now = now_ms(self);
        auto answer = self->state.core->join_waitlist(user, section, quantity, now);
        after_change(self, now);
        return reply_durable(self, std::move(answer));
      },
      [self](waitlist_atom, user_id user, uint32_t seq) {
        const int64_t now = now_ms(self);
        self->state.core->expire_due(now); // a lapsed offer reads as expired, not offered
        after_change(self, now);
        return reply_durable(self, self->state.core->waitlist_entry_of(user, seq));
      },
      [self](watch_atom, user_id user, caf::actor who) {
        if (!who || self->state.watchers.size() >= limits::subscribers_max) return;
        self->monitor(who);
        self->state.watchers.emplace(user, std::move(who));
      },
      [self](unwatch_atom, user_id user, caf::actor who) {
        auto& w = self->state.watchers;
        auto [first, last] = w.equal_range(user);
        for (auto it = first; it != last; ++it)
          if (it->second == who) {
            w.erase(it);
            break;
          }
      },
      [self](demand_atom) {
        auto& core = *self->state.core;
        return demand_sample{core.take_demand(), core.section_views()};
      },
      [self](prices_atom, const std::vector<int64_t>& prices) { apply_prices(self, prices); },
      [self](snapshot_atom) {
        // Periodic: only when something changed since the last snapshot.
        if (!self->state.journal.on()) return;
        if (self->state.journal.changed_since_snapshot()) take_snapshot(self);
        self->delayed_send(self, std::chrono::milliseconds(limits::snapshot_interval_ms),
                           snapshot_atom::value);
      },
      [self](committed_atom, uint64_t ticket) { self->state.journal.replies().committed(ticket); },
      [self](expire_atom) { on_expiry_wakeup(self); },
      [self](flush_atom) { publish_delta(self); },
  };
}

} // namespace

event_actor spawn_event_actor(caf::actor_system& sys, event_setup setup) {
  return sys.spawn(event_behavior, std::move(setup));
}

event_actor spawn_event_actor(caf::actor_system& sys, venue_ptr v, event_config config,
                              int64_t wall_origin_ms) {
  event_setup setup;
  setup.venue = std::move(v);
  setup.config = std::move(config);
  setup.wall_origin_ms = wall_origin_ms;
  return spawn_event_actor(sys, std::move(setup));
}

} // namespace holdfast
