#include "actors/checkout_actor.hpp"

#include <cstdio>
#include <optional>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/provider_actor.hpp"
#include "actors/stream_journal.hpp"
#include "actors/wall_clock.hpp"
#include "core/assert.hpp"
#include "core/limits.hpp"
#include "persistence/checkout_format.hpp"

namespace holdfast {

namespace {

using answer_promise = caf::typed_response_promise<checkout_answer>;

// Delivers an answer (a void call, so a branch can `return reply(...)`).
void reply(answer_promise& rp, checkout_answer answer) {
  rp.deliver(std::move(answer));
}

struct waiter {
  uint64_t id = 0;
  answer_promise rp;
};

struct checkout_actor_state {
  static inline const char* name = "holdfast.checkout";

  event_id event = 0;
  event_actor ev;
  std::shared_ptr<sales_counters> sales;
  caf::actor provider;
  std::shared_ptr<checkout_saga> saga;
  wall_clock wall; // now_ms()
  int64_t client_wait_ms = 3'000;
  std::optional<int64_t> wake_at_ms; // the reconciler's earliest scheduled tick
  uint32_t card_seats_max = 0;

  std::unordered_map<std::string, std::string> keys_by_id; // payment id -> payment key
  std::unordered_map<std::string, std::vector<waiter>> waiters;
  size_t waiter_count = 0;
  uint64_t next_waiter = 0;
  std::unordered_map<uint64_t, std::string> confirms; // batch id -> payment key
  uint64_t next_batch = 0;
  std::unordered_map<std::string, outcome> orders; // payment key -> order
  std::unordered_map<std::string, std::vector<answer_promise>> order_waiters;

  stream_journal<checkout_journal_sink> journal;
};

using self_ptr = checkout_actor::stateful_pointer<checkout_actor_state>;

int64_t now_ms(self_ptr self) {
  return self->state.wall.now_ms(self->clock());
}

void take_snapshot(self_ptr self) {
  auto& st = self->state;
  auto snap = std::make_shared<const saga_snapshot>(st.saga->export_snapshot());
  st.journal.snapshot([snap, stream = st.journal.stream()](uint64_t seq) {
    return encode_checkout_snapshot(stream, *snap, seq);
  });
}

void flush_journal(self_ptr self) {
  if (self->state.journal.flush(self)) take_snapshot(self);
}

checkout_answer answer_of(self_ptr self, const attempt& a) {
  const auto status = status_of(a);
  checkout_answer ans;
  ans.payment_id = payment_id_of(self->state.event, a.record.payment_key);
  ans.status = status.status;
  ans.reason = std::string(status.reason);
  ans.hold = a.record.hold;
  return ans;
}

void send_confirm(self_ptr self, const attempt& a) {
  auto& st = self->state;
  const uint64_t batch = ++st.next_batch;
  st.confirms.emplace(batch, a.record.payment_key);
  self->send(st.ev, command_batch{batch, {make_confirm(batch, a.record.user, a.record.hold)}});
}

// Answers one client with the attempt's status; a confirmed one carries its
// order, fetched from the event actor when it is not at hand.
void answer(self_ptr self, const std::string& key, answer_promise rp) {
  auto& st = self->state;
  const attempt* a = st.saga->find(key);
  HF_ASSERT(a != nullptr);
  checkout_answer ans = answer_of(self, *a);
  if (ans.status != client_status::confirmed) return reply(rp, std::move(ans));
  if (auto it = st.orders.find(key); it != st.orders.end()) {
    ans.order = it->second;
    return reply(rp, std::move(ans));
  }
  auto& queue = st.order_waiters[key];
  queue.push_back(std::move(rp));
  if (queue.size() == 1) send_confirm(self, *a);
}

void answer_waiters(self_ptr self, const std::string& key) {
  auto& st = self->state;
  auto it = st.waiters.find(key);
  if (it == st.waiters.end()) return;
  auto list = std::move(it->second);
  st.waiters.erase(it);
  st.waiter_count -= list.size();
  for (auto& w : list)
    answer(self, key, std::move(w.rp));
}

void execute(self_ptr self, const saga_action& act) {
  auto& st = self->state;
  auto ask = [&](payment_op op) {
    caf::anon_send(st.provider, provider_request{op, act.payment_key, act.amount_cents, act.card,
                                             payment_listener{self}});
  };
  switch (act.kind) {
  case action_kind::authorize:
    return ask(payment_op::authorize);
  case action_kind::capture:
    return ask(payment_op::capture);
  case action_kind::refund:
    return ask(payment_op::refund);
  case action_kind::lookup:
    return ask(payment_op::lookup);
  case action_kind::confirm_hold:
    if (const attempt* a = st.saga->find(act.payment_key)) send_confirm(self, *a);
    return;
  case action_kind::reply_client:
    return answer_waiters(self, act.payment_key);
  }
}

// Keeps one reconciler tick pending at or before the saga's next due action.
void schedule_tick(self_ptr self, int64_t now) {
  auto& st = self->state;
  auto next = st.saga->next_due_ms();
  // The same tick evicts finished attempts once their retention is over.
  if (auto evict = st.saga->next_eviction_ms(); evict && (!next || *evict < *next)) next = evict;
  if (!next || (st.wake_at_ms && *st.wake_at_ms <= *next)) return;
  st.wake_at_ms = *next;
  self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(*next - now, 0)),
                     tick_atom::value);
}

// Write-ahead: the actions leave once the records decided with them commit.
void run(self_ptr self, std::vector<saga_action> actions) {
  flush_journal(self);
  schedule_tick(self, now_ms(self));
  if (actions.empty()) return;
  self->state.journal.replies().when_durable([self, actions = std::move(actions)] {
    for (const auto& act : actions)
      execute(self, act);
  });
}

void add_waiter(self_ptr self, const std::string& key, answer_promise rp) {
  auto& st = self->state;
  const uint64_t id = ++st.next_waiter;
  st.waiters[key].push_back(waiter{id, std::move(rp)});
  ++st.waiter_count;
  self->delayed_send(self, std::chrono::milliseconds(st.client_wait_ms), checkout_wait{key, id});
}

// The client waited long enough: it hears the attempt's status as it is now.
void on_wait_over(self_ptr self, const checkout_wait& w) {
  auto& st = self->state;
  auto it = st.waiters.find(w.payment_key);
  if (it == st.waiters.end()) return;
  auto& list = it->second;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].id != w.waiter) continue;
    auto rp = std::move(list[i].rp);
    list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
    --st.waiter_count;
    if (list.empty()) st.waiters.erase(it);
    // Pending is said only once the attempt's intent is durable.
    st.journal.replies().when_durable([self, key = w.payment_key, rp = std::move(rp)]() mutable {
      answer(self, key, std::move(rp));
    });
    return;
  }
}

// A request for a known attempt: answered now if it is final, else it waits
// with the others for the same key.
void join(self_ptr self, const std::string& key, answer_promise rp) {
  const attempt* a = self->state.saga->find(key);
  HF_ASSERT(a != nullptr);
  if (status_of(*a).status != client_status::pending) return answer(self, key, std::move(rp));
  add_waiter(self, key, std::move(rp));
}

checkout_answer refusal(std::string_view code) {
  checkout_answer ans;
  ans.error = std::string(code);
  return ans;
}

// A hold the event actor has validated (live, the user's): start paying.
void begin(self_ptr self, const checkout_request& req, const outcome& hold,
           answer_promise rp) {
  auto& st = self->state;
  if (hold.code != result_code::ok) return reply(rp, refusal(code_name(hold.code)));
  if (hold.created_at_ms != 0) {
    // Already bought (confirm is idempotent per hold): the answer is that
    // order, with the payment that bought it. Nothing is charged again.
    if (const std::string* owner = st.saga->owner_of(hold.id))
      return join(self, *owner, std::move(rp));
    return reply(rp, refusal("hold_already_ordered")); // an order no payment of ours made
  }
  const uint32_t seats = hold.ga_area == no_area ? hold.seat_count : hold.quantity;
  checkout_intent intent{req.user, req.idempotency_key,  req.hold, hold.total_cents,
                         req.card, req.card_fingerprint, seats,    st.card_seats_max};
  auto out = st.saga->begin(intent, now_ms(self));
  const std::string key = st.saga->payment_key(req.user, req.idempotency_key);
  switch (out.code) {
  case saga_code::ok:
    st.keys_by_id[payment_id_of(st.event, key)] = key;
    add_waiter(self, key, std::move(rp));
    return run(self, std::move(out.actions));
  case saga_code::duplicate: // a twin request began it meanwhile: wait with it
    return join(self, key, std::move(rp));
  case saga_code::hold_in_checkout: // another key is paying for it: its outcome is ours
    if (const std::string* payer = st.saga->payer_of(req.hold))
      return join(self, *payer, std::move(rp));
    return reply(rp, refusal("hold_in_checkout"));
  default: // key_reused, attempts_exhausted, card_limit_exceeded, ...
    return reply(rp, refusal(saga_code_name(out.code)));
  }
}

void on_checkout(self_ptr self, checkout_request& req, answer_promise rp) {
  auto& st = self->state;
  if (st.waiter_count >= limits::checkout_waiters_max) return reply(rp, refusal("overloaded"));
  const std::string key = st.saga->payment_key(req.user, req.idempotency_key);
  if (const attempt* a = st.saga->find(key)) {
    // The same key again: the same attempt's current state, never a second
    // charge. The amount is the hold's, so only hold and card can differ here.
    const checkout_intent again{req.user, req.idempotency_key,  req.hold, a->record.amount_cents,
                                req.card, req.card_fingerprint, 0,        0};
    if (!checkout_saga::same_request(a->record, again))
      return reply(rp, refusal(saga_code_name(saga_code::key_reused)));
    return join(self, key, std::move(rp));
  }
  self->request(st.ev, std::chrono::milliseconds(limits::checkout_hold_lookup_timeout_ms),
                lookup_atom::value, req.user, req.hold)
      .then([self, req, rp](outcome& hold) mutable { begin(self, req, hold, std::move(rp)); },
            [rp](caf::error&) mutable { reply(rp, refusal("overloaded")); });
}

void on_query(self_ptr self, const payment_query& q, answer_promise rp) {
  auto& st = self->state;
  auto it = st.keys_by_id.find(q.payment_id);
  const attempt* a = it == st.keys_by_id.end() ? nullptr : st.saga->find(it->second);
  if (a == nullptr || a->record.user != q.user) return reply(rp, refusal("unknown_payment"));
  answer(self, a->record.payment_key, std::move(rp));
}

// A confirm answered: it feeds the saga when the saga asked for it, and hands
// a made order to whoever waits for it.
void on_confirmed(self_ptr self, const outcome_batch& batch) {
  auto& st = self->state;
  auto it = st.confirms.find(batch.batch_id);
  if (it == st.confirms.end() || batch.outcomes.size() != 1) return;
  const std::string key = std::move(it->second);
  st.confirms.erase(it);
  const outcome& o = batch.outcomes.front();
  if (o.code == result_code::ok) {
    if (st.orders.size() >= limits::checkout_order_cache_max) st.orders.clear();
    st.orders[key] = o;
  }
  const attempt* a = st.saga->find(key);
  if (a != nullptr && a->state == saga_state::authorized) {
    const int64_t now = now_ms(self);
    // overloaded: no answer either way; the saga re-issues the confirm later.
    if (o.code == result_code::ok)
      run(self, st.saga->hold_confirmed(key, o.id, now));
    else if (o.code != result_code::overloaded)
      run(self, st.saga->hold_lost(key, now));
  }
  auto w = st.order_waiters.find(key);
  if (w == st.order_waiters.end()) return;
  auto list = std::move(w->second);
  st.order_waiters.erase(w);
  for (auto& rp : list) {
    if (o.code != result_code::ok) {
      reply(rp, refusal("overloaded"));
      continue;
    }
    checkout_answer ans = answer_of(self, *a);
    ans.order = o;
    reply(rp, std::move(ans));
  }
}

void start(self_ptr self, checkout_setup& setup) {
  auto& st = self->state;
  st.event = setup.event;
  st.ev = std::move(setup.event_actor_handle);
  st.sales = std::move(setup.sales);
  st.provider = std::move(setup.provider);
  st.wall.start(self->clock(), setup.wall_origin_ms);
  st.client_wait_ms = std::max<int64_t>(setup.client_wait_ms, 0);
  st.card_seats_max = setup.card_seats_max;
  const bool fresh = setup.recovered == nullptr;
  st.saga = fresh ? std::make_shared<checkout_saga>(checkout_config_of(st.event))
                  : std::move(setup.recovered);
  HF_ASSERT(st.saga->config().scope == st.event);
  for (const auto& a : st.saga->export_snapshot().attempts)
    st.keys_by_id[payment_id_of(st.event, a.record.payment_key)] = a.record.payment_key;
  if (setup.journal) {
    st.journal.open(std::move(setup.journal), stream_of(st.event, stream_kind::checkout),
                    setup.snapshot_records, std::make_unique<checkout_journal_sink>(st.event));
    st.saga->set_sink(st.journal.sink());
    self->delayed_send(self, std::chrono::milliseconds(limits::snapshot_interval_ms),
                       snapshot_atom::value);
  }
  // After a crash: every unfinished attempt re-issues the one step it needs.
  if (!fresh) run(self, st.saga->resume(now_ms(self)));
}

// A provider's answer moves an attempt on; one that ends it in captured,
// declined or refunded is counted once, at that transition (a replayed journal
// or a repeated answer moves nothing).
void on_payment_result(self_ptr self, const payment_result& r) {
  auto& st = self->state;
  const attempt* a = st.saga->find(r.key);
  const std::optional<saga_state> before = a ? std::optional{a->state} : std::nullopt;
  run(self, st.saga->on_result(r, now_ms(self)));
  a = st.saga->find(r.key);
  if (!st.sales || a == nullptr || before == a->state) return;
  switch (a->state) {
  case saga_state::captured:
    st.sales->payments_captured.fetch_add(1, std::memory_order_relaxed);
    break;
  case saga_state::declined:
    st.sales->payments_declined.fetch_add(1, std::memory_order_relaxed);
    break;
  case saga_state::refunded:
    st.sales->payments_refunded.fetch_add(1, std::memory_order_relaxed);
    break;
  default:
    break;
  }
}

checkout_actor::behavior_type checkout_behavior(self_ptr self, checkout_setup setup) {
  start(self, setup);
  return {
      [self](checkout_request& req) -> caf::result<checkout_answer> {
        auto rp = self->make_response_promise<checkout_answer>();
        on_checkout(self, req, rp);
        return rp;
      },
      [self](const payment_query& q) -> caf::result<checkout_answer> {
        auto rp = self->make_response_promise<checkout_answer>();
        on_query(self, q, rp);
        return rp;
      },
      [self](const payment_result& r) { on_payment_result(self, r); },
      [self](const outcome_batch& batch) { on_confirmed(self, batch); },
      [self](const checkout_wait& w) { on_wait_over(self, w); },
      [self](tick_atom) {
        auto& st = self->state;
        const int64_t now = now_ms(self);
        if (st.wake_at_ms && *st.wake_at_ms <= now) st.wake_at_ms.reset();
        for (const std::string& key : st.saga->evict_finished(now)) {
          st.keys_by_id.erase(payment_id_of(st.event, key));
          st.orders.erase(key);
        }
        run(self, st.saga->due_actions(now));
      },
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

std::string payment_id_of(event_id event, std::string_view payment_key) {
  uint64_t h = 14695981039346656037ull; // FNV-1a
  for (char c : payment_key) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::to_string(event) + "-" + hex;
}

checkout_actor spawn_checkout_actor(caf::actor_system& sys, checkout_setup setup) {
  return sys.spawn(checkout_behavior, std::move(setup));
}

} // namespace holdfast
