// The pricing actor: one per event with dynamic pricing on. Every interval it
// samples the event's demand (places newly held per section since the last
// sample, and what is available now), computes the next prices with
// pricing.hpp's formula and sends them to the event actor, which applies and
// journals the changes. Holds and orders keep the price they locked: only the
// event actor's current section prices move.
//
// Protocol (it only sends; nobody needs to talk to it):
//   to the event:  (demand_atom) -> demand_sample,  then (prices_atom, std::vector<int64_t>)
//   internal:      (tick_atom) every interval
#pragma once

#include <caf/fwd.hpp>

#include "actors/event_actor.hpp"
#include "domain/pricing.hpp"

namespace holdfast {

struct pricing_setup {
  event_actor event;
  venue_ptr venue;
  pricing_config config;
};

// Builds the formula's configuration from the event's on-sale settings.
pricing_config pricing_config_of(const onsale_config& onsale);

caf::actor spawn_pricing_actor(caf::actor_system& sys, pricing_setup setup);

} // namespace holdfast
