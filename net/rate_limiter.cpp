#include "net/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "core/assert.hpp"

namespace holdfast {

namespace {

constexpr uint64_t rotl(uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

struct sip_state {
  uint64_t v0, v1, v2, v3;

  void round() {
    v0 += v1;
    v1 = rotl(v1, 13) ^ v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16) ^ v2;
    v0 += v3;
    v3 = rotl(v3, 21) ^ v0;
    v2 += v1;
    v1 = rotl(v1, 17) ^ v2;
    v2 = rotl(v2, 32);
  }
  void absorb(uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

uint64_t load_le64(const char* p) {
  uint64_t x = 0;
  for (int i = 7; i >= 0; --i)
    x = (x << 8) | static_cast<unsigned char>(p[i]);
  return x;
}

// Fibonacci hashing: sequential user ids spread evenly over the stripes.
size_t stripe_of(uint64_t key) {
  return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 58) % rate_limiter::stripe_count;
}

} // namespace

uint64_t siphash_2_4(uint64_t k0, uint64_t k1, std::string_view data) {
  sip_state s{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull,
              k1 ^ 0x7465646279746573ull};
  const size_t whole = data.size() / 8 * 8;
  for (size_t i = 0; i < whole; i += 8)
    s.absorb(load_le64(data.data() + i));
  uint64_t last = static_cast<uint64_t>(data.size()) << 56;
  for (size_t i = whole; i < data.size(); ++i)
    last |= static_cast<uint64_t>(static_cast<unsigned char>(data[i])) << (8 * (i - whole));
  s.absorb(last);
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i)
    s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

token_rate token_rate::per_second(double rate_per_s) {
  HF_ASSERT(std::isfinite(rate_per_s) && rate_per_s >= 0.001 && rate_per_s <= 1e6);
  // rate_per_s * 1000 tokens every 1000 s.
  return {std::llround(rate_per_s * 1000), 1'000'000};
}

rate_limiter::rate_limiter(const rate_limiter_config& config)
    : keys_per_stripe_max_(config.keys_per_stripe_max), hash_seed_(config.hash_seed) {
  const token_rate r = config.rate;
  HF_ASSERT(r.tokens >= 1 && r.tokens <= limits::rate_tokens_max);
  HF_ASSERT(r.period_ms >= 1 && r.period_ms <= limits::rate_period_ms_max);
  HF_ASSERT(config.burst >= 1 && config.burst <= limits::rate_burst_max);
  HF_ASSERT(keys_per_stripe_max_ >= 1);
  // One token is period_ms units and a millisecond adds `tokens` units, reduced
  // so the numbers stay small. capacity_ <= 1e6 * 1e9 fits with room to add.
  const int64_t g = std::gcd(r.tokens, r.period_ms);
  unit_ = r.period_ms / g;
  refill_per_ms_ = r.tokens / g;
  capacity_ = unit_ * config.burst;
  full_after_ms_ = (capacity_ + refill_per_ms_ - 1) / refill_per_ms_;
}

uint64_t rate_limiter::key_of(std::string_view text) const {
  return siphash_2_4(hash_seed_, ~hash_seed_, text);
}

uint64_t rate_limiter::key_of(uint64_t a, uint64_t b) const {
  char bytes[16];
  std::memcpy(bytes, &a, 8);
  std::memcpy(bytes + 8, &b, 8);
  return siphash_2_4(hash_seed_, ~hash_seed_, std::string_view(bytes, 16));
}

void rate_limiter::refill(bucket& b, int64_t now_ms) const {
  if (now_ms <= b.updated_ms) return;
  const int64_t elapsed_ms = now_ms - b.updated_ms;
  b.updated_ms = now_ms;
  // Below full_after_ms_ the product stays under capacity_ + refill_per_ms_: no overflow.
  b.level = elapsed_ms >= full_after_ms_
                ? capacity_
                : std::min(capacity_, b.level + elapsed_ms * refill_per_ms_);
}

int64_t rate_limiter::full_at_ms(const bucket& b) const {
  return b.updated_ms + (capacity_ - b.level + refill_per_ms_ - 1) / refill_per_ms_;
}

take_result rate_limiter::try_take(uint64_t key, int64_t now_ms) {
  stripe& s = stripes_[stripe_of(key)];
  std::lock_guard lock(s.mu);
  auto it = s.buckets.find(key);
  if (it == s.buckets.end()) {
    if (s.buckets.size() >= keys_per_stripe_max_) make_room(s, now_ms);
    it = s.buckets.emplace(key, bucket{capacity_, now_ms}).first;
  } else {
    refill(it->second, now_ms);
  }
  bucket& b = it->second;
  HF_ASSERT(b.level >= 0 && b.level <= capacity_);
  if (b.level >= unit_) {
    b.level -= unit_;
    return {true, 0};
  }
  return {false, (unit_ - b.level + refill_per_ms_ - 1) / refill_per_ms_};
}

// Called with the stripe locked and full. Dropping a bucket that is full by
// now changes nothing a client can observe. If that frees nothing, the stripe
// holds more active clients than the bound: drop the eighth that will be full
// soonest (they lose the least), so the O(n) scan is paid once per n/8 inserts.
void rate_limiter::make_room(stripe& s, int64_t now_ms) {
  std::erase_if(s.buckets, [&](const auto& kv) { return full_at_ms(kv.second) <= now_ms; });
  if (s.buckets.size() < keys_per_stripe_max_) return;
  std::vector<int64_t> full_at;
  full_at.reserve(s.buckets.size());
  for (const auto& [key, b] : s.buckets)
    full_at.push_back(full_at_ms(b));
  const size_t drop = std::max<size_t>(1, full_at.size() / 8);
  std::nth_element(full_at.begin(), full_at.begin() + (drop - 1), full_at.end());
  const int64_t cutoff = full_at[drop - 1];
  const size_t dropped =
      std::erase_if(s.buckets, [&](const auto& kv) { return full_at_ms(kv.second) <= cutoff; });
  HF_ASSERT(dropped >= drop && s.buckets.size() < keys_per_stripe_max_);
  evicted_live_.fetch_add(dropped, std::memory_order_relaxed);
}

size_t rate_limiter::size() const {
  size_t n = 0;
  for (const stripe& s : stripes_) {
    std::lock_guard lock(s.mu);
    n += s.buckets.size();
  }
  return n;
}

} // namespace holdfast
