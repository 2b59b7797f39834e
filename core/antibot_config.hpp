// The anti-bot settings of a node (cluster.conf [limits] and [queue]), as plain
// data: net/antibot.hpp enforces them, node/node_config.cpp reads them.
#pragma once

#include <cstdint>

#include "core/limits.hpp"

namespace holdfast {

// Token-bucket rates and bursts; a rate of 0 turns that bucket off.
struct antibot_config {
  uint32_t ip_per_s = limits::ip_requests_per_s_default;
  uint32_t ip_burst = limits::ip_requests_burst_default;
  uint32_t user_per_s = limits::user_requests_per_s_default;
  uint32_t user_burst = limits::user_requests_burst_default;
  uint32_t device_per_s = limits::device_requests_per_s_default;
  uint32_t device_burst = limits::device_requests_burst_default;
  uint32_t hold_attempts_per_min = limits::hold_attempts_per_min_default;
  uint32_t hold_attempts_burst = limits::hold_attempts_burst_default;
  uint32_t pow_difficulty = limits::pow_difficulty_default; // every event starts here
  // Sign-up: proof of work on every POST /v1/users, and sign-ups per client IP.
  uint32_t signup_pow_difficulty = limits::signup_pow_difficulty_default;
  uint32_t signup_per_ip_per_min = limits::signup_per_ip_per_min_default;
  uint32_t signup_per_ip_burst = limits::signup_per_ip_burst_default;
};

} // namespace holdfast
