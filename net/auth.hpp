// Bearer tokens for users: "<payload>.<mac>", both base64url. The payload holds
// the user id, display name and expiry; the MAC is HMAC-SHA256 over it with the
// node secret. Stateless: any node with the secret verifies a token, and tokens
// survive restarts because the secret lives in the data directory.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "core/status.hpp"

namespace holdfast {

struct user_claims {
  user_id user = 0;
  std::string name;
  int64_t expires_at_ms = 0;
};

// HMAC-SHA256 under one fixed key, with the key's inner and outer hash states
// computed once: signing then costs two digest-state copies and the hashing
// of the data, instead of OpenSSL's one-shot HMAC() setting everything up per
// call (a token is verified on every authenticated request). Thread-safe:
// each thread hashes in its own scratch context.
class hmac_sha256_key {
public:
  explicit hmac_sha256_key(std::string_view key);
  ~hmac_sha256_key();
  hmac_sha256_key(const hmac_sha256_key&) = delete;
  hmac_sha256_key& operator=(const hmac_sha256_key&) = delete;
  void sign(std::string_view data, unsigned char (&out)[32]) const;
  std::string sign(std::string_view data) const; // the 32 raw bytes

private:
  EVP_MD_CTX* inner_ = nullptr; // after hashing key ^ ipad
  EVP_MD_CTX* outer_ = nullptr; // after hashing key ^ opad
};

class token_authority {
public:
  explicit token_authority(std::string secret);

  std::string issue(const user_claims& claims) const;
  // Nothing for a forged, malformed or expired token.
  std::optional<user_claims> verify(std::string_view token, int64_t now_ms) const;

  // A keyed fingerprint of a card number: the first 16 bytes of HMAC-SHA256
  // under a key derived from the node secret. It tells two cards apart (for
  // idempotency and the per-card seat cap) without storing the number, and
  // cannot be brute-forced from the 10^15-odd card numbers without the secret.
  std::string card_fingerprint(std::string_view card_number) const;

private:
  hmac_sha256_key key_;
  hmac_sha256_key card_key_;
};

// Every signed token of the node (bearer, queue, access):
// base64url(payload) "." base64url(HMAC(key, base64url(payload))).
std::string sign_token(const hmac_sha256_key& key, std::string_view payload);
// The payload of a token at most chars_max long whose MAC under `key` checks
// out, compared in constant time before anything of the payload is read;
// nothing otherwise.
std::optional<std::string> open_token(const hmac_sha256_key& key, std::string_view token,
                                      size_t chars_max);

// Reads data_dir/node.secret, creating it with 32 random bytes (mode 0600) if
// it does not exist.
status load_or_create_secret(const std::string& data_dir, std::string& secret);
// Reads data_dir/admin.token (the operator's bearer token for /v1/admin/*),
// creating it with 64 random hex digits (mode 0600) at first start.
status load_or_create_admin_token(const std::string& data_dir, std::string& token);

// 64 random bits from the OS CSPRNG, never 0.
uint64_t random_u64();

// HMAC-SHA256 of data under key: 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

} // namespace holdfast
