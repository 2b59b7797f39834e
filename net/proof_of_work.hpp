// Hashcash-style proof of work for joining an event's queue. The node issues a
// challenge; the browser (web/pow.js) searches for a nonce such that
// SHA-256(challenge ":" nonce) starts with `difficulty` zero bits, about
// 2^difficulty hashes; the node checks it with one hash. A person pays a
// fraction of a second once; a bot farm pays it for every queue entry.
//
// Challenge: base64url(payload) "." base64url(HMAC-SHA256(key, encoded payload)),
// payload "pow1|<event>|<issued_ms>|<difficulty>|<128-bit random nonce, hex>".
// The MAC makes challenges stateless (any node with the secret checks them,
// nothing is stored per issued challenge); the key is derived from the node
// secret, so a challenge can never pass as a user token or the other way round.
//
// Single use: a solved challenge is remembered until it expires, so one
// solution cannot be replayed by every machine of a farm. The memory is
// bounded by solved_max; past it, the challenge closest to expiry is
// forgotten early, which only someone who has already paid for solved_max
// solutions can exploit, and only for that challenge's remaining minutes.
// The memory is per instance: verify where the event's queue lives (or route
// by event) so a solution is single-use across the cluster too.
//
// Thread-safe: verify() may be called from every I/O thread; only the replay
// memory is locked, after the MAC and the work have been checked.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/ids.hpp"
#include "core/limits.hpp"

namespace holdfast {

struct pow_config {
  // Leading zero bits required; 0 turns the check off. 16 is about 65,000
  // hashes: well under a second in a browser's WebCrypto.
  uint32_t difficulty_bits = 0;
  int64_t ttl_ms = limits::pow_challenge_ttl_ms;
  uint32_t solved_max = limits::pow_solved_max; // solved challenges remembered
};

// Why a solution was refused; code names are stable, for the HTTP error.
enum class pow_verdict : uint8_t {
  ok = 0,
  malformed,         // not a challenge; or a nonce outside [A-Za-z0-9_-]{1,64}
  forged,            // the MAC does not match: not issued with our secret
  wrong_event,       // issued for another event
  expired,           // older than ttl_ms
  replayed,          // this challenge was already solved once
  insufficient_work, // too few leading zero bits (or issued before a raise)
};
std::string_view verdict_name(pow_verdict v);

class proof_of_work {
public:
  // REQUIRES: secret of at least 16 bytes (the node secret).
  proof_of_work(std::string_view secret, const pow_config& config);

  // A fresh challenge at the current difficulty (carrying difficulty 0 when
  // the check is off, so clients need no special case).
  std::string issue(event_id event, int64_t now_ms) const;
  // The same with a chosen nonce, for tests and test vectors.
  std::string issue(event_id event, int64_t now_ms, const std::array<uint8_t, 16>& nonce) const;

  // ok when the check is off, or when the challenge is ours, for this event,
  // unexpired, never solved before, and SHA-256(challenge ":" nonce) has at
  // least max(issued difficulty, current difficulty) leading zero bits.
  // An ok solution is remembered: the same challenge is refused from now on.
  pow_verdict verify(std::string_view challenge, std::string_view nonce, event_id event,
                     int64_t now_ms);

  uint32_t difficulty() const { return difficulty_bits_.load(std::memory_order_relaxed); }
  // Raising it refuses outstanding easier challenges at once (under attack);
  // lowering it lets them through.
  void set_difficulty(uint32_t bits);

  size_t remembered() const;
  uint64_t forgotten_early() const { return forgotten_early_.load(std::memory_order_relaxed); }

private:
  struct solved {
    int64_t expires_ms;
    uint64_t key;
    bool operator>(const solved& o) const { return expires_ms > o.expires_ms; }
  };
  std::string mac(std::string_view data) const;
  bool remember(uint64_t key, int64_t expires_ms, int64_t now_ms);

  std::string key_; // HMAC key derived from the node secret
  int64_t ttl_ms_;
  uint32_t solved_max_;
  std::atomic<uint32_t> difficulty_bits_;
  std::atomic<uint64_t> forgotten_early_{0};
  mutable std::mutex mu_; // guards the two below
  std::unordered_set<uint64_t> solved_keys_;
  std::priority_queue<solved, std::vector<solved>, std::greater<>> by_expiry_;
};

// Leading zero bits of SHA-256(challenge ":" nonce), 0..256.
uint32_t work_bits(std::string_view challenge, std::string_view nonce);

} // namespace holdfast
