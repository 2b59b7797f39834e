// What an operator decides about an event: its name and date, hold time,
// per-user cap, and how it goes on sale. Journaled with the event
// (EventCreated), so recovery and every actor that hosts a part of the event
// (event, waiting room, pricing, checkout) read the same configuration.
#pragma once

#include <cstdint>
#include <string>

#include "core/ids.hpp"
#include "core/limits.hpp"

namespace holdfast {

// How an event goes on sale: the waiting room, dynamic pricing and the
// waitlist. Journaled with the event (EventCreated.on_sale), so a restart runs
// the same sale.
struct onsale_config {
  bool waiting_room = false;
  int64_t queue_opens_at_ms = 0;  // joins before this go to the shuffled pre-queue
  uint32_t admit_per_min = 600;   // admission rate of the waiting room
  uint32_t active_max = 1000;     // admitted users shopping at once
  int64_t access_ttl_s = 1800;    // an access token's lifetime (and the active slot's)
  uint64_t shuffle_seed = 0;      // the pre-queue's shuffle, recorded for replay
  int64_t pricing_interval_s = 0; // 0: fixed prices
  uint32_t price_ceiling_pct = 300;
  int64_t waitlist_offer_s = 900; // how long a waitlist offer holds its seats
};

struct event_config {
  event_id id = 0;
  std::string name;
  std::string artist;
  std::string category;
  int64_t starts_at_ms = 0;
  int64_t hold_ttl_s = limits::hold_ttl_s_default;
  uint32_t user_seats_max = limits::user_seats_max_default;
  onsale_config onsale;
};

} // namespace holdfast
