// How long an actor waits before asking again when a shard or event actor did
// not answer: limits::retry_pause_ms_min, doubling to retry_pause_ms_max.
// (Both users stop asking once answered.)
#pragma once

#include <algorithm>
#include <chrono>

#include "core/limits.hpp"

namespace holdfast {

class retry_backoff {
public:
  std::chrono::milliseconds next() {
    const auto pause = next_;
    next_ = std::min(next_ * 2, last);
    return pause;
  }

private:
  static constexpr std::chrono::milliseconds first{limits::retry_pause_ms_min};
  static constexpr std::chrono::milliseconds last{limits::retry_pause_ms_max};
  std::chrono::milliseconds next_ = first;
};

} // namespace holdfast
