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
  uint32_t admit_per_min = limits::queue_admit_per_min_default; // admission rate
  uint32_t active_max = limits::queue_active_max_default; // admitted users shopping at once
  // An access token's lifetime (and the active slot's).
  int64_t access_ttl_s = limits::queue_access_ttl_ms_default / 1000;
  uint64_t shuffle_seed = 0;      // the pre-queue's shuffle, recorded for replay
  int64_t pricing_interval_s = 0; // 0: fixed prices
  uint32_t price_ceiling_pct = limits::price_ceiling_pct_default;
  int64_t waitlist_offer_s = limits::waitlist_offer_s_default; // an offer holds its seats this long
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
