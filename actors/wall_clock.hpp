// An actor's "now" in wall-clock milliseconds: the wall clock at spawn plus
// the time the actor's own clock has moved since. Holds carry absolute
// deadlines, so every actor that decides by time needs wall time; deriving it
// from the actor clock lets tests move it with the deterministic scheduler.
#pragma once

#include <chrono>
#include <cstdint>

#include <caf/actor_clock.hpp>

namespace holdfast {

class wall_clock {
public:
  void start(const caf::actor_clock& clock, int64_t wall_origin_ms) {
    steady_origin_ = clock.now();
    wall_origin_ms_ = wall_origin_ms;
  }
  int64_t now_ms(const caf::actor_clock& clock) const {
    return wall_origin_ms_ +
           std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - steady_origin_)
               .count();
  }

private:
  caf::actor_clock::time_point steady_origin_;
  int64_t wall_origin_ms_ = 0;
};

} // namespace holdfast
