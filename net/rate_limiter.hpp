// Keyed token buckets against bots: one bucket per user id, client IP or device
// fingerprint, each refilled at a steady rate up to a burst. Every I/O thread
// asks at once, so the keys are spread over 64 lock stripes (a mutex and a hash
// map each, on its own cache line): two requests contend only when their keys
// share a stripe, and there is no global lock. This is the one mutex-guarded
// shared map we allow in the request path (see STYLE.md): it sits at the edge,
// in front of the actors, and a critical section is one hash lookup.
//
// Time arrives as now_ms, so tests drive it exactly. Token counts are integers
// in units of 1/period_ms of a token, so nothing is lost to rounding: a client
// that starts full and keeps asking gets exactly burst + floor(tokens *
// elapsed_ms / period_ms) requests, as long as its bucket does not fill up again.
//
// Memory is bounded: each stripe keeps at most keys_per_stripe_max buckets. A
// full bucket behaves exactly like a missing one (a new key starts full), so
// full buckets are dropped for free when a stripe needs room. Only if a stripe
// is still full of partly drained buckets (more active clients than the bound)
// are the eighth closest to full dropped; those clients get a fresh burst,
// which evicted_live() counts so the bound can be raised before it matters.
//
// The same class limits anything keyed by a tuple. Hold attempts per user per
// event, 20 a minute with bursts of 5, answered 429 with Retry-After:
//
//   rate_limiter hold_attempts({.rate = token_rate::per_minute(20), .burst = 5,
//                               .hash_seed = random_u64()});
//   const auto r = hold_attempts.try_take(hold_attempts.key_of(user, event), now_ms);
//   if (!r.allowed) return too_many_requests((r.retry_after_ms + 999) / 1000);
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "core/limits.hpp"

namespace holdfast {

// Tokens accrue evenly: `tokens` every `period_ms`, one every period_ms / tokens.
struct token_rate {
  int64_t tokens = 1;
  int64_t period_ms = 1000;

  // Resolution 0.001 tokens per second; use per_minute() or the fields for
  // slower rates that must be exact.
  static token_rate per_second(double rate_per_s);
  static constexpr token_rate per_minute(int64_t tokens) { return {tokens, 60'000}; }
};

struct rate_limiter_config {
  token_rate rate;
  uint32_t burst = 1;
  uint32_t keys_per_stripe_max = limits::rate_limiter_keys_per_stripe_max;
  // Keys the hash of strings and tuples. Pass random_u64() (net/auth.hpp) in
  // production, so nobody can compute keys that collide or crowd one stripe.
  uint64_t hash_seed = 0;
};

struct take_result {
  bool allowed = false;
  int64_t retry_after_ms = 0; // 0 when allowed; else >= 1: when the next token is in
};

class rate_limiter {
public:
  static constexpr size_t stripe_count = limits::rate_limiter_stripes;

  explicit rate_limiter(const rate_limiter_config& config);

  // Takes one token from key's bucket if it has one. Thread-safe. A now_ms
  // older than the bucket's last use (threads race to the lock) adds nothing.
  take_result try_take(uint64_t key, int64_t now_ms);
  take_result try_take(std::string_view key, int64_t now_ms) {
    return try_take(key_of(key), now_ms);
  }

  // 64-bit keys: a string (an IP, a fingerprint header) or a pair of ids
  // (user and event). Distinct inputs collide with chance 2^-64 per pair.
  uint64_t key_of(std::string_view text) const;
  uint64_t key_of(uint64_t a, uint64_t b) const;

  // Keys tracked now; locks each stripe in turn, for tests and metrics.
  size_t size() const;
  // Partly drained buckets dropped to stay within the bound.
  uint64_t evicted_live() const { return evicted_live_.load(std::memory_order_relaxed); }

private:
  struct bucket {
    int64_t level; // in units: unit_ per token
    int64_t updated_ms;
  };
  struct alignas(64) stripe {
    mutable std::mutex mu;
    std::unordered_map<uint64_t, bucket> buckets;
  };

  void refill(bucket& b, int64_t now_ms) const;
  int64_t full_at_ms(const bucket& b) const;
  void make_room(stripe& s, int64_t now_ms);

  int64_t unit_;          // units per token
  int64_t refill_per_ms_; // units added per millisecond
  int64_t capacity_;      // burst * unit_
  int64_t full_after_ms_; // an empty bucket is full again after this long
  uint32_t keys_per_stripe_max_;
  uint64_t hash_seed_;
  std::array<stripe, stripe_count> stripes_;
  std::atomic<uint64_t> evicted_live_{0};
};

// SipHash-2-4 (Aumasson and Bernstein): a keyed 64-bit hash, exposed so its
// test vector can pin it.
uint64_t siphash_2_4(uint64_t k0, uint64_t k1, std::string_view data);

} // namespace holdfast
