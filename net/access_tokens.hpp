// Signed tokens of the waiting room, in the bearer-token format of auth.hpp:
// base64url(payload) "." base64url(HMAC-SHA256). Stateless, like user tokens:
// any node with the node secret verifies them, and they survive restarts.
//
// - A queue token names a place in one event's waiting room (seq 0 while in
//   the pre-queue). It does not expire: the place lasts as long as the queue.
// - An access token lets one user buy in one event until expires_at_ms.
//
// Domain separation, twice over: each kind is MAC'd under its own key derived
// from the node secret, and its payload starts with its own type prefix, so a
// queue token never verifies as an access token, nor either as a user bearer
// token (whose payload starts "v1|" and whose key is the secret itself).
// Revocation (a bot removed after admission) is the queue's job: callers that
// must honour it check the queue state too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "net/auth.hpp"

namespace holdfast {

struct queue_claims {
  user_id user = 0;
  event_id event = 0;
  uint32_t seq = 0; // 0: in the pre-queue when issued
  int64_t issued_ms = 0;
};

struct access_claims {
  user_id user = 0;
  event_id event = 0;
  uint32_t admitted_seq = 0;
  int64_t expires_at_ms = 0;
};

class access_tokens {
public:
  // REQUIRES: node_secret is the node's secret (at least 16 bytes).
  explicit access_tokens(std::string_view node_secret);

  std::string issue_queue_token(const queue_claims& claims) const;
  // Nothing for a forged or malformed token, or one for another event.
  std::optional<queue_claims> verify_queue_token(std::string_view token, event_id event) const;

  std::string issue_access_token(const access_claims& claims) const;
  // Nothing for a forged or malformed token, one for another user or event,
  // or one whose expiry is at or before now_ms.
  std::optional<access_claims> verify_access_token(std::string_view token, user_id user,
                                                   event_id event, int64_t now_ms) const;

private:
  hmac_sha256_key queue_key_;
  hmac_sha256_key access_key_;
};

} // namespace holdfast
