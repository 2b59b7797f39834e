#include "net/idempotency.hpp"

namespace holdfast {

idempotency_store::claim idempotency_store::begin(user_id user, const std::string& key,
                                                  const std::string& fingerprint, waiter on_done) {
  std::unique_lock<std::mutex> guard{mutex_};
  const std::string id = slot(user, key);
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    while (entries_.size() >= keys_max_ && !order_.empty()) {
      auto oldest = entries_.find(order_.front());
      // A key still in flight is never evicted: its waiters need the answer.
      if (oldest != entries_.end() && !oldest->second.done) break;
      if (oldest != entries_.end()) entries_.erase(oldest);
      order_.pop_front();
    }
    entries_.emplace(id, entry{fingerprint, false, {}, {}});
    order_.push_back(id);
    return claim::first;
  }
  if (it->second.fingerprint != fingerprint) return claim::mismatch;
  if (!it->second.done) {
    it->second.waiters.push_back(std::move(on_done));
    return claim::repeat;
  }
  stored_response copy = it->second.response;
  guard.unlock();
  on_done(copy);
  return claim::repeat;
}

void idempotency_store::finish(user_id user, const std::string& key, stored_response response) {
  std::vector<waiter> waiters;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    auto it = entries_.find(slot(user, key));
    if (it == entries_.end()) return;
    waiters.swap(it->second.waiters);
    if (response.status >= 500) {
      // A server-side failure decided nothing: let a retry with this key run again.
      entries_.erase(it);
    } else {
      it->second.done = true;
      it->second.response = response;
    }
  }
  for (auto& w : waiters)
    w(response);
}

} // namespace holdfast
