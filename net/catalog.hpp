// The node's catalog of events: what GET /v1/events searches and what routes
// use to turn seat labels into seat indices. Written when an event is created,
// recovered or changes status (rare); read by every request, so readers take a
// shared_ptr snapshot and never wait on a writer for more than a pointer copy.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "actors/type_ids.hpp"

namespace holdfast {

struct catalog_entry {
  event_config config;
  venue_ptr hall;
  event_status status = event_status::scheduled;
  int64_t min_price_cents = 0;
};

class catalog {
public:
  using map_type = std::map<event_id, std::shared_ptr<const catalog_entry>>;

  void put(catalog_entry entry);
  void set_status(event_id id, event_status status);
  std::shared_ptr<const catalog_entry> find(event_id id) const;
  std::shared_ptr<const map_type> all() const;

private:
  mutable std::mutex mutex_;
  std::shared_ptr<const map_type> entries_ = std::make_shared<map_type>();
};

} // namespace holdfast
