#include "actors/directory.hpp"

#include "core/assert.hpp"

namespace holdfast {

uint32_t shard_of(event_id id, uint32_t shard_count) {
  HF_ASSERT(shard_count > 0);
  uint64_t z = id + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<uint32_t>(z % shard_count);
}

directory::directory(std::vector<shard_actor> shards) : shards_(std::move(shards)) {
  HF_ASSERT(!shards_.empty());
}

const shard_actor& directory::shard_for(event_id id) const {
  HF_ASSERT(!shards_.empty());
  return shards_[shard_of(id, shard_count())];
}

} // namespace holdfast
