// Fuzzes token decoding (net/auth.hpp, net/access_tokens.hpp). Input: one byte
// choosing the check, then the bytes. A forged token cannot get past the MAC, so
// besides raw tokens the target signs the input as a payload with the node's key
// and verifies that: the payload parsers behind the MAC get fuzzed too.
// Checks: base64url has one spelling per byte string (decode then encode gives
// the text back); a token a client sends verifies only in the spelling the node
// issued (no second spelling of a valid token); a token of one kind never
// verifies as another; what verifies has a user and, if it expires, is live.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/access_tokens.hpp"
#include "net/auth.hpp"

using namespace holdfast;

namespace {

constexpr std::string_view secret = "fuzzing-secret-0123456789abcdef";
constexpr int64_t now_ms = 1'800'000'000'000;

void check(bool ok) {
  if (!ok) std::abort();
}

const token_authority& users() {
  static const token_authority a{std::string(secret)};
  return a;
}

const access_tokens& rooms() {
  static const access_tokens t{secret};
  return t;
}

// The same keys as access_tokens', to sign fuzzed payloads (access_tokens.cpp).
const hmac_sha256_key& queue_key() {
  static const hmac_sha256_key k{hmac_sha256(secret, "holdfast queue token key v1")};
  return k;
}
const hmac_sha256_key& access_key() {
  static const hmac_sha256_key k{hmac_sha256(secret, "holdfast access token key v1")};
  return k;
}
const hmac_sha256_key& user_key() {
  static const hmac_sha256_key k{secret};
  return k;
}

// `issued`: the token comes as a client sends it, so only the node's own
// spelling may verify (payloads the target signs itself need not be canonical).
void check_user_token(std::string_view token, bool issued) {
  const auto claims = users().verify(token, now_ms);
  if (!claims) return;
  check(claims->user != 0 && claims->expires_at_ms > now_ms);
  check(!issued || users().issue(*claims) == token);
  check(!rooms().verify_queue_token(token, 1));
}

// Tries the token as a queue token of event `event` and as an access token of
// (user, event); a token that verifies must re-issue identically.
void check_room_token(std::string_view token, event_id event, user_id user, bool issued) {
  if (auto q = rooms().verify_queue_token(token, event)) {
    check(q->user != 0 && q->event == event);
    check(!issued || rooms().issue_queue_token(*q) == token);
    check(!rooms().verify_access_token(token, q->user, event, now_ms));
    check(!users().verify(token, now_ms));
  }
  if (auto a = rooms().verify_access_token(token, user, event, now_ms)) {
    check(a->user == user && a->event == event && a->expires_at_ms > now_ms);
    check(!issued || rooms().issue_access_token(*a) == token);
    check(!rooms().verify_queue_token(token, event));
  }
}

void check_base64(std::string_view text) {
  if (auto bytes = base64url_decode(text)) check(base64url_encode(*bytes) == text);
  auto back = base64url_decode(base64url_encode(text));
  check(back && *back == text);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
  case 0: // a raw bearer, queue or access token, as a client sends it
    check_user_token(in, true);
    check_room_token(in, 7, 42, true);
    break;
  case 1: // a user token's payload, signed
    check_user_token(sign_token(user_key(), in), false);
    break;
  case 2: // a queue token's payload, signed
    check_room_token(sign_token(queue_key(), in), 7, 42, false);
    break;
  case 3: // an access token's payload, signed
    check_room_token(sign_token(access_key(), in), 7, 42, false);
    break;
  case 4:
    check_base64(in);
    break;
  }
  return 0;
}
