// The checkout saga: one payment attempt per (user, Idempotency-Key), taken
// from "hold validated" through payment and seat confirmation to capture, as a
// pure state machine. No CAF, no clock, no provider calls: time arrives as
// now_ms, every decision is told to a saga_sink (the host journals it), and
// what must happen next comes back as actions the host carries out. The
// checkout actor (actors/checkout_actor.hpp) hosts one saga per event and asks
// the event actor for holds and orders: the event owns the hold and the seats,
// the saga owns the money's side of the story.
//
// What it guarantees, given a provider that keeps the payment_provider.hpp
// contract:
//   - never charged without a ticket: money is captured only in `confirmed`,
//     i.e. after the host turned the hold into an order; every other way out
//     of an authorization goes through `refunding`, retried until done;
//   - never a ticket without a charge: `confirmed` is left only for `captured`,
//     and the capture is retried until the provider says so;
//   - one charge per key: the provider key is derived from (scope, user,
//     Idempotency-Key), a second begin() with the same key is answered from
//     the existing attempt, and the provider is idempotent per key.
//
// What it bounds, so no one user can wear out a shared limit:
//   - an attempt that took no money (declined, refunded) is evicted
//     retention_ms after it finished; the eviction is journaled (one record
//     per sweep), so replay and snapshots agree with the live saga. Captured
//     attempts stay: one per order, bounded by the venue. A key retried after
//     its attempt was evicted starts afresh (as with Stripe after 24 h); its
//     hold is long gone by then, so the host refuses it before the saga, and
//     a provider that still remembers the key answers it as before (declined
//     or voided), never with money;
//   - a hold may collect hold_declines_max declines, a user user_declines_max
//     within the retention window; then begin() says attempts_exhausted;
//   - one card (a keyed fingerprint of its number, never the number) may pay
//     for at most the event's per-user seat cap: seats of attempts that are
//     paying or paid count; begin() past it says card_limit_exceeded.
//
// Crash safety is write-ahead: the host issues an action only after the
// records the sink heard during the same call are durable. After a crash the
// host replays the records (replay_*), then calls resume(), which re-issues
// the one operation each unfinished attempt needs. Re-issuing is always safe
// because every provider operation is idempotent per key: a capture or refund
// that already happened succeeds again without moving money, and a lookup
// changes nothing. That is the whole point of keying by idempotency key.
//
// The card number is never journaled (PCI DSS forbids storing it): it lives
// only in the authorize action. So after a crash an attempt whose authorize
// may or may not have reached the provider can only be looked up, never
// re-authorized; if the provider keeps saying "unknown", the key is voided.
// For the same reason there is no separate `authorizing` state: `started`
// already means "an authorize may be in flight", and an extra record per
// checkout would change nothing on resume.
//
//   begin       authorize: approved          hold_confirmed       capture: approved
//   --> started -------------------> authorized ----------> confirmed -----------> captured *
//        |  |                          ^     |
//        |  |  authorize: declined     |     | hold_lost
//        |  +-------------------+      |     v
//        |                      v      |   refunding ---- refund: approved ----> refunded *
//        | authorize:       declined * |     ^
//        | timeout              ^      |     |
//        v     lookup: declined |      |     |
//     unknown ------------------+      |     |
//      | |  |                          |     |
//      | |  +---- lookup: authorized --+     |
//      | +------- lookup: unknown, N-th -----+
//      |  ^                                  |
//      +--+ lookup: unknown, < N times       + hold_lost (from started, unknown, authorized)
//
//   *: terminal. From started the lookup answers (after a crash) go the same ways as from
//   unknown. lookup: refunded (from started or unknown) goes straight to refunded.
//   A timeout of lookup, capture or refund keeps the state and retries it with backoff.
//   Client view: started, unknown, authorized -> pending; confirmed, captured -> confirmed;
//   declined -> declined; refunding, refunded -> refunded.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ids.hpp"
#include "core/limits.hpp"
#include "domain/payment_provider.hpp"

namespace holdfast {

// Journaled as numbers: never renumber.
enum class saga_state : uint8_t {
  started = 0,    // intent durable; an authorize may be in flight
  unknown = 1,    // the authorize timed out; the reconciler looks it up
  authorized = 2, // money reserved; the host is turning the hold into an order
  confirmed = 3,  // order made (seats sold); capture under way
  captured = 4,   // done
  declined = 5,   // the provider refused; the hold is untouched
  refunding = 6,  // no order will come (hold lost, or payment unconfirmable)
  refunded = 7,   // money returned or key voided: net zero
};

// Why an attempt went to refunding. Journaled as numbers: never renumber.
enum class refund_cause : uint8_t {
  none = 0,
  hold_lost = 1,   // the host released the hold (pin expired, cancelled)
  unconfirmed = 2, // the provider never confirmed the authorize: key voided
};

enum class client_status : uint8_t { pending, confirmed, declined, refunded };

// Expected refusals of begin(), with stable string names for the HTTP error.
enum class saga_code : uint8_t {
  ok = 0,
  duplicate,           // the key is known: answered from its attempt (not an error)
  key_reused,          // the key was used for a different hold, amount or card
  hold_in_checkout,    // another attempt is paying for this hold right now
  invalid_request,     // bad key (empty, too long, not printable), amount or hold
  overloaded,          // too many attempts open at once, or in total
  attempts_exhausted,  // too many declines for this hold, or this user
  card_limit_exceeded, // this card would pay for more seats than the per-user cap
};

enum class action_kind : uint8_t {
  authorize,    // provider.authorize(payment_key, amount_cents, card)
  capture,      // provider.capture(payment_key)
  refund,       // provider.refund(payment_key): also voids and burns keys
  lookup,       // provider.lookup(payment_key)
  confirm_hold, // turn `hold` into an order, then hold_confirmed() or hold_lost()
  reply_client, // the client-visible status changed: answer whoever waits for it
};

std::string_view saga_state_name(saga_state s);
std::string_view refund_cause_name(refund_cause c);
std::string_view client_status_name(client_status s);
std::string_view saga_code_name(saga_code c);
std::string_view action_kind_name(action_kind k);
bool is_terminal(saga_state s);

struct saga_config {
  uint32_t scope = 0; // the hosting event's id: makes payment keys unique across events
  // A timed-out request is retried after retry_interval_ms, doubling up to
  // retry_backoff_ms_max. Captures and refunds are retried forever: there is
  // no safe way to give up on them.
  int64_t retry_interval_ms = limits::checkout_retry_interval_ms;
  int64_t retry_backoff_ms_max = limits::checkout_retry_backoff_ms_max;
  // Lookups of an unknown attempt that may find nothing before the key is
  // voided (with the defaults about 3 minutes: well past any late answer).
  uint32_t unknown_lookups_max = limits::checkout_unknown_lookups_max;
  // How long the host keeps a hold pinned for an unfinished payment; after it
  // the host may release the hold and call hold_lost(). See pins_expired().
  int64_t payment_pin_ms_max = limits::checkout_payment_pin_ms_max;
  // An issued action with no answer after this long is presumed lost and
  // re-issued: the provider always answers, so this only guards host bugs.
  int64_t request_wait_ms_max = limits::checkout_request_wait_ms_max;
  uint32_t open_attempts_max = limits::checkout_open_attempts_max;
  // Finished attempts are kept to answer duplicates; with the evictions below
  // this bounds the memory.
  uint32_t attempts_max = limits::checkout_attempts_max;
  int64_t retention_ms = limits::checkout_retention_ms;
  uint32_t hold_declines_max = limits::checkout_hold_declines_max;
  uint32_t user_declines_max = limits::checkout_user_declines_max;
  uint32_t idempotency_key_bytes_max = limits::idempotency_key_bytes_max; // as net/ accepts
  uint32_t actions_per_tick_max = limits::checkout_actions_per_tick_max; // bounds due_actions()
};

// What begin() journals; never changes afterwards.
struct attempt_record {
  std::string payment_key; // the provider's idempotency key
  user_id user = 0;
  std::string idempotency_key; // the client's
  hold_id hold = no_id;
  int64_t amount_cents = 0; // the hold's locked total
  std::string card_last4;
  int64_t started_at_ms = 0;
  // A keyed fingerprint of the full card number (never the number), and the
  // places the hold takes. Empty and 0 in journals written before them: such
  // attempts compare cards by last 4 digits and count towards no card's cap.
  std::string card_fingerprint;
  uint32_t seats = 0;
};

// One journaled transition. The fields after at_ms are the attempt's values
// after it (carried along unchanged where the transition does not set them).
struct state_change {
  std::string payment_key;
  saga_state state = saga_state::started;
  int64_t at_ms = 0;
  order_id order = no_id;                        // set by confirmed
  decline_reason decline = decline_reason::none; // set by declined
  refund_cause cause = refund_cause::none;       // set by refunding
  uint32_t unknown_lookups = 0;                  // lookups that found nothing yet
};

// An attempt's durable state: its record plus its last transition.
struct attempt {
  attempt_record record;
  saga_state state = saga_state::started;
  int64_t updated_at_ms = 0;
  order_id order = no_id;
  decline_reason decline = decline_reason::none;
  refund_cause cause = refund_cause::none;
  uint32_t unknown_lookups = 0;

  // Takes the state a change records (its key is the caller's to check).
  void take(const state_change& change) {
    state = change.state;
    updated_at_ms = change.at_ms;
    order = change.order;
    decline = change.decline;
    cause = change.cause;
    unknown_lookups = change.unknown_lookups;
  }
};

struct checkout_status {
  client_status status = client_status::pending;
  order_id order = no_id;  // confirmed only
  std::string_view reason; // decline reason or refund cause name; empty otherwise
};

struct saga_action {
  action_kind kind = action_kind::lookup;
  std::string payment_key;
  user_id user = 0;
  hold_id hold = no_id;
  int64_t amount_cents = 0;
  std::string card;       // authorize only; never journaled
  checkout_status status; // reply_client only
};

struct checkout_intent {
  user_id user = 0;
  std::string_view idempotency_key;
  hold_id hold = no_id;
  int64_t amount_cents = 0;
  std::string_view card;
  std::string_view card_fingerprint; // keyed by the host (net/auth.hpp); empty: unknown
  uint32_t seats = 0;                // places the hold takes
  uint32_t card_seats_max = 0;       // the event's per-user cap, per card; 0: none
};

struct begin_outcome {
  saga_code code = saga_code::ok;
  std::vector<saga_action> actions;
};

// Told every decision, in decision order; recovery feeds the records back
// through replay_*, which never call the sink.
class saga_sink {
public:
  virtual ~saga_sink() = default;
  virtual void attempt_started(const attempt_record& record) = 0;
  virtual void attempt_state(const state_change& change) = 0;
  // Finished attempts past their retention, forgotten in this order.
  virtual void attempts_evicted(const std::vector<std::string>& payment_keys, int64_t now_ms) = 0;
};

struct saga_snapshot {
  std::vector<attempt> attempts; // in payment key order
};

class checkout_saga {
public:
  explicit checkout_saga(const saga_config& config);

  void set_sink(saga_sink* sink) { sink_ = sink; }
  const saga_config& config() const { return config_; }

  // Starts a payment for a hold the host has validated (it exists, belongs to
  // intent.user, has not expired) and pinned; amount_cents is its locked
  // total. ok: one authorize action. duplicate: one reply_client action with
  // the attempt's status. Anything else: no actions, nothing recorded.
  begin_outcome begin(const checkout_intent& intent, int64_t now_ms);

  // Feeds one provider answer back. Answers for finished attempts, or that
  // the attempt's state has made moot, are ignored.
  std::vector<saga_action> on_result(const payment_result& result, int64_t now_ms);

  // The host's answers to confirm_hold. hold_lost() may also come at any time
  // before confirmation (the host released the hold); after confirmed it is a
  // host bug. REQUIRES: payment_key names an attempt.
  std::vector<saga_action> hold_confirmed(std::string_view payment_key, order_id order,
                                          int64_t now_ms);
  std::vector<saga_action> hold_lost(std::string_view payment_key, int64_t now_ms);

  // After recovery: the one action each unfinished attempt needs now
  // (started, unknown -> lookup; authorized -> confirm_hold; confirmed ->
  // capture; refunding -> refund).
  std::vector<saga_action> resume(int64_t now_ms);
  // The reconciler, called from the host's timer: lookups of unknown attempts
  // and retries of timed-out captures and refunds whose backoff has passed,
  // at most actions_per_tick_max of them.
  std::vector<saga_action> due_actions(int64_t now_ms);
  std::optional<int64_t> next_due_ms() const;
  // Unfinished, unconfirmed attempts whose pin has run out: the host may now
  // release their holds (and then must call hold_lost for each).
  std::vector<std::string> pins_expired(int64_t now_ms) const;
  // Evicts (and journals) up to actions_per_tick_max attempts that took no
  // money and finished retention_ms or more before now_ms, oldest first;
  // returns their payment keys. next_eviction_ms: when one is next due.
  std::vector<std::string> evict_finished(int64_t now_ms);
  std::optional<int64_t> next_eviction_ms() const;
  // Seats in attempts paying or paid with this card fingerprint.
  uint32_t card_seats(std::string_view fingerprint) const;
  // Whether `intent` repeats the request that began `record` (hold, amount
  // and card: by fingerprint when both have one, else by last 4 digits).
  static bool same_request(const attempt_record& record, const checkout_intent& intent);

  std::string payment_key(user_id user, std::string_view idempotency_key) const;
  std::optional<checkout_status> status(user_id user, std::string_view idempotency_key) const;
  const attempt* find(std::string_view payment_key) const;
  // The attempt paying for `hold` now (started, unknown or authorized), and the
  // attempt whose money bought `order`: nullptr when there is none.
  const std::string* payer_of(hold_id hold) const;
  const std::string* owner_of(order_id order) const;
  size_t open_attempts() const { return open_.size(); }
  size_t attempt_count() const { return attempts_.size(); }
  // Provider answers that contradict the saga (a capture refused after an
  // approved authorize, a refund refused): each one needs a human.
  uint64_t anomalies() const { return anomalies_; }

  saga_snapshot export_snapshot() const;
  // nullptr if the snapshot contradicts itself.
  static std::unique_ptr<checkout_saga> restore(const saga_config& config,
                                                const saga_snapshot& snap);

  // Recovery: false when a record contradicts the state (a corrupt or foreign
  // journal); the saga is then unusable.
  bool replay_attempt_started(const attempt_record& record);
  bool replay_attempt_state(const state_change& change);
  bool replay_attempts_evicted(const std::vector<std::string>& payment_keys);

  // Deep O(n) check of every index against the attempts. For tests.
  bool invariants_hold() const;

private:
  // Volatile, per unfinished attempt: what is in flight and when to retry.
  // Lost on a crash on purpose: resume() starts every attempt afresh.
  struct schedule {
    std::optional<action_kind> in_flight;
    int64_t sent_at_ms = 0;
    int64_t next_at_ms = 0;
    uint32_t retries = 0; // consecutive timeouts in the current state
  };
  using action_list = std::vector<saga_action>;

  saga_code validate(const checkout_intent& intent) const;
  void add_attempt(const attempt_record& record);
  void apply_change(attempt& a, const state_change& change);
  void transition(attempt& a, const state_change& change, action_list& out);
  void emit(const attempt& a, action_kind kind, int64_t now_ms, action_list& out);
  void next_step(const attempt& a, int64_t now_ms, action_list& out);
  void back_off(const attempt& a, int64_t now_ms);
  void start_refund(attempt& a, state_change change, refund_cause cause, int64_t now_ms,
                    action_list& out);
  void on_authorize(attempt& a, const payment_result& r, int64_t now_ms, action_list& out);
  void on_lookup(attempt& a, const payment_result& r, int64_t now_ms, action_list& out);
  void on_settled(attempt& a, const payment_result& r, int64_t now_ms, action_list& out);
  state_change change_of(const attempt& a, saga_state next, int64_t now_ms) const;
  attempt* find_mutable(std::string_view payment_key);
  void count(const attempt& a, int step);
  void remove_attempt(const std::string& payment_key);

  saga_config config_;
  std::map<std::string, attempt, std::less<>> attempts_;
  std::map<std::string, schedule, std::less<>> open_;        // unfinished attempts
  std::unordered_map<hold_id, std::string> paying_for_hold_; // started, unknown, authorized
  std::unordered_map<order_id, std::string> order_owner_;    // confirmed, captured
  // Derived counters (count() keeps them, restore and replay rebuild them):
  std::unordered_map<hold_id, uint32_t> hold_declines_;
  std::unordered_map<user_id, uint32_t> user_declines_;
  std::unordered_map<std::string, uint32_t> card_seats_; // fingerprint -> paying or paid seats
  std::set<std::pair<int64_t, std::string>> evictable_;  // (finished at, key): no money taken
  uint64_t anomalies_ = 0;
  saga_sink* sink_ = nullptr;
};

checkout_status status_of(const attempt& a);

// The saga configuration of an event's checkout stream. Recovery and the
// checkout actor must agree on it (restore checks payment keys against scope).
saga_config checkout_config_of(event_id event);

} // namespace holdfast
