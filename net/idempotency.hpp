// Idempotency keys for POST /v1/orders: the first request with a key does the
// work; a repeat with the same key and body gets the same response (waiting for
// it if the first is still running) and charges nothing; the same key with a
// different body is refused. Bounded: oldest keys are forgotten first.
// (The event actor makes confirm itself idempotent per hold, so even a key
// forgotten after a restart cannot sell a hold twice.)
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ids.hpp"

namespace holdfast {

struct stored_response {
  unsigned status = 0;
  std::string body;
};

class idempotency_store {
public:
  using waiter = std::function<void(const stored_response&)>;
  enum class claim { first, repeat, mismatch };

  explicit idempotency_store(size_t keys_max = 200'000) : keys_max_(keys_max) {}

  // first: the caller must later call finish(); repeat: `on_done` will get
  // the stored response (now or when it is finished); mismatch: refuse.
  claim begin(user_id user, const std::string& key, const std::string& fingerprint, waiter on_done);
  void finish(user_id user, const std::string& key, stored_response response);

private:
  struct entry {
    std::string fingerprint;
    bool done = false;
    stored_response response;
    std::vector<waiter> waiters;
  };
  static std::string slot(user_id user, const std::string& key) {
    return std::to_string(user) + "/" + key;
  }

  std::mutex mutex_;
  size_t keys_max_;
  std::unordered_map<std::string, entry> entries_;
  std::deque<std::string> order_;
};

} // namespace holdfast
