// Short-lived, single-use tickets that let a live WebSocket act for a user.
//
// A browser cannot put an Authorization header on a WebSocket handshake, so
// the socket used to carry the 30-day bearer token in its URL, where proxies,
// access logs and browser history keep it. Instead the client asks
// POST /v1/live-tickets (with its bearer token, in a header) for a ticket and
// opens /v1/events/{id}/live?ticket=... with it within live_ticket_ttl_ms; the
// first upgrade that presents it uses it up. A logged or leaked URL is then
// worth nothing.
//
// Pure and clock-free (time arrives as now_ms); the random ticket strings come
// from the caller. Bounded: at most live_tickets_max outstanding on a node and
// live_tickets_per_user_max per user; expired tickets are swept as new ones
// are issued.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/ids.hpp"

namespace holdfast {

class live_tickets {
public:
  struct grant {
    user_id user = 0;
    std::string queue_token; // the waiting-room place the socket may watch; may be empty
  };
  enum class refusal : uint8_t { none, user_limit, full };

  // Thread-safe. Records `ticket` (fresh random text from the caller) for
  // `who` until now_ms + live_ticket_ttl_ms.
  refusal issue(const std::string& ticket, grant who, int64_t now_ms);
  // Thread-safe. The ticket's grant if it is known and unexpired; it is used
  // up either way.
  std::optional<grant> redeem(std::string_view ticket, int64_t now_ms);
  size_t outstanding() const;

private:
  struct entry {
    grant who;
    int64_t expires_at_ms = 0;
  };
  void sweep(int64_t now_ms); // REQUIRES: mutex_ held
  void forget(std::unordered_map<std::string, entry>::iterator it); // REQUIRES: mutex_ held

  mutable std::mutex mutex_;
  std::unordered_map<std::string, entry> tickets_;
  std::unordered_map<user_id, uint32_t> per_user_;
  // Issue order is expiry order (one TTL for all), so expired tickets are
  // always at the front.
  std::deque<std::pair<int64_t, std::string>> expiry_;
};

} // namespace holdfast
