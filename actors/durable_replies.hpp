// Answers that wait for the journal. An actor that journals numbers each
// append it sends with a ticket; the journal reports the newest committed
// ticket; an answer promised after ticket t leaves once t is committed. Shared
// by the event actor and the queue-admission actor, which both promise nothing
// a crash could take back.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>

#include "core/assert.hpp"

namespace holdfast {

class durable_replies {
public:
  // The ticket of the next append this actor sends.
  uint64_t next_ticket() { return ++issued_; }

  // Runs `deliver` now if everything appended is committed, else once it is.
  void when_durable(std::function<void()> deliver) {
    if (issued_ == committed_) {
      deliver();
      return;
    }
    waiting_.push_back(waiting_reply{issued_, std::move(deliver)});
  }

  void committed(uint64_t ticket) {
    HF_ASSERT(ticket <= issued_);
    committed_ = std::max(committed_, ticket);
    while (!waiting_.empty() && waiting_.front().ticket <= committed_) {
      auto deliver = std::move(waiting_.front().deliver);
      waiting_.pop_front();
      deliver();
    }
  }

  size_t waiting() const { return waiting_.size(); }
  bool all_committed() const { return issued_ == committed_; }

private:
  struct waiting_reply {
    uint64_t ticket;
    std::function<void()> deliver;
  };
  uint64_t issued_ = 0;
  uint64_t committed_ = 0;
  std::deque<waiting_reply> waiting_;
};

} // namespace holdfast
