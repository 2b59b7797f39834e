#include "net/gateway.hpp"

#include <chrono>
#include <unordered_map>

#include <caf/all.hpp>

#include "core/assert.hpp"

namespace holdfast {

namespace {

// Batches one event may have in flight from one gateway; more work waits and
// goes out in bigger batches. Bounds the event actor's mailbox (see the CAF
// pitfall in SPEC.md) without refusing anything.
constexpr size_t batches_in_flight_max = 32;
// Commands one gateway holds for one event before it refuses with overloaded.
constexpr size_t pending_commands_max = 65'536;
// A batch unanswered this long fails its callers with overloaded.
constexpr auto batch_timeout = std::chrono::seconds(10);

struct event_lane {
  event_actor actor;
  bool resolving = false;
  std::vector<command> commands;
  std::vector<outcome_callback> callbacks;
  size_t in_flight = 0;
};

struct batch_in_flight {
  event_id event = 0;
  std::vector<outcome_callback> callbacks;
  std::chrono::steady_clock::time_point sent_at;
};

struct gateway_state {
  static inline const char* name = "holdfast.gateway";
  directory dir;
  std::unordered_map<event_id, event_lane> lanes;
  std::unordered_map<uint64_t, batch_in_flight> in_flight;
  uint64_t next_batch = 1;
  bool flush_scheduled = false;
};

using self_ptr = caf::stateful_actor<gateway_state>*;

void fail_all(std::vector<outcome_callback>& callbacks, result_code code) {
  for (auto& done : callbacks)
    done(outcome{0, code});
  callbacks.clear();
}

void schedule_flush(self_ptr self) {
  if (self->state.flush_scheduled) return;
  self->state.flush_scheduled = true;
  self->send(self, flush_atom::value);
}

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  for (auto& [id, lane] : st.lanes) {
    if (lane.commands.empty() || !lane.actor || lane.in_flight >= batches_in_flight_max) continue;
    const uint64_t batch = st.next_batch++;
    // Large backlogs go out in slices the event actor accepts.
    const size_t n = std::min<size_t>(lane.commands.size(), limits::batch_commands_max);
    command_batch b{batch, {}};
    batch_in_flight f{id, {}, std::chrono::steady_clock::now()};
    if (n == lane.commands.size()) { // the usual case: the whole backlog goes, no copy
      b.commands.swap(lane.commands);
      f.callbacks.swap(lane.callbacks);
    } else {
      b.commands.assign(lane.commands.begin(), lane.commands.begin() + n);
      f.callbacks.assign(std::make_move_iterator(lane.callbacks.begin()),
                         std::make_move_iterator(lane.callbacks.begin() + n));
      lane.commands.erase(lane.commands.begin(), lane.commands.begin() + n);
      lane.callbacks.erase(lane.callbacks.begin(), lane.callbacks.begin() + n);
    }
    ++lane.in_flight;
    st.in_flight.emplace(batch, std::move(f));
    self->send(lane.actor, std::move(b));
    if (!lane.commands.empty()) schedule_flush(self);
  }
}

void resolve(self_ptr self, event_id id) {
  auto& lane = self->state.lanes[id];
  if (lane.resolving) return;
  lane.resolving = true;
  lookup_event(self, self->state.dir, id, [self, id](event_actor actor) {
    auto& lane = self->state.lanes[id];
    lane.resolving = false;
    if (!actor) {
      fail_all(lane.callbacks, result_code::unknown_event);
      self->state.lanes.erase(id);
      return;
    }
    lane.actor = actor;
    self->monitor(actor);
    schedule_flush(self);
  });
}

void submit(self_ptr self, gateway_command& c) {
  auto& lane = self->state.lanes[c.event];
  if (lane.commands.size() >= pending_commands_max) {
    c.done(outcome{c.cmd.tag, result_code::overloaded});
    return;
  }
  lane.commands.push_back(c.cmd);
  lane.callbacks.push_back(std::move(c.done));
  if (!lane.actor)
    resolve(self, c.event);
  else
    schedule_flush(self);
}

void on_outcomes(self_ptr self, outcome_batch& got) {
  auto& st = self->state;
  auto it = st.in_flight.find(got.batch_id);
  if (it == st.in_flight.end()) return; // timed out earlier: its callers were answered
  auto& callbacks = it->second.callbacks;
  HF_ASSERT(callbacks.size() == got.outcomes.size());
  for (size_t k = 0; k < callbacks.size(); ++k)
    callbacks[k](got.outcomes[k]);
  if (auto lane = st.lanes.find(it->second.event); lane != st.lanes.end()) {
    --lane->second.in_flight;
    if (!lane->second.commands.empty()) schedule_flush(self);
  }
  st.in_flight.erase(it);
}

// Fails batches whose event never answered (a dead or wedged event actor).
void sweep(self_ptr self) {
  auto& st = self->state;
  const auto now = std::chrono::steady_clock::now();
  for (auto it = st.in_flight.begin(); it != st.in_flight.end();) {
    if (now - it->second.sent_at < batch_timeout) {
      ++it;
      continue;
    }
    fail_all(it->second.callbacks, result_code::overloaded);
    if (auto lane = st.lanes.find(it->second.event); lane != st.lanes.end())
      --lane->second.in_flight;
    it = st.in_flight.erase(it);
  }
  self->delayed_send(self, std::chrono::seconds(1), expire_atom::value);
}

caf::behavior gateway_behavior(caf::stateful_actor<gateway_state>* self, directory dir) {
  self->state.dir = std::move(dir);
  self->set_down_handler([self](caf::down_msg& dm) {
    // An event actor died: forget it; the next command looks it up again.
    for (auto it = self->state.lanes.begin(); it != self->state.lanes.end(); ++it)
      if (it->second.actor && it->second.actor.address() == dm.source)
        it->second.actor = event_actor{};
  });
  self->delayed_send(self, std::chrono::seconds(1), expire_atom::value);
  return {
      [self](gateway_command& c) { submit(self, c); },
      [self](gateway_task& t) { t.run(self); },
      [self](outcome_batch& got) { on_outcomes(self, got); },
      [self](flush_atom) { flush(self); },
      [self](expire_atom) { sweep(self); },
  };
}

} // namespace

void lookup_event(caf::event_based_actor* self, const directory& dir, event_id event,
                  std::function<void(event_actor)> found) {
  self->request(dir.shard_for(event), std::chrono::seconds(5), lookup_atom::value, event)
      .then([found](event_actor& actor) { found(actor); },
            [found](caf::error&) { found(event_actor{}); });
}

caf::actor spawn_gateway(caf::actor_system& sys, directory dir) {
  return sys.spawn(gateway_behavior, std::move(dir));
}

} // namespace holdfast
