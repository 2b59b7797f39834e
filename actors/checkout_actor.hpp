// The checkout actor: one per event, hosting the event's checkout_saga (the
// payment state machine, domain/checkout_saga.hpp) and journaling it in the
// event's checkout stream. It is the only path from a client's POST /v1/orders
// to an order: it validates the hold with the event actor, journals the
// attempt, asks the provider actor for the money, turns the hold into an order
// with an ordinary confirm (idempotent per hold) and captures the money.
//
// Write-ahead: every action (a provider call, a confirm, an answer) leaves only
// once the records decided with it are durable, so after a crash the journal
// always knows at least as much as the provider and the event actor were told.
// Recovery replays the stream and resume()s every unfinished attempt.
//
// The hold is not pinned during payment: if it expires or is cancelled while
// the money is being authorized, the confirm answers hold_expired/unknown_hold,
// the saga hears hold_lost and refunds automatically. A client paying at the
// last second of a hold can therefore be refunded instead of sold; never
// charged for nothing, never sold unpaid.
//
// Protocol (local only; checkout_actor below):
//   checkout_request{user, key, hold, card} -> checkout_answer (the attempt's status once it
//                                              is final, or pending after the client wait)
//   payment_query{user, payment_id}         -> checkout_answer (error unknown_payment if not
//                                              theirs)
//   payment_result                          from the provider actor (a payment_listener)
//   outcome_batch                           from the event actor: answers to confirms
//   (tick_atom), (snapshot_atom), checkout_wait
//                                           internal timers
//   (committed_atom, uint64_t)              from the journal (a commit_listener)
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/event_actor.hpp"
#include "actors/sales_counters.hpp"
#include "core/limits.hpp"
#include "domain/checkout_saga.hpp"

namespace holdfast {

struct checkout_request {
  user_id user = 0;
  std::string idempotency_key;
  hold_id hold = no_id;
  std::string card; // never journaled or logged
  // A keyed fingerprint of the card number (token_authority::card_fingerprint):
  // what idempotency and the per-card seat cap compare.
  std::string card_fingerprint;
};

struct payment_query {
  user_id user = 0;
  std::string payment_id;
};

struct checkout_answer {
  // Empty, or a stable refusal code: hold_expired, unknown_hold, not_holder,
  // hold_already_ordered, hold_in_checkout, idempotency_key_reused,
  // payment_attempts_exhausted, card_limit_exceeded, invalid_request,
  // overloaded, unknown_payment.
  std::string error;
  std::string payment_id;
  client_status status = client_status::pending;
  std::string reason; // decline reason or refund cause
  hold_id hold = no_id;
  outcome order; // status confirmed: the order, as its confirm answers it
};

struct checkout_wait {
  std::string payment_key;
  uint64_t waiter = 0;
};

} // namespace holdfast

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::checkout_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::payment_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::checkout_answer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(holdfast::checkout_wait)

namespace holdfast {

using checkout_actor = caf::typed_actor<
    caf::replies_to<checkout_request>::with<checkout_answer>,
    caf::replies_to<payment_query>::with<checkout_answer>, caf::reacts_to<payment_result>,
    caf::reacts_to<outcome_batch>, caf::reacts_to<checkout_wait>, caf::reacts_to<tick_atom>,
    caf::reacts_to<snapshot_atom>, caf::reacts_to<committed_atom, uint64_t>>;

struct checkout_setup {
  event_id event = 0;
  std::shared_ptr<sales_counters> sales; // none: not counted
  int64_t wall_origin_ms = 0; // as for the event actor: now = origin + actor clock
  event_actor event_actor_handle;
  caf::actor provider;
  journal_actor journal; // none: in memory only
  std::shared_ptr<checkout_saga> recovered;
  // How long a client's POST waits for a final answer before hearing pending.
  int64_t client_wait_ms = limits::checkout_wait_ms_default;
  uint64_t snapshot_records = limits::snapshot_records_interval;
  // The event's per-user seat cap, enforced per card too (0: no card cap).
  uint32_t card_seats_max = limits::user_seats_max_default;
};

checkout_actor spawn_checkout_actor(caf::actor_system& sys, checkout_setup setup);

// The public id of a payment attempt: "<event>-<16 hex digits>", a hash of its
// provider key (which embeds the client's Idempotency-Key, not fit for URLs).
std::string payment_id_of(event_id event, std::string_view payment_key);

} // namespace holdfast
