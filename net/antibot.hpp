// Anti-bot at the HTTP edge: token buckets per client IP, per Device-Id header
// and per user (every /v1 request), a hold-attempt velocity bucket per user per
// event, and one proof-of-work verifier per event whose difficulty operators
// raise at run time. Everything here is checked on the I/O thread before any
// actor hears of the request, so a blocked request costs one hash lookup and
// never reaches an event's mailbox. Thread-safe: rate_limiter and
// proof_of_work lock their own stripes; the per-event verifiers sit behind one
// mutex taken only to find or create one.
//
// Blocks are counted by reason in /metrics (http_metrics::count_block).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/antibot_config.hpp"
#include "core/ids.hpp"
#include "net/metrics.hpp"
#include "net/proof_of_work.hpp"
#include "net/rate_limiter.hpp"

namespace holdfast {

// The event id sign-up challenges are issued for (no event has id 0).
inline constexpr event_id signup_pow_scope = 0;

struct block {
  block_reason reason = block_reason::ip;
  int64_t retry_after_s = 1; // for 429s: whole seconds, at least 1
};

class antibot {
public:
  // REQUIRES: secret is the node secret (proof-of-work challenges are MAC'd
  // with a key derived from it); admin_token non-empty.
  antibot(const antibot_config& config, std::string_view secret, std::string admin_token);

  // The request buckets, in the order they are asked: IP, device (when the
  // request names one), user (when it carries a valid bearer token).
  std::optional<block> take_request(std::string_view ip, std::string_view device,
                                    std::optional<user_id> user, int64_t now_ms);
  std::optional<block> take_hold_attempt(user_id user, event_id event, int64_t now_ms);
  // One sign-up from `ip` (the client, after trusted proxies).
  std::optional<block> take_signup(std::string_view ip, int64_t now_ms);

  // The event's verifier, created at the configured difficulty on first use.
  proof_of_work& pow_for(event_id event);
  // The sign-up verifier: its challenges are MAC'd with a key of their own, so
  // a queue challenge never passes for a sign-up or the other way round.
  // Challenges carry event 0 (signup_pow_scope).
  proof_of_work& signup_pow() { return *signup_pow_; }
  bool admin_token_ok(std::string_view token) const;

private:
  static std::unique_ptr<rate_limiter> bucket(uint32_t per_period, int64_t period_ms,
                                              uint32_t burst);

  antibot_config config_;
  std::string secret_;
  std::string admin_token_;
  std::unique_ptr<rate_limiter> ip_, device_, user_, hold_, signup_; // nullptr: off
  std::unique_ptr<proof_of_work> signup_pow_;
  std::mutex pow_mutex_;
  std::map<event_id, std::unique_ptr<proof_of_work>> pow_;
};

} // namespace holdfast
