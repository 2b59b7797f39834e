// The built-in test provider: behaves like Stripe's test mode, so demos, the
// simulator and the tests exercise every payment path without a network.
//
// It plays an EXTERNAL system, so its ledger must survive a crash of the node
// independently of holdfast's journal: every state change is written to its
// own SQLite file, dir/payments.sqlite (WAL, synchronous=FULL: a change is on
// disk before anyone hears of it), one row per key; open() restores it.
// in_memory() keeps the ledger in memory only, for tests that never reopen it.
// Requests still in flight when the object is destroyed are lost, exactly like
// requests lost on the network; disconnect() models the other kind of crash,
// where the provider keeps working but the node that asked is gone.
//
// Test cards (any expiry, any CVC, as in Stripe):
//   4242424242424242  success
//   4000000000000002  declined: card_declined
//   4000000000009995  declined: insufficient_funds
//   4000000000000119  "processing error": the provider DOES authorize, but the
//                     answer is lost; the caller sees timeout, and lookup()
//                     afterwards shows authorized. The case that makes a
//                     reconciler necessary.
//   4000000000000259  late: processed only after late_card_delay_ms, long
//                     after the caller's timeout; lookup() shows unknown until
//                     then. The case that makes voiding a key necessary.
//   any other Luhn-valid number succeeds; anything else is invalid_card.
//
// Latency and injected faults come from a seeded PRNG drawn in request order,
// so the same seed and the same requests give the same answers at the same
// times.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "domain/payment_provider.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace holdfast {

namespace test_cards {
inline constexpr std::string_view success = "4242424242424242";
inline constexpr std::string_view declined = "4000000000000002";
inline constexpr std::string_view insufficient_funds = "4000000000009995";
inline constexpr std::string_view processing_error = "4000000000000119";
inline constexpr std::string_view late = "4000000000000259";
} // namespace test_cards

struct test_provider_config {
  uint64_t seed = 1;
  int64_t latency_base_ms = 40;
  int64_t latency_jitter_ms = 60; // added uniformly in [0, jitter]
  // The caller's request timeout: an answer that would arrive later is lost
  // and the caller hears timeout at exactly this delay instead.
  int64_t request_timeout_ms = 2'000;
  int64_t late_card_delay_ms = 10'000;
  // Injected faults, in parts per million of requests. A timeout is, with equal
  // odds, a request lost before the provider saw it or an answer lost after
  // the provider acted on it.
  uint32_t timeout_ppm = 0;
  uint32_t decline_ppm = 0; // authorizations of good cards declined anyway
};

struct ledger_row {
  std::string key;
  int64_t amount_cents = 0; // 0 for a key burned by refund before any authorize
  provider_state state = provider_state::unknown;
  decline_reason reason = decline_reason::none;
  std::string card_last4;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

class test_provider final : public payment_provider {
public:
  // Opens (creating if needed) dir/payments.sqlite and restores its ledger.
  static status open(const std::string& dir, const test_provider_config& config,
                     std::unique_ptr<test_provider>& out);
  static std::unique_ptr<test_provider> in_memory(const test_provider_config& config);
  // Reads the ledger of dir/payments.sqlite read-only (the offline audit).
  static status read_ledger(const std::string& path, std::vector<ledger_row>& out);

  ~test_provider() override;
  test_provider(const test_provider&) = delete;
  test_provider& operator=(const test_provider&) = delete;

  void authorize(std::string_view key, int64_t amount_cents, std::string_view card, int64_t now_ms,
                 payment_callback done) override;
  void capture(std::string_view key, int64_t now_ms, payment_callback done) override;
  void refund(std::string_view key, int64_t now_ms, payment_callback done) override;
  void lookup(std::string_view key, int64_t now_ms, payment_callback done) override;
  size_t advance(int64_t now_ms) override;
  std::optional<int64_t> next_due_ms() const override;

  // Every row, in key order: what an audit compares with holdfast's orders.
  std::vector<ledger_row> ledger() const;
  const ledger_row* find(std::string_view key) const;

  // The node that issued the queued requests died: they still reach the
  // provider and take effect on schedule, but nobody hears the answers.
  void disconnect();
  size_t in_flight() const { return queue_.size(); }
  // Writes that failed (each turned its request into a timeout answer).
  uint64_t write_failures() const { return write_failures_; }

private:
  // One queued happening: the provider acting on a request, the caller
  // hearing an answer, or both at once (the common case).
  struct event {
    payment_op op = payment_op::lookup;
    std::string key;
    int64_t amount_cents = 0;
    std::string card_last4;
    decline_reason forced = decline_reason::none; // the card's fate, for authorize
    bool acts = true;                             // the provider processes it
    bool answers = true;                          // the caller hears the real answer
    payment_callback done;                        // empty: nobody listens
  };
  struct fate {
    int64_t latency_ms = 0;
    bool request_lost = false;
    bool answer_lost = false;
  };

  static event make_event(payment_op op, std::string_view key) {
    event e;
    e.op = op;
    e.key = key;
    return e;
  }

  explicit test_provider(const test_provider_config& config) : config_(config) {}
  status open_db(const std::string& path);
  fate draw_fate();
  void submit(event e, fate f, int64_t now_ms);
  void schedule(int64_t at_ms, event e);
  payment_result apply(const event& e, int64_t now_ms);
  payment_result apply_authorize(const event& e, int64_t now_ms);
  payment_result apply_capture(const event& e, int64_t now_ms);
  payment_result apply_refund(const event& e, int64_t now_ms);
  // Persists then installs the row; a failure (and nothing changed) if the write failed.
  status store(ledger_row row);
  uint64_t next_random();

  test_provider_config config_;
  uint64_t rng_state_ = 0;
  uint64_t event_seq_ = 0;
  std::map<std::string, ledger_row, std::less<>> rows_;
  std::map<std::pair<int64_t, uint64_t>, event> queue_; // (at_ms, seq): time order, FIFO ties
  sqlite3* db_ = nullptr;                               // null: in-memory ledger
  sqlite3_stmt* upsert_ = nullptr;
  uint64_t write_failures_ = 0;
};

} // namespace holdfast
