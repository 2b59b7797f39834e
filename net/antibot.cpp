#include "net/antibot.hpp"

#include <openssl/crypto.h>

#include "core/assert.hpp"
#include "core/limits.hpp"
#include "net/auth.hpp"

namespace holdfast {

namespace {

std::optional<block> refused(block_reason why, const take_result& r) {
  if (r.allowed) return std::nullopt;
  return block{why, std::max<int64_t>(1, (r.retry_after_ms + 999) / 1000)};
}

} // namespace

std::unique_ptr<rate_limiter> antibot::bucket(uint32_t per_period, int64_t period_ms,
                                              uint32_t burst) {
  if (per_period == 0) return nullptr;
  rate_limiter_config c;
  c.rate = token_rate{per_period, period_ms};
  c.burst = std::max<uint32_t>(burst, 1);
  c.hash_seed = random_u64(); // nobody can aim keys at one stripe
  return std::make_unique<rate_limiter>(c);
}

antibot::antibot(const antibot_config& config, std::string_view secret, std::string admin_token)
    : config_(config), secret_(secret), admin_token_(std::move(admin_token)),
      ip_(bucket(config.ip_per_s, 1000, config.ip_burst)),
      device_(bucket(config.device_per_s, 1000, config.device_burst)),
      user_(bucket(config.user_per_s, 1000, config.user_burst)),
      hold_(bucket(config.hold_attempts_per_min, 60'000, config.hold_attempts_burst)),
      signup_(bucket(config.signup_per_ip_per_min, 60'000, config.signup_per_ip_burst)),
      signup_pow_(std::make_unique<proof_of_work>(
          std::string(secret) + "|signup",
          pow_config{.difficulty_bits = config.signup_pow_difficulty})) {
  HF_ASSERT(!admin_token_.empty());
  HF_ASSERT(config.pow_difficulty <= limits::pow_difficulty_bits_max);
  HF_ASSERT(config.signup_pow_difficulty <= limits::pow_difficulty_bits_max);
}

std::optional<block> antibot::take_request(std::string_view ip, std::string_view device,
                                           std::optional<user_id> user, int64_t now_ms) {
  if (ip_ && !ip.empty())
    if (auto b = refused(block_reason::ip, ip_->try_take(ip, now_ms))) return b;
  if (device_ && !device.empty() && device.size() <= limits::device_id_bytes_max)
    if (auto b = refused(block_reason::device, device_->try_take(device, now_ms))) return b;
  if (user_ && user)
    if (auto b = refused(block_reason::user, user_->try_take(user_->key_of(*user, 0), now_ms)))
      return b;
  return std::nullopt;
}

std::optional<block> antibot::take_hold_attempt(user_id user, event_id event, int64_t now_ms) {
  if (!hold_) return std::nullopt;
  return refused(block_reason::hold_velocity, hold_->try_take(hold_->key_of(user, event), now_ms));
}

std::optional<block> antibot::take_signup(std::string_view ip, int64_t now_ms) {
  if (!signup_ || ip.empty()) return std::nullopt;
  return refused(block_reason::signup, signup_->try_take(ip, now_ms));
}

proof_of_work& antibot::pow_for(event_id event) {
  std::lock_guard<std::mutex> guard{pow_mutex_};
  auto& slot = pow_[event];
  if (!slot)
    slot = std::make_unique<proof_of_work>(secret_,
                                           pow_config{.difficulty_bits = config_.pow_difficulty});
  return *slot;
}

bool antibot::admin_token_ok(std::string_view token) const {
  return token.size() == admin_token_.size() &&
         CRYPTO_memcmp(token.data(), admin_token_.data(), token.size()) == 0;
}

} // namespace holdfast
