// Where an event lives: event id -> shard by a stable hash, shard -> its actor.
// The hash never changes across restarts or versions, so a shard's database
// always holds the same events. (Cluster placement of shards on nodes comes
// with cluster.conf distribution; this is the seam it plugs into.)
#pragma once

#include <cstdint>
#include <vector>

#include "actors/shard_actor.hpp"

namespace holdfast {

// splitmix64 finalizer, reduced to [0, shard_count).
uint32_t shard_of(event_id id, uint32_t shard_count);

class directory {
public:
  directory() = default; // empty until a node gives it its shards
  explicit directory(std::vector<shard_actor> shards);
  const shard_actor& shard_for(event_id id) const;
  uint32_t shard_count() const { return static_cast<uint32_t>(shards_.size()); }
  const std::vector<shard_actor>& shards() const { return shards_; }

private:
  std::vector<shard_actor> shards_;
};

} // namespace holdfast
