// The offline audit: proves from a data directory's shard databases alone (no
// running node) that
//   1. no seat was ever sold to two orders, and no GA area sold past capacity,
//      by an independent walk of the raw records (it shares only the decoder
//      with the engine, not its state machine);
//   2. every confirmed order has its seats (the recovered state agrees);
//   3. snapshot + journal tail equals a replay of the whole journal, where the
//      journal still reaches back to its first record;
//   4. money and seats agree: with every shard's checkout streams and the
//      payment provider's ledger (data_dir/payments.sqlite), every captured
//      payment belongs to exactly one order for its hold with the same amount,
//      every order has exactly one payment (captured, or confirmed with its
//      capture still due: reported in flight), and money authorized for no
//      order ends refunded (or is on its way: in flight).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace holdfast {

struct audit_report {
  uint32_t shards = 0;
  uint64_t events = 0;
  uint64_t records = 0;
  uint64_t orders = 0;
  uint64_t seats_sold = 0;
  uint64_t ga_places_sold = 0;
  uint64_t live_holds = 0;
  uint64_t snapshot_comparisons = 0;
  uint64_t payment_attempts = 0;
  uint64_t payments_captured = 0;
  uint64_t payments_refunded = 0; // refunded or voided: net zero
  uint64_t payments_declined = 0;
  uint64_t payments_in_flight = 0; // a capture or refund (or lookup) still due
  int64_t captured_cents = 0;
  std::vector<std::string> violations; // empty: the audit passed
  std::vector<std::string> errors;     // files that could not be read at all
  bool passed() const { return violations.empty() && errors.empty(); }
};

audit_report audit_data_dir(const std::string& data_dir);

} // namespace holdfast
