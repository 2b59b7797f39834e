// The checkout saga's journal stream (stream_kind::checkout): its records, its
// snapshot, and the sink that frames what a checkout_saga decides. Shared by
// the checkout actor (writer), recovery and the offline audit. The card number
// never reaches these records (PCI DSS): only its last four digits and a
// keyed fingerprint (HMAC under the node secret) that cannot be reversed.
#pragma once

#include <memory>
#include <string>

#include "journal.pb.h"
#include "domain/checkout_saga.hpp"
#include "persistence/journal_format.hpp"

namespace holdfast {

// Frames every decision of one event's checkout_saga as journal records of
// its checkout stream. The checkout actor ships the frames like the queue actor.
class checkout_journal_sink final : public saga_sink {
public:
  explicit checkout_journal_sink(event_id event)
      : frames_(stream_of(event, stream_kind::checkout)) {}

  void attempt_started(const attempt_record& record) override;
  void attempt_state(const state_change& change) override;
  void attempts_evicted(const std::vector<std::string>& payment_keys, int64_t now_ms) override;

  std::string take_frames() { return frames_.take_frames(); }
  bool empty() const { return frames_.empty(); }
  uint64_t records() const { return frames_.records(); }

private:
  stream_frames frames_;
};

std::string encode_checkout_snapshot(uint32_t stream, const saga_snapshot& s, uint64_t seq);
// A saga rebuilt from a snapshot blob; nullptr with `error` set when it does
// not parse or contradicts itself.
status decode_checkout_snapshot(std::string_view blob, event_id event,
                                std::unique_ptr<checkout_saga>& out);

// Re-applies one record of a checkout stream. False when it contradicts the
// saga (or is not a checkout record).
bool replay_checkout_record(checkout_saga& saga, const journal::Record& r);

} // namespace holdfast
