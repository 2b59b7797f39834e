// The payment provider as holdfast sees it: a Stripe-like service with
// idempotency-keyed operations whose answers arrive later. No threads, no
// sleeping and no clock: an operation is handed over with the current time,
// and its one answer is delivered from advance(now_ms), which the host (an
// actor) calls from its own timer or message loop. A real HTTP client would
// queue its completions and hand them out the same way.
//
// Contract every implementation keeps, because the checkout saga's crash
// safety rests on it:
//   - Every operation gets exactly one answer: approved, declined or timeout.
//     A timeout means "the outcome is unknown to the caller": the provider may
//     or may not have acted on the request. lookup() tells later.
//   - Operations are idempotent per key: authorize twice with the same key is
//     one authorization (the second gets the first's answer), capture and
//     refund of an already captured / refunded key succeed without moving
//     money again. So re-issuing any operation after a crash is safe.
//   - refund() of an authorized-but-not-captured key voids it; refund() of a
//     key the provider has never seen burns the key: a later authorize with it
//     is declined (key_voided). That is how a caller undoes a request that may
//     still be in flight.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace holdfast {

enum class payment_op : uint8_t { authorize, capture, refund, lookup };

enum class payment_outcome : uint8_t {
  approved, // the operation took effect (for lookup: the provider answered)
  declined, // the provider refused; reason says why; nothing moved
  timeout,  // no answer in time, or a provider error: outcome unknown
};

// Stable string names: they reach clients as {"payment": {"reason": ...}}.
enum class decline_reason : uint8_t {
  none = 0,
  card_declined,      // the issuer said no
  insufficient_funds, // the issuer said no: not enough money
  invalid_card,       // not a card number (fails the Luhn check)
  key_voided,         // authorize on a key already refunded or voided
  key_conflict,       // the key was used before with a different amount
  not_authorized,     // capture of a key that holds no authorization
};

// The provider's view of one key.
enum class provider_state : uint8_t {
  unknown = 0, // never seen (or the request has not arrived yet)
  authorized,  // money reserved on the card, not yet taken
  captured,    // money taken
  declined,    // authorization refused; nothing reserved
  refunded,    // money returned, authorization voided, or key burned unused
};

struct payment_result {
  payment_op op = payment_op::lookup;
  std::string key;
  payment_outcome outcome = payment_outcome::timeout;
  decline_reason reason = decline_reason::none;
  // For approved answers: the key's state after the operation (for lookup,
  // the provider's view; unknown if it has never seen the key).
  provider_state state = provider_state::unknown;
  int64_t amount_cents = 0;
};

using payment_callback = std::function<void(const payment_result&)>;

class payment_provider {
public:
  virtual ~payment_provider() = default;

  // Each call only queues the request; the callback runs later, from advance().
  // REQUIRES: key non-empty; amount_cents > 0.
  virtual void authorize(std::string_view key, int64_t amount_cents, std::string_view card,
                         int64_t now_ms, payment_callback done) = 0;
  virtual void capture(std::string_view key, int64_t now_ms, payment_callback done) = 0;
  virtual void refund(std::string_view key, int64_t now_ms, payment_callback done) = 0;
  virtual void lookup(std::string_view key, int64_t now_ms, payment_callback done) = 0;

  // Delivers every answer due at or before now_ms, in time order, and returns
  // how many callbacks ran. Callbacks may issue new operations.
  virtual size_t advance(int64_t now_ms) = 0;
  // When advance() next has work: the host arms its timer for this.
  virtual std::optional<int64_t> next_due_ms() const = 0;
};

constexpr std::string_view payment_op_name(payment_op op) {
  switch (op) {
  case payment_op::authorize:
    return "authorize";
  case payment_op::capture:
    return "capture";
  case payment_op::refund:
    return "refund";
  case payment_op::lookup:
    return "lookup";
  }
  return "internal";
}

constexpr std::string_view payment_outcome_name(payment_outcome o) {
  switch (o) {
  case payment_outcome::approved:
    return "approved";
  case payment_outcome::declined:
    return "declined";
  case payment_outcome::timeout:
    return "timeout";
  }
  return "internal";
}

constexpr std::string_view decline_reason_name(decline_reason r) {
  switch (r) {
  case decline_reason::none:
    return "none";
  case decline_reason::card_declined:
    return "card_declined";
  case decline_reason::insufficient_funds:
    return "insufficient_funds";
  case decline_reason::invalid_card:
    return "invalid_card";
  case decline_reason::key_voided:
    return "key_voided";
  case decline_reason::key_conflict:
    return "key_conflict";
  case decline_reason::not_authorized:
    return "not_authorized";
  }
  return "internal";
}

constexpr std::string_view provider_state_name(provider_state s) {
  switch (s) {
  case provider_state::unknown:
    return "unknown";
  case provider_state::authorized:
    return "authorized";
  case provider_state::captured:
    return "captured";
  case provider_state::declined:
    return "declined";
  case provider_state::refunded:
    return "refunded";
  }
  return "internal";
}

// Inverses of the *_name functions, for stores that keep names (the test
// provider's SQLite ledger). nullopt for a name we never wrote.
constexpr std::optional<provider_state> provider_state_from_name(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(provider_state::refunded); ++i)
    if (provider_state_name(static_cast<provider_state>(i)) == name)
      return static_cast<provider_state>(i);
  return std::nullopt;
}

constexpr std::optional<decline_reason> decline_reason_from_name(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(decline_reason::not_authorized); ++i)
    if (decline_reason_name(static_cast<decline_reason>(i)) == name)
      return static_cast<decline_reason>(i);
  return std::nullopt;
}

// True for a string of 12 to 19 digits whose Luhn checksum is right: what a
// card number must pass before any provider sees it.
bool luhn_valid(std::string_view card);

} // namespace holdfast
