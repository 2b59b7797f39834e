#include "net/access_tokens.hpp"

#include <charconv>

#include "core/assert.hpp"
#include "core/limits.hpp"
#include "net/auth.hpp"

namespace holdfast {

namespace {

constexpr std::string_view queue_prefix = "hfq1|";
constexpr std::string_view access_prefix = "hfa1|";

// Payload: "<prefix><event>|<user>|<seq>|<time_ms>", all decimal.
struct token_fields {
  event_id event = 0;
  user_id user = 0;
  uint32_t seq = 0;
  int64_t time_ms = 0;
};

std::string sign(const hmac_sha256_key& key, std::string_view prefix, const token_fields& f) {
  std::string payload(prefix);
  payload += std::to_string(f.event) + "|" + std::to_string(f.user) + "|" + std::to_string(f.seq) +
             "|" + std::to_string(f.time_ms);
  return sign_token(key, payload);
}

// Reads one decimal field up to `end_char` (or to the end when it is 0),
// requiring the whole field to be a number of type T.
template <class T> bool take(std::string_view& rest, char end_char, T& out) {
  const size_t end = end_char == 0 ? rest.size() : rest.find(end_char);
  if (end == std::string_view::npos || end == 0) return false;
  const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + end, out);
  if (ec != std::errc{} || ptr != rest.data() + end) return false;
  rest.remove_prefix(end_char == 0 ? end : end + 1);
  return true;
}

// The fields of a token whose MAC under `key` checks out and whose payload
// carries `prefix`; nothing otherwise. open_token checks the MAC first, in
// constant time, so nothing about an unauthenticated payload is ever parsed.
std::optional<token_fields> open(const hmac_sha256_key& key, std::string_view prefix,
                                 std::string_view token) {
  const auto payload = open_token(key, token, limits::access_token_chars_max);
  if (!payload || !payload->starts_with(prefix)) return std::nullopt;
  std::string_view rest = std::string_view(*payload).substr(prefix.size());
  token_fields f;
  if (!take(rest, '|', f.event) || !take(rest, '|', f.user) || !take(rest, '|', f.seq) ||
      !take(rest, 0, f.time_ms) || !rest.empty() || f.user == 0)
    return std::nullopt;
  return f;
}

} // namespace

access_tokens::access_tokens(std::string_view node_secret)
    : queue_key_(hmac_sha256(node_secret, "holdfast queue token key v1")),
      access_key_(hmac_sha256(node_secret, "holdfast access token key v1")) {
  HF_ASSERT(node_secret.size() >= 16);
}

std::string access_tokens::issue_queue_token(const queue_claims& c) const {
  HF_ASSERT(c.user != 0);
  return sign(queue_key_, queue_prefix, {c.event, c.user, c.seq, c.issued_ms});
}

std::optional<queue_claims> access_tokens::verify_queue_token(std::string_view token,
                                                              event_id event) const {
  const auto f = open(queue_key_, queue_prefix, token);
  if (!f || f->event != event) return std::nullopt;
  return queue_claims{f->user, f->event, f->seq, f->time_ms};
}

std::string access_tokens::issue_access_token(const access_claims& c) const {
  HF_ASSERT(c.user != 0);
  return sign(access_key_, access_prefix, {c.event, c.user, c.admitted_seq, c.expires_at_ms});
}

std::optional<access_claims> access_tokens::verify_access_token(std::string_view token,
                                                                user_id user, event_id event,
                                                                int64_t now_ms) const {
  const auto f = open(access_key_, access_prefix, token);
  if (!f || f->event != event || f->user != user || now_ms >= f->time_ms) return std::nullopt;
  return access_claims{f->user, f->event, f->seq, f->time_ms};
}

} // namespace holdfast
