#include "net/live_tickets.hpp"

#include "core/limits.hpp"

namespace holdfast {

live_tickets::refusal live_tickets::issue(const std::string& ticket, grant who, int64_t now_ms) {
  std::lock_guard<std::mutex> guard{mutex_};
  sweep(now_ms);
  auto& mine = per_user_[who.user];
  if (mine >= limits::live_tickets_per_user_max) return refusal::user_limit;
  // Redeemed tickets wait in expiry_ until their time is up, hence its own bound.
  if (tickets_.size() >= limits::live_tickets_max ||
      expiry_.size() >= 2 * size_t{limits::live_tickets_max}) {
    if (mine == 0) per_user_.erase(who.user);
    return refusal::full;
  }
  const int64_t expires = now_ms + limits::live_ticket_ttl_ms;
  // The caller's 128 random bits never collide in practice; if they did, the
  // older ticket would just stop working early.
  if (auto old = tickets_.find(ticket); old != tickets_.end()) forget(old);
  ++per_user_[who.user];
  tickets_.emplace(ticket, entry{std::move(who), expires});
  expiry_.emplace_back(expires, ticket);
  return refusal::none;
}

std::optional<live_tickets::grant> live_tickets::redeem(std::string_view ticket, int64_t now_ms) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = tickets_.find(std::string(ticket));
  if (it == tickets_.end()) return std::nullopt;
  std::optional<grant> out;
  if (now_ms < it->second.expires_at_ms) out = std::move(it->second.who);
  forget(it);
  return out;
}

size_t live_tickets::outstanding() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return tickets_.size();
}

void live_tickets::sweep(int64_t now_ms) {
  // Entries whose ticket was redeemed (or replaced) are skipped here.
  while (!expiry_.empty() && expiry_.front().first <= now_ms) {
    auto it = tickets_.find(expiry_.front().second);
    if (it != tickets_.end() && it->second.expires_at_ms <= now_ms) forget(it);
    expiry_.pop_front();
  }
}

void live_tickets::forget(std::unordered_map<std::string, entry>::iterator it) {
  auto count = per_user_.find(it->second.who.user);
  if (count != per_user_.end() && --count->second == 0) per_user_.erase(count);
  tickets_.erase(it);
}

} // namespace holdfast
