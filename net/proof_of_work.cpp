#include "net/proof_of_work.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <optional>

#include "core/assert.hpp"
#include "core/limits.hpp"
#include "net/auth.hpp"

namespace holdfast {

namespace {

constexpr std::string_view payload_prefix = "pow1|";
constexpr std::string_view key_label = "holdfast proof-of-work v1";

struct payload_fields {
  event_id event = 0;
  int64_t issued_ms = 0;
  uint32_t difficulty_bits = 0;
};

// The browser's nonce alphabet: base64url characters, so nonces survive JSON,
// headers and URLs unescaped; bounded so nobody makes us hash megabytes.
bool nonce_well_formed(std::string_view nonce) {
  if (nonce.empty() || nonce.size() > limits::pow_nonce_bytes_max) return false;
  return std::all_of(nonce.begin(), nonce.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

template <typename T> bool take_field(std::string_view& rest, T& out) {
  const auto bar = rest.find('|');
  if (bar == std::string_view::npos) return false;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + bar, out);
  if (ec != std::errc{} || end != rest.data() + bar) return false;
  rest.remove_prefix(bar + 1);
  return true;
}

// Only reached once the MAC matched, so a failure here means a payload format
// we do not know (a newer node's), not an attack.
std::optional<payload_fields> parse_payload(std::string_view encoded) {
  const auto payload = base64url_decode(encoded);
  if (!payload || !payload->starts_with(payload_prefix)) return std::nullopt;
  std::string_view rest = std::string_view(*payload).substr(payload_prefix.size());
  payload_fields f;
  if (!take_field(rest, f.event) || !take_field(rest, f.issued_ms) ||
      !take_field(rest, f.difficulty_bits) || rest.size() != 32)
    return std::nullopt;
  return f;
}

} // namespace

std::string_view verdict_name(pow_verdict v) {
  switch (v) {
  case pow_verdict::ok:
    return "ok";
  case pow_verdict::malformed:
    return "malformed";
  case pow_verdict::forged:
    return "forged";
  case pow_verdict::wrong_event:
    return "wrong_event";
  case pow_verdict::expired:
    return "expired";
  case pow_verdict::replayed:
    return "replayed";
  case pow_verdict::insufficient_work:
    return "insufficient_work";
  }
  return "unknown";
}

uint32_t work_bits(std::string_view challenge, std::string_view nonce) {
  std::string input;
  input.reserve(challenge.size() + 1 + nonce.size());
  input.append(challenge).append(":").append(nonce);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  uint32_t bits = 0;
  for (unsigned char byte : digest) {
    bits += static_cast<uint32_t>(std::countl_zero(byte));
    if (byte != 0) break;
  }
  return bits;
}

proof_of_work::proof_of_work(std::string_view secret, const pow_config& config)
    : key_(hmac_sha256(secret, key_label)), ttl_ms_(config.ttl_ms), solved_max_(config.solved_max),
      difficulty_bits_(config.difficulty_bits) {
  HF_ASSERT(secret.size() >= 16);
  HF_ASSERT(config.difficulty_bits <= limits::pow_difficulty_bits_max);
  HF_ASSERT(config.ttl_ms > 0 && config.solved_max >= 1);
}

void proof_of_work::set_difficulty(uint32_t bits) {
  HF_ASSERT(bits <= limits::pow_difficulty_bits_max);
  difficulty_bits_.store(bits, std::memory_order_relaxed);
}

std::string proof_of_work::mac(std::string_view data) const {
  return hmac_sha256(key_, data);
}

std::string proof_of_work::issue(event_id event, int64_t now_ms) const {
  std::array<uint8_t, 16> nonce;
  HF_ASSERT(RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) == 1);
  return issue(event, now_ms, nonce);
}

std::string proof_of_work::issue(event_id event, int64_t now_ms,
                                 const std::array<uint8_t, 16>& nonce) const {
  static constexpr char hex[] = "0123456789abcdef";
  std::string payload = std::string(payload_prefix) + std::to_string(event) + "|" +
                        std::to_string(now_ms) + "|" + std::to_string(difficulty()) + "|";
  for (uint8_t b : nonce) {
    payload.push_back(hex[b >> 4]);
    payload.push_back(hex[b & 15]);
  }
  // The MAC covers the encoded text, so verify() decodes nothing unauthenticated.
  const std::string encoded = base64url_encode(payload);
  const std::string challenge = encoded + "." + base64url_encode(mac(encoded));
  HF_ASSERT(challenge.size() <= limits::pow_challenge_bytes_max);
  return challenge;
}

// Cheapest refusals first; the lock is taken only for a correct solution.
pow_verdict proof_of_work::verify(std::string_view challenge, std::string_view nonce,
                                  event_id event, int64_t now_ms) {
  const uint32_t current_bits = difficulty();
  if (current_bits == 0) return pow_verdict::ok;
  if (challenge.size() > limits::pow_challenge_bytes_max || !nonce_well_formed(nonce))
    return pow_verdict::malformed;
  const auto dot = challenge.find('.');
  if (dot == std::string_view::npos) return pow_verdict::malformed;
  const auto encoded = challenge.substr(0, dot);
  const auto given = base64url_decode(challenge.substr(dot + 1));
  const std::string expected = mac(encoded);
  if (!given || given->size() != expected.size() ||
      CRYPTO_memcmp(given->data(), expected.data(), expected.size()) != 0)
    return pow_verdict::forged;
  const auto fields = parse_payload(encoded);
  if (!fields) return pow_verdict::malformed;
  if (fields->event != event) return pow_verdict::wrong_event;
  const int64_t expires_ms = fields->issued_ms + ttl_ms_;
  if (now_ms >= expires_ms) return pow_verdict::expired;
  if (work_bits(challenge, nonce) < std::max(fields->difficulty_bits, current_bits))
    return pow_verdict::insufficient_work;
  // The MAC is unpredictable without the secret, so 64 bits of it name the
  // challenge; a chance collision (2^-64 a pair) only refuses one solver.
  uint64_t key = 0;
  std::memcpy(&key, expected.data(), sizeof key);
  return remember(key, expires_ms, now_ms) ? pow_verdict::ok : pow_verdict::replayed;
}

// False if key is remembered already. Forgets expired challenges first, then,
// if still full, the one closest to expiry (see the header).
bool proof_of_work::remember(uint64_t key, int64_t expires_ms, int64_t now_ms) {
  std::lock_guard lock(mu_);
  while (!by_expiry_.empty() && by_expiry_.top().expires_ms <= now_ms) {
    solved_keys_.erase(by_expiry_.top().key);
    by_expiry_.pop();
  }
  if (solved_keys_.contains(key)) return false;
  if (solved_keys_.size() >= solved_max_) {
    solved_keys_.erase(by_expiry_.top().key);
    by_expiry_.pop();
    forgotten_early_.fetch_add(1, std::memory_order_relaxed);
  }
  solved_keys_.insert(key);
  by_expiry_.push({expires_ms, key});
  HF_ASSERT(solved_keys_.size() == by_expiry_.size() && solved_keys_.size() <= solved_max_);
  return true;
}

size_t proof_of_work::remembered() const {
  std::lock_guard lock(mu_);
  return solved_keys_.size();
}

} // namespace holdfast
