// How long an actor waits before asking again when a shard or event actor did
// not answer: 100 ms, doubling to 5 s. (Both users stop asking once answered.)
#pragma once

#include <algorithm>
#include <chrono>

namespace holdfast {

class retry_backoff {
public:
  std::chrono::milliseconds next() {
    const auto pause = next_;
    next_ = std::min(next_ * 2, last);
    return pause;
  }

private:
  static constexpr std::chrono::milliseconds first{100};
  static constexpr std::chrono::milliseconds last{5'000};
  std::chrono::milliseconds next_ = first;
};

} // namespace holdfast
