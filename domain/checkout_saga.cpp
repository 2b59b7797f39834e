#include "domain/checkout_saga.hpp"

#include <algorithm>

#include "core/assert.hpp"
#include "core/limits.hpp"

namespace holdfast {

namespace {

// The transitions the diagram in the header allows; replay refuses the rest.
bool legal(saga_state from, saga_state to) {
  using s = saga_state;
  switch (from) {
  case s::started:
  case s::unknown:
    return to == s::unknown || to == s::authorized || to == s::declined || to == s::refunding ||
           to == s::refunded;
  case s::authorized:
    return to == s::confirmed || to == s::refunding;
  case s::confirmed:
    return to == s::captured;
  case s::refunding:
    return to == s::refunded;
  case s::captured:
  case s::declined:
  case s::refunded:
    return false;
  }
  return false;
}

// The host keeps the hold pinned in these states; the attempt still owns it.
bool before_confirm(saga_state s) {
  return s == saga_state::started || s == saga_state::unknown || s == saga_state::authorized;
}

// Paying or paid: the attempt's seats count towards its card's cap.
bool spends_card(saga_state s) {
  return s != saga_state::declined && s != saga_state::refunding && s != saga_state::refunded;
}

// Finished without taking money: forgotten after the retention window.
bool evictable(saga_state s) {
  return s == saga_state::declined || s == saga_state::refunded;
}

// Adds step (+1 or -1) times n to map[key], erasing it at zero so the map
// holds only what counts.
template <class Map, class Key> void adjust(Map& map, const Key& key, uint32_t n, int step) {
  if (n == 0) return;
  if (step > 0) {
    map[key] += n;
    return;
  }
  auto it = map.find(key);
  HF_ASSERT(it != map.end() && it->second >= n);
  if ((it->second -= n) == 0) map.erase(it);
}

action_kind action_of(payment_op op) {
  switch (op) {
  case payment_op::authorize:
    return action_kind::authorize;
  case payment_op::capture:
    return action_kind::capture;
  case payment_op::refund:
    return action_kind::refund;
  case payment_op::lookup:
    return action_kind::lookup;
  }
  HF_ASSERT(false);
  return action_kind::lookup;
}

saga_action action_for(const attempt& a, action_kind kind) {
  saga_action act;
  act.kind = kind;
  act.payment_key = a.record.payment_key;
  act.user = a.record.user;
  act.hold = a.record.hold;
  act.amount_cents = a.record.amount_cents;
  if (kind == action_kind::reply_client) act.status = status_of(a);
  return act;
}

std::string last4_of(std::string_view card) {
  return std::string(card.size() <= 4 ? card : card.substr(card.size() - 4));
}

} // namespace

std::string_view saga_state_name(saga_state s) {
  switch (s) {
  case saga_state::started:
    return "started";
  case saga_state::unknown:
    return "unknown";
  case saga_state::authorized:
    return "authorized";
  case saga_state::confirmed:
    return "confirmed";
  case saga_state::captured:
    return "captured";
  case saga_state::declined:
    return "declined";
  case saga_state::refunding:
    return "refunding";
  case saga_state::refunded:
    return "refunded";
  }
  return "internal";
}

std::string_view refund_cause_name(refund_cause c) {
  switch (c) {
  case refund_cause::none:
    return "none";
  case refund_cause::hold_lost:
    return "hold_lost";
  case refund_cause::unconfirmed:
    return "payment_unconfirmed";
  }
  return "internal";
}

std::string_view client_status_name(client_status s) {
  switch (s) {
  case client_status::pending:
    return "pending";
  case client_status::confirmed:
    return "confirmed";
  case client_status::declined:
    return "declined";
  case client_status::refunded:
    return "refunded";
  }
  return "internal";
}

std::string_view saga_code_name(saga_code c) {
  switch (c) {
  case saga_code::ok:
    return "ok";
  case saga_code::duplicate:
    return "duplicate";
  case saga_code::key_reused:
    return "idempotency_key_reused";
  case saga_code::hold_in_checkout:
    return "hold_in_checkout";
  case saga_code::invalid_request:
    return "invalid_request";
  case saga_code::overloaded:
    return "overloaded";
  case saga_code::attempts_exhausted:
    return "payment_attempts_exhausted";
  case saga_code::card_limit_exceeded:
    return "card_limit_exceeded";
  }
  return "internal";
}

std::string_view action_kind_name(action_kind k) {
  switch (k) {
  case action_kind::authorize:
    return "authorize";
  case action_kind::capture:
    return "capture";
  case action_kind::refund:
    return "refund";
  case action_kind::lookup:
    return "lookup";
  case action_kind::confirm_hold:
    return "confirm_hold";
  case action_kind::reply_client:
    return "reply_client";
  }
  return "internal";
}

bool is_terminal(saga_state s) {
  return s == saga_state::captured || s == saga_state::declined || s == saga_state::refunded;
}

checkout_status status_of(const attempt& a) {
  switch (a.state) {
  case saga_state::started:
  case saga_state::unknown:
  case saga_state::authorized:
    return {client_status::pending, no_id, {}};
  case saga_state::confirmed:
  case saga_state::captured:
    return {client_status::confirmed, a.order, {}};
  case saga_state::declined:
    return {client_status::declined, no_id, decline_reason_name(a.decline)};
  case saga_state::refunding:
  case saga_state::refunded:
    return {client_status::refunded, no_id, refund_cause_name(a.cause)};
  }
  HF_ASSERT(false);
  return {};
}

checkout_saga::checkout_saga(const saga_config& config) : config_(config) {
  HF_ASSERT(config.retry_interval_ms > 0);
  HF_ASSERT(config.retry_backoff_ms_max >= config.retry_interval_ms);
  HF_ASSERT(config.unknown_lookups_max > 0);
  HF_ASSERT(config.request_wait_ms_max > 0);
  HF_ASSERT(config.open_attempts_max > 0 && config.open_attempts_max <= config.attempts_max);
  HF_ASSERT(config.actions_per_tick_max > 0);
}

std::string checkout_saga::payment_key(user_id user, std::string_view idempotency_key) const {
  // Users and scopes are numbers, so the client's key (last) cannot make two
  // different triples spell the same provider key.
  return "hf-" + std::to_string(config_.scope) + "-" + std::to_string(user) + "-" +
         std::string(idempotency_key);
}

const attempt* checkout_saga::find(std::string_view payment_key) const {
  auto it = attempts_.find(payment_key);
  return it == attempts_.end() ? nullptr : &it->second;
}

const std::string* checkout_saga::payer_of(hold_id hold) const {
  auto it = paying_for_hold_.find(hold);
  return it == paying_for_hold_.end() ? nullptr : &it->second;
}

const std::string* checkout_saga::owner_of(order_id order) const {
  auto it = order_owner_.find(order);
  return it == order_owner_.end() ? nullptr : &it->second;
}

attempt* checkout_saga::find_mutable(std::string_view payment_key) {
  auto it = attempts_.find(payment_key);
  return it == attempts_.end() ? nullptr : &it->second;
}

std::optional<checkout_status> checkout_saga::status(user_id user,
                                                     std::string_view idempotency_key) const {
  const attempt* a = find(payment_key(user, idempotency_key));
  if (a == nullptr) return std::nullopt;
  return status_of(*a);
}

saga_code checkout_saga::validate(const checkout_intent& intent) const {
  const auto& key = intent.idempotency_key;
  if (key.empty() || key.size() > config_.idempotency_key_bytes_max)
    return saga_code::invalid_request;
  if (!std::all_of(key.begin(), key.end(), [](char c) { return c > ' ' && c <= '~'; }))
    return saga_code::invalid_request;
  if (intent.amount_cents <= 0 || intent.hold == no_id) return saga_code::invalid_request;
  if (intent.card.empty() || intent.card.size() > limits::card_number_bytes_max)
    return saga_code::invalid_request;
  if (intent.card_fingerprint.size() > limits::card_fingerprint_bytes_max)
    return saga_code::invalid_request;
  return saga_code::ok;
}

bool checkout_saga::same_request(const attempt_record& rec, const checkout_intent& intent) {
  if (rec.hold != intent.hold || rec.amount_cents != intent.amount_cents) return false;
  // Two cards may share their last four digits: the fingerprint tells them
  // apart. Attempts journaled before fingerprints only have the last four.
  if (!rec.card_fingerprint.empty() && !intent.card_fingerprint.empty())
    return rec.card_fingerprint == intent.card_fingerprint;
  return rec.card_last4 == last4_of(intent.card);
}

begin_outcome checkout_saga::begin(const checkout_intent& intent, int64_t now_ms) {
  if (auto code = validate(intent); code != saga_code::ok) return {code, {}};
  std::string key = payment_key(intent.user, intent.idempotency_key);
  if (const attempt* a = find(key)) {
    // Same key, same request: answer from the attempt. Anything else reusing
    // the key is a client bug we must not paper over by charging again.
    if (!same_request(a->record, intent)) return {saga_code::key_reused, {}};
    begin_outcome out{saga_code::duplicate, {}};
    out.actions.push_back(action_for(*a, action_kind::reply_client));
    return out;
  }
  if (paying_for_hold_.contains(intent.hold)) return {saga_code::hold_in_checkout, {}};
  auto declines = [](const auto& map, const auto& key) {
    auto it = map.find(key);
    return it == map.end() ? 0u : it->second;
  };
  if (declines(hold_declines_, intent.hold) >= config_.hold_declines_max ||
      declines(user_declines_, intent.user) >= config_.user_declines_max)
    return {saga_code::attempts_exhausted, {}};
  if (intent.card_seats_max > 0 && !intent.card_fingerprint.empty() &&
      card_seats(intent.card_fingerprint) + intent.seats > intent.card_seats_max)
    return {saga_code::card_limit_exceeded, {}};
  if (open_.size() >= config_.open_attempts_max || attempts_.size() >= config_.attempts_max)
    return {saga_code::overloaded, {}};
  attempt_record rec{key,
                     intent.user,
                     std::string(intent.idempotency_key),
                     intent.hold,
                     intent.amount_cents,
                     last4_of(intent.card),
                     now_ms,
                     std::string(intent.card_fingerprint),
                     intent.seats};
  if (sink_ != nullptr) sink_->attempt_started(rec);
  add_attempt(rec);
  begin_outcome out{saga_code::ok, {}};
  emit(attempts_.at(key), action_kind::authorize, now_ms, out.actions);
  out.actions.back().card = std::string(intent.card);
  return out;
}

void checkout_saga::add_attempt(const attempt_record& record) {
  attempt a{record, saga_state::started, record.started_at_ms};
  auto [it, fresh] = attempts_.emplace(record.payment_key, std::move(a));
  HF_ASSERT(fresh);
  open_.emplace(record.payment_key, schedule{});
  paying_for_hold_[record.hold] = record.payment_key;
  count(it->second, +1);
}

// The counters an attempt adds to in its current state: step +1 adds it,
// -1 takes it out again. Live transitions, replay, restore and eviction all
// go through here, so every path derives the same counters.
void checkout_saga::count(const attempt& a, int step) {
  const attempt_record& rec = a.record;
  if (spends_card(a.state) && !rec.card_fingerprint.empty())
    adjust(card_seats_, rec.card_fingerprint, rec.seats, step);
  if (a.state == saga_state::declined) {
    adjust(hold_declines_, rec.hold, 1, step);
    adjust(user_declines_, rec.user, 1, step);
  }
  if (evictable(a.state)) {
    if (step > 0)
      evictable_.emplace(a.updated_at_ms, rec.payment_key);
    else
      evictable_.erase({a.updated_at_ms, rec.payment_key});
  }
}

uint32_t checkout_saga::card_seats(std::string_view fingerprint) const {
  auto it = card_seats_.find(std::string(fingerprint));
  return it == card_seats_.end() ? 0 : it->second;
}

// Shared by live transitions and replay, so both derive the same indexes.
void checkout_saga::apply_change(attempt& a, const state_change& change) {
  const std::string& key = a.record.payment_key;
  count(a, -1);
  a.take(change);
  if (!before_confirm(a.state)) {
    auto it = paying_for_hold_.find(a.record.hold);
    if (it != paying_for_hold_.end() && it->second == key) paying_for_hold_.erase(it);
  }
  if (a.state == saga_state::confirmed) order_owner_[a.order] = key;
  if (is_terminal(a.state)) open_.erase(key);
  count(a, +1);
}

void checkout_saga::remove_attempt(const std::string& payment_key) {
  auto it = attempts_.find(payment_key);
  HF_ASSERT(it != attempts_.end() && evictable(it->second.state));
  count(it->second, -1);
  attempts_.erase(it);
}

std::vector<std::string> checkout_saga::evict_finished(int64_t now_ms) {
  std::vector<std::string> keys;
  for (const auto& [finished_at_ms, key] : evictable_) {
    if (keys.size() >= config_.actions_per_tick_max ||
        finished_at_ms > now_ms - config_.retention_ms)
      break;
    keys.push_back(key);
  }
  if (keys.empty()) return keys;
  if (sink_ != nullptr) sink_->attempts_evicted(keys, now_ms);
  for (const std::string& key : keys)
    remove_attempt(key);
  return keys;
}

std::optional<int64_t> checkout_saga::next_eviction_ms() const {
  if (evictable_.empty()) return std::nullopt;
  return evictable_.begin()->first + config_.retention_ms;
}

state_change checkout_saga::change_of(const attempt& a, saga_state next, int64_t now_ms) const {
  return {a.record.payment_key, next, now_ms, a.order, a.decline, a.cause, a.unknown_lookups};
}

void checkout_saga::transition(attempt& a, const state_change& change, action_list& out) {
  HF_ASSERT(legal(a.state, change.state));
  HF_ASSERT(change.payment_key == a.record.payment_key);
  const saga_state was = a.state;
  const client_status seen = status_of(a).status;
  if (sink_ != nullptr) sink_->attempt_state(change);
  apply_change(a, change);
  if (was != a.state) {
    // A new state starts with nothing in flight and no backoff.
    if (auto it = open_.find(a.record.payment_key); it != open_.end()) it->second = schedule{};
  }
  // Whoever waits for this attempt hears when its client view changes, and
  // hears "pending" when the first authorize timed out.
  const bool first_timeout = was == saga_state::started && a.state == saga_state::unknown;
  if (status_of(a).status != seen || first_timeout) {
    out.push_back(action_for(a, action_kind::reply_client));
  }
}

void checkout_saga::emit(const attempt& a, action_kind kind, int64_t now_ms, action_list& out) {
  HF_ASSERT(kind != action_kind::reply_client);
  auto it = open_.find(a.record.payment_key);
  HF_ASSERT(it != open_.end());
  it->second.in_flight = kind;
  it->second.sent_at_ms = now_ms;
  out.push_back(action_for(a, kind));
}

// The one action that moves an unfinished attempt on from its state.
void checkout_saga::next_step(const attempt& a, int64_t now_ms, action_list& out) {
  switch (a.state) {
  case saga_state::started:
  case saga_state::unknown:
    return emit(a, action_kind::lookup, now_ms, out);
  case saga_state::authorized:
    return emit(a, action_kind::confirm_hold, now_ms, out);
  case saga_state::confirmed:
    return emit(a, action_kind::capture, now_ms, out);
  case saga_state::refunding:
    return emit(a, action_kind::refund, now_ms, out);
  case saga_state::captured:
  case saga_state::declined:
  case saga_state::refunded:
    HF_ASSERT(false); // finished attempts are never in open_
  }
}

void checkout_saga::back_off(const attempt& a, int64_t now_ms) {
  auto it = open_.find(a.record.payment_key);
  HF_ASSERT(it != open_.end());
  schedule& s = it->second;
  const uint32_t shift = std::min<uint32_t>(s.retries, 20);
  s.next_at_ms =
      now_ms + std::min(config_.retry_interval_ms << shift, config_.retry_backoff_ms_max);
  s.in_flight.reset();
  ++s.retries;
}

// Moves to refunding (from `change`, whose state and cause are set here) and
// sends the refund that voids, refunds or burns the key.
void checkout_saga::start_refund(attempt& a, state_change change, refund_cause cause,
                                 int64_t now_ms, action_list& out) {
  change.state = saga_state::refunding;
  change.cause = cause;
  transition(a, change, out);
  emit(a, action_kind::refund, now_ms, out);
}

std::vector<saga_action> checkout_saga::on_result(const payment_result& r, int64_t now_ms) {
  action_list out;
  attempt* a = find_mutable(r.key);
  if (a == nullptr || is_terminal(a->state)) return out;
  schedule& s = open_.at(r.key);
  if (s.in_flight == action_of(r.op)) s.in_flight.reset();
  switch (r.op) {
  case payment_op::authorize:
    on_authorize(*a, r, now_ms, out);
    break;
  case payment_op::lookup:
    on_lookup(*a, r, now_ms, out);
    break;
  case payment_op::capture:
  case payment_op::refund:
    on_settled(*a, r, now_ms, out);
    break;
  }
  return out;
}

void checkout_saga::on_authorize(attempt& a, const payment_result& r, int64_t now_ms,
                                 action_list& out) {
  // Any other state has moved on without this answer: after hold_lost the
  // refund in flight settles whatever this authorize did.
  if (a.state != saga_state::started) return;
  switch (r.outcome) {
  case payment_outcome::approved:
    transition(a, change_of(a, saga_state::authorized, now_ms), out);
    return emit(a, action_kind::confirm_hold, now_ms, out);
  case payment_outcome::declined: {
    state_change c = change_of(a, saga_state::declined, now_ms);
    c.decline = r.reason;
    return transition(a, c, out);
  }
  case payment_outcome::timeout:
    // The provider may have charged the card: only a lookup can tell.
    transition(a, change_of(a, saga_state::unknown, now_ms), out);
    return back_off(a, now_ms);
  }
}

void checkout_saga::on_lookup(attempt& a, const payment_result& r, int64_t now_ms,
                              action_list& out) {
  if (a.state != saga_state::started && a.state != saga_state::unknown) return;
  if (r.outcome != payment_outcome::approved) return back_off(a, now_ms);
  switch (r.state) {
  case provider_state::authorized:
  case provider_state::captured:
    transition(a, change_of(a, saga_state::authorized, now_ms), out);
    return emit(a, action_kind::confirm_hold, now_ms, out);
  case provider_state::declined: {
    state_change c = change_of(a, saga_state::declined, now_ms);
    c.decline = r.reason;
    return transition(a, c, out);
  }
  case provider_state::refunded: {
    state_change c = change_of(a, saga_state::refunded, now_ms);
    c.cause = refund_cause::unconfirmed;
    return transition(a, c, out);
  }
  case provider_state::unknown:
    break;
  }
  // Nothing at the provider yet. The authorize may still be in flight, so
  // look again with backoff; after unknown_lookups_max misses, void the key:
  // the refund burns it, so a late authorize can never charge the card.
  state_change c = change_of(a, saga_state::unknown, now_ms);
  c.unknown_lookups = a.unknown_lookups + 1;
  if (c.unknown_lookups >= config_.unknown_lookups_max)
    return start_refund(a, c, refund_cause::unconfirmed, now_ms, out);
  transition(a, c, out);
  back_off(a, now_ms);
}

// Answers to capture (in confirmed) and refund (in refunding). Neither may
// ever be given up: a sold seat must be paid for, and money for no seat must
// go back. So a refusal is counted as an anomaly and retried like a timeout.
void checkout_saga::on_settled(attempt& a, const payment_result& r, int64_t now_ms,
                               action_list& out) {
  const bool capture = r.op == payment_op::capture;
  if (a.state != (capture ? saga_state::confirmed : saga_state::refunding)) return;
  if (r.outcome == payment_outcome::approved) {
    const saga_state done = capture ? saga_state::captured : saga_state::refunded;
    return transition(a, change_of(a, done, now_ms), out);
  }
  if (r.outcome == payment_outcome::declined) ++anomalies_;
  back_off(a, now_ms);
}

std::vector<saga_action> checkout_saga::hold_confirmed(std::string_view payment_key, order_id order,
                                                       int64_t now_ms) {
  action_list out;
  attempt* a = find_mutable(payment_key);
  HF_ASSERT(a != nullptr && order != no_id);
  if (a->state == saga_state::confirmed || a->state == saga_state::captured) {
    HF_ASSERT(a->order == order); // a repeated answer to a re-issued confirm_hold
    return out;
  }
  HF_ASSERT(a->state == saga_state::authorized); // the host confirms only when asked
  if (auto it = order_owner_.find(order); it != order_owner_.end()) {
    // Another attempt already paid for this order: charging this one too
    // would take money twice for the same seats.
    start_refund(*a, change_of(*a, saga_state::refunding, now_ms), refund_cause::hold_lost, now_ms,
                 out);
    return out;
  }
  state_change c = change_of(*a, saga_state::confirmed, now_ms);
  c.order = order;
  transition(*a, c, out);
  emit(*a, action_kind::capture, now_ms, out);
  return out;
}

std::vector<saga_action> checkout_saga::hold_lost(std::string_view payment_key, int64_t now_ms) {
  action_list out;
  attempt* a = find_mutable(payment_key);
  HF_ASSERT(a != nullptr);
  // After confirmation the seats belong to the order: the host cannot lose them.
  HF_ASSERT(a->state != saga_state::confirmed && a->state != saga_state::captured);
  if (!before_confirm(a->state)) return out; // declined or refunding already: nothing owed
  // Void at once, even with an authorize in flight: the provider serializes a
  // key, so either the refund undoes the authorization or it burns the key
  // first and the authorize is declined.
  start_refund(*a, change_of(*a, saga_state::refunding, now_ms), refund_cause::hold_lost, now_ms,
               out);
  return out;
}

std::vector<saga_action> checkout_saga::resume(int64_t now_ms) {
  action_list out;
  for (auto& [key, s] : open_) {
    s = schedule{};
    next_step(attempts_.at(key), now_ms, out);
  }
  return out;
}

std::vector<saga_action> checkout_saga::due_actions(int64_t now_ms) {
  action_list out;
  for (auto& [key, s] : open_) {
    if (out.size() >= config_.actions_per_tick_max) break;
    if (s.in_flight && now_ms - s.sent_at_ms < config_.request_wait_ms_max) continue;
    if (!s.in_flight && s.next_at_ms > now_ms) continue;
    next_step(attempts_.at(key), now_ms, out);
  }
  return out;
}

std::optional<int64_t> checkout_saga::next_due_ms() const {
  std::optional<int64_t> next;
  for (const auto& [key, s] : open_) {
    const int64_t at = s.in_flight ? s.sent_at_ms + config_.request_wait_ms_max : s.next_at_ms;
    if (!next || at < *next) next = at;
  }
  return next;
}

std::vector<std::string> checkout_saga::pins_expired(int64_t now_ms) const {
  std::vector<std::string> out;
  for (const auto& [key, s] : open_) {
    const attempt& a = attempts_.at(key);
    if (before_confirm(a.state) && a.record.started_at_ms + config_.payment_pin_ms_max <= now_ms)
      out.push_back(key);
  }
  return out;
}

bool checkout_saga::replay_attempt_started(const attempt_record& record) {
  if (record.payment_key != payment_key(record.user, record.idempotency_key)) return false;
  if (record.amount_cents <= 0 || record.hold == no_id) return false;
  if (record.card_fingerprint.size() > limits::card_fingerprint_bytes_max) return false;
  if (attempts_.contains(record.payment_key) || paying_for_hold_.contains(record.hold))
    return false;
  add_attempt(record);
  return true;
}

bool checkout_saga::replay_attempt_state(const state_change& change) {
  attempt* a = find_mutable(change.payment_key);
  if (a == nullptr || !legal(a->state, change.state)) return false;
  if (change.state != saga_state::confirmed && change.order != a->order) return false;
  if (change.state == saga_state::confirmed &&
      (change.order == no_id || order_owner_.contains(change.order)))
    return false;
  apply_change(*a, change);
  return true;
}

// The keys a sweep forgot: each must name an attempt that took no money. The
// record's time is not checked against retention_ms, so a journal stays
// readable by a build with another window.
bool checkout_saga::replay_attempts_evicted(const std::vector<std::string>& payment_keys) {
  for (const std::string& key : payment_keys) {
    const attempt* a = find(key);
    if (a == nullptr || !evictable(a->state)) return false;
    remove_attempt(key);
  }
  return true;
}

saga_snapshot checkout_saga::export_snapshot() const {
  saga_snapshot snap;
  snap.attempts.reserve(attempts_.size());
  for (const auto& [key, a] : attempts_)
    snap.attempts.push_back(a);
  return snap;
}

std::unique_ptr<checkout_saga> checkout_saga::restore(const saga_config& config,
                                                      const saga_snapshot& snap) {
  auto saga = std::make_unique<checkout_saga>(config);
  // Attempts come in key order, not time order, so a finished attempt for a
  // hold may follow the open one that replaced it: index holds only at the end.
  for (const attempt& a : snap.attempts) {
    const auto& rec = a.record;
    if (rec.payment_key != saga->payment_key(rec.user, rec.idempotency_key)) return nullptr;
    if (rec.amount_cents <= 0 || rec.hold == no_id) return nullptr;
    if (rec.card_fingerprint.size() > limits::card_fingerprint_bytes_max) return nullptr;
    if (!saga->attempts_.emplace(rec.payment_key, a).second) return nullptr;
    saga->count(a, +1);
    if (!is_terminal(a.state)) saga->open_.emplace(rec.payment_key, schedule{});
    const bool owns_order = a.state == saga_state::confirmed || a.state == saga_state::captured;
    if (owns_order &&
        (a.order == no_id || !saga->order_owner_.emplace(a.order, rec.payment_key).second))
      return nullptr;
  }
  for (const auto& [key, a] : saga->attempts_)
    if (before_confirm(a.state) && !saga->paying_for_hold_.emplace(a.record.hold, key).second)
      return nullptr;
  return saga;
}

bool checkout_saga::invariants_hold() const {
  size_t open = 0, paying = 0, owning = 0;
  checkout_saga recount(config_); // the counters, derived afresh
  for (const auto& [key, a] : attempts_) {
    recount.count(a, +1);
    if (key != a.record.payment_key) return false;
    const bool is_open = open_.contains(key);
    if (is_open == is_terminal(a.state)) return false;
    open += is_open;
    if (before_confirm(a.state)) {
      auto it = paying_for_hold_.find(a.record.hold);
      if (it == paying_for_hold_.end() || it->second != key) return false;
      ++paying;
    }
    if (a.state == saga_state::confirmed || a.state == saga_state::captured) {
      auto it = order_owner_.find(a.order);
      if (a.order == no_id || it == order_owner_.end() || it->second != key) return false;
      ++owning;
    }
  }
  return open == open_.size() && paying == paying_for_hold_.size() &&
         owning == order_owner_.size() && recount.hold_declines_ == hold_declines_ &&
         recount.user_declines_ == user_declines_ && recount.card_seats_ == card_seats_ &&
         recount.evictable_ == evictable_;
}

saga_config checkout_config_of(event_id event) {
  saga_config c;
  c.scope = event;
  return c;
}

} // namespace holdfast
