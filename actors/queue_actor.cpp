#include "actors/queue_actor.hpp"

#include <unordered_map>

#include <caf/all.hpp>

#include "actors/stream_journal.hpp"
#include "actors/wall_clock.hpp"
#include "core/assert.hpp"
#include "core/limits.hpp"
#include "persistence/queue_format.hpp"

namespace holdfast {

namespace {

struct queue_actor_state {
  static inline const char* name = "holdfast.queue";

  event_id event = 0;
  std::shared_ptr<admission_queue> queue;
  wall_clock wall; // now_ms()
  bool tick_pending = false;
  uint32_t ticks = 0;
  std::unordered_multimap<user_id, caf::actor> watchers;

  stream_journal<queue_journal_sink> journal;
};

using self_ptr = queue_actor::stateful_pointer<queue_actor_state>;

int64_t now_ms(self_ptr self) {
  return self->state.wall.now_ms(self->clock());
}

void take_snapshot(self_ptr self) {
  auto& st = self->state;
  auto snap = std::make_shared<const admission_snapshot>(st.queue->export_snapshot());
  st.journal.snapshot(
      [snap, stream = st.journal.stream(), config = st.queue->config()](uint64_t seq) {
        return encode_queue_snapshot(stream, config, *snap, seq);
      });
}

void flush_journal(self_ptr self) {
  if (self->state.journal.flush(self)) take_snapshot(self);
}

// Answers through a promise once everything decided so far is durable.
caf::result<queue_status> reply_durable(self_ptr self, queue_status status) {
  auto rp = self->make_response_promise<queue_status>();
  self->state.journal.replies().when_durable([rp, status]() mutable { rp.deliver(status); });
  return rp;
}

void notify(self_ptr self, user_id user, const queue_status& status) {
  auto [first, last] = self->state.watchers.equal_range(user);
  for (auto it = first; it != last; ++it)
    caf::anon_send(it->second, queue_notice{self->state.event, user, status});
}

void schedule_tick(self_ptr self) {
  auto& st = self->state;
  if (st.tick_pending || (!st.queue->next_tick_ms() && st.watchers.empty())) return;
  st.tick_pending = true;
  self->delayed_send(self, std::chrono::milliseconds(limits::queue_tick_ms), tick_atom::value);
}

void on_tick(self_ptr self) {
  auto& st = self->state;
  st.tick_pending = false;
  const int64_t now = now_ms(self);
  auto admitted = st.queue->tick(now);
  flush_journal(self);
  // Admissions are announced only once they are durable: a token handed out
  // must never name a place a crash could take back.
  if (!admitted.empty() && !st.watchers.empty())
    st.journal.replies().when_durable([self, admitted = std::move(admitted)] {
      for (const auto& a : admitted)
        notify(self, a.user, self->state.queue->status(a.user, now_ms(self)));
    });
  if (++st.ticks % limits::queue_ticks_per_push == 0 && !st.watchers.empty()) {
    std::vector<user_id> users;
    for (const auto& [user, _] : st.watchers)
      if (users.empty() || users.back() != user) users.push_back(user);
    st.journal.replies().when_durable([self, users = std::move(users)] {
      for (user_id u : users)
        notify(self, u, self->state.queue->status(u, now_ms(self)));
    });
  }
  schedule_tick(self);
}

void watch(self_ptr self, user_id user, caf::actor who) {
  auto& st = self->state;
  if (!who || st.watchers.size() >= limits::queue_watchers_max) return;
  self->monitor(who);
  st.watchers.emplace(user, who);
  notify(self, user, st.queue->status(user, now_ms(self)));
  schedule_tick(self);
}

void unwatch(self_ptr self, const caf::actor_addr& who) {
  auto& w = self->state.watchers;
  for (auto it = w.begin(); it != w.end();)
    it = it->second.address() == who ? w.erase(it) : std::next(it);
}

void start(self_ptr self, queue_setup& setup) {
  auto& st = self->state;
  st.event = setup.event;
  st.wall.start(self->clock(), setup.wall_origin_ms);
  const bool fresh = setup.recovered == nullptr;
  st.queue = fresh ? std::make_shared<admission_queue>(setup.config) : std::move(setup.recovered);
  if (setup.journal) {
    st.journal.open(std::move(setup.journal), stream_of(st.event, stream_kind::queue),
                    setup.snapshot_records, std::make_unique<queue_journal_sink>(st.event));
    st.queue->set_sink(st.journal.sink());
    if (fresh) st.journal.sink()->created(st.queue->config(), now_ms(self));
    flush_journal(self);
    self->delayed_send(self, std::chrono::milliseconds(limits::snapshot_interval_ms),
                       snapshot_atom::value);
  }
  schedule_tick(self);
}

queue_actor::behavior_type queue_behavior(self_ptr self, queue_setup setup) {
  start(self, setup);
  self->set_down_handler([self](const caf::down_msg& dm) { unwatch(self, dm.source); });
  return {
      [self](join_atom, user_id user) -> caf::result<queue_status> {
        auto& st = self->state;
        const int64_t now = now_ms(self);
        auto joined = st.queue->join(user, now);
        flush_journal(self);
        schedule_tick(self);
        return reply_durable(self, joined.status);
      },
      [self](status_atom, user_id user) -> caf::result<queue_status> {
        return reply_durable(self, self->state.queue->status(user, now_ms(self)));
      },
      [self](finish_atom, user_id user) {
        self->state.queue->finish(user, now_ms(self));
        flush_journal(self);
      },
      [self](watch_atom, user_id user, caf::actor who) { watch(self, user, std::move(who)); },
      [self](unwatch_atom, user_id, caf::actor who) {
        self->demonitor(who);
        unwatch(self, who.address());
      },
      [self](stats_atom) -> std::vector<int64_t> {
        const auto& q = *self->state.queue;
        return std::vector<int64_t>{q.waiting(), q.active(),
                                    static_cast<int64_t>(q.pre_queue_size())};
      },
      [self](tick_atom) { on_tick(self); },
      [self](committed_atom, uint64_t ticket) { self->state.journal.replies().committed(ticket); },
      [self](snapshot_atom) {
        auto& st = self->state;
        if (st.journal.changed_since_snapshot()) take_snapshot(self);
        self->delayed_send(self, std::chrono::milliseconds(limits::snapshot_interval_ms),
                           snapshot_atom::value);
      },
  };
}

} // namespace

queue_actor spawn_queue_actor(caf::actor_system& sys, queue_setup setup) {
  return sys.spawn(queue_behavior, std::move(setup));
}

} // namespace holdfast
