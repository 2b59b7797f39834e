#include "persistence/checkout_format.hpp"

namespace holdfast {

namespace {

void record_to_proto(journal::CheckoutStarted& p, const attempt_record& r) {
  p.set_payment_key(r.payment_key);
  p.set_user(r.user);
  p.set_idempotency_key(r.idempotency_key);
  p.set_hold(r.hold);
  p.set_amount_cents(r.amount_cents);
  p.set_card_last4(r.card_last4);
  p.set_card_fingerprint(r.card_fingerprint);
  p.set_seats(r.seats);
}

attempt_record record_from_proto(const journal::CheckoutStarted& p, int64_t started_at_ms) {
  return attempt_record{p.payment_key(),  p.user(),       p.idempotency_key(), p.hold(),
                        p.amount_cents(), p.card_last4(), started_at_ms,       p.card_fingerprint(),
                        p.seats()};
}

void change_to_proto(journal::CheckoutState& p, const std::string& key, saga_state state,
                     order_id order, decline_reason decline, refund_cause cause,
                     uint32_t unknown_lookups) {
  p.set_payment_key(key);
  p.set_state(static_cast<uint32_t>(state));
  p.set_order(order);
  p.set_decline(static_cast<uint32_t>(decline));
  p.set_cause(static_cast<uint32_t>(cause));
  p.set_unknown_lookups(unknown_lookups);
}

// Journaled enums are checked before they are cast: a foreign number is a
// corrupt record, never a state.
bool change_from_proto(const journal::CheckoutState& p, int64_t at_ms, state_change& out) {
  if (p.state() > static_cast<uint32_t>(saga_state::refunded) ||
      p.decline() > static_cast<uint32_t>(decline_reason::not_authorized) ||
      p.cause() > static_cast<uint32_t>(refund_cause::unconfirmed))
    return false;
  out = state_change{p.payment_key(),
                     static_cast<saga_state>(p.state()),
                     at_ms,
                     p.order(),
                     static_cast<decline_reason>(p.decline()),
                     static_cast<refund_cause>(p.cause()),
                     p.unknown_lookups()};
  return true;
}

} // namespace

void checkout_journal_sink::attempt_started(const attempt_record& r) {
  record_to_proto(*frames_.next(r.started_at_ms).mutable_checkout_started(), r);
  frames_.add();
}

void checkout_journal_sink::attempt_state(const state_change& c) {
  change_to_proto(*frames_.next(c.at_ms).mutable_checkout_state(), c.payment_key, c.state, c.order,
                  c.decline, c.cause, c.unknown_lookups);
  frames_.add();
}

void checkout_journal_sink::attempts_evicted(const std::vector<std::string>& keys, int64_t now_ms) {
  auto& p = *frames_.next(now_ms).mutable_checkout_evicted();
  for (const std::string& key : keys)
    p.add_payment_keys(key);
  frames_.add();
}

std::string encode_checkout_snapshot(uint32_t stream, const saga_snapshot& s, uint64_t seq) {
  journal::CheckoutSnapshot p;
  p.set_schema_version(journal_schema_version);
  p.set_stream(stream);
  p.set_seq(seq);
  for (const attempt& a : s.attempts) {
    auto& out = *p.add_attempts();
    record_to_proto(*out.mutable_record(), a.record);
    out.set_started_at_ms(a.record.started_at_ms);
    change_to_proto(*out.mutable_state(), a.record.payment_key, a.state, a.order, a.decline,
                    a.cause, a.unknown_lookups);
    out.set_updated_at_ms(a.updated_at_ms);
  }
  return p.SerializeAsString();
}

status decode_checkout_snapshot(std::string_view blob, event_id event,
                                std::unique_ptr<checkout_saga>& out) {
  journal::CheckoutSnapshot p;
  if (!p.ParseFromArray(blob.data(), static_cast<int>(blob.size())))
    return status::failure("checkout snapshot does not parse");
  if (p.schema_version() == 0 || p.schema_version() > journal_schema_version)
    return status::failure("checkout snapshot has schema version " +
                           std::to_string(p.schema_version()));
  saga_snapshot s;
  s.attempts.reserve(static_cast<size_t>(p.attempts_size()));
  for (const auto& a : p.attempts()) {
    attempt kept;
    kept.record = record_from_proto(a.record(), a.started_at_ms());
    state_change c;
    if (!change_from_proto(a.state(), a.updated_at_ms(), c) ||
        c.payment_key != kept.record.payment_key)
      return status::failure("checkout snapshot has a corrupt attempt");
    kept.take(c);
    s.attempts.push_back(std::move(kept));
  }
  out = checkout_saga::restore(checkout_config_of(event), s);
  if (!out) return status::failure("checkout snapshot is inconsistent");
  return status::success();
}

bool replay_checkout_record(checkout_saga& saga, const journal::Record& r) {
  switch (r.body_case()) {
  case journal::Record::kCheckoutStarted:
    return saga.replay_attempt_started(record_from_proto(r.checkout_started(), r.at_ms()));
  case journal::Record::kCheckoutState: {
    state_change c;
    return change_from_proto(r.checkout_state(), r.at_ms(), c) && saga.replay_attempt_state(c);
  }
  case journal::Record::kCheckoutEvicted: {
    const auto& keys = r.checkout_evicted().payment_keys();
    return saga.replay_attempts_evicted(std::vector<std::string>(keys.begin(), keys.end()));
  }
  default:
    return false;
  }
}

} // namespace holdfast
